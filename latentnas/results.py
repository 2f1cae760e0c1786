"""What a study holds once searched: its unique, pruned and feasible trials, what they paid, its Pareto front, and
the search's result in the units NAS papers report (:func:`summarize`).

Read by the search loop (:mod:`latentnas.search`), the command line and reports, from any storage, whatever the
number of workers that wrote it: a duplicate (``duplicate_of``) is not a new architecture, a pruned trial paid for
what it evaluated before it was stopped, a failed one for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from latentnas.claims import NOT_EVALUATED_ATTR
from latentnas.heartbeat import WORKER_ATTR
from latentnas.pareto import (
    CONSTRAINTS_ATTR,
    OBJECTIVES_ATTR,
    Constraint,
    feasible,
    metric_value,
    oriented,
    pareto_mask,
    parse_constraints,
)
from latentnas.records import ARCH_ATTR, DUPLICATE_ATTR, FAIL_ATTR, KEY_ATTR, constraint_values

__all__ = ["COST_ATTR", "SearchResult", "Told", "is_feasible", "paid_seconds", "pareto_trials", "pruned_trials",
           "summarize", "unique_trials"]

#: The trial user attr holding what its evaluation paid, in seconds (simulated by a table, or measured).
COST_ATTR = "cost_seconds"


@dataclass
class SearchResult:
    """What a search found, in the units NAS papers report.

    ``history`` holds one row per unique architecture, in evaluation order: its validation and test accuracy and
    the cumulative cost (simulated seconds where the objective records them) paid up to the end of its evaluation,
    pruned trials before it included.
    """

    space: str
    best_arch: str | None
    best_valid: float | None
    best_test: float | None
    unique_evaluations: int
    trials: int
    duplicates: int
    failures: int
    history: list[dict[str, Any]] = field(default_factory=list)
    #: Trials whose worker died mid-trial (their architectures were queued again).
    interrupted: int = 0
    #: Trials not evaluated because other workers had spent the budget.
    not_evaluated: int = 0
    #: Architectures stopped by the study's pruner (each counted once; not in ``unique_evaluations``).
    pruned: int = 0
    #: What every trial paid, summed (``cost_seconds``; pruned trials included, duplicates pay nothing).
    cost_seconds: float = 0.0
    #: The metrics the study optimizes, in the order of its directions.
    metrics: tuple[str, ...] = ("valid",)
    #: With several metrics: the feasible unique architectures no other dominates (number, arch, values).
    pareto: list[dict[str, Any]] = field(default_factory=list)
    #: Unique architectures that violated a constraint (never ``best_*``).
    infeasible: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "space": self.space,
            "best_arch": self.best_arch,
            "best_valid": self.best_valid,
            "best_test": self.best_test,
            "unique_evaluations": self.unique_evaluations,
            "trials": self.trials,
            "duplicates": self.duplicates,
            "failures": self.failures,
            "interrupted": self.interrupted,
            "not_evaluated": self.not_evaluated,
            "pruned": self.pruned,
            "cost_seconds": self.cost_seconds,
            "metrics": list(self.metrics),
            "pareto": self.pareto,
            "infeasible": self.infeasible,
        }


@dataclass(frozen=True)
class Told:
    """What a study's trials tell Optuna: the values of its metrics (user attr ``"objectives"``, default ``valid``
    alone) and its constraints' values (user attr ``"constraints"``), read from an evaluation's figures."""

    metrics: tuple[str, ...] = ("valid",)
    constraints: tuple[Constraint, ...] = ()

    @classmethod
    def of(cls, study: optuna.Study) -> Told:
        attrs = study.user_attrs
        return cls(tuple(attrs.get(OBJECTIVES_ATTR, ("valid",))), parse_constraints(attrs.get(CONSTRAINTS_ATTR, ())))

    def values(self, attrs: dict[str, Any]) -> list[float]:
        return [metric_value(m, attrs) for m in self.metrics]

    def violations(self, attrs: dict[str, Any]) -> dict[str, float] | None:
        """Each constraint's value (feasible where ``<= 0``), keyed by the constraint as written."""
        return {str(c): c.violation(attrs) for c in self.constraints} if self.constraints else None


def is_feasible(trial: FrozenTrial) -> bool:
    """Whether a trial satisfied its study's constraints (one without constraint values does)."""
    return feasible(constraint_values(trial))


def pareto_trials(study: optuna.Study, unique: list[FrozenTrial] | None = None) -> list[FrozenTrial]:
    """The feasible unique trials no other feasible one dominates, in trial order (a single-objective study: its
    best ones); ``unique``: the study's :func:`unique_trials` where the caller has them."""
    candidates = [t for t in (unique if unique is not None else unique_trials(study)) if is_feasible(t)]
    if not candidates:
        return []
    Y = oriented([t.values for t in candidates], [d.name.lower() for d in study.directions])
    return [t for t, keep in zip(candidates, pareto_mask(Y).tolist()) if keep]


def unique_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Completed trials that evaluated a new architecture, in trial order."""
    return [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if DUPLICATE_ATTR not in t.user_attrs and KEY_ATTR in t.user_attrs
    ]


def pruned_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Pruned trials that evaluated a new architecture (at some fidelities), in trial order."""
    return [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.PRUNED,))
        if DUPLICATE_ATTR not in t.user_attrs and KEY_ATTR in t.user_attrs
    ]


def paid_seconds(trials: list[FrozenTrial]) -> float:
    """What ``trials`` paid, summed: the ``cost_seconds`` of the completed and pruned ones (duplicates pay 0)."""
    return sum(float(t.user_attrs.get(COST_ATTR, 0.0)) for t in trials
               if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and DUPLICATE_ATTR not in t.user_attrs)


def summarize(study: optuna.Study) -> SearchResult:
    """The :class:`SearchResult` of everything stored in ``study`` so far."""
    trials = study.get_trials(deepcopy=False)
    failed = [t for t in trials if t.state == TrialState.FAIL]
    unique = unique_trials(study)
    unique_numbers = {t.number for t in unique}
    history = []
    cost = 0.0
    for t in trials:
        cost += paid_seconds([t])
        if t.number in unique_numbers:
            row = {"number": t.number, "arch": t.user_attrs[ARCH_ATTR], "valid": t.user_attrs.get("valid", t.values[0]),
                   "test": t.user_attrs.get("test"), "cumulative_cost": cost}
            if len(t.values) > 1 or constraint_values(t) is not None:
                row.update({"values": list(t.values), "feasible": is_feasible(t)})
            history.append(row)
    # Best: the feasible architecture of the best valid (the least error where minimized), whatever else is optimized.
    sign = -1.0 if study.directions[0] == optuna.study.StudyDirection.MINIMIZE else 1.0
    feasible_unique = [t for t in unique if is_feasible(t)]
    best = max(feasible_unique, key=lambda t: (sign * t.values[0], -t.number)) if feasible_unique else None
    told = Told.of(study)
    return SearchResult(
        space=str(study.user_attrs.get("space", "")),
        best_arch=best.user_attrs[ARCH_ATTR] if best else None,
        best_valid=best.values[0] if best else None,
        best_test=best.user_attrs.get("test") if best else None,
        unique_evaluations=len(unique),
        trials=len(trials),
        duplicates=sum(1 for t in trials if DUPLICATE_ATTR in t.user_attrs),
        failures=sum(1 for t in failed if FAIL_ATTR in t.user_attrs and NOT_EVALUATED_ATTR not in t.user_attrs),
        history=history,
        interrupted=sum(1 for t in failed if FAIL_ATTR not in t.user_attrs and NOT_EVALUATED_ATTR not in t.user_attrs
                        and WORKER_ATTR in t.system_attrs),
        not_evaluated=sum(1 for t in failed if NOT_EVALUATED_ATTR in t.user_attrs),
        pruned=len(pruned_trials(study)),
        cost_seconds=cost,
        metrics=told.metrics,
        pareto=[{"number": t.number, "arch": t.user_attrs[ARCH_ATTR], "values": list(t.values)}
                for t in pareto_trials(study, unique)] if len(told.metrics) > 1 else [],
        infeasible=sum(1 for t in unique if not is_feasible(t)),
    )
