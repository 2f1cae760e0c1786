"""Objectives by name, as a search names them: ``make_objective("benchmark", ObjectiveContext(), dataset="cora")``.

Each entry is a builder, a function in the objective's own module. It takes the :class:`ObjectiveContext` that every
objective of a search is built in (space, seed, pruner, the metrics the search reads, the storage) and the
objective's own options as keyword-only parameters (JSON values: what a search description stores), checks them, and
returns a :class:`BuiltObjective`: the objective with what a study records of it. A builder's keyword-only parameters
are its options (:func:`objective_options`), so a new objective is one module with its builder and one registry line
below. Entries are imported on first use: listing the names imports nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import optuna

from latentnas.errors import InvalidArgumentError
from latentnas.objectives.base import Objective
from latentnas.registry import Registry


@dataclass(frozen=True, kw_only=True)
class ObjectiveContext:
    """What every objective of a search is built in, beside its own options.

    Args:
        space: The space named by the search (``None``: the objective's own, e.g. its benchmark's); an objective that
            has one refuses another.
        seed: The search's seed (weights, splits and fits that an objective draws).
        pruner: The search's pruner (:data:`latentnas.study.PRUNERS`): a table lookup with one then goes through
            every column of the table, cheapest first.
        metrics: Every metric the search reads, objectives and constraints (:data:`latentnas.pareto.METRICS`): an
            objective refuses one its evaluations do not record.
        storage: Opens the search's storage (``None``: the search is kept in memory): where an objective fitted on
            another study finds it.
    """

    space: str | None = None
    seed: int = 0
    pruner: str = "none"
    metrics: tuple[str, ...] = ("valid",)
    storage: Callable[[], optuna.storages.BaseStorage] | None = None


@dataclass(frozen=True, kw_only=True)
class BuiltObjective:
    """An objective with what a study records of it.

    Args:
        objective: The objective (``objective.space`` is the space searched).
        label: How a study's default name begins (``"nasbench201-cifar10"``, ``"train-nasbench-graph-Cora"``).
        identity: What the results depend on beside the space and the sampler, JSON values (part of the study's
            identity, see :func:`latentnas.study.create_study`).
        benchmark: The benchmark whose tables are the transfer sources of a search on this objective (``None``:
            the first benchmark of the space).
        dataset: The dataset searched (its own table is never a transfer source; ``None``: none of a table's).
    """

    objective: Objective
    label: str
    identity: Mapping[str, Any] = field(default_factory=dict)
    benchmark: str | None = None
    dataset: str | None = None


class ObjectiveBuilder(Protocol):
    """A registered objective: ``builder(context, **options)``."""

    def __call__(self, context: ObjectiveContext, /, **options: Any) -> BuiltObjective: ...


OBJECTIVES: Registry[ObjectiveBuilder] = Registry("objective")
OBJECTIVES.register_lazy("benchmark", "latentnas.objectives.benchmark:build")
OBJECTIVES.register_lazy("train", "latentnas.objectives.training:build")
OBJECTIVES.register_lazy("predictor", "latentnas.objectives.predictor:build")
OBJECTIVES.register_lazy("zero-cost", "latentnas.objectives.zero_cost:build")


def objective_options(name: str) -> tuple[str, ...]:
    """The options of the objective registered as ``name``: its builder's keyword-only parameters (imports it)."""
    parameters = inspect.signature(OBJECTIVES.get(name)).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY)


def objectives_with(option: str) -> list[str]:
    """The registered objectives that take ``option``, in registry order (imports them all)."""
    return [name for name in OBJECTIVES if option in objective_options(name)]


def check_options(name: str, options: Mapping[str, Any]) -> None:
    """Refuses options the objective ``name`` does not take, naming the objectives that do.

    Raises:
        UnknownNameError: No objective ``name``.
        InvalidArgumentError: An option it does not take.
    """
    allowed = objective_options(name)
    for option in options:
        if option not in allowed:
            takers = ", ".join(objectives_with(option)) or "none"
            raise InvalidArgumentError(f"objective '{name}' takes no option '{option}' (objectives that do: {takers}); "
                                       f"its options: {', '.join(allowed) or 'none'}")


def make_objective(name: str, context: ObjectiveContext | None = None, **options: Any) -> BuiltObjective:
    """Builds the objective registered as ``name`` in ``context`` (default: an empty one) with its ``options``."""
    check_options(name, options)
    return OBJECTIVES.get(name)(context or ObjectiveContext(), **options)


def check_metrics(metrics: Sequence[str], recorded: Sequence[str], *, owner: str, where: str = "") -> None:
    """Refuses a metric of ``metrics`` that the evaluations of ``owner`` do not record (``recorded``, in order):
    ``"benchmark 'nasbench201' has no 'latency' for cifar10; its metrics: valid, params"`` (``where``:
    ``" for cifar10"``)."""
    for metric in dict.fromkeys(metrics):
        if metric not in recorded:
            raise InvalidArgumentError(f"{owner} has no '{metric}'{where}; its metrics: {', '.join(recorded)}")
