"""The Objective protocol: what counts as an objective, and what the search does with a hand-written one."""

from __future__ import annotations

from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.benchmarks import Evaluation
from latentnas.objectives import BenchmarkObjective, Objective
from latentnas.records import FAIL_ATTR
from latentnas.spaces.nasbench201 import Cell201, NasBench201Space
from latentnas.study import create_study, run_search
from latentnas.testing.objectives import ObjectiveContract


class _ConvCount:
    """A hand-written objective on NB201: 10 points per convolution, reported over three epochs."""

    reports_intermediate = True

    def __init__(self) -> None:
        self.space = NasBench201Space()

    def __call__(self, arch: Cell201, trial: optuna.Trial | None = None) -> Evaluation:
        valid = 10.0 * self.space.to_string(arch).count("conv")
        for epoch in range(3):
            if trial is not None:
                trial.report(valid * (epoch + 1) / 3, epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"epoch {epoch}")
        return Evaluation(valid, test=valid - 1.0)


class _NoSpace:
    def __call__(self, arch: Any) -> Evaluation:
        return Evaluation(1.0)


class _NotCallable:
    space = NasBench201Space()


class _FailsOnPooling:
    """Raises on every cell with an average pooling, as a training that runs out of memory would."""

    space = NasBench201Space()

    def __call__(self, arch: Cell201) -> Evaluation:
        if "avg_pool_3x3" in self.space.to_string(arch):
            raise RuntimeError("out of memory")
        return Evaluation(50.0)


class TestHandWrittenObjective(ObjectiveContract):
    @pytest.fixture
    def objective(self) -> _ConvCount:
        return _ConvCount()


def test_a_space_and_a_call_make_an_objective() -> None:
    assert isinstance(BenchmarkObjective("nasbench201", "cifar10"), Objective)
    assert isinstance(_ConvCount(), Objective)
    assert isinstance(_FailsOnPooling(), Objective)


@pytest.mark.parametrize("thing", [_NoSpace(), _NotCallable(), NasBench201Space()], ids=["no-space", "not-callable", "space"])
def test_an_object_missing_a_member_is_not_an_objective(thing: object) -> None:
    assert not isinstance(thing, Objective)


def test_an_exception_fails_its_trial_with_the_reason_and_the_search_goes_on() -> None:
    objective = _FailsOnPooling()
    study = create_study(objective.space, optuna.samplers.RandomSampler(seed=0))
    result = run_search(study, objective, n_unique=4)
    failed = [t for t in study.trials if t.state == TrialState.FAIL]
    assert result.unique_evaluations == 4 and result.failures == len(failed) > 0
    assert all(t.user_attrs[FAIL_ATTR] == "RuntimeError: out of memory" for t in failed)
    assert all("avg_pool_3x3" in t.user_attrs["arch"] for t in failed)
    assert all("avg_pool_3x3" not in t.user_attrs["arch"] for t in study.trials if t.state == TrialState.COMPLETE)
