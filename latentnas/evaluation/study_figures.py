"""The figures of a study report: progress (regret, best so far or hypervolume), the Pareto front, the latent map.

Each function draws one :class:`~latentnas.evaluation.study_report.StudyReport` panel into a PNG file and returns its
path; :mod:`latentnas.evaluation.study_html` puts them in one page.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import torch

from latentnas.errors import LatentNASError
from latentnas.evaluation.latent_map import LatentMap
from latentnas.evaluation.report import pyplot
from latentnas.evaluation.runs import TOP_FRACTION
from latentnas.evaluation.study_report import StudyReport
from latentnas.pareto import METRIC_UNITS, Constraint

#: Where a regret of exactly 0 (the table's optimum found) is drawn on the log axis.
REGRET_FLOOR = 1e-3
#: Above this many unique architectures the search path is drawn as points only (a line would hide the map).
PATH_LINE_MAX = 150
#: Map colours span this percentile of the table's values to its best: the worst few percent (NB201: accuracies
#: near 10 %, next to a bulk between 80 % and 91 %) would otherwise take most of the colour scale.
COLOUR_LOW_PERCENTILE = 5.0
#: Pixels per inch of the PNGs: 700 x 450 pixels a panel, readable on a laptop screen at 100 %.
DPI = 100
#: Characters of a figure's title per line.
TITLE_WIDTH = 80
_TOP = f"top {100 * TOP_FRACTION:g} %"


def title(report: StudyReport) -> str:
    """``"study S: nasbench201 / cifar10, latent-bo (seed 0)"``: what the study searched, with what."""
    sampler = report.sampler
    if isinstance(sampler, dict):
        seed = sampler.get("seed")
        name = f"{sampler.get('sampler')}" + (f" (seed {seed})" if seed is not None else "")
    else:
        name = str(sampler or "unknown sampler")
    where = (f"{report.table.benchmark} / {report.table.dataset}" if report.table is not None
             else f"{report.space.name}" + (f" / {report.identity['dataset']}" if report.identity.get("dataset") else ""))
    return f"{report.name}: {where}, {name}"


def metric_label(report: StudyReport, i: int) -> str:
    """``"valid (validation accuracy, %)"``; a study without named metrics: ``"value (maximized)"``."""
    metric = report.metrics[i] if i < len(report.metrics) else "value"
    unit = METRIC_UNITS.get(metric)
    return f"{metric} ({unit})" if unit else f"{metric} ({report.directions[i]}d)"


def _suptitle(report: StudyReport) -> str:
    """The title of a figure, wrapped to fit its width (study names run long: ``...-latency<=0.005``)."""
    return textwrap.fill(title(report) + _pending(report), TITLE_WIDTH)


def _pending(report: StudyReport) -> str:
    running = report.counts["running"]
    return f"; {running} trial{'s' * (running != 1)} running, not counted" if running else ""


def _each(ax: Any, report: StudyReport, x: list[int], y: list[float], *, s: float) -> None:
    """Each architecture's own value, those that violate the study's constraints crossed out."""
    ok = [e.feasible for e in report.evaluated]
    ax.scatter([a for a, f in zip(x, ok) if f], [b for b, f in zip(y, ok) if f], s=s, color="0.6",
               label="each architecture" + (", feasible" if not all(ok) else ""), zorder=2)
    if not all(ok):
        ax.scatter([a for a, f in zip(x, ok) if not f], [b for b, f in zip(y, ok) if not f], s=s * 1.6, color="C3",
                   marker="x", label="infeasible (never best)", zorder=2)


def _best_label(report: StudyReport) -> str:
    return "best feasible so far" if any(not e.feasible for e in report.evaluated) else "best so far"


def plot_progress(report: StudyReport, path: str | Path) -> Path:
    """Regret on a log axis (a table known), else the best value so far; several objectives: hypervolume so far."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.5))
    n = len(report.evaluated)
    x = list(range(1, n + 1))
    unit = METRIC_UNITS.get(report.metrics[0], "") if report.metrics else ""
    if report.multi_objective:
        hv = report.hypervolume_so_far()
        ax.step(x, hv, where="post", color="C0", lw=2, label="hypervolume of the feasible front found")
        if report.table is not None and report.table.front is not None:
            ax.set_ylabel("hypervolume / the table front's")
            ax.axhline(1.0, color="k", ls=":", lw=1, label="the table's exact front")
            ax.set_ylim(0, 1.05)
            ref = ", ".join(f"{m} {v:.4g}" for m, v in zip(report.metrics, report.table.front.reference))
            ax.set_title(f"hypervolume so far (reference: table median, {ref})", fontsize=9)
        else:
            ax.set_ylabel("hypervolume (natural units)")
            ax.set_title("hypervolume so far (reference: the study's worst value of each metric)", fontsize=9)
    elif (regret := report.regret()) is not None and (table := report.table) is not None \
            and table.optimum is not None and table.top_threshold is not None:
        own = [max(report.sign * (table.optimum - e.values[0]), REGRET_FLOOR) for e in report.evaluated]
        _each(ax, report, x, own, s=10 if n <= PATH_LINE_MAX else 4)
        ax.step(x, [max(r, REGRET_FLOOR) for r in regret], where="post", color="C0", lw=2,
                label=_best_label(report), zorder=3)
        top = report.sign * (table.optimum - table.top_threshold)
        ax.axhline(max(top, REGRET_FLOOR), color="C1", ls="--", lw=1.2,
                   label=f"{_TOP} of the table ({table.size:,} architectures)")
        ax.set_yscale("log")
        ax.set_ylabel(f"validation regret ({unit.split(', ')[-1] if unit else 'units'} points, log)")
        hit = next((i for i, r in enumerate(regret) if r <= 0), None)
        found = (f"optimum found at architecture {hit + 1} (regret 0 drawn at {REGRET_FLOOR:g})" if hit is not None
                 else f"final regret {regret[-1]:.4g}")
        ax.set_title(f"table optimum {table.optimum:.4g} minus best so far; {found}", fontsize=9)
    else:
        best = report.best_so_far()
        _each(ax, report, x, [e.values[0] for e in report.evaluated], s=10)
        ax.step(x, best, where="post", color="C0", lw=2, label=_best_label(report))
        ax.set_ylabel(metric_label(report, 0))
        ax.set_title(f"best so far ({report.directions[0]}d); no table to measure regret", fontsize=9)
    ax.set_xlabel("unique architectures evaluated (trial order)")
    ax.set_xlim(0.5, max(n, 1) + 0.5)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="best")
    fig.suptitle(_suptitle(report), fontsize=10)
    return _save(fig, plt, path)


def plot_front(report: StudyReport, path: str | Path) -> Path:
    """The study's evaluated points of the first two objectives (the second across, the first up), its feasible
    non-dominated ones highlighted, infeasible ones crossed out, against the table's points and exact front."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.5))
    Y = torch.tensor([e.values[:2] for e in report.evaluated], dtype=torch.float64)
    mask = torch.tensor(report.front_mask())
    ok = torch.tensor([e.feasible for e in report.evaluated])
    table = report.table
    # A front is a staircase: between two of its points the best attainable is the worse one's first metric.
    steps = "steps-post" if report.directions[1] == "minimize" else "steps-pre"
    if table is not None and table.front is not None:
        F = table.front.values
        F = F[torch.argsort(F[:, 1])]
        unconstrained = " (unconstrained)" if report.constraints else ""
        # Drawn over the found front: where the search found a point of the table's front, both stay visible.
        ax.plot(F[:, 1], F[:, 0], "-", drawstyle=steps, color="k", lw=0.8, marker=".", ms=4, zorder=4,
                label=f"the table's exact front{unconstrained} ({F.shape[0]} architectures)")
    ax.scatter(Y[ok & ~mask, 1], Y[ok & ~mask, 0], s=14, color="0.55", label="evaluated, feasible", zorder=2)
    if (~ok).any():
        ax.scatter(Y[~ok, 1], Y[~ok, 0], s=18, color="C3", marker="x", label="evaluated, infeasible", zorder=2)
    found = Y[mask]
    found = found[torch.argsort(found[:, 1])]
    ax.plot(found[:, 1], found[:, 0], "-o", drawstyle=steps, color="C1", ms=6, mec="k", mew=0.6, lw=1.2, zorder=3,
            label=f"found front ({int(mask.sum())} architectures)")
    for text in report.constraints:
        _draw_bound(ax, report, text)
    ax.set_xlabel(metric_label(report, 1))
    ax.set_ylabel(metric_label(report, 0))
    extra = f"; first two of {len(report.metrics)} objectives" if len(report.metrics) > 2 else ""
    ax.set_title(f"Pareto front: {len(report.evaluated)} unique architectures{extra}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.suptitle(_suptitle(report), fontsize=10)
    return _save(fig, plt, path)


def _draw_bound(ax: Any, report: StudyReport, text: str) -> None:
    try:
        c = Constraint.parse(text)
    except LatentNASError:
        return
    if c.metric in report.metrics[:2]:
        line = ax.axvline if report.metrics.index(c.metric) == 1 else ax.axhline
        line(c.bound, color="C3", ls="--", lw=1, label=f"constraint {c}")


def plot_map(report: StudyReport, lmap: LatentMap, path: str | Path, *, warning: str | None = None) -> Path:
    """The latent map: every mapped architecture (coloured by the table's first metric where known, else grey), the
    search's architectures in trial order (graded light to dark), the best (star), running ones (hollow squares).
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8.0, 6.0))
    xy = lmap.xy
    n_map = xy.shape[0]
    size = 3.0 if n_map > 10_000 else 6.0
    table = report.table
    evaluated = report.evaluated
    arch_of = report.space.from_string
    pts = lmap.locate([arch_of(e.arch) for e in evaluated])
    cmap_values = None
    if table is not None:
        values = torch.tensor([table.values.get(k, math.nan) for k in lmap.keys], dtype=torch.float64)
        # Best drawn last (on top), so that good regions show through the crowd.
        ranked = torch.argsort(table.sign * values.nan_to_num(-math.inf * table.sign))
        xy, values = xy[ranked], values[ranked]
        known = ~values.isnan()
        signed = table.sign * values[known]
        low = float(torch.quantile(signed, COLOUR_LOW_PERCENTILE / 100)) * table.sign
        high = float(signed.max()) * table.sign
        vmin, vmax = sorted((low, high))
        sc = ax.scatter(xy[known, 0], xy[known, 1], c=values[known], s=size, cmap="viridis", vmin=vmin, vmax=vmax,
                        linewidths=0, alpha=0.8, zorder=1, rasterized=True)
        bar = fig.colorbar(sc, ax=ax, fraction=0.05, pad=0.01)
        bar.set_label(f"table's {metric_label(report, 0)}\n(colours from its {COLOUR_LOW_PERCENTILE:g}th percentile up)",
                      fontsize=8)
        if table.optimum is not None:
            best_key = max(table.values, key=lambda k: table.sign * table.values[k])
            if best_key in lmap.index:
                o = lmap.xy[lmap.index[best_key]]
                ax.scatter([o[0]], [o[1]], marker="P", s=160, color="w", edgecolors="k", zorder=5,
                           label=f"table optimum ({table.optimum:.4g})")
    else:
        ax.scatter(xy[:, 0], xy[:, 1], s=size, color="0.8", linewidths=0, zorder=1, rasterized=True)
        cmap_values = [e.values[0] for e in evaluated]
    order = torch.arange(1, len(evaluated) + 1)
    # Markers shrink as the path grows (30 pt^2 up to 100 architectures, 9 at 1,000), so the map still shows.
    marker = max(4.0, 30.0 * min(1.0, math.sqrt(100 / max(1, len(evaluated)))))
    edge = 0.6 if len(evaluated) <= PATH_LINE_MAX else 0.3
    if len(evaluated) <= PATH_LINE_MAX:
        ax.plot(pts[:, 0], pts[:, 1], "-", color="k", lw=0.7, alpha=0.5, zorder=2)
    if cmap_values is None:
        # NOTE: not at the top: this module leaves importing matplotlib to pyplot() (one clear error if it is missing).
        from matplotlib.colors import ListedColormap

        # Light (early) to dark (late) red, never white: the first architectures stay visible on the map.
        reds = ListedColormap(plt.get_cmap("Reds")(torch.linspace(0.2, 1.0, 256).numpy()))
        sp = ax.scatter(pts[:, 0], pts[:, 1], c=order, cmap=reds, vmin=1, vmax=max(2, len(evaluated)),
                        s=marker, edgecolors="k", linewidths=edge, zorder=3, label="evaluated (light: early, dark: late)")
        bar = fig.colorbar(sp, ax=ax, orientation="horizontal", fraction=0.04, pad=0.1, aspect=50)
        bar.set_label("unique architecture # (trial order)", fontsize=8)
    else:
        sp = ax.scatter(pts[:, 0], pts[:, 1], c=cmap_values, cmap="viridis", s=marker, edgecolors="k",
                        linewidths=edge, zorder=3, label="evaluated (coloured by value)")
        bar = fig.colorbar(sp, ax=ax, fraction=0.05, pad=0.01)
        bar.set_label(f"{metric_label(report, 0)}, evaluated", fontsize=8)
    ax.annotate("1", pts[0].tolist(), xytext=(4, 4), textcoords="offset points", fontsize=8, zorder=6)
    infeasible = [i for i, e in enumerate(evaluated) if not e.feasible]
    if infeasible:
        ax.scatter(pts[infeasible, 0], pts[infeasible, 1], marker="x", s=marker, color="k", linewidths=1.0,
                   zorder=4, label=f"infeasible ({len(infeasible)})")
    best = {e.number for e in report.best()}
    stars = [i for i, e in enumerate(evaluated) if e.number in best]
    label = "best found" if not report.multi_objective else "found front"
    ax.scatter(pts[stars, 0], pts[stars, 1], marker="*", s=260, color="gold", edgecolors="k", linewidths=0.8,
               zorder=6, label=label)
    if report.running:
        r = lmap.locate(report.running)
        ax.scatter(r[:, 0], r[:, 1], marker="s", s=40, facecolors="none", edgecolors="C3", linewidths=1.2,
                   zorder=4, label=f"running ({len(report.running)}, pending)")
    what = ("every canonical architecture" if report.space.is_finite else "a seeded sample")
    ax.set_xlabel("PC1 of the encodings")
    ax.set_ylabel("PC2 of the encodings")
    ax.set_title(f"latent map: {n_map:,} architectures ({what}); {lmap.projection}\n"
                 f"encoder {lmap.encoder} (sha256 {lmap.sha256[:12]})", fontsize=8,
                 color="C3" if warning else "k")
    if warning:
        ax.text(0.01, 0.01, warning, transform=ax.transAxes, fontsize=8, color="C3", va="bottom", wrap=True,
                bbox={"facecolor": "w", "alpha": 0.8, "edgecolor": "C3"})
    # Headroom at the top for the legend, which is drawn over everything (a star under it would hide).
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.2 * (high - low))
    ax.legend(fontsize=8, loc="upper right", framealpha=0.9).set_zorder(10)
    fig.suptitle(_suptitle(report), fontsize=10)
    return _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: str | Path) -> Path:
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
