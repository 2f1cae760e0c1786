"""Searching on an Optuna study: what the study is, resume, and a loop that counts unique architectures.

Trial params are the architecture's own choices (``space.distributions()``), so any Optuna sampler works on our
spaces. Each trial stores its architecture string and canonical key as user attrs. An architecture that the study has
already evaluated (same canonical key) is not evaluated again: its earlier result is told again and the trial is
marked ``duplicate_of``; it does not count against the budget of unique architectures.

A stored study knows what it is (space, sampler and the ``identity`` its creator gave: benchmark or data, dataset,
objective, fidelity, epochs, encoder), and a resume that differs is refused. Any number of workers may share a stored
study (see :mod:`latentnas.storage` and :mod:`latentnas.claims`): ``n_unique`` is the study's total, each architecture
is evaluated once, and a trial whose worker died is failed and its architecture evaluated again.
"""

from __future__ import annotations

import json
import logging
import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from latentnas.claims import NOT_EVALUATED_ATTR, Progress, claim
from latentnas.errors import InvalidArchitectureError, InvalidArgumentError, StorageError, UnknownNameError
from latentnas.objectives import Objective
from latentnas.records import ARCH_ATTR, DUPLICATE_ATTR, FAIL_ATTR, KEY_ATTR
from latentnas.spaces import SearchSpace
from latentnas.storage import WORKER_ATTR, TrialHeartbeat, default_storage, fail_interrupted_trials, open_storage

logger = logging.getLogger(__name__)

__all__ = ["Resume", "SearchResult", "create_study", "default_storage", "make_pruner", "open_storage", "resume",
           "run_search", "summarize", "unique_trials"]

#: Study user attrs: the space, the sampler (its ``describe()``, else its class name), the creator's identity.
SPACE_ATTR, SAMPLER_ATTR, IDENTITY_ATTR = "space", "sampler", "identity"


def create_study(
    space: SearchSpace[Any],
    sampler: optuna.samplers.BaseSampler,
    *,
    storage: str | optuna.storages.BaseStorage | None = None,
    study_name: str | None = None,
    pruner: optuna.pruners.BasePruner | None = None,
    direction: str = "maximize",
    identity: Mapping[str, Any] | None = None,
) -> optuna.Study:
    """Creates the study ``study_name`` or loads it to resume (same name, same storage).

    A new study records its space, its sampler and ``identity``; resuming one with any of them different raises
    :class:`StorageError` naming the first difference.

    Args:
        space: The space searched.
        sampler: Any Optuna sampler (ours propose whole architectures). Its ``describe()`` (a JSON-able config), or
            else its class name, is part of what the study is.
        storage: An Optuna storage or URL (see :func:`latentnas.storage.open_storage`); ``None`` keeps the study in
            memory. The CLI defaults to :func:`latentnas.storage.default_storage`.
        study_name: Name to create or resume; ``None`` makes a fresh unnamed study.
        pruner: Stops hopeless trials of objectives that report each epoch; ``None`` prunes nothing. NOTE: not
            Optuna's default MedianPruner, which prunes from the first epoch on: in a random search on Cora
            (3 epochs) it stopped 266 of 296 trials, each pruned architecture a budget spent for no result.
        direction: ``"maximize"`` (accuracy) or ``"minimize"`` (an error).
        identity: What else the results depend on, JSON-able (the CLI records benchmark or data root, dataset,
            objective, fidelity, epochs, encoder sha256); ``None`` records and checks nothing more.
    """
    if direction not in ("maximize", "minimize"):
        raise InvalidArgumentError(f"direction must be 'maximize' or 'minimize', got '{direction}'")
    if isinstance(storage, str):
        storage = open_storage(storage)
    try:
        study = optuna.create_study(
            storage=storage, study_name=study_name, sampler=sampler, load_if_exists=True,
            direction=optuna.study.StudyDirection.MAXIMIZE if direction == "maximize" else
            optuna.study.StudyDirection.MINIMIZE,
            pruner=pruner or optuna.pruners.NopPruner(),
        )
    except ValueError as err:  # e.g. an existing study with another direction
        raise StorageError(f"cannot use study '{study_name}': {err}") from None
    if study.direction.name.lower() != direction:  # Optuna loads a stored study whatever direction is asked
        raise StorageError(f"study '{study.study_name}' is to {study.direction.name.lower()}, not to {direction}; "
                           "start a new study with --study NEW_NAME")
    describe = getattr(sampler, "describe", None)
    given: dict[str, Any] = {SPACE_ATTR: space.name,
                             SAMPLER_ATTR: _jsonable(describe() if callable(describe) else type(sampler).__name__)}
    if identity is not None:
        given[IDENTITY_ATTR] = _jsonable(dict(identity))
    stored = study.user_attrs
    fresh = not study.get_trials(deepcopy=False)
    for attr, value in given.items():
        if attr not in stored and (fresh or attr != IDENTITY_ATTR):
            study.set_user_attr(attr, value)
        elif attr not in stored:
            raise StorageError(f"study '{study.study_name}' records no identity (made by an older latentnas), so "
                               "resuming it cannot be checked; start a new study with --study NEW_NAME")
        elif (diff := _difference(attr, stored[attr], value)) is not None:
            raise StorageError(f"study '{study.study_name}' was created with {diff}; resume it with the same settings "
                               "or start a new study with --study NEW_NAME")
    return study


def _jsonable(value: Any) -> Any:
    """``value`` as stored (JSON: tuples become lists), so that a resume compares like with like."""
    try:
        return json.loads(json.dumps(value, sort_keys=True))
    except (TypeError, ValueError) as err:
        raise InvalidArgumentError(f"a study's identity and sampler description must be JSON-able: {err}") from None


def _difference(name: str, stored: Any, given: Any) -> str | None:
    """The first difference of ``given`` from ``stored``, worded ``"dataset 'cifar10', not 'cifar100'"``."""
    if isinstance(stored, dict) and isinstance(given, dict):
        for key in sorted(set(stored) | set(given)):
            label = key if name == IDENTITY_ATTR else f"{name}.{key}"
            diff = _difference(label, stored.get(key), given.get(key))
            if diff is not None:
                return diff
        return None
    return None if stored == given else f"{name} {json.dumps(stored)}, not {json.dumps(given)}"


@dataclass(frozen=True)
class Resume:
    """What a study held when a search (re)started on it: unique architectures evaluated, the budget, interrupted
    trials failed and queued again now, and trials other workers are running."""

    done: int
    total: int
    interrupted: int
    running: int

    def message(self) -> str | None:
        """``"resumed: 34 of 60 done, 1 interrupted trial retried"``; ``None`` for a new study."""
        if not (self.done or self.interrupted or self.running):
            return None
        parts = [f"resumed: {self.done} of {self.total} done"]
        if self.interrupted:
            parts.append(f"{self.interrupted} interrupted trial{'s' * (self.interrupted != 1)} retried")
        if self.running:
            parts.append(f"{self.running} running in other workers")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, int]:
        return {"done": self.done, "total": self.total, "interrupted": self.interrupted, "running": self.running}


def resume(study: optuna.Study, n_unique: int) -> Resume:
    """Fails the trials of ``study`` whose worker is gone (queuing their architectures again) and says what the study
    holds, before :func:`run_search` continues it to ``n_unique`` unique architectures."""
    interrupted = fail_interrupted_trials(study) if _shared(study) else []
    progress = Progress.of(study)
    return Resume(done=len(progress.done), total=n_unique, interrupted=len(interrupted), running=len(progress.running))


def _shared(study: optuna.Study) -> bool:
    """Whether other processes may work on ``study`` (any storage but Optuna's in-memory one)."""
    return not isinstance(study._storage, optuna.storages.InMemoryStorage)


#: The pruners :func:`make_pruner` builds.
PRUNERS: tuple[str, ...] = ("none", "median")


def make_pruner(name: str, objective: Objective) -> optuna.pruners.BasePruner | None:
    """The pruner ``name`` for ``objective``: ``"none"`` prunes nothing (``None``); ``"median"`` stops a trial whose
    validation accuracy is below the median of earlier trials at the same epoch, from half of ``objective.epochs``
    on, once 5 trials are complete.

    Raises:
        UnknownNameError: ``name`` is not in :data:`PRUNERS`.
        InvalidArgumentError: ``"median"`` for an objective that reports no epochs (a table lookup).
    """
    if name not in PRUNERS:
        raise UnknownNameError(f"unknown pruner '{name}'; choices: {', '.join(PRUNERS)}")
    if name == "none":
        return None
    epochs = getattr(objective, "epochs", None)
    if not getattr(objective, "reports_intermediate", False) or not isinstance(epochs, int):
        raise InvalidArgumentError(
            f"pruner '{name}' needs an objective that reports each epoch (training), not {type(objective).__name__}"
        )
    # NOTE: decisions only in the second half of training: early accuracy ranks architectures poorly.
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=epochs // 2)


@dataclass
class SearchResult:
    """What a search found, in the units NAS papers report.

    ``history`` holds one row per unique architecture, in evaluation order: its validation and test accuracy and
    the cumulative cost (simulated seconds where the objective records them).
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

    def test_at_best_valid_curve(self) -> list[float | None]:
        """After each unique evaluation, the test accuracy of the best-by-validation architecture so far."""
        curve: list[float | None] = []
        best = -math.inf
        test: float | None = None
        for row in self.history:
            if row["valid"] > best:
                best, test = row["valid"], row.get("test")
            curve.append(test)
        return curve

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
        }


def unique_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Completed trials that evaluated a new architecture, in trial order."""
    return [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if DUPLICATE_ATTR not in t.user_attrs and KEY_ATTR in t.user_attrs
    ]


def summarize(study: optuna.Study) -> SearchResult:
    """The :class:`SearchResult` of everything stored in ``study`` so far."""
    trials = study.get_trials(deepcopy=False)
    failed = [t for t in trials if t.state == TrialState.FAIL]
    unique = unique_trials(study)
    history = []
    cost = 0.0
    for t in unique:
        cost += float(t.user_attrs.get("cost_seconds", 0.0))
        history.append(
            {"number": t.number, "arch": t.user_attrs[ARCH_ATTR], "valid": t.value, "test": t.user_attrs.get("test"),
             "cumulative_cost": cost}
        )
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MINIMIZE else 1.0  # best: the least error
    best = max(unique, key=lambda t: (sign * (t.value if t.value is not None else -math.inf), -t.number)) if unique else None
    return SearchResult(
        space=str(study.user_attrs.get("space", "")),
        best_arch=best.user_attrs[ARCH_ATTR] if best else None,
        best_valid=best.value if best else None,
        best_test=best.user_attrs.get("test") if best else None,
        unique_evaluations=len(unique),
        trials=len(trials),
        duplicates=sum(1 for t in trials if DUPLICATE_ATTR in t.user_attrs),
        failures=sum(1 for t in failed if FAIL_ATTR in t.user_attrs and NOT_EVALUATED_ATTR not in t.user_attrs),
        history=history,
        interrupted=sum(1 for t in failed if FAIL_ATTR not in t.user_attrs and NOT_EVALUATED_ATTR not in t.user_attrs
                        and WORKER_ATTR in t.system_attrs),
        not_evaluated=sum(1 for t in failed if NOT_EVALUATED_ATTR in t.user_attrs),
    )


def run_search(
    study: optuna.Study,
    objective: Objective,
    *,
    n_unique: int,
    max_trials: int | None = None,
    callback: Callable[[FrozenTrial, int], None] | None = None,
    poll_interval: float = 0.25,
) -> SearchResult:
    """Asks and tells trials until the study holds ``n_unique`` unique evaluated architectures.

    Resuming is running this again on the same study: the budget counts what is stored already. On a stored study
    any number of workers may run this at once: together they evaluate exactly ``n_unique`` architectures, none
    twice (see :mod:`latentnas.claims`); a worker whose last architectures are being evaluated by others waits for
    them (one may fail and need replacing). Trials whose worker died are failed and their architectures evaluated
    again (see :func:`latentnas.storage.fail_interrupted_trials`).

    Args:
        study: From :func:`create_study`.
        objective: Evaluates an architecture of ``objective.space``.
        n_unique: Total number of unique architectures the study should hold.
        max_trials: Stop after this many new trials regardless (default ``20 * n_unique + 100``), so that a sampler
            that keeps proposing known architectures cannot loop forever.
        callback: Called after every trial with the frozen trial and the number of unique evaluations so far.
        poll_interval: Seconds between two looks at a shared study while waiting for other workers.
    """
    if n_unique < 1:
        raise InvalidArgumentError(f"n_unique must be positive, got {n_unique}")
    distributions = objective.space.distributions()
    shared = _shared(study)
    # A study only this process sees needs no claims: what it evaluated is all there is.
    seen: dict[str, FrozenTrial] | None = None if shared else {t.user_attrs[KEY_ATTR]: t for t in unique_trials(study)}
    budget = max_trials if max_trials is not None else 20 * n_unique + 100
    asked = 0
    while asked < budget:
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
            frozen = _run_trial(study, trial, objective, seen=seen, n_unique=n_unique, poll_interval=poll_interval)
            unique = len(seen)
        else:
            try:
                with TrialHeartbeat(study, trial):
                    frozen = _run_trial(study, trial, objective, seen=None, n_unique=n_unique,
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
    *,
    seen: dict[str, FrozenTrial] | None,
    n_unique: int,
    poll_interval: float,
) -> FrozenTrial:
    """Evaluates ``trial``'s architecture, or answers it from an earlier trial; ``seen is None`` on a shared study."""
    space = objective.space
    try:
        arch = space.from_params(trial.params)
    except InvalidArchitectureError as err:
        trial.set_user_attr(FAIL_ATTR, str(err))
        return study.tell(trial, state=TrialState.FAIL)
    key = space.canonical_key(arch)
    trial.set_user_attr(ARCH_ATTR, space.to_string(arch))
    trial.set_user_attr(KEY_ATTR, key)  # last: other workers' claims wait for it
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
        trial.set_user_attr("cost_seconds", 0.0)
        trial.set_user_attr(DUPLICATE_ATTR, earlier.number)
        return study.tell(trial, earlier.value)
    try:
        if getattr(objective, "reports_intermediate", False):
            evaluation = objective(arch, trial=trial)  # type: ignore[call-arg]
        else:
            evaluation = objective(arch)
        if not math.isfinite(evaluation.valid):
            raise ValueError(f"objective returned {evaluation.valid}")
    except optuna.TrialPruned as err:
        trial.set_user_attr("pruned_reason", str(err) or "pruned")
        return study.tell(trial, state=TrialState.PRUNED)
    except Exception as err:  # NOTE: any failure of one evaluation fails that trial only.
        logger.warning("trial %d failed: %s", trial.number, err)
        trial.set_user_attr(FAIL_ATTR, f"{type(err).__name__}: {err}")
        return study.tell(trial, state=TrialState.FAIL)
    for name, value in evaluation.user_attrs().items():
        trial.set_user_attr(name, value)
    frozen = study.tell(trial, evaluation.valid)
    if seen is not None:
        seen[key] = frozen
    return frozen
