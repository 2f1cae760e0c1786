"""The Objective protocol every objective follows."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from latentnas.records import Evaluation
from latentnas.spaces import SearchSpace


@runtime_checkable
class Objective(Protocol):
    """Evaluates an architecture of ``space``; validation accuracy (percent) is maximized.

    Raising any exception fails that trial (its reason is stored on the trial); the search goes on. An objective
    whose ``reports_intermediate`` attribute is true is called as ``objective(arch, trial=trial)`` and may call
    ``trial.report(value, step)`` and raise ``optuna.TrialPruned`` when ``trial.should_prune()``: the trial is then
    marked PRUNED.
    """

    space: SearchSpace[Any]

    def __call__(self, arch: Any) -> Evaluation: ...
