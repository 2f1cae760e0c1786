"""Searching several objectives and under constraints: what the study records, what each trial tells, what is best,
and latent BO's proposals there (NB201's table: valid and params)."""

from __future__ import annotations

import random

import optuna
import pytest

from latentnas.errors import InvalidArgumentError, StorageError
from latentnas.history import TransferSource
from latentnas.objectives import BenchmarkObjective
from latentnas.pareto import oriented, pareto_mask
from latentnas.samplers import History, make_sampler
from latentnas.study import create_study, make_pruner, run_search, unique_trials

OBJECTIVE = BenchmarkObjective("nasbench201", "cifar10")
SPACE = OBJECTIVE.space


def test_a_study_of_two_metrics_tells_both_and_summarizes_its_front(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/mo.db"
    study = create_study(SPACE, make_sampler("random", SPACE, seed=0), storage=url, study_name="mo",
                         objectives=("valid", "params"))
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert study.user_attrs["objectives"] == ["valid", "params"] and study.user_attrs["constraints"] == []
    result = run_search(study, OBJECTIVE, n_unique=12)
    trials = unique_trials(study)
    assert len(trials) == 12
    for t in trials:
        evaluation = OBJECTIVE(SPACE.from_string(t.user_attrs["arch"]))
        assert t.values == [evaluation.valid, evaluation.extras["params"]]
    front = pareto_mask(oriented([t.values for t in trials], ["maximize", "minimize"]))
    assert [p["number"] for p in result.pareto] == [t.number for t, keep in zip(trials, front.tolist()) if keep]
    assert result.metrics == ("valid", "params") and result.best_valid == max(t.values[0] for t in trials)
    with pytest.raises(StorageError, match=r"^study 'mo' is to maximize, minimize, not to maximize; start a new"):
        create_study(SPACE, make_sampler("random", SPACE, seed=0), storage=url, study_name="mo",
                     objectives=("valid",))
    with pytest.raises(StorageError, match=r"was created with objectives \[\"valid\", \"params\"\], not "
                                           r"\[\"valid\", \"latency\"\]"):
        create_study(SPACE, make_sampler("random", SPACE, seed=0), storage=url, study_name="mo",
                     objectives=("valid", "latency"))
    with pytest.raises(StorageError, match=r"constraints \[\], not \[\"params<=1\"\]"):
        create_study(SPACE, make_sampler("random", SPACE, seed=0), storage=url, study_name="mo",
                     objectives=("valid", "params"), constraints=["params<=1"])


def test_constraints_are_stored_as_optunas_and_an_infeasible_architecture_is_never_best() -> None:
    study = create_study(SPACE, make_sampler("random", SPACE, seed=1), constraints=["params<=0.3"])
    result = run_search(study, OBJECTIVE, n_unique=15)
    trials = unique_trials(study)
    for t in trials:
        assert t.constraints == {"params<=0.3": pytest.approx(t.user_attrs["params"] - 0.3)}
    feasible = [t for t in trials if t.user_attrs["params"] <= 0.3]
    assert 0 < len(feasible) < len(trials)  # the fixture has both kinds
    assert result.best_valid == max(t.value for t in feasible) < max(t.value for t in trials)
    assert result.infeasible == len(trials) - len(feasible)


def test_a_metric_the_objective_does_not_record_fails_the_trial_and_stops_the_search() -> None:
    study = create_study(SPACE, make_sampler("random", SPACE, seed=0), objectives=("valid", "latency"))
    with pytest.raises(InvalidArgumentError, match=r"records no finite 'latency' .*; the study optimizes valid, "
                                                   r"latency$"):
        run_search(study, OBJECTIVE, n_unique=3)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL]


def test_several_objectives_take_no_pruner() -> None:
    from latentnas.objectives import MultiFidelityObjective

    pruner = make_pruner("asha", MultiFidelityObjective("nasbench201", "cifar10"))
    with pytest.raises(InvalidArgumentError, match="a pruner stops trials of one objective, not of 2"):
        create_study(SPACE, make_sampler("random", SPACE), pruner=pruner, objectives=("valid", "params"))


@pytest.mark.parametrize(("objectives", "constraints"), [(("valid", "params"), ()), (None, ("params<=0.5",)),
                                                         (("valid", "params"), ("params<=0.8",))])
def test_latent_bo_proposes_by_its_acquisition_with_several_objectives_or_constraints(
        objectives: tuple[str, ...] | None, constraints: tuple[str, ...]) -> None:
    sampler = make_sampler("latent-bo", SPACE, seed=0, n_initial=6)
    study = create_study(SPACE, sampler, objectives=objectives, constraints=constraints)
    run_search(study, OBJECTIVE, n_unique=9)
    history = History.from_study(study, SPACE)
    assert len(history.observations) == 9 and history.n_objectives == len(objectives or ("valid",))
    assert history.constrained == bool(constraints)
    proposal = sampler.proposal(history, random.Random(0))  # type: ignore[attr-defined]
    assert proposal.phase == "several" and proposal.score > -float("inf")
    assert SPACE.canonical_key(proposal.arch) not in history.known
    again = sampler.proposal(history, random.Random(0))  # type: ignore[attr-defined]
    assert SPACE.canonical_key(again.arch) == SPACE.canonical_key(proposal.arch)  # the same generator, the same one


def test_latent_bo_with_transfer_refuses_several_objectives() -> None:
    source = TransferSource("s", [SPACE.sample(i) for i in range(3)], [1.0, 2.0, 3.0])
    study = create_study(SPACE, make_sampler("latent-bo", SPACE, seed=0, transfer=[source]),
                         objectives=("valid", "params"))
    with pytest.raises(InvalidArgumentError, match="^transfer applies to a search of one objective without "
                                                   "constraints"):
        run_search(study, OBJECTIVE, n_unique=2)
