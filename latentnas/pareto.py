"""Several objectives and constraints: what a metric is, how a constraint is written, Pareto fronts, hypervolume.

A search optimizes one or more *metrics* of an evaluation: ``valid`` (validation accuracy, maximized) and figures a
table or a training records beside it, ``latency`` (seconds of one inference, minimized) and ``params`` (millions of
parameters, minimized). A *constraint* bounds one metric, ``"params<=1.0"`` or ``"latency<=0.005"``; its value in
Optuna's convention (``Trial.set_constraint``, which Optuna's TPE, NSGA-II and GP samplers read) is ``value - bound``
for ``<=`` and ``bound - value`` for ``>=``: feasible where ``<= 0``.

Fronts and hypervolumes take *oriented* values: an ``n x m`` tensor where larger is better in every column (a
minimized metric negated, :func:`oriented`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from botorch.utils.multi_objective.hypervolume import Hypervolume
from botorch.utils.multi_objective.pareto import is_non_dominated
from torch import Tensor

from latentnas.errors import InvalidArgumentError, UnknownNameError

#: The metrics a search may optimize or constrain, and the direction each is optimized in.
METRICS: Mapping[str, str] = {"valid": "maximize", "latency": "minimize", "params": "minimize"}
#: What each metric means, in its unit.
METRIC_UNITS: Mapping[str, str] = {"valid": "validation accuracy, %", "latency": "seconds per inference",
                                   "params": "millions of parameters"}
#: The study user attrs that name a search's metrics (in the order of the study's directions) and its constraints.
OBJECTIVES_ATTR, CONSTRAINTS_ATTR = "objectives", "constraints"


def check_metric(name: str) -> str:
    if name not in METRICS:
        raise UnknownNameError(f"unknown metric '{name}'; choices: {', '.join(METRICS)}")
    return name


def parse_objectives(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"valid,latency" -> ("valid", "latency")``: distinct known metrics, ``valid`` first where present.

    Raises:
        UnknownNameError: A metric is not in :data:`METRICS`.
        InvalidArgumentError: None given, or one repeated.
    """
    names = [n.strip() for n in text.split(",")] if isinstance(text, str) else [str(n).strip() for n in text]
    if not names or any(not n for n in names):
        raise InvalidArgumentError(f"objectives must be metric names separated by commas, got {text!r}; "
                                   f"choices: {', '.join(METRICS)}")
    for name in names:
        check_metric(name)
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"objectives must not repeat a metric, got {text!r}")
    return tuple(names)


def directions(metrics: Sequence[str]) -> list[str]:
    """Optuna's direction of each metric: ``["maximize", "minimize"]`` for ``("valid", "latency")``."""
    return [METRICS[check_metric(m)] for m in metrics]


def metric_value(name: str, attrs: Mapping[str, object]) -> float:
    """The value of metric ``name`` among an evaluation's figures (``Evaluation.user_attrs()`` or a trial's user
    attrs).

    Raises:
        InvalidArgumentError: The evaluation records no such figure (e.g. ``latency`` from an objective that does not
            measure it).
    """
    value = attrs.get(check_metric(name))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        recorded = ", ".join(k for k in METRICS if k in attrs) or "none"
        raise InvalidArgumentError(f"the evaluation records no finite '{name}' (metrics it records: {recorded})")
    return float(value)


_CONSTRAINT = re.compile(r"^\s*([a-z_]+)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """A bound on one metric: ``Constraint("params", "<=", 1.0)``, written ``"params<=1.0"``."""

    metric: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        """``"latency<=0.005" -> Constraint("latency", "<=", 0.005)``.

        Raises:
            InvalidArgumentError: Not of the form ``METRIC<=NUMBER`` or ``METRIC>=NUMBER``.
            UnknownNameError: An unknown metric.
        """
        match = _CONSTRAINT.match(text)
        bound = None
        if match:
            try:
                bound = float(match.group(3))
            except ValueError:
                bound = None
        if match is None or bound is None or not math.isfinite(bound):
            raise InvalidArgumentError(f"a constraint must read METRIC<=NUMBER or METRIC>=NUMBER (metrics: "
                                       f"{', '.join(METRICS)}), got {text!r}")
        return cls(check_metric(match.group(1)), match.group(2), bound)

    def violation(self, attrs: Mapping[str, object]) -> float:
        """Optuna's constraint value: ``<= 0`` where ``attrs`` satisfy the bound, the excess otherwise."""
        value = metric_value(self.metric, attrs)
        return value - self.bound if self.op == "<=" else self.bound - value

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.bound:g}"


def parse_constraints(texts: Sequence[str] | None) -> tuple[Constraint, ...]:
    """Each of ``texts`` parsed; one metric constrained twice is refused."""
    constraints = tuple(Constraint.parse(t) for t in texts or ())
    metrics = [c.metric for c in constraints]
    if len(set(metrics)) != len(metrics):
        raise InvalidArgumentError(f"one constraint per metric, got {', '.join(map(str, constraints))}")
    return constraints


def violations(constraints: Sequence[Constraint], attrs: Mapping[str, object]) -> list[float]:
    """Every constraint's value on ``attrs`` (Optuna's ``constraints_func`` result)."""
    return [c.violation(attrs) for c in constraints]


def feasible(values: Sequence[float] | None) -> bool:
    """Whether constraint values (``None``: no constraints) are all satisfied."""
    return values is None or all(v <= 0 for v in values)


# ------------------------------------------------------------------------------------------------- fronts
def oriented(values: Tensor | Sequence[Sequence[float]], directions: Sequence[str]) -> Tensor:
    """``values`` (``n x m``, natural units) with each minimized column negated: larger is better everywhere."""
    Y = torch.as_tensor(values, dtype=torch.float64).reshape(-1, len(directions))
    signs = torch.tensor([1.0 if d == "maximize" else -1.0 for d in directions], dtype=torch.float64)
    return Y * signs


def pareto_mask(Y: Tensor) -> Tensor:
    """Which rows of oriented ``Y`` (``n x m``) no other row dominates (at least as good everywhere, better
    somewhere): BoTorch's ``is_non_dominated``, equal rows all kept."""
    if Y.shape[0] == 0:
        return torch.zeros(0, dtype=torch.bool)
    return is_non_dominated(Y, deduplicate=False)


def hypervolume(Y: Tensor, reference: Tensor) -> float:
    """The volume dominated by oriented rows ``Y`` and dominating ``reference`` (rows not better than it in every
    column add nothing): BoTorch's ``Hypervolume``, or an exact sweep in two dimensions.

    NOTE: why a sweep in two dimensions: it gives BoTorch's value on 300 random fronts (within 2e-16) and takes 0.6x
    BoTorch's time over the growing fronts of a report's progress curve (``python scripts/benchmark_pareto.py``,
    ``docs/results/pareto``).
    """
    ref = torch.as_tensor(reference, dtype=torch.float64).reshape(-1)
    Y = Y.reshape(-1, ref.numel()).to(torch.float64)
    Y = Y[(Y > ref).all(-1)]
    if Y.shape[0] == 0:
        return 0.0
    Y = Y[pareto_mask(Y)]
    if ref.numel() != 2:
        return float(Hypervolume(ref_point=ref).compute(Y))
    Y = Y[torch.argsort(Y[:, 0], descending=True)]
    volume, height = 0.0, float(ref[1])
    for a, b in Y.tolist():
        if b > height:
            volume += (a - float(ref[0])) * (b - height)
            height = b
    return volume


def hypervolume_improvement(Y: Tensor, front: Tensor, reference: Tensor) -> Tensor:
    """The hypervolume each row of ``Y`` would add to that of ``front``, measured from ``reference``: exact, for two
    oriented metrics, vectorized over any leading dimensions (a pool of candidates times posterior draws).

    In two dimensions the region ``front`` leaves undominated beyond ``reference`` is a staircase: sorted by the first
    metric, front point ``i`` covers the second metric up to ``b_i`` over ``(a_{i-1}, a_i]``, and nothing does beyond
    the last ``a``. A point ``y`` adds, over each step, the width of the step it reaches times how far it rises above
    the step.

    NOTE: by hand because it is vectorized over every candidate and draw at once, where BoTorch computes one
    hypervolume per point: on 2,000 candidates x 64 draws it gives the differences of BoTorch's hypervolumes (within
    2e-16) about 3,000x faster (``python scripts/benchmark_pareto.py``, ``docs/results/pareto``).

    Args:
        Y: A ``... x 2`` tensor of oriented points.
        front: A ``k x 2`` tensor of oriented points (any rows: those dominated or not beyond ``reference`` add
            nothing).
        reference: The ``2`` values hypervolume is measured from.

    Returns:
        A ``...`` tensor: ``hypervolume(front + y) - hypervolume(front)`` for each point ``y``.
    """
    if Y.shape[-1] != 2:
        raise InvalidArgumentError(f"hypervolume_improvement takes 2 metrics, got {Y.shape[-1]}")
    ref = torch.as_tensor(reference).to(Y).reshape(2)
    F = front.to(Y).reshape(-1, 2)
    F = F[(F > ref).all(-1)]
    F = F[pareto_mask(F)] if F.shape[0] else F
    F = F[torch.argsort(F[:, 0])]
    lo = torch.cat([ref[:1], F[:, 0]])
    hi = torch.cat([F[:, 0], F.new_full((1,), math.inf)])
    step = torch.cat([F[:, 1], ref[1:]])
    width = (torch.minimum(Y[..., :1], hi) - lo).clamp_min(0)
    return (width * (Y[..., 1:] - step).clamp_min(0)).sum(-1)


@dataclass(frozen=True)
class Front:
    """The exact Pareto front of a whole table for some metrics, and the hypervolume reference point.

    ``reference`` is the table's median of each metric, in natural units: an architecture adds to the hypervolume
    only where it beats a typical one in every metric. It is computed from the table, so it is fixed per benchmark,
    dataset and metrics (records write it down). A found front's hypervolume over this one's (:meth:`ratio`) is 1
    exactly when the front's part beyond the reference is found. NOTE: why the median, not the worst value of each
    metric: against the worst, 100 random NB201 CIFAR-10 architectures already reach 0.99 of the exact front's
    hypervolume (median of 20 seeded draws from the table, by a one-off script that is not stored; NAS-Bench-Graph
    cora, valid against latency, 0.89), against the median 0.36 (0.44); against the front's nadir, 0.0 on cora, whose
    most accurate architecture is also among its fastest.
    """

    metrics: tuple[str, ...]
    keys: tuple[str, ...]
    values: Tensor
    reference: tuple[float, ...]

    @property
    def directions(self) -> list[str]:
        return directions(self.metrics)

    @property
    def hypervolume(self) -> float:
        return hypervolume(oriented(self.values, self.directions), oriented([self.reference], self.directions)[0])

    def ratio(self, values: Tensor | Sequence[Sequence[float]]) -> float:
        """The hypervolume of ``values`` (natural units, ``n x m``) over the front's, against the same reference."""
        ref = oriented([self.reference], self.directions)[0]
        return hypervolume(oriented(values, self.directions), ref) / self.hypervolume

    @classmethod
    def of(cls, metrics: Sequence[str], keys: Sequence[str], values: Tensor) -> Front:
        """The front of a whole table: rows ``values`` (``n x m`` natural units, one row per key)."""
        metrics = tuple(metrics)
        values = torch.as_tensor(values, dtype=torch.float64).reshape(-1, len(metrics))
        mask = pareto_mask(oriented(values, directions(metrics)))
        front = values[mask]
        reference = values.quantile(0.5, dim=0)
        order = torch.argsort(front[:, 0])
        kept = [k for k, m in zip(keys, mask.tolist()) if m]
        return cls(metrics, tuple(kept[i] for i in order.tolist()), front[order], tuple(reference.tolist()))
