"""Reports of a comparison: markdown tables of :class:`~latentnas.evaluation.Summary` rows and a regret plot.

Tables come in four layouts: :func:`runs_table` (one row per dataset and sampler, every figure of the protocol),
:func:`sampler_table` (one dataset, one row per sampler), :func:`dataset_table` (datasets down, samplers across,
one figure per cell) and :func:`cost_table` (budgets in simulated seconds: time to the top 0.1 %, architectures
evaluated in full and pruned). Plots use matplotlib (a dependency of latentnas), on its Agg backend.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from latentnas.errors import InvalidArgumentError, LatentNASError
from latentnas.evaluation.protocol import Summary, regret_curves
from latentnas.evaluation.record import RunRecord
from latentnas.evaluation.runs import TOP_FRACTION

#: What a :func:`dataset_table` cell shows: test accuracy and share of seeds that found the top 0.1 %, or the
#: median rank percentile of the best architecture found.
Cell = Literal["test", "rank"]

_TOP = f"top {100 * TOP_FRACTION:g} %"


def mean_std(mean: float, std: float) -> str:
    return f"{mean:.2f} ± {std:.2f}"


def percent(share: float) -> str:
    """A share in [0, 1] as a whole percentage: ``0.8667 -> '87%'``."""
    return f"{100 * share:.0f}%"


def top_percent(value: float | None) -> str:
    """A rank percentile to two significant digits: ``0.01546 -> '0.015%'``; ``None -> '-'``."""
    return "-" if value is None else f"{value:.2g}%"


def _median(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def seeds_text(seeds: Sequence[int]) -> str:
    """``(0, 1, 2, 5) -> '0-2, 5'``."""
    parts: list[str] = []
    ordered = sorted(seeds)
    start = prev = ordered[0]
    for s in [*ordered[1:], None]:
        if s is not None and s == prev + 1:
            prev = s
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if s is not None:
            start = prev = s
    return ", ".join(parts)


def caption(summaries: Sequence[Summary]) -> str:
    """What the summaries cover: benchmark, column searched, budget, seeds."""
    _check(summaries)
    first = summaries[0]
    searched = f" (searching {first.fidelity})" if first.fidelity else ""
    seeds = {s.seeds for s in summaries}
    which = (f"{len(first.seeds)} seeds ({seeds_text(first.seeds)}), every sampler on the same seeds"
             if len(seeds) == 1 else "seeds per row")
    budget = f"{first.budget} unique architectures"
    if first.budget_seconds is not None:
        budget += f" or {first.budget_seconds:,.0f} simulated seconds (whichever comes first)"
    return f"{first.benchmark}{searched}, {budget} per run, {which}"


def runs_table(summaries: Sequence[Summary]) -> str:
    """Every figure of the protocol, one row per dataset and sampler."""
    _check(summaries)
    simulated = all(s.mean_simulated_seconds is not None for s in summaries)
    header = ["dataset", "sampler", "test at best valid (mean ± std)", f"found {_TOP}", "median queries to it",
              "best found: top % by valid (median)", "seeds", "s/run"] + (["simulated s/run (mean)"] if simulated else [])
    rows = [[s.dataset, s.sampler, mean_std(s.test_mean, s.test_std), percent(s.found_share),
             _median(s.median_queries_to_top), top_percent(s.median_valid_top_percent), str(len(s.seeds)),
             f"{s.median_seconds:.2f}"] + ([f"{s.mean_simulated_seconds:.0f}"] if simulated else [])
            for s in summaries]
    return _markdown(header, rows)


def cost_table(summaries: Sequence[Summary]) -> str:
    """Budgets in simulated seconds, one row per dataset and sampler: seeds that reached the top 0.1 %, the median
    simulated seconds to reach it (:attr:`Summary.median_seconds_to_top`; ``never`` when fewer than half reached it),
    simulated seconds per run, and the architectures evaluated in full and pruned (means per run)."""
    _check(summaries)

    def seconds(value: float | None) -> str:
        return "-" if value is None else "never" if value == math.inf else f"{value:,.0f}"

    header = ["dataset", "sampler", f"reached {_TOP}", "simulated s to it (median)", "simulated s/run (mean)",
              "evaluated in full (mean)", "pruned (mean)", "test at best valid (mean ± std)"]
    rows = [[s.dataset, s.sampler, f"{s.reached}/{len(s.seeds)}", seconds(s.median_seconds_to_top),
             seconds(s.mean_simulated_seconds), f"{s.mean_unique:.1f}",
             "-" if s.mean_pruned is None else f"{s.mean_pruned:.1f}", mean_std(s.test_mean, s.test_std)]
            for s in summaries]
    return _markdown(header, rows)


def sampler_table(summaries: Sequence[Summary]) -> str:
    """One dataset, one row per sampler: test at best valid, share that found the top 0.1 %, queries, rank."""
    _check(summaries)
    datasets = {s.dataset for s in summaries}
    if len(datasets) != 1:
        raise InvalidArgumentError(f"sampler_table shows one dataset, got {', '.join(sorted(datasets))}")
    header = ["sampler", "test at best valid", f"found {_TOP}", "median queries to it",
              "best found: top % by valid (median)"]
    rows = [[s.sampler, mean_std(s.test_mean, s.test_std), percent(s.found_share), _median(s.median_queries_to_top),
             top_percent(s.median_valid_top_percent)] for s in summaries]
    return _markdown(header, rows)


def dataset_table(summaries: Sequence[Summary], *, cell: Cell = "test") -> str:
    """Datasets down, samplers across.

    Args:
        summaries: From :func:`~latentnas.evaluation.summarize`, one per dataset and sampler.
        cell: ``"test"``: ``mean ± std, found%`` of the test accuracy at the best validation and the share of
            seeds that found the top 0.1 %; ``"rank"``: the median rank percentile by validation of the best
            architecture found.
    """
    _check(summaries)
    if cell not in ("test", "rank"):
        raise InvalidArgumentError(f"cell must be 'test' or 'rank', got {cell!r}")
    datasets = list(dict.fromkeys(s.dataset for s in summaries))
    samplers = list(dict.fromkeys(s.sampler for s in summaries))
    by_cell = {(s.dataset, s.sampler): s for s in summaries}

    def text(s: Summary | None) -> str:
        if s is None:
            return "-"
        if cell == "rank":
            return top_percent(s.median_valid_top_percent)
        return f"{mean_std(s.test_mean, s.test_std)}, {percent(s.found_share)}"

    return _markdown(["dataset", *samplers], [[d, *(text(by_cell.get((d, s))) for s in samplers)] for d in datasets])


def plot_regret(records: Iterable[RunRecord], path: str | Path, *, title: str | None = None) -> Path:
    """Mean validation regret against unique architectures evaluated, one panel per dataset, one line per sampler.

    Raises:
        LatentNASError: matplotlib is not installed, or no record has a curve.
    """
    curves = regret_curves(records)
    if not curves:
        raise InvalidArgumentError("no run has a curve to plot")
    plt = pyplot()
    datasets = list(dict.fromkeys(d for d, _ in curves))
    cols = min(3, len(datasets))
    nrows = (len(datasets) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.5 * cols, 3.4 * nrows), squeeze=False)
    for ax, dataset in zip(axes.flat, datasets):
        for (d, sampler), mean in curves.items():
            if d == dataset:
                # NOTE: floored at 1e-3 so that a curve reaching the optimum stays on the log axis.
                ax.plot(range(1, len(mean) + 1), [max(v, 1e-3) for v in mean], label=sampler)
        ax.set_yscale("log")
        ax.set_title(dataset)
        ax.set_xlabel("unique architectures evaluated")
        ax.set_ylabel("validation regret (%), mean")
    for ax in list(axes.flat)[len(datasets):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def require_matplotlib() -> None:
    """Raises :class:`LatentNASError` naming the extra to install when matplotlib is missing."""
    pyplot()


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, imported on first use.

    Raises:
        LatentNASError: matplotlib is not installed (an install that skipped dependencies).
    """
    try:  # NOTE: imported on first use: importing the reporting modules needs no matplotlib, nor its half second.
        import matplotlib
    except ImportError:
        raise LatentNASError("plots need matplotlib, a dependency of latentnas: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _check(summaries: Sequence[Summary]) -> None:
    if not summaries:
        raise InvalidArgumentError("no summaries to report")


def _markdown(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)

