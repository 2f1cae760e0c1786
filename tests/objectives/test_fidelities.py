"""MultiFidelityObjective: columns cheapest first, each reported at its epochs, promotions by the study's pruner,
what a trial paid."""

from __future__ import annotations

from types import MappingProxyType

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.benchmarks import get_benchmark
from latentnas.benchmarks.nasbench201 import NasBench201Benchmark
from latentnas.errors import InvalidArgumentError, UnknownNameError
from latentnas.objectives import MultiFidelityObjective
from latentnas.objectives.fidelities import FIDELITY_ATTR
from latentnas.study import create_study, run_search


class AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return True


@pytest.fixture
def objective() -> MultiFidelityObjective:
    return MultiFidelityObjective("nasbench201", "cifar10")


def rows(arch: object) -> tuple[object, object]:
    bench = get_benchmark("nasbench201")
    return bench.query(arch, "cifar10", fidelity="12ep"), bench.query(arch, "cifar10")


def test_nb201_goes_from_12_epochs_to_200(objective: MultiFidelityObjective) -> None:
    assert (objective.fidelities, objective.steps, objective.epochs, objective.restart) == ((("12ep", None)),
                                                                                          (12, 200), 200, True)
    assert repr(objective) == ("MultiFidelityObjective('nasbench201', 'cifar10', fidelities=(12ep, main), "
                               "restart=True)")


def test_a_promoted_architecture_pays_both_runs_and_reports_both_steps(objective: MultiFidelityObjective) -> None:
    space = objective.space
    study = create_study(space, optuna.samplers.RandomSampler(seed=0), pruner=optuna.pruners.NopPruner())
    run_search(study, objective, n_unique=1)
    (trial,) = study.trials
    low, full = rows(space.from_params(trial.params))
    assert trial.state == TrialState.COMPLETE and trial.value == full.valid  # type: ignore[attr-defined]
    assert trial.intermediate_values == {12: low.valid, 200: full.valid}  # type: ignore[attr-defined]
    assert trial.user_attrs["test"] == full.test  # type: ignore[attr-defined]
    # NOTE: restart: NB201's 12-epoch column is a run of its own, so the 200-epoch run is paid in full on top.
    assert trial.user_attrs["cost_seconds"] == low.cost_seconds + full.cost_seconds  # type: ignore[attr-defined]


def test_a_pruned_architecture_pays_the_cheap_column_only(objective: MultiFidelityObjective) -> None:
    space = objective.space
    study = create_study(space, optuna.samplers.RandomSampler(seed=0), pruner=AlwaysPrune())
    result = run_search(study, objective, n_unique=1, max_trials=2)
    assert [t.state for t in study.trials] == [TrialState.PRUNED] * 2
    trial = study.trials[0]
    low, _ = rows(space.from_params(trial.params))
    assert trial.intermediate_values == {12: low.valid}
    assert (trial.user_attrs["cost_seconds"], trial.user_attrs[FIDELITY_ATTR]) == (low.cost_seconds, "12ep")
    assert trial.user_attrs["pruned_reason"] == f"pruned at 12ep (step 12) with validation {low.valid:.4g}"
    assert (result.unique_evaluations, result.pruned) == (0, 2)


def test_a_continued_run_pays_the_difference(objective: MultiFidelityObjective) -> None:
    arch = objective.space.sample(3)
    low, full = rows(arch)
    assert objective(arch).cost_seconds == low.cost_seconds + full.cost_seconds  # type: ignore[attr-defined]
    continued = MultiFidelityObjective("nasbench201", "cifar10", restart=False)
    assert continued(arch).cost_seconds == pytest.approx(full.cost_seconds)  # type: ignore[attr-defined]
    assert continued(arch).valid == full.valid and continued(arch).extras["epochs"] == 200.0  # type: ignore[attr-defined]


class NoEpochs(NasBench201Benchmark):
    fidelity_epochs = MappingProxyType({})


@pytest.mark.parametrize(("fidelities", "error", "message"), [
    (["12ep"], InvalidArgumentError, "fidelities must name at least two distinct columns of 'nasbench201', got 12ep$"),
    (["12ep", "12ep"], InvalidArgumentError, "fidelities must name at least two distinct columns of 'nasbench201', got 12ep, 12ep$"),
    ([None, "12ep"], InvalidArgumentError, r"fidelities must go from fewer epochs to more, got main \(200\), 12ep \(12\)$"),
    (["6ep", None], UnknownNameError, "unknown fidelity '6ep' for benchmark 'nasbench201'; choices: 12ep$"),
])
def test_bad_fidelities_are_refused(fidelities: list[str | None], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{message}"):
        MultiFidelityObjective("nasbench201", "cifar10", fidelities=fidelities)


def test_a_benchmark_without_epochs_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="^benchmark 'nasbench201' records no training epochs for column "
                                                   "'12ep', so it cannot be reported as a step$"):
        MultiFidelityObjective(NoEpochs(), "cifar10", fidelities=["12ep", None])
