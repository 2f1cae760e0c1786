"""What one study found, as series a report plots: best so far (or regret) and hypervolume per unique architecture,
the found Pareto front, the table's optimum and exact front where the study searched a tabular benchmark.

:func:`analyze` reads any study written by ``latentnas search`` or by :func:`latentnas.study.create_study` and
:func:`~latentnas.study.run_search`, on any storage, finished or still running. Only completed trials of new
architectures count (as :func:`latentnas.results.unique_trials`: duplicates, failed, pruned and running trials do not);
running ones are listed as pending. Plotting lives in :mod:`latentnas.evaluation.study_figures`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
import torch
from optuna.trial import FrozenTrial, TrialState
from torch import Tensor

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError, LatentNASError
from latentnas.evaluation.runs import TOP_FRACTION
from latentnas.pareto import CONSTRAINTS_ATTR, OBJECTIVES_ATTR, Front, hypervolume, metric_value, oriented, pareto_mask
from latentnas.records import ARCH_ATTR, DUPLICATE_ATTR, KEY_ATTR
from latentnas.results import is_feasible
from latentnas.spaces import SearchSpace, get_space
from latentnas.study import IDENTITY_ATTR, SAMPLER_ATTR, SPACE_ATTR


@dataclass(frozen=True)
class Evaluated:
    """One unique architecture the study evaluated.

    Args:
        number: Its trial's number.
        arch: Its string form (``space.to_string``).
        key: Its canonical key.
        values: The study's objective values, in the order of ``study.directions``, natural units.
        test: Its test accuracy where recorded.
        feasible: Whether it satisfies the study's constraints (Optuna's constraint values, all ``<= 0``).
    """

    number: int
    arch: str
    key: str
    values: tuple[float, ...]
    test: float | None = None
    feasible: bool = True


@dataclass(frozen=True)
class TableFacts:
    """What a tabular benchmark says about the study's column: single objective, its optimum and the value the top
    0.1 % need; several, the exact front. ``values`` maps every canonical key to the first metric (map colours)."""

    benchmark: str
    dataset: str
    column: str | None
    values: Mapping[str, float]
    size: int
    optimum: float | None = None
    top_threshold: float | None = None
    front: Front | None = None
    sign: float = 1.0
    sorted_values: list[float] = field(default_factory=list, repr=False)

    def top_percent(self, value: float) -> float:
        """The share (in %) of the table's rows strictly better than ``value`` (first metric)."""
        better = len(self.sorted_values) - bisect.bisect_right(self.sorted_values, self.sign * value)
        return 100.0 * better / max(1, len(self.sorted_values))


@dataclass(frozen=True)
class StudyReport:
    """A study's facts and series.

    Args:
        name: The study's name.
        space: Its space.
        sampler: The stored sampler description (our samplers' ``describe()``, else a class name).
        identity: The stored identity (benchmark, dataset, objective, fidelity, encoder sha256, ...).
        metrics: The names of the study's objectives (``("valid",)``, ``("valid", "latency")``).
        directions: ``"maximize"``/``"minimize"`` per objective.
        constraints: The study's constraints as written (``["latency<=0.005"]``).
        evaluated: The unique architectures, in trial order.
        counts: ``trials``, ``complete``, ``duplicates``, ``failed``, ``pruned``, ``running`` trials.
        running: Architectures of the running (or waiting) trials, the ones that name one.
        table: The benchmark's facts, ``None`` where the study searched none (or its table lacks a metric).
        notes: What the report could not do as asked, one line each.
    """

    name: str
    space: SearchSpace[Any]
    sampler: Any
    identity: Mapping[str, Any]
    metrics: tuple[str, ...]
    directions: tuple[str, ...]
    constraints: tuple[str, ...]
    evaluated: list[Evaluated]
    counts: Mapping[str, int]
    running: list[Any]
    table: TableFacts | None
    notes: list[str] = field(default_factory=list)

    @property
    def multi_objective(self) -> bool:
        return len(self.directions) > 1

    @property
    def sign(self) -> float:
        """``1`` where the first objective is maximized, ``-1`` where minimized."""
        return 1.0 if self.directions[0] == "maximize" else -1.0

    def best_so_far(self) -> list[float]:
        """The best first-objective value after each unique architecture (feasible ones only)."""
        out: list[float] = []
        best: float | None = None
        for e in self.evaluated:
            if e.feasible and (best is None or self.sign * e.values[0] > self.sign * best):
                best = e.values[0]
            out.append(float("nan") if best is None else best)
        return out

    def regret(self) -> list[float] | None:
        """The table's optimum minus the best so far (in the objective's units, ``>= 0``); ``None`` without a
        table."""
        if self.table is None or self.table.optimum is None:
            return None
        return [self.sign * (self.table.optimum - b) for b in self.best_so_far()]

    def reference(self) -> tuple[float, ...]:
        """The hypervolume reference point, natural units: the table's median of each metric where a table is known
        (:class:`~latentnas.pareto.Front`), else the study's worst evaluated value of each."""
        if self.table is not None and self.table.front is not None:
            return self.table.front.reference
        Y = oriented([e.values for e in self.evaluated], self.directions)
        return tuple((oriented(Y.min(0).values.unsqueeze(0), self.directions)[0]).tolist())

    def hypervolume_so_far(self) -> list[float]:
        """The hypervolume of the feasible architectures found after each unique one; over the table front's
        hypervolume (a share, 1 = the whole front beyond the reference) where a table is known."""
        ref = oriented([self.reference()], self.directions)[0]
        whole = self.table.front.hypervolume if self.table is not None and self.table.front is not None else None
        front: list[Tensor] = []
        volume, out = 0.0, []
        for e in self.evaluated:
            y = oriented([e.values], self.directions)[0]
            # NOTE: the front only changes when a new point is not dominated; then its volume is recomputed.
            if e.feasible and not any(bool((q >= y).all() and (q > y).any()) for q in front):
                front = [q for q in front if not bool((y >= q).all() and (y > q).any())] + [y]
                volume = hypervolume(torch.stack(front), ref)
            out.append(volume / whole if whole else volume)
        return out

    def front_mask(self) -> list[bool]:
        """Which evaluated architectures form the found front: the non-dominated feasible ones (never an infeasible
        one)."""
        ok = [i for i, e in enumerate(self.evaluated) if e.feasible]
        mask = [False] * len(self.evaluated)
        if ok:
            kept = pareto_mask(oriented([self.evaluated[i].values for i in ok], self.directions))
            for i, m in zip(ok, kept.tolist()):
                mask[i] = bool(m)
        return mask

    def best(self) -> list[Evaluated]:
        """The best architecture (single objective; the earliest among equals), or the found front, ordered by the
        first metric, best first."""
        if self.multi_objective:
            front = [e for e, m in zip(self.evaluated, self.front_mask()) if m]
            return sorted(front, key=lambda e: -self.sign * e.values[0])
        ok = [e for e in self.evaluated if e.feasible]
        return [max(ok, key=lambda e: (self.sign * e.values[0], -e.number))] if ok else []


def analyze(study: optuna.Study) -> StudyReport:
    """The :class:`StudyReport` of ``study``.

    Raises:
        InvalidArgumentError: The study records no space (not written by latentnas) or has no completed trial.
    """
    attrs = study.user_attrs
    if SPACE_ATTR not in attrs:
        raise InvalidArgumentError(f"study '{study.study_name}' records no space (user attr '{SPACE_ATTR}'); only "
                                   "studies written by latentnas can be reported")
    identity: Mapping[str, Any] = attrs.get(IDENTITY_ATTR) or {}
    directions = tuple(d.name.lower() for d in study.directions)
    # Unnamed: a benchmark's single objective is its validation accuracy; another's (training) is just "value".
    default = ("valid" if identity.get("benchmark") else "value",) * (len(directions) == 1)
    metrics = tuple(attrs.get(OBJECTIVES_ATTR) or default)
    if len(metrics) != len(directions):
        raise InvalidArgumentError(f"study '{study.study_name}' has {len(directions)} objectives but names "
                                   f"{len(metrics)} ({', '.join(metrics) or 'none'}) in user attr '{OBJECTIVES_ATTR}'")
    notes: list[str] = []
    space, bench = _space(str(attrs[SPACE_ATTR]), identity, notes)
    trials = study.get_trials(deepcopy=False)
    evaluated, seen = [], set()
    for t in trials:
        if t.state != TrialState.COMPLETE or DUPLICATE_ATTR in t.user_attrs or t.values is None:
            continue
        arch = _arch(space, t)
        if arch is None:
            continue
        key = str(t.user_attrs.get(KEY_ATTR) or space.canonical_key(arch))
        if key in seen:
            continue
        seen.add(key)
        test = t.user_attrs.get("test")
        evaluated.append(Evaluated(t.number, space.to_string(arch), key, tuple(float(v) for v in t.values),
                                   float(test) if isinstance(test, (int, float)) else None,
                                   is_feasible(t)))
    if not evaluated:
        raise InvalidArgumentError(f"study '{study.study_name}' has no completed trial yet ({len(trials)} trials); "
                                   "nothing to report")
    states = [t.state for t in trials]
    counts = {"trials": len(trials), "complete": states.count(TrialState.COMPLETE), "unique": len(evaluated),
              "duplicates": sum(1 for t in trials if DUPLICATE_ATTR in t.user_attrs),
              "failed": states.count(TrialState.FAIL), "pruned": states.count(TrialState.PRUNED),
              "running": states.count(TrialState.RUNNING) + states.count(TrialState.WAITING)}
    running = [a for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)
               if (a := _arch(space, t)) is not None]
    table = _table(bench, identity, metrics, directions, notes) if bench is not None else None
    return StudyReport(study.study_name, space, attrs.get(SAMPLER_ATTR), identity, metrics, directions,
                       tuple(attrs.get(CONSTRAINTS_ATTR) or ()), evaluated, counts, running, table, notes)


def _space(name: str, identity: Mapping[str, Any], notes: list[str]) -> tuple[SearchSpace[Any], Any]:
    """The study's space, and its benchmark where the identity names one (``None`` otherwise)."""
    benchmark, dataset = identity.get("benchmark"), identity.get("dataset")
    if benchmark and dataset:
        try:
            bench = get_benchmark(str(benchmark))
            space = bench.space(bench.check_dataset(str(dataset)))
            if space.name == name:
                return space, bench
            notes.append(f"benchmark '{benchmark}' searches space '{space.name}' on {dataset}, not the study's "
                         f"'{name}': no table figures")
        except LatentNASError as err:
            notes.append(f"no table figures: {err}")
    return get_space(name), None


def _arch(space: SearchSpace[Any], trial: FrozenTrial) -> Any:
    """The trial's architecture (its ``arch`` user attr, else its params), ``None`` where it names none yet."""
    try:
        text = trial.user_attrs.get(ARCH_ATTR)
        return space.from_string(str(text)) if text else space.from_params(trial.params)
    except (LatentNASError, KeyError):
        return None


def _table(bench: Any, identity: Mapping[str, Any], metrics: Sequence[str], directions: Sequence[str],
           notes: list[str]) -> TableFacts | None:
    dataset = str(identity["dataset"])
    fidelity = identity.get("fidelity")
    column = fidelity if fidelity in bench.fidelities else None  # several columns searched: judged on the main one
    records = bench.records(dataset, column)
    keys = list(records)
    try:
        rows = [[metric_value(m, records[k].user_attrs()) for m in metrics] for k in keys]
    except InvalidArgumentError as err:
        notes.append(f"no table figures: {bench.name}/{dataset}: {err}")
        return None
    first = [r[0] for r in rows]
    values = dict(zip(keys, first))
    sign = 1.0 if directions[0] == "maximize" else -1.0
    common = {"benchmark": bench.name, "dataset": dataset, "column": column, "values": values, "size": len(keys),
              "sign": sign, "sorted_values": sorted(sign * v for v in first)}
    if len(metrics) > 1:
        return TableFacts(**common, front=Front.of(metrics, keys, torch.tensor(rows, dtype=torch.float64)))
    optimum = max(first, key=lambda v: sign * v)
    ordered = sorted(first, key=lambda v: -sign * v)
    threshold = ordered[max(1, math.ceil(TOP_FRACTION * len(ordered))) - 1]  # as TableStats.top_threshold
    return TableFacts(**common, optimum=optimum, top_threshold=threshold)
