"""Objectives: what evaluating one architecture means (a table lookup, training it, a predictor)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from latentnas.benchmarks import Evaluation
from latentnas.spaces import SearchSpace


@runtime_checkable
class Objective(Protocol):
    """Evaluates an architecture of ``space``; validation accuracy (percent) is maximized.

    Raising any exception fails that trial (its reason is stored on the trial); the search goes on.
    """

    space: SearchSpace[Any]

    def __call__(self, arch: Any) -> Evaluation: ...


from latentnas.objectives.benchmark import BenchmarkObjective  # noqa: E402

__all__ = ["BenchmarkObjective", "Objective"]
