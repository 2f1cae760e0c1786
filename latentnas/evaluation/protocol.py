"""The reporting protocol: search runs summarized as NAS papers report them.

Per benchmark, dataset and sampler, over seeds: the test accuracy of the best architecture by validation (mean ±
sample standard deviation), the share of seeds that found an architecture in the table's top 0.1 % by validation,
the median number of unique architectures it took them, the median rank percentile of the best architecture found,
and the mean validation regret after every unique architecture. Samplers are compared on the seeds they all ran.
Where the table records training times: the median simulated seconds to reach the top 0.1 % (see
:attr:`Summary.median_seconds_to_top`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.record import RunRecord


@dataclass(frozen=True)
class Summary:
    """One sampler on one dataset, over its seeds.

    Attributes:
        benchmark: Registered benchmark name.
        dataset: Dataset of the benchmark.
        fidelity: Column searched (``None``: the main column).
        sampler: Registered sampler name.
        budget: Unique architectures per run.
        seeds: The seeds summarized, sorted.
        test_mean: Mean test accuracy of the best architecture by validation.
        test_std: Its sample standard deviation (0 for one seed).
        found_share: Share of seeds, in [0, 1], that found an architecture in the top fraction by validation.
        median_queries_to_top: Median unique architectures to the first such one, over the seeds that found one.
        median_valid_top_percent: Median rank percentile by validation of the best architecture found (smaller is
            better; ``None`` if no record has it).
        median_seconds: Median wall-clock seconds per run.
        mean_simulated_seconds: Mean training time the table records for a run's architectures (``None`` where
            it records none).
        optimum_test: Test accuracy of the table's best architecture by validation.
        budget_seconds: The runs' budget of simulated seconds (``None``: unique architectures only).
        median_seconds_to_top: Median over all seeds of :attr:`RunRecord.seconds_to_top`, the simulated seconds
            paid up to the first full evaluation of a top 0.1 % architecture, a seed that did not reach it within the
            budget counting as never (``math.inf``, so the median is ``inf`` unless at least half of the seeds reached
            it); ``None`` where the table records no times.
        reached: Seeds that reached the top 0.1 % (``found_share`` times the seeds).
        mean_unique: Mean unique architectures evaluated in full per run.
        mean_pruned: Mean architectures stopped by the pruner per run (``None``: runs without a pruner).
    """

    benchmark: str
    dataset: str
    fidelity: str | None
    sampler: str
    budget: int
    seeds: tuple[int, ...]
    test_mean: float
    test_std: float
    found_share: float
    median_queries_to_top: float | None
    median_valid_top_percent: float | None
    median_seconds: float
    mean_simulated_seconds: float | None
    optimum_test: float | None
    budget_seconds: float | None = None
    median_seconds_to_top: float | None = None
    reached: int = 0
    mean_unique: float = 0.0
    mean_pruned: float | None = None


def summarize(records: Iterable[RunRecord], *, seeds: Collection[int] | None = None) -> list[Summary]:
    """One :class:`Summary` per benchmark, dataset, column searched, sampler and budget, in first-seen order.

    Args:
        records: Runs, e.g. from :func:`~latentnas.evaluation.run_comparison` or
            :func:`~latentnas.evaluation.read_runs`.
        seeds: Summarize only these seeds (e.g. :func:`common_seeds`); ``None`` keeps every seed.

    Raises:
        InvalidArgumentError: A group has a run without a test accuracy, or two runs of the same seed.
    """
    groups: dict[tuple[str, str, str | None, str, int], list[RunRecord]] = {}
    for r in records:
        if seeds is None or r.seed in seeds:
            groups.setdefault((r.benchmark, r.dataset, r.fidelity, r.sampler, r.budget), []).append(r)
    return [_summary(runs) for runs in groups.values()]


def _summary(runs: list[RunRecord]) -> Summary:
    first = runs[0]
    seeds = sorted(r.seed for r in runs)
    if len(set(seeds)) != len(seeds):
        raise InvalidArgumentError(f"{first.sampler} on {first.dataset} has a seed twice: {seeds}")
    test = [r.test_at_best_valid for r in runs]
    if any(t is None for t in test):
        raise InvalidArgumentError(f"{first.sampler} on {first.dataset} has runs without a test accuracy")
    values = [t for t in test if t is not None]
    found = [r.queries_to_top for r in runs if r.found_top and r.queries_to_top is not None]
    ranks = [r.valid_top_percent for r in runs if r.valid_top_percent is not None]
    simulated = [r.simulated_seconds for r in runs if r.simulated_seconds is not None]
    to_top = [r.seconds_to_top if r.found_top and r.seconds_to_top is not None else math.inf for r in runs]
    pruned = [r.pruned for r in runs if r.pruned is not None]
    return Summary(
        benchmark=first.benchmark, dataset=first.dataset, fidelity=first.fidelity, sampler=first.sampler,
        budget=first.budget, seeds=tuple(seeds), test_mean=statistics.fmean(values),
        test_std=statistics.stdev(values) if len(values) > 1 else 0.0,
        found_share=sum(r.found_top for r in runs) / len(runs),
        median_queries_to_top=statistics.median(found) if found else None,
        median_valid_top_percent=statistics.median(ranks) if len(ranks) == len(runs) else None,
        median_seconds=statistics.median(r.seconds for r in runs),
        mean_simulated_seconds=statistics.fmean(simulated) if len(simulated) == len(runs) else None,
        optimum_test=first.optimum_test, budget_seconds=first.budget_seconds,
        median_seconds_to_top=statistics.median(to_top) if len(simulated) == len(runs) else None,
        reached=sum(r.found_top for r in runs), mean_unique=statistics.fmean(r.unique for r in runs),
        mean_pruned=statistics.fmean(pruned) if len(pruned) == len(runs) else None,
    )


def common_seeds(records: Iterable[RunRecord]) -> tuple[int, ...]:
    """The seeds that every sampler ran on every dataset it ran (sorted).

    Raises:
        InvalidArgumentError: No records, or no seed is common to all.
    """
    cells: dict[tuple[str, str], set[int]] = {}
    for r in records:
        cells.setdefault((r.dataset, r.sampler), set()).add(r.seed)
    if not cells:
        raise InvalidArgumentError("no runs to compare")
    common = set.intersection(*cells.values())
    if not common:
        raise InvalidArgumentError("no seed is common to every sampler and dataset; "
                                   + "; ".join(f"{s} on {d}: {sorted(v)}" for (d, s), v in cells.items()))
    return tuple(sorted(common))


def regret_curves(records: Iterable[RunRecord]) -> dict[tuple[str, str], list[float]]:
    """Mean validation regret after each unique architecture, per (dataset, sampler), over the runs' seeds.

    Curves are cut to the shortest run of their group; runs without a curve are left out.
    """
    groups: dict[tuple[str, str], list[Sequence[float]]] = {}
    for r in records:
        if r.curve:
            groups.setdefault((r.dataset, r.sampler), []).append([p.valid_regret for p in r.curve])
    return {key: [statistics.fmean(c[i] for c in curves) for i in range(min(map(len, curves)))]
            for key, curves in groups.items()}
