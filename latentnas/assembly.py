"""A search described in one place, and the one function that builds and runs it.

A :class:`SearchSpec` says what a search is: the objective (by name, from
:data:`~latentnas.objectives.registry.OBJECTIVES`, with its options), the space, the sampler (by name, with its
options and seed), transfer, the checkpoint, the metrics and constraints, the pruner, the budget, the storage and the
study's name. :func:`assemble` builds it: the objective, the sampler (checked against the capabilities its class
declares), the pruner and the study (:func:`latentnas.study.create_study`, which records what the study is and refuses
a resume that differs); :func:`run` also runs it to its budget. The command line, the comparisons and the scripts all
describe their searches so, and none assembles one by hand.

Example:
    >>> spec = SearchSpec(objective_options={"benchmark": "nasbench-graph", "dataset": "cora"}, sampler="evolution",
    ...                   budget=20)
    >>> study, result = run(spec)
    >>> result.best_arch, study.study_name
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cache, lru_cache
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from latentnas.benchmarks import BENCHMARKS, get_benchmark
from latentnas.errors import InvalidArgumentError, check_fields
from latentnas.history import TransferSource
from latentnas.objectives import Objective
from latentnas.objectives.registry import BuiltObjective, ObjectiveContext, check_options, make_objective
from latentnas.pareto import Constraint, parse_constraints, parse_objectives
from latentnas.results import SearchResult
from latentnas.samplers import SAMPLERS, capabilities, make_sampler, names_with
from latentnas.search import run_search
from latentnas.storage import open_storage
from latentnas.study import Resume, check_pruner, create_study, make_pruner, resume

__all__ = ["IDENTITY_KEYS", "AssembledSearch", "SearchSpec", "assemble", "build_objective", "run", "transfer_sources"]

#: The keys of the identity every search records on its study (:func:`latentnas.study.create_study`), ``None`` where
#: they do not apply; an objective adds its own beside them.
IDENTITY_KEYS = ("objective", "benchmark", "dataset", "fidelity", "epochs", "data", "data_root", "encoder_sha256")


@dataclass(frozen=True, kw_only=True)
class SearchSpec:
    """What a search is: frozen, checked when made, JSON-serializable (:meth:`to_dict`, :meth:`from_dict`).

    NOTE: errors name a field as the command line spells it (``--data-root`` for ``data_root``), the one vocabulary
    users read; every field is an option of ``latentnas search``.

    Args:
        objective: A registered objective (:data:`~latentnas.objectives.registry.OBJECTIVES`): ``benchmark``,
            ``train``, ``predictor``, ``zero-cost``.
        objective_options: Its options, JSON values (the keyword-only parameters of its builder, e.g.
            ``{"benchmark": "nasbench201", "dataset": "cifar10"}``).
        space: The space searched (``None``: the objective's own, e.g. its benchmark's; training needs one).
        sampler: A registered sampler (:data:`~latentnas.samplers.SAMPLERS`).
        sampler_options: Its keyword arguments, JSON values.
        seed: The sampler's seed, and the objective's (weights, splits, fits).
        transfer: The benchmark's tables of the space's other datasets as transfer sources (samplers that declare
            the ``transfer`` capability; one objective, no constraints). A sampler that needs them (the portfolio)
            gets them whatever this says.
        checkpoint: A pretrained encoder for a latent sampler (default: the space's shipped one).
        objectives: The metrics optimized (:data:`latentnas.pareto.METRICS`): ``("valid",)`` or several.
        constraints: Bounds every reported architecture satisfies (``"params<=1.0"``).
        pruner: One of :data:`latentnas.study.PRUNERS` (one objective only).
        budget: Unique architectures the study holds at the end (in total, whatever the number of workers).
        budget_seconds: Also stop once the trials have paid this many seconds (``None``: no such budget).
        storage: An Optuna storage URL (:func:`latentnas.storage.open_storage`); ``None`` keeps the study in memory.
        study_name: The study to create or resume; ``None``: ``OBJECTIVE-LABEL-SAMPLER-seedSEED`` and the metrics
            and constraints, e.g. ``nasbench201-cifar10-latent-bo-seed0``.
    """

    objective: str = "benchmark"
    objective_options: Mapping[str, Any] = field(default_factory=dict)
    space: str | None = None
    sampler: str = "random"
    sampler_options: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    transfer: bool = False
    checkpoint: str | None = None
    objectives: tuple[str, ...] = ("valid",)
    constraints: tuple[str, ...] = ()
    pruner: str = "none"
    budget: int = 100
    budget_seconds: float | None = None
    storage: str | None = None
    study_name: str | None = None

    def __post_init__(self) -> None:
        for name in ("objective_options", "sampler_options"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise InvalidArgumentError(f"{name} must be a mapping of keyword arguments, got {value!r}")
            object.__setattr__(self, name, dict(value))
        for name in ("objectives", "constraints"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise InvalidArgumentError(f"{name} must be a sequence of strings, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        SAMPLERS.get(self.sampler)  # an unknown name fails before anything is loaded, with the choices
        check_options(self.objective, self.objective_options)
        metrics = parse_objectives(self.objectives)
        bounds = parse_constraints(self.constraints)
        object.__setattr__(self, "objectives", metrics)
        object.__setattr__(self, "constraints", tuple(map(str, bounds)))
        able = capabilities(self.sampler)
        if self.several and not able.several_objectives:
            raise InvalidArgumentError(f"sampler '{self.sampler}' searches one objective; with --objectives "
                                       f"{','.join(metrics)} choose one of {', '.join(names_with('several_objectives'))}")
        if (self.several or bounds) and self.transfer:
            raise InvalidArgumentError("--transfer applies to a search of valid alone without --constraint")
        if self.several and self.pruner != "none":
            raise InvalidArgumentError(f"--pruner applies to a search of one objective, not of {','.join(metrics)}")
        check_pruner(self.pruner)
        if self.transfer and not able.transfer:
            raise InvalidArgumentError(
                f"--transfer applies to {', '.join(names_with('transfer'))}, not '{self.sampler}'")
        if self.checkpoint is not None and not able.latent:
            raise InvalidArgumentError(
                f"--checkpoint applies to latent samplers ({', '.join(names_with('latent'))}), not '{self.sampler}'")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InvalidArgumentError(f"seed must be an integer, got {self.seed!r}")
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 1:
            raise InvalidArgumentError(f"budget must be a positive integer, got {self.budget!r}")
        if self.budget_seconds is not None and (isinstance(self.budget_seconds, bool)
                                                or not isinstance(self.budget_seconds, (int, float))
                                                or not self.budget_seconds > 0):
            raise InvalidArgumentError(f"budget_seconds must be a positive number, got {self.budget_seconds!r}")
        try:
            json.dumps(self.to_dict(), allow_nan=False)
        except (TypeError, ValueError) as err:
            raise InvalidArgumentError(f"a search description holds JSON values only: {err}") from None

    @property
    def several(self) -> bool:
        """Whether the search optimizes several metrics (a Pareto front)."""
        return len(self.objectives) > 1

    @property
    def bounds(self) -> tuple[Constraint, ...]:
        return parse_constraints(self.constraints)

    def to_dict(self) -> dict[str, Any]:
        """The description as JSON values (lists for tuples)."""
        out = asdict(self)
        out.update(objectives=list(self.objectives), constraints=list(self.constraints))
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SearchSpec:
        """The description :meth:`to_dict` gave (unknown keys are refused, naming the fields)."""
        check_fields([f.name for f in fields(cls)], values, what="a search description")
        return cls(**values)


@dataclass(frozen=True)
class AssembledSearch:
    """A search built from its :class:`SearchSpec`, ready to run: the study is created (or loaded to resume) and
    holds what it holds (``resumed``)."""

    spec: SearchSpec
    objective: Objective
    sampler: optuna.samplers.BaseSampler
    study: optuna.Study
    #: What the study records it is (beside its space and sampler).
    identity: Mapping[str, Any]
    #: What the study held when it was loaded (a new study: nothing).
    resumed: Resume

    def run(self, *, callback: Callable[[FrozenTrial, int], None] | None = None) -> SearchResult:
        """Runs the search until the study holds the budget (see :func:`latentnas.study.run_search`)."""
        return run_search(self.study, self.objective, n_unique=self.spec.budget,
                          max_cost_seconds=self.spec.budget_seconds, callback=callback)


def assemble(spec: SearchSpec) -> AssembledSearch:
    """Builds the search ``spec`` describes: objective, pruner, sampler, and the study, created or loaded to resume
    (a stored study that was created otherwise is refused, naming the difference).

    Raises:
        LatentNASError: What cannot be built (an unknown dataset, a metric the objective does not record, a space
            that is not the benchmark's, a checkpoint for another space, ...): before anything is stored.
    """
    storage = cache(lambda: open_storage(spec.storage)) if spec.storage is not None else None
    built = build_objective(spec, storage=storage)
    objective = built.objective
    space = objective.space
    pruner = make_pruner(spec.pruner, objective)
    options = dict(spec.sampler_options)
    if spec.checkpoint is not None:
        options["checkpoint"] = spec.checkpoint
    if spec.transfer or capabilities(spec.sampler).needs_transfer:
        options["transfer"] = transfer_sources(space.name, benchmark=built.benchmark, dataset=built.dataset)
    sampler = make_sampler(spec.sampler, space, seed=spec.seed, **options)
    goals = ("-" + "-".join(spec.objectives) if spec.several else "") + "".join(f"-{c}" for c in spec.constraints)
    name = spec.study_name or f"{built.label}-{spec.sampler}-seed{spec.seed}{goals}"
    # What the study's results depend on beside its space and sampler; a resume that differs is refused.
    describe = getattr(sampler, "describe", None)
    identity = {**dict.fromkeys(IDENTITY_KEYS), "objective": spec.objective, **built.identity,
                "encoder_sha256": describe().get("checkpoint_sha256") if callable(describe) else None}
    study = create_study(space, sampler, storage=storage() if storage is not None else None, study_name=name,
                         pruner=pruner, direction=getattr(objective, "direction", "maximize"), identity=identity,
                         objectives=spec.objectives if (spec.several or spec.constraints) else None,
                         constraints=spec.bounds)
    return AssembledSearch(spec, objective, sampler, study, identity, resume(study, spec.budget))


def build_objective(spec: SearchSpec, *, storage: Callable[[], optuna.storages.BaseStorage] | None = None,
                    ) -> BuiltObjective:
    """The objective of ``spec`` alone, built as :func:`assemble` builds it (``storage`` opens the search's storage,
    for an objective fitted on another study): what cannot be built is refused, and nothing is stored."""
    context = ObjectiveContext(space=spec.space, seed=spec.seed, pruner=spec.pruner, storage=storage,
                               metrics=tuple(dict.fromkeys([*spec.objectives, *(c.metric for c in spec.bounds)])))
    return make_objective(spec.objective, context, **spec.objective_options)


def run(spec: SearchSpec, *, callback: Callable[[FrozenTrial, int], None] | None = None,
        ) -> tuple[optuna.Study, SearchResult]:
    """Builds the search ``spec`` describes (:func:`assemble`) and runs it to its budget; returns the study and what
    the search found."""
    search = assemble(spec)
    return search.study, search.run(callback=callback)


def transfer_sources(space: str, *, benchmark: str | None = None, dataset: str | None = None) -> list[TransferSource]:
    """A search's transfer sources: the tables of ``benchmark`` (default: the first benchmark of ``space``) for
    every dataset of the space but ``dataset``, the one searched (whatever its case: training on ``Cora`` leaves
    NAS-Bench-Graph's ``cora`` out). Built once per process.

    Raises:
        InvalidArgumentError: No benchmark has a table of ``space``.
    """
    names = [n for n in BENCHMARKS.names() if get_benchmark(n).space_name == space]
    if not names:
        raise InvalidArgumentError(f"--transfer needs a benchmark of space '{space}' to learn from; none has one "
                                   f"(benchmarks: {', '.join(BENCHMARKS.names())})")
    return list(_sources(benchmark or names[0], dataset))


@lru_cache(maxsize=None)
def _sources(benchmark: str, dataset: str | None) -> tuple[TransferSource, ...]:
    bench = get_benchmark(benchmark)
    # Training on a dataset the benchmark has a table of (Cora): that table is the target's own, never a source.
    target = dataset.lower() if dataset and dataset.lower() in bench.datasets else None
    return tuple(bench.transfer_sources(target))

