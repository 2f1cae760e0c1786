"""Searching on an Optuna study: storage, resume, and a loop that counts unique architectures.

Trial params are the architecture's own choices (``space.distributions()``), so any Optuna sampler works on our
spaces. Each trial stores its architecture string and canonical key as user attrs. An architecture that the study has
already evaluated (same canonical key) is not evaluated again: its earlier result is told again and the trial is
marked ``duplicate_of``; it does not count against the budget of unique architectures.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from latentnas.errors import InvalidArchitectureError, InvalidArgumentError, StorageError, UnknownNameError
from latentnas.objectives import Objective
from latentnas.records import ARCH_ATTR, DUPLICATE_ATTR, FAIL_ATTR, KEY_ATTR
from latentnas.spaces import SearchSpace

logger = logging.getLogger(__name__)

DEFAULT_STORAGE = "sqlite:///runs/latentnas.db"


def open_storage(url: str | None) -> optuna.storages.BaseStorage:
    """Opens an Optuna storage URL (default: a SQLite file under ``./runs/``), raising ``StorageError``."""
    url = url or DEFAULT_STORAGE
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        if str(path) not in ("", ":memory:"):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StorageError(f"cannot open storage '{url}': {err.strerror}") from None
    try:
        return optuna.storages.RDBStorage(url)
    except Exception as err:  # SQLAlchemy raises many kinds; the user needs one line.
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise StorageError(f"cannot open storage '{url}': {reason}") from None


def create_study(
    space: SearchSpace[Any],
    sampler: optuna.samplers.BaseSampler,
    *,
    storage: str | optuna.storages.BaseStorage | None = None,
    study_name: str | None = None,
    pruner: optuna.pruners.BasePruner | None = None,
) -> optuna.Study:
    """Creates the study ``study_name`` or loads it to resume (same name, same storage).

    Args:
        space: The space searched; a study of another space is refused.
        sampler: Any Optuna sampler (ours propose whole architectures).
        storage: An Optuna storage or URL; ``None`` keeps the study in memory. The CLI defaults to
            :data:`DEFAULT_STORAGE`.
        study_name: Name to create or resume; ``None`` makes a fresh unnamed study.
        pruner: Stops hopeless trials of objectives that report each epoch; ``None`` prunes nothing. NOTE: not
            Optuna's default MedianPruner, which prunes from the first epoch on: in a random search on Cora
            (3 epochs) it stopped 266 of 296 trials, each pruned architecture a budget spent for no result.
    """
    if isinstance(storage, str):
        storage = open_storage(storage)
    try:
        study = optuna.create_study(
            storage=storage, study_name=study_name, sampler=sampler, direction="maximize", load_if_exists=True,
            pruner=pruner or optuna.pruners.NopPruner(),
        )
    except ValueError as err:  # e.g. an existing study with another direction
        raise StorageError(f"cannot use study '{study_name}': {err}") from None
    stored_space = study.user_attrs.get("space")
    if stored_space is None:
        study.set_user_attr("space", space.name)
    elif stored_space != space.name:
        raise StorageError(
            f"study '{study_name}' searches space '{stored_space}', not '{space.name}'; choose another --study name"
        )
    return study


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
    unique = unique_trials(study)
    history = []
    cost = 0.0
    for t in unique:
        cost += float(t.user_attrs.get("cost_seconds", 0.0))
        history.append(
            {"number": t.number, "arch": t.user_attrs[ARCH_ATTR], "valid": t.value, "test": t.user_attrs.get("test"),
             "cumulative_cost": cost}
        )
    best = max(unique, key=lambda t: (t.value, -t.number)) if unique else None
    return SearchResult(
        space=str(study.user_attrs.get("space", "")),
        best_arch=best.user_attrs[ARCH_ATTR] if best else None,
        best_valid=best.value if best else None,
        best_test=best.user_attrs.get("test") if best else None,
        unique_evaluations=len(unique),
        trials=len(trials),
        duplicates=sum(1 for t in trials if DUPLICATE_ATTR in t.user_attrs),
        failures=sum(1 for t in trials if t.state == TrialState.FAIL),
        history=history,
    )


def run_search(
    study: optuna.Study,
    objective: Objective,
    *,
    n_unique: int,
    max_trials: int | None = None,
    callback: Callable[[FrozenTrial, int], None] | None = None,
) -> SearchResult:
    """Asks and tells trials until the study holds ``n_unique`` unique evaluated architectures.

    Resuming is running this again on the same study: the budget counts what is stored already.

    Args:
        study: From :func:`create_study`.
        objective: Evaluates an architecture of ``objective.space``.
        n_unique: Total number of unique architectures the study should hold.
        max_trials: Stop after this many new trials regardless (default ``20 * n_unique + 100``), so that a sampler
            that keeps proposing known architectures cannot loop forever.
        callback: Called after every trial with the frozen trial and the number of unique evaluations so far.
    """
    if n_unique < 1:
        raise ValueError(f"n_unique must be positive, got {n_unique}")
    space = objective.space
    distributions = space.distributions()
    seen: dict[str, FrozenTrial] = {t.user_attrs[KEY_ATTR]: t for t in unique_trials(study)}
    budget = max_trials if max_trials is not None else 20 * n_unique + 100
    for _ in range(budget):
        if len(seen) >= n_unique:
            break
        trial = study.ask(distributions)
        try:
            arch = space.from_params(trial.params)
        except InvalidArchitectureError as err:
            trial.set_user_attr(FAIL_ATTR, str(err))
            frozen = study.tell(trial, state=TrialState.FAIL)
            if callback:
                callback(frozen, len(seen))
            continue
        key = space.canonical_key(arch)
        trial.set_user_attr(ARCH_ATTR, space.to_string(arch))
        trial.set_user_attr(KEY_ATTR, key)
        # Another worker on the same study may have evaluated it meanwhile.
        earlier = seen.get(key) or _find_evaluated(study, key)
        if earlier is not None:
            seen[key] = earlier
            for name, value in earlier.user_attrs.items():
                if name not in (ARCH_ATTR, KEY_ATTR):
                    trial.set_user_attr(name, value)
            trial.set_user_attr("cost_seconds", 0.0)
            trial.set_user_attr(DUPLICATE_ATTR, earlier.number)
            frozen = study.tell(trial, earlier.value)
        else:
            try:
                if getattr(objective, "reports_intermediate", False):
                    evaluation = objective(arch, trial=trial)  # type: ignore[call-arg]
                else:
                    evaluation = objective(arch)
                if not math.isfinite(evaluation.valid):
                    raise ValueError(f"objective returned {evaluation.valid}")
            except optuna.TrialPruned as err:
                trial.set_user_attr("pruned_reason", str(err) or "pruned")
                frozen = study.tell(trial, state=TrialState.PRUNED)
                if callback:
                    callback(frozen, len(seen))
                continue
            except Exception as err:  # NOTE: any failure of one evaluation fails that trial only.
                logger.warning("trial %d failed: %s", trial.number, err)
                trial.set_user_attr(FAIL_ATTR, f"{type(err).__name__}: {err}")
                frozen = study.tell(trial, state=TrialState.FAIL)
                if callback:
                    callback(frozen, len(seen))
                continue
            for name, value in evaluation.user_attrs().items():
                trial.set_user_attr(name, value)
            frozen = study.tell(trial, evaluation.valid)
            seen[key] = frozen
        if callback:
            callback(frozen, len(seen))
    return summarize(study)


def _find_evaluated(study: optuna.Study, key: str) -> FrozenTrial | None:
    if study._storage.__class__.__name__ == "InMemoryStorage":  # single process: `seen` is complete
        return None
    for t in unique_trials(study):
        if t.user_attrs.get(KEY_ATTR) == key:
            return t
    return None
