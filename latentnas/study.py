"""The Optuna study a search runs on: what it is, creating or resuming it, its pruner.

A stored study knows what it is (space, sampler and the ``identity`` its creator gave: benchmark or data, dataset,
objective, fidelity, epochs, encoder), and a resume that differs is refused. Any number of workers may share a stored
study (see :mod:`latentnas.storage` and :mod:`latentnas.claims`): ``n_unique`` is the study's total, each architecture
is evaluated once, and a trial whose worker died is failed and its architecture evaluated again. The search loop
itself is :mod:`latentnas.search` (``run_search`` and ``summarize`` are importable from here too).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna

from latentnas.claims import Progress
from latentnas.errors import InvalidArgumentError, StorageError, UnknownNameError
from latentnas.heartbeat import fail_interrupted_trials
from latentnas.objectives import Objective
from latentnas.pareto import CONSTRAINTS_ATTR, METRICS, OBJECTIVES_ATTR, Constraint, parse_constraints, parse_objectives
from latentnas.records import SPACE_ATTR, json_normalized
from latentnas.results import SearchResult, summarize, unique_trials
from latentnas.search import run_search
from latentnas.spaces import SearchSpace
from latentnas.storage import default_storage, is_shared, open_storage

logger = logging.getLogger(__name__)

__all__ = ["PRUNERS", "SPACE_ATTR", "Resume", "SearchResult", "check_pruner", "create_study", "default_storage",
           "make_pruner", "open_storage", "resume", "run_search", "summarize", "unique_trials"]

#: Study user attrs: the space (:data:`latentnas.records.SPACE_ATTR`), the sampler (its ``describe()``, else its class
#: name), the creator's identity.
SAMPLER_ATTR, IDENTITY_ATTR = "sampler", "identity"


def create_study(
    space: SearchSpace[Any],
    sampler: optuna.samplers.BaseSampler,
    *,
    storage: str | optuna.storages.BaseStorage | None = None,
    study_name: str | None = None,
    pruner: optuna.pruners.BasePruner | None = None,
    direction: str = "maximize",
    identity: Mapping[str, Any] | None = None,
    objectives: Sequence[str] | None = None,
    constraints: Sequence[Constraint | str] = (),
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
        objectives: The metrics the search optimizes (:data:`latentnas.pareto.METRICS`), e.g. ``("valid",
            "latency")``: a study of one direction per metric (``valid`` in ``direction``, the others in theirs);
            recorded on the study (user attr ``"objectives"``), where :func:`run_search` reads what to tell. ``None``:
            ``valid`` alone, recorded only where there are constraints.
        constraints: Bounds on metrics (``"params<=1.0"`` or :class:`~latentnas.pareto.Constraint`), recorded on the
            study (user attr ``"constraints"``): each trial stores their values as Optuna's constraint values
            (feasible where all are ``<= 0``), samplers that take constraints avoid infeasible regions, and an
            infeasible architecture is never the study's best.
    """
    if direction not in ("maximize", "minimize"):
        raise InvalidArgumentError(f"direction must be 'maximize' or 'minimize', got '{direction}'")
    metrics = parse_objectives(objectives) if objectives is not None else ("valid",)
    bounds = parse_constraints([str(c) for c in constraints])
    wanted = [direction if m == "valid" else METRICS[m] for m in metrics]
    if len(metrics) > 1 and pruner is not None and not isinstance(pruner, optuna.pruners.NopPruner):
        raise InvalidArgumentError(f"a pruner stops trials of one objective, not of {len(metrics)} "
                                   f"({', '.join(metrics)}); search several objectives without a pruner")
    if isinstance(storage, str):
        storage = open_storage(storage)
    try:
        study = optuna.create_study(
            storage=storage, study_name=study_name, sampler=sampler, load_if_exists=True,
            directions=[optuna.study.StudyDirection.MAXIMIZE if d == "maximize" else
                        optuna.study.StudyDirection.MINIMIZE for d in wanted],
            pruner=pruner or optuna.pruners.NopPruner(),
        )
    except ValueError as err:  # e.g. an existing study with another direction
        raise StorageError(f"cannot use study '{study_name}': {err}") from None
    stored_directions = [d.name.lower() for d in study.directions]
    if stored_directions != wanted:  # Optuna loads a stored study whatever direction is asked
        raise StorageError(f"study '{study.study_name}' is to {', '.join(stored_directions)}, not to "
                           f"{', '.join(wanted)}; start a new study with --study NEW_NAME")
    describe = getattr(sampler, "describe", None)
    given: dict[str, Any] = {SPACE_ATTR: space.name,
                             SAMPLER_ATTR: json_normalized(describe() if callable(describe) else type(sampler).__name__,
                                                             what="the sampler's description")}
    if objectives is not None or bounds:
        given[OBJECTIVES_ATTR] = list(metrics)
        given[CONSTRAINTS_ATTR] = [str(c) for c in bounds]
    if identity is not None:
        given[IDENTITY_ATTR] = json_normalized(dict(identity), what="a study's identity")
    stored = study.user_attrs
    fresh = not study.get_trials(deepcopy=False)
    # A study's metrics and constraints are what it was created with: none recorded means valid alone, unconstrained.
    plain = {OBJECTIVES_ATTR: ["valid"], CONSTRAINTS_ATTR: []}
    for attr, default in plain.items():
        was, now = stored.get(attr, default), given.get(attr, default)
        if not fresh and was != now:
            raise StorageError(f"study '{study.study_name}' was created with {attr} {json.dumps(was)}, not "
                               f"{json.dumps(now)}; resume it with the same settings or start a new study with "
                               "--study NEW_NAME")
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
    interrupted = fail_interrupted_trials(study) if is_shared(study) else []
    progress = Progress.of(study)
    return Resume(done=len(progress.done), total=n_unique, interrupted=len(interrupted), running=len(progress.running))


#: The pruners :func:`make_pruner` builds.
PRUNERS: tuple[str, ...] = ("none", "median", "asha", "hyperband")
#: Successive halving's and Hyperband's reduction factor: a rung promotes the top third of the trials that reached it
#: (Optuna's, Hyperband's and BOHB's default).
REDUCTION_FACTOR = 3


def check_pruner(name: str) -> str:
    """``name`` if it is one of :data:`PRUNERS`.

    Raises:
        UnknownNameError: It is not, listing the choices.
    """
    if name not in PRUNERS:
        raise UnknownNameError(f"unknown pruner '{name}'; choices: {', '.join(PRUNERS)}")
    return name


def make_pruner(name: str, objective: Objective) -> optuna.pruners.BasePruner | None:
    """The pruner ``name`` for ``objective``, an objective that reports intermediate values: a training objective
    (one step per epoch, from 0 to ``epochs - 1``) or a multi-fidelity one (one step per column, at its ``steps``).

    - ``"none"`` prunes nothing (``None``).
    - ``"median"`` stops a trial whose value is below the median of earlier completed trials at the same step, once 5
      trials are complete: from half of ``objective.epochs`` on for training, at every column but the last for a
      multi-fidelity objective.
    - ``"asha"``: asynchronous successive halving (``SuccessiveHalvingPruner``): a trial goes on past a rung only if
      its value is in the top third of the values every trial had there (pruned ones included); rungs at
      ``min_resource * 3^k``, ``min_resource`` the first column's epochs, or epoch 1 for training.
    - ``"hyperband"``: ``HyperbandPruner`` from that ``min_resource`` to the last column's (or ``epochs``), reduction
      factor 3: several brackets of successive halving, the most aggressive first and the last one stopping nothing,
      each trial assigned to one by a hash of the study's name and its number (name studies for repeatable runs).
      With TPE it is Optuna's BOHB-like setting: TPE models each bracket's trials apart.

    Raises:
        UnknownNameError: ``name`` is not in :data:`PRUNERS`.
        InvalidArgumentError: A pruner for an objective that reports no intermediate values (a table lookup).
    """
    if check_pruner(name) == "none":
        return None
    epochs = getattr(objective, "epochs", None)
    if not getattr(objective, "reports_intermediate", False) or not isinstance(epochs, int):
        raise InvalidArgumentError(
            f"pruner '{name}' needs an objective that reports each epoch (training), not {type(objective).__name__}"
        )
    steps = getattr(objective, "steps", None)  # a multi-fidelity objective's columns, at their epochs
    first = steps[0] if steps else 1
    if name == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=first, reduction_factor=REDUCTION_FACTOR)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=first, max_resource=epochs,
                                              reduction_factor=REDUCTION_FACTOR)
    # NOTE: in training, decisions only in the second half: early accuracy ranks architectures poorly.
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=first if steps else epochs // 2)
