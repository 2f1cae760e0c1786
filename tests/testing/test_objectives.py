"""The objective contract fails objectives that break it."""

from __future__ import annotations

from typing import Any

import pytest

from latentnas.benchmarks import Evaluation
from latentnas.objectives import BenchmarkObjective
from latentnas.testing.objectives import ObjectiveContract


class _Drifting:
    """Returns a different value every call, as an unseeded training would."""

    def __init__(self) -> None:
        self.space = BenchmarkObjective("nasbench201", "cifar10").space
        self.calls = 0

    def __call__(self, arch: Any) -> Evaluation:
        self.calls += 1
        return Evaluation(float(self.calls))


class _Deaf(_Drifting):
    """Claims to report each epoch but reports nothing."""

    reports_intermediate = True

    def __call__(self, arch: Any, trial: Any = None) -> Evaluation:
        return Evaluation(50.0)


def test_the_contract_fails_an_unrepeatable_objective() -> None:
    ObjectiveContract().test_evaluation_is_finite_and_repeatable(BenchmarkObjective("nasbench201", "cifar10"))
    with pytest.raises(AssertionError):
        ObjectiveContract().test_evaluation_is_finite_and_repeatable(_Drifting())


def test_the_contract_fails_an_objective_that_reports_no_epochs() -> None:
    with pytest.raises(AssertionError):
        ObjectiveContract().test_reports_each_epoch_and_can_be_pruned(_Deaf())
