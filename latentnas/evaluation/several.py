"""Runs on several objectives, or under constraints, as records: what one reports, and the tables of many.

A comparison whose searches optimize several metrics, or are given or judged by constraints
(:class:`~latentnas.evaluation.runs.ComparisonConfig` with ``objectives``, ``constraints`` or ``judge``), records each
run as a :class:`FrontRecord`:

- with several metrics, the hypervolume of its feasible front over that of the table's exact front, against the
  table's reference point (:class:`latentnas.pareto.Front`: the table's median of each metric, written into the
  record's ``fronts.json``), after each of :data:`CHECKPOINTS` unique architectures and at the budget;
- whatever the metrics, the best validation accuracy among the architectures that satisfy the bounds it is judged by
  (default: the search's own constraints), so that a constrained search can be set beside an unconstrained one judged
  by the same bound (``searched_with``: ``"constraints"`` or ``"none"``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.pareto import Front, metric_value

#: The unique-architecture counts at which a run's hypervolume ratio is also recorded (beside the budget).
CHECKPOINTS = (25, 50)
#: ``runs.csv``'s column of the hypervolume ratio after ``n`` unique architectures: ``hv_ratio@n``.
_RATIO = "hv_ratio@"


@dataclass(frozen=True)
class FrontRecord:
    """What one run on several objectives or under constraints found.

    Attributes:
        dataset: Dataset of the benchmark.
        sampler: The sampler entry.
        seed: The sampler's seed.
        unique: Unique architectures evaluated.
        seconds: Wall-clock seconds of the search.
        best_feasible_valid: The best validation accuracy among the architectures that satisfy the bounds the run is
            judged by (``None``: it evaluated none).
        feasible: How many of its architectures satisfy them.
        hv_ratios: ``(n, ratio)``: the hypervolume of the feasible front of the first ``n`` unique architectures over
            the table's (several metrics only; rounded to 6 digits).
        searched_with: Beside an unconstrained twin: ``"constraints"`` (the search was given them) or ``"none"``
            (it was judged by them only); ``None`` otherwise.
    """

    dataset: str
    sampler: str
    seed: int
    unique: int
    seconds: float
    best_feasible_valid: float | None
    feasible: int
    hv_ratios: tuple[tuple[int, float], ...] = ()
    searched_with: str | None = None

    def to_row(self) -> dict[str, Any]:
        """The ``runs.csv`` row: the fields, one ``hv_ratio@n`` column per ratio, ``searched_with`` where set."""
        row: dict[str, Any] = {"dataset": self.dataset, "sampler": self.sampler, "seed": self.seed,
                               "unique": self.unique, "seconds": self.seconds,
                               "best_feasible_valid": self.best_feasible_valid, "feasible": self.feasible}
        row.update({f"{_RATIO}{n}": ratio for n, ratio in self.hv_ratios})
        if self.searched_with is not None:
            row["searched_with"] = self.searched_with
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> FrontRecord:
        """Parses a ``runs.csv`` row (numbers read back as numbers, an empty cell as ``None``)."""
        missing = [k for k in ("dataset", "sampler", "seed", "unique", "seconds", "best_feasible_valid", "feasible")
                   if k not in row]
        if missing:
            raise InvalidArgumentError(f"a runs.csv row of several objectives lacks the column(s) {', '.join(missing)}")
        best = row["best_feasible_valid"]
        return cls(dataset=row["dataset"], sampler=row["sampler"], seed=int(float(row["seed"])),
                   unique=int(float(row["unique"])), seconds=float(row["seconds"]),
                   best_feasible_valid=float(best) if best else None, feasible=int(float(row["feasible"])),
                   hv_ratios=tuple((int(k[len(_RATIO):]), float(v)) for k, v in row.items() if k.startswith(_RATIO)),
                   searched_with=row.get("searched_with") or None)


@lru_cache(maxsize=16)
def table_front(benchmark: str, dataset: str, objectives: tuple[str, ...]) -> Front:
    """The exact front of a benchmark's table for ``objectives`` (computed from the table, cached per process)."""
    rows = get_benchmark(benchmark).records(dataset)
    keys = list(rows)
    values = torch.tensor([[metric_value(m, rows[k].user_attrs()) for m in objectives] for k in keys],
                          dtype=torch.float64)
    return Front.of(objectives, keys, values)


def fronts_json(benchmark: str, datasets: Sequence[str], objectives: tuple[str, ...]) -> dict[str, Any]:
    """Each dataset's table front and reference point, as a record's ``fronts.json`` holds them."""
    fronts = {}
    for dataset in datasets:
        front = table_front(benchmark, dataset, objectives)
        fronts[dataset] = {"metrics": list(front.metrics), "reference": list(front.reference),
                           "hypervolume": front.hypervolume, "front": front.values.tolist()}
    return fronts


def summary_table(records: Sequence[FrontRecord], *, datasets: Sequence[str], samplers: Sequence[str]) -> str:
    """A markdown table: one row per dataset and sampler (in the order given), the mean ± std of each hypervolume
    ratio (several objectives) and of the best judged-feasible validation accuracy, and the seconds per run."""
    checkpoints = [n for n, _ in records[0].hv_ratios] if records else []
    header = ["dataset", "sampler", *(f"hypervolume / table's at {n} (mean ± std)" for n in checkpoints),
              "best feasible valid (mean ± std)", "seeds", "s/run (median)"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for dataset in datasets:
        for sampler in samplers:
            group = [r for r in records if r.dataset == dataset and r.sampler == sampler]
            cells = [dataset, sampler]
            for i in range(len(checkpoints)):
                cells.append(_mean_std([r.hv_ratios[i][1] for r in group], 3))
            best = [r.best_feasible_valid for r in group if r.best_feasible_valid is not None]
            cells.append(_mean_std(best, 2) + ("" if len(best) == len(group) else f" ({len(best)} found one)"))
            cells += [str(len(group)), f"{statistics.median(r.seconds for r in group):.1f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def paired_table(constrained: Sequence[FrontRecord], unconstrained: Sequence[FrontRecord], *,
                 datasets: Sequence[str], samplers: Sequence[str]) -> str:
    """A markdown table: per dataset and sampler, in how many seeds the search given the constraints found a best
    feasible architecture at least as good as the same sampler's unconstrained search, judged by the same bounds
    (a search that found no feasible architecture loses to one that did), and both means."""
    header = ["dataset", "sampler", "constrained >= unconstrained (seeds)", "best feasible valid, constrained",
              "best feasible valid, unconstrained", "feasible architectures evaluated (mean, constrained / not)"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for dataset in datasets:
        for sampler in samplers:
            pairs = []
            for a in constrained:
                if (a.dataset, a.sampler) == (dataset, sampler):
                    b = next(r for r in unconstrained if (r.dataset, r.sampler, r.seed) == (dataset, sampler, a.seed))
                    pairs.append((a, b))
            wins = sum(1 for a, b in pairs if b.best_feasible_valid is None or (
                a.best_feasible_valid is not None and a.best_feasible_valid >= b.best_feasible_valid))
            share = f"{wins} of {len(pairs)} ({100 * wins / max(len(pairs), 1):.0f} %)"
            sides = ([a for a, _ in pairs], [b for _, b in pairs])
            means = []
            for side in sides:
                found = [r.best_feasible_valid for r in side if r.best_feasible_valid is not None]
                means.append(_mean_std(found, 2) + ("" if len(found) == len(side) else
                                                     f" ({len(found)} of {len(side)} found one)"))
            feasible = " / ".join(f"{statistics.fmean(r.feasible for r in side):.1f}" for side in sides)
            lines.append("| " + " | ".join([dataset, sampler, share, *means, feasible]) + " |")
    return "\n".join(lines) + "\n"


def front_tables(records: Sequence[FrontRecord], *, datasets: Sequence[str], samplers: Sequence[str]) -> str:
    """A record's ``table.md`` body: the summary of the searches; with an unconstrained twin of each (records
    ``searched_with`` ``"none"``), its summary and the paired table after it."""
    searched = [r for r in records if r.searched_with != "none"]
    twin = [r for r in records if r.searched_with == "none"]
    table = summary_table(searched, datasets=datasets, samplers=samplers)
    if twin:
        table += ("\nThe same searches without the constraints, judged by them (paired by seed):\n\n"
                  + summary_table(twin, datasets=datasets, samplers=samplers) + "\n"
                  + paired_table(searched, twin, datasets=datasets, samplers=samplers))
    return table


def _mean_std(values: Sequence[float], digits: int) -> str:
    if not values:
        return "-"
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.{digits}f} ± {std:.{digits}f}"
