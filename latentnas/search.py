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

Interrupts: a search stopped by Ctrl-C (``KeyboardInterrupt``), by SIGTERM raised as an exception, or by an error
fails its trial in flight as interrupted (:func:`latentnas.heartbeat.fail_interrupted`) before the exception goes on:
it leaves no RUNNING trial behind, and a rerun starts at once, from the true count.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from latentnas.claims import NOT_EVALUATED_ATTR, Progress, claim
from latentnas.errors import InvalidArchitectureError, InvalidArgumentError
from latentnas.heartbeat import TrialHeartbeat, fail_interrupted, fail_interrupted_trials
from latentnas.objectives import Objective
from latentnas.records import ARCH_ATTR, DUPLICATE_ATTR, FAIL_ATTR, KEY_ATTR
from latentnas.results import COST_ATTR, SearchResult, Told, paid_seconds, pruned_trials, summarize, unique_trials
from latentnas.storage import is_shared

logger = logging.getLogger(__name__)

__all__ = ["run_search"]


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
        frozen = _ask_and_run(study, objective, told, seen=seen, pruned=pruned, n_unique=n_unique,
                              poll_interval=poll_interval)
        asked += 1
        if seen is not None:
            unique = len(seen)
            paid += paid_seconds([frozen])
        else:
            unique = len(Progress.of(study).done)
        if callback:
            callback(frozen, unique)
    return summarize(study)


def _ask_and_run(
    study: optuna.Study,
    objective: Objective,
    told: Told,
    *,
    seen: dict[str, FrozenTrial] | None,
    pruned: dict[str, FrozenTrial] | None,
    n_unique: int,
    poll_interval: float,
) -> FrozenTrial:
    """Asks for a trial, has the sampler propose its architecture and runs it; a trial that an interrupt or an error
    stops is failed as interrupted before the exception goes on."""
    trial: optuna.Trial | None = None
    try:
        with _interrupts_held(), warnings.catch_warnings():
            # NOTE: Optuna warns that its heartbeat is meant for study.optimize; TrialHeartbeat beats for ask and tell.
            warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed", category=UserWarning)
            trial = study.ask()
        _propose(trial, objective)
        if seen is not None:
            return _run_trial(study, trial, objective, told, seen=seen, pruned=pruned, n_unique=n_unique,
                              poll_interval=poll_interval)
        try:
            with TrialHeartbeat(study, trial):
                return _run_trial(study, trial, objective, told, seen=None, pruned=None, n_unique=n_unique,
                                  poll_interval=poll_interval)
        except (UpdateFinishedTrialError, ValueError):
            # Its heartbeat stopped for longer than the grace period (a stalled worker), so another worker failed it
            # and queued its architecture again; this result is dropped.
            frozen = study._storage.get_trial(trial._trial_id)
            if frozen.state != TrialState.FAIL:
                raise
            logger.warning("trial %d was failed by another worker while running here", trial.number)
            return frozen
    except BaseException as stop:
        if trial is not None:
            if not isinstance(stop, Exception):
                # An interrupt in the middle of a storage call leaves its cursor (on SQLite, with its lock) to the
                # traceback's frames: their locals go, so that the trial can be failed.
                traceback.clear_frames(stop.__traceback__)
            with _interrupts_held():  # a second Ctrl-C waits until the trial of the first is failed
                fail_interrupted(study, trial._trial_id)
        raise


def _propose(trial: optuna.Trial, objective: Objective) -> None:
    """Has the study's sampler propose ``trial``'s architecture: suggests each param of the space, as
    ``study.ask(distributions)`` does."""
    for name, distribution in objective.space.distributions().items():
        trial._suggest(name, distribution)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Holds SIGINT and SIGTERM back while the block runs: one that comes meanwhile goes to its own handler as the
    block ends (Python runs signal handlers in the main thread only; elsewhere there is nothing to hold).

    ``study.ask()`` creates a trial before it returns it: an interrupt raised in between would leave a RUNNING trial
    that nothing here knows of. Creating a trial is short; the proposal, which may take long, runs outside. NOTE: the
    handlers are swapped, not the signals blocked: a process-wide signal goes to any thread that does not block it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    held = {s: h for s, h in handlers.items() if h not in (signal.SIG_IGN, None)}  # None: not set from Python
    for s in held:
        signal.signal(s, lambda signum, frame: came.append(signum))
    try:
        yield
    finally:
        for s, handler in held.items():
            signal.signal(s, handler)
        if came:
            signal.raise_signal(came[0])


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
