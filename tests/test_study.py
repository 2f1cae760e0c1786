from __future__ import annotations

from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.benchmarks import Evaluation
from latentnas.errors import InvalidArgumentError, StorageError
from latentnas.objectives import BenchmarkObjective
from latentnas.results import summarize
from latentnas.samplers import RandomArchitectureSampler
from latentnas.search import run_search
from latentnas.study import create_study
from tests.test_search import Replay


def test_study_of_another_space_is_refused(tmp_path: Any, nb201_objective: BenchmarkObjective) -> None:
    from latentnas.spaces.nasbench_graph import NasBenchGraphSpace

    url = f"sqlite:///{tmp_path}/s.db"
    space = nb201_objective.space
    study = create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="x")
    run_search(study, nb201_objective, n_unique=3)
    other = NasBenchGraphSpace()
    with pytest.raises(StorageError, match="study 'x' was created with space \"nasbench201\", not \"nasbench-graph\"; "
                                           "resume it with the same settings or start a new study with --study NEW_NAME"):
        create_study(other, RandomArchitectureSampler(other, seed=0), storage=url, study_name="x")
    assert summarize(optuna.load_study(study_name="x", storage=url)).unique_evaluations == 3


@pytest.mark.parametrize("url", ["nosuchdb://x", "sqlite:////proc/nonexistent/dir/x.db"])
def test_bad_storage_url_is_one_clear_error(url: str, nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    with pytest.raises(StorageError, match=f"cannot open storage '{url}'"):
        create_study(space, RandomArchitectureSampler(space), storage=url, study_name="s")


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Any,
                                                                  nb201_objective: BenchmarkObjective) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"my precious notes, not a database\n" * 10)
    space = nb201_objective.space
    with pytest.raises(StorageError, match="cannot open storage"):
        create_study(space, RandomArchitectureSampler(space), storage=f"sqlite:///{path}", study_name="s")
    assert path.read_bytes() == b"my precious notes, not a database\n" * 10


class Epochs:
    """An objective that reports five epochs, each architecture's value falling with its trial's arrival order."""

    reports_intermediate = True

    def __init__(self, objective: BenchmarkObjective) -> None:
        self.space = objective.space
        self.calls = 0

    def __call__(self, arch: Any, trial: optuna.Trial | None = None) -> Evaluation:
        self.calls += 1
        value = 100.0 - self.calls
        for epoch in range(5):
            assert trial is not None
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"epoch {epoch}")
        return Evaluation(valid=value)


def test_nothing_is_pruned_unless_a_pruner_is_asked_for(nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    study = create_study(space, RandomArchitectureSampler(space, seed=0))
    run_search(study, Epochs(nb201_objective), n_unique=8)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 8
    # Optuna's MedianPruner, asked for, stops every worse-than-median trial after its five startup trials.
    study = create_study(space, RandomArchitectureSampler(space, seed=0), pruner=optuna.pruners.MedianPruner())
    run_search(study, Epochs(nb201_objective), n_unique=6, max_trials=8)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 5 + [TrialState.PRUNED] * 3


def test_make_pruner_prunes_training_from_half_its_epochs() -> None:
    from latentnas.errors import UnknownNameError
    from latentnas.study import make_pruner

    class Training:  # what make_pruner reads of a training objective
        reports_intermediate, epochs = True, 9

    assert make_pruner("none", BenchmarkObjective("nasbench201", "cifar10")) is None
    pruner = make_pruner("median", Training())  # type: ignore[arg-type]
    assert isinstance(pruner, optuna.pruners.MedianPruner)
    assert (pruner._n_startup_trials, pruner._n_warmup_steps) == (5, 4)
    with pytest.raises(InvalidArgumentError, match="^pruner 'median' needs an objective that reports each epoch"):
        make_pruner("median", BenchmarkObjective("nasbench201", "cifar10"))
    with pytest.raises(UnknownNameError, match="^unknown pruner 'wilcoxon'; choices: none, median, asha, hyperband$"):
        make_pruner("wilcoxon", Training())  # type: ignore[arg-type]


IDENTITY = {"objective": "train", "dataset": "Cora", "epochs": 3, "data_root": None, "encoder_sha256": None}


@pytest.mark.parametrize(("change", "difference"), [
    ({"epochs": 50}, 'epochs 3, not 50'),
    ({"dataset": "CiteSeer"}, 'dataset "Cora", not "CiteSeer"'),
    ({"data_root": "/data"}, 'data_root null, not "/data"'),
    ({"encoder_sha256": "ab12"}, 'encoder_sha256 null, not "ab12"'),
])
def test_a_resume_that_differs_from_what_the_study_is_is_refused(
    tmp_path: Any, nb201_objective: BenchmarkObjective, change: dict[str, Any], difference: str
) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    space = nb201_objective.space
    study = create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="x",
                         identity=IDENTITY)
    run_search(study, nb201_objective, n_unique=3)
    with pytest.raises(StorageError) as err:
        create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="x",
                     identity={**IDENTITY, **change})
    assert str(err.value) == (f"study 'x' was created with {difference}; resume it with the same settings or start a "
                              "new study with --study NEW_NAME")
    same = create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="x",
                        identity=dict(IDENTITY))
    assert same.user_attrs["identity"] == IDENTITY
    assert run_search(same, nb201_objective, n_unique=4).unique_evaluations == 4


def test_the_sampler_and_its_config_are_part_of_the_study(tmp_path: Any, nb201_objective: BenchmarkObjective) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    space = nb201_objective.space
    replay = create_study(space, Replay([]), storage=url, study_name="r")
    assert replay.user_attrs["sampler"] == "Replay"  # a sampler without describe(): its class name
    random = RandomArchitectureSampler(space, seed=0)
    assert create_study(space, random, storage=url, study_name="x").user_attrs["sampler"] == random.describe()
    with pytest.raises(StorageError, match='^study \'x\' was created with sampler.seed 0, not 1; '):
        create_study(space, RandomArchitectureSampler(space, seed=1), storage=url, study_name="x")
    with pytest.raises(StorageError, match='^study \'r\' was created with sampler "Replay", not '):
        create_study(space, random, storage=url, study_name="r")


def test_a_study_with_trials_but_no_identity_cannot_be_checked(tmp_path: Any,
                                                               nb201_objective: BenchmarkObjective) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    space = nb201_objective.space
    old = create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="old")
    create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="empty")
    run_search(old, nb201_objective, n_unique=2)
    with pytest.raises(StorageError, match="^study 'old' records no identity"):
        create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="old", identity=IDENTITY)
    empty = create_study(space, RandomArchitectureSampler(space, seed=0), storage=url, study_name="empty",
                         identity=IDENTITY)
    assert empty.user_attrs["identity"] == IDENTITY


def test_the_resume_message() -> None:
    from latentnas.study import Resume

    assert Resume(done=34, total=60, interrupted=1, running=0).message() == (
        "resumed: 34 of 60 done, 1 interrupted trial retried")
    assert Resume(done=34, total=60, interrupted=2, running=3).message() == (
        "resumed: 34 of 60 done, 2 interrupted trials retried, 3 running in other workers")
    assert Resume(done=5, total=5, interrupted=0, running=0).message() == "resumed: 5 of 5 done"
    assert Resume(done=0, total=60, interrupted=0, running=0).message() is None


def test_an_unknown_direction_is_refused(nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    with pytest.raises(InvalidArgumentError, match="^direction must be 'maximize' or 'minimize', got 'up'$"):
        create_study(space, RandomArchitectureSampler(space), direction="up")


def test_make_pruner_promotes_at_the_first_column_of_a_multi_fidelity_objective() -> None:
    from latentnas.objectives import MultiFidelityObjective
    from latentnas.study import make_pruner

    objective = MultiFidelityObjective("nasbench201", "cifar10")
    asha = make_pruner("asha", objective)
    assert isinstance(asha, optuna.pruners.SuccessiveHalvingPruner)
    assert (asha._min_resource, asha._reduction_factor, asha._min_early_stopping_rate) == (12, 3, 0)
    hyperband = make_pruner("hyperband", objective)
    assert isinstance(hyperband, optuna.pruners.HyperbandPruner)
    assert (hyperband._min_resource, hyperband._max_resource, hyperband._reduction_factor) == (12, 200, 3)
    median = make_pruner("median", objective)
    assert isinstance(median, optuna.pruners.MedianPruner)
    assert (median._n_startup_trials, median._n_warmup_steps) == (5, 12)


def test_make_pruner_halves_training_from_its_first_epoch() -> None:
    from latentnas.study import make_pruner

    class Training:  # what make_pruner reads of a training objective
        reports_intermediate, epochs = True, 27

    asha = make_pruner("asha", Training())  # type: ignore[arg-type]
    assert isinstance(asha, optuna.pruners.SuccessiveHalvingPruner) and asha._min_resource == 1
    hyperband = make_pruner("hyperband", Training())  # type: ignore[arg-type]
    assert isinstance(hyperband, optuna.pruners.HyperbandPruner)
    assert (hyperband._min_resource, hyperband._max_resource) == (1, 27)


def test_asha_promotes_the_top_third_of_the_cheap_values_seen() -> None:
    from latentnas.objectives import MultiFidelityObjective
    from latentnas.study import make_pruner

    objective = MultiFidelityObjective("nasbench201", "cifar10")
    space = objective.space
    study = create_study(space, RandomArchitectureSampler(space, seed=0), pruner=make_pruner("asha", objective))
    run_search(study, objective, n_unique=10)
    for t in study.trials:
        low = t.intermediate_values[12]
        seen = sorted((u.intermediate_values[12] for u in study.trials if u.number <= t.number), reverse=True)
        promoted = low >= seen[max(len(seen) // 3 - 1, 0)]
        assert t.state == (TrialState.COMPLETE if promoted else TrialState.PRUNED)
    assert sum(t.state == TrialState.PRUNED for t in study.trials) > 0
