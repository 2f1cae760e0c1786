"""The search loop: duplicates told again, failures recorded, interrupts, what a trial stores and what a search
reports."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.benchmarks import Evaluation
from latentnas.errors import InvalidArgumentError
from latentnas.heartbeat import WORKER_ATTR, worker_name
from latentnas.objectives import BenchmarkObjective
from latentnas.records import FAIL_ATTR, KEY_ATTR
from latentnas.results import summarize, unique_trials
from latentnas.samplers import RandomArchitectureSampler
from latentnas.search import run_search
from latentnas.study import create_study


class Replay(optuna.samplers.BaseSampler):
    """Proposes a fixed list of param dicts, in order (a duplicate-prone user sampler)."""

    def __init__(self, params: list[dict[str, Any]]) -> None:
        self.params = params

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
        return {}

    def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
        return {}

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        return self.params[trial.number][name]



def test_isomorphic_duplicates_are_not_evaluated_again(nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    first: dict[str, Any] = {}
    for b in space.enumerate():  # the first two encodings of one isomorphism class
        a = first.setdefault(space.canonical_key(b), b)
        if a != b:
            break
    c = space.sample(0)
    assert space.canonical_key(a) == space.canonical_key(b) != space.canonical_key(c)
    calls: list[str] = []

    def objective(arch: Any) -> Evaluation:
        calls.append(space.to_string(arch))
        return nb201_objective(arch)

    objective.space = space  # type: ignore[attr-defined]
    sampler = Replay([space.to_params(x) for x in (a, b, a, c)])
    study = create_study(space, sampler)
    result = run_search(study, objective, n_unique=2)  # type: ignore[arg-type]
    assert calls == [space.to_string(a), space.to_string(c)]
    assert (result.unique_evaluations, result.trials, result.duplicates) == (2, 4, 2)
    assert study.trials[1].user_attrs["duplicate_of"] == 0
    assert study.trials[1].value == study.trials[0].value == nb201_objective(a).valid


def test_a_failing_evaluation_fails_its_trial_and_the_search_goes_on(nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    count = [0]

    def objective(arch: Any) -> Evaluation:
        count[0] += 1
        if count[0] == 2:
            raise RuntimeError("CUDA out of memory")
        if count[0] == 3:
            return Evaluation(valid=math.nan)
        return nb201_objective(arch)

    objective.space = space  # type: ignore[attr-defined]
    study = create_study(space, RandomArchitectureSampler(space, seed=0))
    result = run_search(study, objective, n_unique=4)  # type: ignore[arg-type]
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL] + [TrialState.COMPLETE] * 3
    assert study.trials[1].user_attrs["fail_reason"] == "RuntimeError: CUDA out of memory"
    assert study.trials[2].user_attrs["fail_reason"] == "ValueError: objective returned nan"
    assert (result.unique_evaluations, result.failures) == (4, 2)


def test_trials_store_test_accuracy_and_cost(nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    study = create_study(space, RandomArchitectureSampler(space, seed=0))
    result = run_search(study, nb201_objective, n_unique=5)
    for t in study.trials:
        row = nb201_objective(space.from_string(t.user_attrs["arch"]))
        assert t.value == row.valid
        assert t.user_attrs["test"] == row.test
        assert t.user_attrs["cost_seconds"] == row.cost_seconds
    assert result.history[-1]["cumulative_cost"] == pytest.approx(sum(t.user_attrs["cost_seconds"] for t in study.trials))
    best = max(study.trials, key=lambda t: t.value)
    assert (result.best_arch, result.best_valid, result.best_test) == (best.user_attrs["arch"], best.value,
                                                                       best.user_attrs["test"])
    assert len(result.history) == 5


def test_summarize_reads_a_stored_study_best_by_the_direction() -> None:
    from optuna.trial import create_trial

    def trial(value: float | None, attrs: dict[str, Any], state: TrialState = TrialState.COMPLETE) -> Any:
        return create_trial(state=state, value=value, user_attrs=attrs)

    study = optuna.create_study(direction="minimize")
    study.set_user_attr("space", "nasbench201")
    study.add_trials([
        trial(3.0, {"arch": "a", "arch_key": "ka", "test": 2.5, "cost_seconds": 10.0}),
        trial(1.0, {"arch": "b", "arch_key": "kb", "test": 0.5, "cost_seconds": 5.0}),
        trial(1.0, {"arch": "b2", "arch_key": "kb", "duplicate_of": 1}),  # told again: not unique
        trial(0.5, {"arch": "c"}),  # no canonical key: not an architecture of the search
        trial(1.0, {"arch": "d", "arch_key": "kd", "test": 0.9}),  # ties the best: the earlier trial stays best
        trial(None, {"fail_reason": "RuntimeError: boom"}, TrialState.FAIL),
    ])
    assert [t.number for t in unique_trials(study)] == [0, 1, 4]
    result = summarize(study)
    assert (result.space, result.best_arch, result.best_valid, result.best_test) == ("nasbench201", "b", 1.0, 0.5)
    assert (result.unique_evaluations, result.trials, result.duplicates, result.failures) == (3, 6, 1, 1)
    assert (result.interrupted, result.not_evaluated) == (0, 0)
    assert [row["cumulative_cost"] for row in result.history] == [10.0, 15.0, 15.0]
    assert result.to_dict()["best_arch"] == "b"


def test_summarize_counts_what_pruned_trials_paid() -> None:
    from optuna.trial import create_trial

    study = optuna.create_study()
    study.add_trials([
        create_trial(state=TrialState.PRUNED, user_attrs={"arch": "a", "arch_key": "ka", "cost_seconds": 6.0},
                     intermediate_values={12: 80.0}),
        create_trial(value=90.0, user_attrs={"arch": "b", "arch_key": "kb", "cost_seconds": 106.0},
                     intermediate_values={12: 85.0, 200: 90.0}),
        create_trial(state=TrialState.PRUNED, user_attrs={"arch": "a", "arch_key": "ka", "cost_seconds": 0.0,
                                                          "duplicate_of": 0}, intermediate_values={12: 80.0}),
        create_trial(state=TrialState.PRUNED, user_attrs={"arch": "c", "arch_key": "kc", "cost_seconds": 7.0},
                     intermediate_values={12: 70.0}),
    ])
    result = summarize(study)
    assert [row["cumulative_cost"] for row in result.history] == [112.0]
    assert (result.unique_evaluations, result.pruned, result.cost_seconds) == (1, 2, 119.0)
    assert (result.to_dict()["pruned"], result.to_dict()["cost_seconds"]) == (2, 119.0)


def test_a_pruned_architecture_proposed_again_is_pruned_again_at_no_cost() -> None:
    from latentnas.objectives import MultiFidelityObjective

    objective = MultiFidelityObjective("nasbench201", "cifar10")
    space = objective.space
    a, b = space.sample(0), space.sample(1)
    calls: list[str] = []

    class Counting(MultiFidelityObjective):
        def __call__(self, arch: Any, trial: Any = None) -> Evaluation:
            calls.append(space.to_string(arch))
            return super().__call__(arch, trial=trial)

    class PruneFirst(optuna.pruners.BasePruner):  # prunes the first trial only
        def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
            return trial.number == 0

    study = create_study(space, Replay([space.to_params(x) for x in (a, a, b)]), pruner=PruneFirst())
    result = run_search(study, Counting("nasbench201", "cifar10"), n_unique=1)
    assert calls == [space.to_string(a), space.to_string(b)]
    assert [t.state for t in study.trials] == [TrialState.PRUNED, TrialState.PRUNED, TrialState.COMPLETE]
    again = study.trials[1]
    assert again.intermediate_values == study.trials[0].intermediate_values
    assert (again.user_attrs["duplicate_of"], again.user_attrs["cost_seconds"]) == (0, 0.0)
    assert result.cost_seconds == study.trials[0].user_attrs["cost_seconds"] + study.trials[2].user_attrs["cost_seconds"]
    assert (result.unique_evaluations, result.pruned, result.duplicates) == (1, 1, 1)


def test_a_budget_of_paid_seconds_stops_the_search_after_the_trial_that_crosses_it(
        nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    first = create_study(space, RandomArchitectureSampler(space, seed=0))
    run_search(first, nb201_objective, n_unique=5)
    costs = [t.user_attrs["cost_seconds"] for t in first.trials]
    budget = sum(costs[:2]) + 1.0  # crossed by the third trial
    study = create_study(space, RandomArchitectureSampler(space, seed=0))
    result = run_search(study, nb201_objective, n_unique=5, max_cost_seconds=budget)
    assert result.unique_evaluations == 3
    assert result.cost_seconds == pytest.approx(sum(costs[:3]))
    resumed = run_search(study, nb201_objective, n_unique=5, max_cost_seconds=budget)  # spent: nothing more
    assert resumed.trials == 3
    with pytest.raises(InvalidArgumentError, match="^max_cost_seconds must be positive, got 0$"):
        run_search(study, nb201_objective, n_unique=5, max_cost_seconds=0)


class InterruptOnce(RandomArchitectureSampler):
    """Random search that raises KeyboardInterrupt, as Ctrl-C would, once: while it proposes for trial ``at``."""

    def __init__(self, space: Any, *, at: int) -> None:
        super().__init__(space, seed=0)
        self.at: int | None = at

    def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
        if trial.number == self.at:
            self.at = None
            raise KeyboardInterrupt
        return super().sample_relative(study, trial, search_space)


def open_study(where: str, tmp_path: Path, space: Any, sampler: Any) -> optuna.Study:
    """The study ``s`` in a SQLite file (several workers may share it) or in memory (this process alone)."""
    storage: Any = f"sqlite:///{tmp_path}/s.db" if where == "sqlite" else optuna.storages.InMemoryStorage()
    return create_study(space, sampler, storage=storage, study_name="s")


@pytest.mark.parametrize("where", ["sqlite", "memory"])
def test_an_interrupt_while_the_sampler_proposes_fails_that_trial_and_the_rerun_reaches_the_budget(
        where: str, nb201_objective: BenchmarkObjective, tmp_path: Path) -> None:
    space = nb201_objective.space
    sampler = InterruptOnce(space, at=2)
    study = open_study(where, tmp_path, space, sampler)
    with pytest.raises(KeyboardInterrupt):
        run_search(study, nb201_objective, n_unique=5)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]
    interrupted = study.trials[2]
    assert interrupted.params == {} and FAIL_ATTR not in interrupted.user_attrs
    assert interrupted.system_attrs[WORKER_ATTR] == worker_name()
    assert summarize(study).interrupted == 1

    result = run_search(study, nb201_objective, n_unique=5)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 2 + [TrialState.FAIL] + [TrialState.COMPLETE] * 3  # nothing queued
    assert (result.unique_evaluations, result.trials, result.interrupted, result.failures) == (5, 6, 1, 0)


def test_an_interrupt_while_a_trial_is_created_comes_once_the_trial_is_known(
        nb201_objective: BenchmarkObjective, tmp_path: Path) -> None:
    space = nb201_objective.space

    class SignalledInAsk(RandomArchitectureSampler):
        """Ctrl-C comes while ``study.ask()`` creates trial 2 (where Optuna calls ``before_trial``)."""

        def before_trial(self, study: Any, trial: Any) -> None:
            super().before_trial(study, trial)
            if trial.number == 2:
                os.kill(os.getpid(), signal.SIGINT)

    study = open_study("sqlite", tmp_path, space, SignalledInAsk(space, seed=0))
    with pytest.raises(KeyboardInterrupt):
        run_search(study, nb201_objective, n_unique=5)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_interrupt_in_the_middle_of_a_storage_read_does_not_lock_its_trial_out(
        nb201_objective: BenchmarkObjective, tmp_path: Path) -> None:
    space = nb201_objective.space

    class InterruptMidRead(RandomArchitectureSampler):
        """Interrupted while it reads the study's SQLite file for trial 2, its cursor open, as by Ctrl-C inside a
        storage call."""

        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
            if trial.number == 2:
                cursor = sqlite3.connect(tmp_path / "s.db").execute("SELECT * FROM trials")
                cursor.fetchone()  # a read under way: SQLite holds its shared lock until the cursor goes
                raise KeyboardInterrupt
            return super().sample_relative(study, trial, search_space)

    study = open_study("sqlite", tmp_path, space, InterruptMidRead(space, seed=0))
    with pytest.raises(KeyboardInterrupt):
        run_search(study, nb201_objective, n_unique=5)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]


@pytest.mark.parametrize("during", ["evaluation", "tell"])
def test_an_interrupt_while_a_trial_is_evaluated_or_told_queues_its_architecture_first_for_the_rerun(
        during: str, nb201_objective: BenchmarkObjective, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    space = nb201_objective.space
    study = open_study("sqlite", tmp_path, space, RandomArchitectureSampler(space, seed=0))
    calls = [0]

    def objective(arch: Any) -> Evaluation:
        calls[0] += 1
        if during == "evaluation" and calls[0] == 3:
            raise KeyboardInterrupt
        return nb201_objective(arch)

    objective.space = space  # type: ignore[attr-defined]
    tell = study.tell

    def tell_interrupted(trial: Any, *args: Any, **kwargs: Any) -> Any:
        if trial.number == 2:
            raise KeyboardInterrupt  # before the result is stored
        return tell(trial, *args, **kwargs)

    if during == "tell":
        monkeypatch.setattr(study, "tell", tell_interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_search(study, objective, n_unique=5)  # type: ignore[arg-type]
    monkeypatch.undo()
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL, TrialState.WAITING]
    interrupted, queued = study.trials[2], study.trials[3]
    assert FAIL_ATTR not in interrupted.user_attrs and interrupted.system_attrs[WORKER_ATTR] == worker_name()
    assert queued.params == interrupted.params and WORKER_ATTR not in queued.system_attrs

    result = run_search(study, nb201_objective, n_unique=5)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL] + [TrialState.COMPLETE] * 3
    assert study.trials[3].user_attrs[KEY_ATTR] == interrupted.user_attrs[KEY_ATTR]
    assert (result.unique_evaluations, result.trials, result.interrupted, result.failures) == (5, 6, 1, 0)


@pytest.mark.parametrize("where", ["sqlite", "memory"])
def test_an_interrupt_once_a_trial_is_told_keeps_its_result(
        where: str, nb201_objective: BenchmarkObjective, tmp_path: Path) -> None:
    space = nb201_objective.space

    class InterruptAfterTrial(RandomArchitectureSampler):
        """Raises KeyboardInterrupt once, in ``after_trial`` of trial 2 (Optuna stores the trial's state all the same)."""

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            super().after_trial(study, trial, state, values)
            if trial.number == 2 and state == TrialState.COMPLETE:
                raise KeyboardInterrupt

    study = open_study(where, tmp_path, space, InterruptAfterTrial(space, seed=0))
    with pytest.raises(KeyboardInterrupt):
        run_search(study, nb201_objective, n_unique=5)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3
    result = run_search(create_study(space, RandomArchitectureSampler(space, seed=0), storage=study._storage,
                                     study_name="s"), nb201_objective, n_unique=5)
    assert (result.unique_evaluations, result.trials, result.interrupted) == (5, 5, 0)
