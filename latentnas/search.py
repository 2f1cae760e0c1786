"""Searching on an Optuna study: a loop that asks and tells until the study holds a budget of unique architectures.

Trial params are the architecture's own choices (``space.distributions()``), so any Optuna sampler works on our
spaces. Each trial stores its architecture string and canonical key as user attrs. An architecture that the study has
already evaluated (same canonical key) is not evaluated again: its earlier result is told again and the trial is
marked ``duplicate_of``; it does not count against the budget of unique architectures. An architecture whose trial
was pruned (an objective that reports intermediate values, a study with a pruner) is not evaluated again either: a
new trial of it reports the pruned trial's intermediate values again, at no cost, and is pruned too.

Costs: each trial's ``cost_seconds`` user attr (simulated seconds from a table, or seconds of training) is what it
paid; pruned trials pay for what they evaluated before they were stopped, duplicates pay nothing. A search may be
budgeted in unique architectures, in paid seconds, or both.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from latentnas.claims import NOT_EVALUATED_ATTR, Progress, claim
from latentnas.errors import InvalidArchitectureError, InvalidArgumentError
from latentnas.heartbeat import WORKER_ATTR, TrialHeartbeat, fail_interrupted_trials
from latentnas.objectives import Objective
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
from latentnas.storage import is_shared

logger = logging.getLogger(__name__)

__all__ = ["COST_ATTR", "SearchResult", "Told", "constraint_values", "is_feasible", "paid_seconds", "pareto_trials",
           "run_search", "summarize", "unique_trials"]

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


def run_search(
    study: optuna.Study,
    objective: Objective,
    *,
    n_unique: int,
    max_trials: int | None = None,
    callback: Callable[[FrozenTrial, int], None] | None = None,
    poll_interval: float = 0.25,
    max_cost_seconds: float | None = None,
) -> SearchResult:
    """Asks and tells trials until the study holds ``n_unique`` unique evaluated architectures.

    Resuming is running this again on the same study: the budget counts what is stored already. On a stored study
    any number of workers may run this at once: together they evaluate exactly ``n_unique`` architectures, none
    twice (see :mod:`latentnas.claims`); a worker whose last architectures are being evaluated by others waits for
    them (one may fail and need replacing). Trials whose worker died are failed and their architectures evaluated
    again (see :func:`latentnas.heartbeat.fail_interrupted_trials`).

    Args:
        study: From :func:`create_study`.
        objective: Evaluates an architecture of ``objective.space``.
        n_unique: Total number of unique architectures the study should hold.
        max_trials: Stop after this many new trials regardless (default ``20 * n_unique + 100``), so that a sampler
            that keeps proposing known architectures cannot loop forever.
        callback: Called after every trial with the frozen trial and the number of unique evaluations so far.
        poll_interval: Seconds between two looks at a shared study while waiting for other workers.
        max_cost_seconds: Also stop once the study's trials have paid this many seconds (``cost_seconds``, pruned
            trials included), checked before each trial: the trial that crosses it is finished, none is started
            after it. ``None``: no such budget.
    """
    if n_unique < 1:
        raise InvalidArgumentError(f"n_unique must be positive, got {n_unique}")
    if max_cost_seconds is not None and not max_cost_seconds > 0:
        raise InvalidArgumentError(f"max_cost_seconds must be positive, got {max_cost_seconds}")
    distributions = objective.space.distributions()
    told = Told.of(study)
    shared = is_shared(study)
    # A study only this process sees needs no claims: what it evaluated is all there is.
    seen: dict[str, FrozenTrial] | None = None if shared else {t.user_attrs[KEY_ATTR]: t for t in unique_trials(study)}
    pruned = {t.user_attrs[KEY_ATTR]: t for t in pruned_trials(study)} if seen is not None else None
    paid = paid_seconds(study.get_trials(deepcopy=False)) if seen is not None else 0.0
    budget = max_trials if max_trials is not None else 20 * n_unique + 100
    asked = 0
    while asked < budget:
        if max_cost_seconds is not None:
            if seen is None:
                paid = paid_seconds(study.get_trials(deepcopy=False))
            if paid >= max_cost_seconds:
                break
        if seen is not None:
            if len(seen) >= n_unique:
                break
        else:
            fail_interrupted_trials(study)
            progress = Progress.of(study)
            if len(progress.done) >= n_unique:
                break
            if len(progress.done | progress.running) >= n_unique and not progress.queued:
                time.sleep(poll_interval)  # the last architectures are being evaluated elsewhere
                continue
        with warnings.catch_warnings():
            # NOTE: Optuna warns that its heartbeat is meant for study.optimize; TrialHeartbeat beats for ask and tell.
            warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed", category=UserWarning)
            trial = study.ask(distributions)
        asked += 1
        if seen is not None:
            frozen = _run_trial(study, trial, objective, told, seen=seen, pruned=pruned, n_unique=n_unique,
                                poll_interval=poll_interval)
            unique = len(seen)
            paid += paid_seconds([frozen])
        else:
            try:
                with TrialHeartbeat(study, trial):
                    frozen = _run_trial(study, trial, objective, told, seen=None, pruned=None, n_unique=n_unique,
                                        poll_interval=poll_interval)
            except (UpdateFinishedTrialError, ValueError):
                # Its heartbeat stopped for longer than the grace period (a stalled worker), so another worker failed
                # it and queued its architecture again; this result is dropped.
                frozen = study._storage.get_trial(trial._trial_id)
                if frozen.state != TrialState.FAIL:
                    raise
                logger.warning("trial %d was failed by another worker while running here", trial.number)
            unique = len(Progress.of(study).done)
        if callback:
            callback(frozen, unique)
    return summarize(study)


def _run_trial(
    study: optuna.Study,
    trial: optuna.Trial,
    objective: Objective,
    told: Told,
    *,
    seen: dict[str, FrozenTrial] | None,
    pruned: dict[str, FrozenTrial] | None,
    n_unique: int,
    poll_interval: float,
) -> FrozenTrial:
    """Evaluates ``trial``'s architecture, or answers it from an earlier trial (evaluated or pruned); ``seen`` and
    ``pruned`` are ``None`` on a shared study."""
    space = objective.space
    try:
        arch = space.from_params(trial.params)
    except InvalidArchitectureError as err:
        trial.set_user_attr(FAIL_ATTR, str(err))
        return study.tell(trial, state=TrialState.FAIL)
    key = space.canonical_key(arch)
    trial.set_user_attr(ARCH_ATTR, space.to_string(arch))
    trial.set_user_attr(KEY_ATTR, key)  # last: other workers' claims wait for it
    if pruned is not None:
        stopped = pruned.get(key)
    else:  # a shared study
        stopped = next((t for t in pruned_trials(study) if t.user_attrs[KEY_ATTR] == key), None)
    if stopped is not None:
        for step, value in stopped.intermediate_values.items():
            trial.report(value, step)
        trial.set_user_attr(COST_ATTR, 0.0)
        trial.set_user_attr(DUPLICATE_ATTR, stopped.number)
        return study.tell(trial, state=TrialState.PRUNED)
    if seen is None:
        decision = claim(study, trial.number, key, n_unique=n_unique, poll_interval=poll_interval)
        earlier = decision.duplicate_of
        if not decision.evaluate and earlier is None:
            trial.set_user_attr(NOT_EVALUATED_ATTR, f"other workers evaluated the study's {n_unique} architectures")
            return study.tell(trial, state=TrialState.FAIL)
    else:
        earlier = seen.get(key)
    if earlier is not None:
        for name, value in earlier.user_attrs.items():
            if name not in (ARCH_ATTR, KEY_ATTR):
                trial.set_user_attr(name, value)
        trial.set_user_attr(COST_ATTR, 0.0)
        trial.set_user_attr(DUPLICATE_ATTR, earlier.number)
        _store_constraints(trial, earlier.constraints or None)
        return study.tell(trial, earlier.values)
    try:
        # NOTE: Optuna keeps intermediate values of single-objective trials only; several objectives are not pruned.
        if getattr(objective, "reports_intermediate", False) and len(told.metrics) == 1:
            evaluation = objective(arch, trial=trial)  # type: ignore[call-arg]
        else:
            evaluation = objective(arch)
        attrs = evaluation.user_attrs()
        if not math.isfinite(evaluation.valid):
            raise ValueError(f"objective returned {evaluation.valid}")
    except optuna.TrialPruned as err:
        trial.set_user_attr("pruned_reason", str(err) or "pruned")
        frozen = study.tell(trial, state=TrialState.PRUNED)
        if pruned is not None:
            pruned[key] = frozen
        return frozen
    except Exception as err:  # NOTE: any failure of one evaluation fails that trial only.
        logger.warning("trial %d failed: %s", trial.number, err)
        trial.set_user_attr(FAIL_ATTR, f"{type(err).__name__}: {err}")
        return study.tell(trial, state=TrialState.FAIL)
    try:  # a metric the objective does not record is the study's mistake, not this architecture's
        values, violations = told.values(attrs), told.violations(attrs)
    except InvalidArgumentError as err:
        trial.set_user_attr(FAIL_ATTR, str(err))
        study.tell(trial, state=TrialState.FAIL)
        raise InvalidArgumentError(f"{err}; the study optimizes {', '.join(told.metrics)}"
                                   + "".join(f", constrained by {c}" for c in told.constraints)) from None
    for name, value in attrs.items():
        trial.set_user_attr(name, value)
    _store_constraints(trial, violations)
    frozen = study.tell(trial, values)
    if seen is not None:
        seen[key] = frozen
    return frozen


def _store_constraints(trial: optuna.Trial, values: dict[str, float] | None) -> None:
    """Stores a trial's constraint values where Optuna's samplers (TPE, NSGA-II, GP) read them."""
    for name, value in (values or {}).items():
        trial.set_constraint(name, value)
