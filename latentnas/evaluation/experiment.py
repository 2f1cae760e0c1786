"""An experiment's record: one folder (``docs/results/<experiment>/`` in this repository) holding the table, the
exact command, the commit it ran on and the runs it was built from, so that anyone can rebuild and check its table.

A README keeps tables in sync with records between marker comments::

    <!-- table: nasbench201-100-30seeds samplers -->
    ...rendered by render_table(root / "nasbench201-100-30seeds", "samplers")...
    <!-- /table -->

:func:`rebuild_tables` re-renders every such block from the records.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.budgets import budget_table
from latentnas.evaluation.measurements import write_measurements
from latentnas.evaluation.protocol import common_seeds, summarize
from latentnas.evaluation.record import RunRecord, read_runs, source_revision, write_curves, write_runs
from latentnas.evaluation.report import caption, cost_table, dataset_table, plot_regret, runs_table, sampler_table
from latentnas.evaluation.runs import ComparisonConfig
from latentnas.evaluation.several import FrontRecord, front_tables, fronts_json, paired_table, summary_table
from latentnas.evaluation.trained import TrainingRecord, training_figure, training_table

__all__ = ["LAYOUTS", "merge_records", "read_fronts", "read_record", "rebuild_tables", "record_table", "render_table",
           "source_revision", "tables_in", "write_record"]

RUNS = "runs.csv"
#: Per-run curves, gzipped (they are a hundred times the size of the runs).
CURVES = "curves.csv.gz"
TABLE = "table.md"
COMMAND = "command.txt"
COMMIT = "commit.txt"
PLOT = "regret.png"
#: The comparison a record of several objectives ran (:meth:`ComparisonConfig.to_dict`).
CONFIG = "config.json"
#: The layouts a README block can ask for.
LAYOUTS = ("runs", "samplers", "datasets", "datasets-rank", "budgets", "cost", "several", "several-paired")

_BLOCK = re.compile(r"(<!-- table: (?P<record>[\w.-]+) (?P<layout>[\w-]+) -->\n)(?P<body>.*?)(<!-- /table -->)", re.S)


def record_table(records: Sequence[RunRecord]) -> str:
    """The ``table.md`` of a record: what it covers, then every figure per dataset and sampler on the common seeds
    (with a budget of simulated seconds or a pruner, the :func:`cost_table` too; for several datasets, the samplers
    side by side)."""
    summaries = summarize(records, seeds=common_seeds(records))
    parts = [caption(summaries), runs_table(summaries)]
    if any(s.budget_seconds is not None or s.mean_pruned is not None for s in summaries):
        parts.append(cost_table(summaries))
    if len({s.dataset for s in summaries}) > 1:
        parts.append(dataset_table(summaries))
    if all(r.curve for r in records) and all(r.fidelity is None for r in records):
        seeds = set(common_seeds(records))
        parts.append(budget_table([r for r in records if r.seed in seeds]))
    return "\n\n".join(parts) + "\n"


def write_record(
    folder: str | Path,
    records: Sequence[RunRecord] | Sequence[FrontRecord] | Sequence[TrainingRecord],
    *,
    command: str,
    revision: str | None = None,
    plot: bool = True,
    config: ComparisonConfig | None = None,
) -> list[Path]:
    """Writes a record of ``records`` (runs of one kind) into ``folder``: runs, table, command and commit, and what
    the kind keeps beside them.

    - :class:`RunRecord`: ``curves.csv.gz`` (when the records have curves) and ``regret.png``;
    - :class:`FrontRecord`: ``config.json`` (``config``, required) and, on several objectives, ``fronts.json`` (each
      table front and reference point);
    - :class:`TrainingRecord`: each run's curve in ``runs.csv``, and ``best_valid.png``.

    Args:
        folder: Created if needed; files of the same names are replaced (a driver may write its record after each
            run, so that one stopped early keeps what it finished).
        records: The runs, with curves for the plot.
        command: The exact command that produced the runs (several lines if it took several).
        revision: The commit the runs ran on (default: :func:`source_revision` now).
        plot: Write the plot (needs matplotlib) when the records have curves.
        config: The comparison that made :class:`FrontRecord` runs.

    Returns:
        The paths written.
    """
    if not records:
        raise InvalidArgumentError("no runs to record")
    kinds = {type(r) for r in records}
    if len(kinds) > 1:
        raise InvalidArgumentError(f"a record holds runs of one kind, got {', '.join(sorted(k.__name__ for k in kinds))}")
    if isinstance(records[0], FrontRecord):
        if config is None:
            raise InvalidArgumentError("a record of several objectives or constraints needs its config")
        fronts = [r for r in records if isinstance(r, FrontRecord)]
        data: dict[str, Any] = {"config.json": config.to_dict()}
        if len(config.objectives) > 1:
            data["fronts.json"] = fronts_json(config.benchmark, config.datasets, config.objectives)
        return write_measurements(folder, [r.to_row() for r in fronts], command=command, revision=revision, data=data,
                                  table=front_tables(fronts, datasets=config.datasets, samplers=config.samplers))
    if isinstance(records[0], TrainingRecord):
        trained = [r for r in records if isinstance(r, TrainingRecord)]
        figures = {"best_valid.png": training_figure(trained)} if plot else {}
        return write_measurements(folder, [r.to_row() for r in trained], command=command, revision=revision,
                                  table=training_table(trained), figures=figures)
    runs = [r for r in records if isinstance(r, RunRecord)]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = record_table(runs)  # first: a record whose table cannot be made is not written
    written = [write_runs(folder / RUNS, runs)]
    if any(r.curve for r in runs):
        written.append(write_curves(folder / CURVES, runs))
    for name, text in ((TABLE, table), (COMMAND, command.strip() + "\n"),
                       (COMMIT, (revision or source_revision()).strip() + "\n")):
        (folder / name).write_text(text)
        written.append(folder / name)
    if plot and any(r.curve for r in runs):
        written.append(plot_regret(runs, folder / PLOT))
    return written


def read_record(folder: str | Path) -> list[RunRecord]:
    """The runs of the record in ``folder``, with their curves where the record keeps them."""
    folder = Path(folder)
    if not (folder / RUNS).is_file():
        raise InvalidArgumentError(f"no record in {folder}: {RUNS} is missing")
    curves = [folder / CURVES] if (folder / CURVES).is_file() else []
    return read_runs(folder / RUNS, curves=curves)


def render_table(folder: str | Path, layout: str, *, link: str | None = None) -> str:
    """One README block: a caption line, then the table of the record in ``folder`` on its common seeds.

    Args:
        folder: A record folder.
        layout: One of :data:`LAYOUTS`: ``runs`` (:func:`runs_table`), ``samplers`` (:func:`sampler_table`),
            ``datasets`` (:func:`dataset_table`, test accuracy and share that found the top 0.1 %),
            ``datasets-rank`` (:func:`dataset_table`, rank percentile of the best architecture found), ``budgets``
            (:func:`~latentnas.evaluation.budgets.budget_table`, rank after 10, 20 and 40 architectures), ``cost``
            (:func:`cost_table`, simulated seconds to the top 0.1 %); ``several`` and ``several-paired`` for a
            record of :class:`~latentnas.evaluation.several.FrontRecord` runs (``several-paired``: the searches
            given the constraints beside their unconstrained twins).
        link: How the caption names the record (default: the folder as given).
    """
    if layout not in LAYOUTS:
        raise InvalidArgumentError(f"unknown table layout '{layout}'; choices: {', '.join(LAYOUTS)}")
    if layout.startswith("several"):
        return _render_fronts(folder, paired=layout == "several-paired", link=link)
    records = read_record(folder)
    summaries = summarize(records, seeds=common_seeds(records))
    if layout == "budgets":
        seeds = set(common_seeds(records))
        return f"{caption(summaries)} (`{link or folder}`):\n\n{budget_table([r for r in records if r.seed in seeds])}\n"
    table = {"runs": runs_table, "samplers": sampler_table, "datasets": dataset_table,
             "datasets-rank": lambda s: dataset_table(s, cell="rank"), "cost": cost_table}[layout](summaries)
    return f"{caption(summaries)} (`{link or folder}`):\n\n{table}\n"


def tables_in(text: str) -> list[tuple[str, str]]:
    """The (record, layout) of every marked block in ``text``, in order."""
    return [(m["record"], m["layout"]) for m in _BLOCK.finditer(text)]


def rebuild_tables(text: str, root: str | Path, *, link_root: str = "docs/results", keep_missing: bool = False) -> str:
    """``text`` with every marked block re-rendered from the record ``root / <record>``.

    Args:
        text: Markdown with ``<!-- table: RECORD LAYOUT -->`` ... ``<!-- /table -->`` blocks.
        root: The folder holding the records.
        link_root: How captions name that folder (the README's path to it).
        keep_missing: Leave a block as it is when its record has no runs yet (instead of raising).
    """
    def render(m: re.Match[str]) -> str:
        if keep_missing and not (Path(root) / m["record"] / RUNS).is_file():
            return m.group(0)
        body = render_table(Path(root) / m["record"], m["layout"], link=f"{link_root}/{m['record']}")
        return f"{m.group(1)}{body}{m.group(5)}"

    return _BLOCK.sub(render, text)


# ------------------------------------------------------------------------- records of several objectives
def read_fronts(folder: str | Path) -> tuple[ComparisonConfig, list[FrontRecord]]:
    """The config and runs of a record of :class:`FrontRecord` runs (``config.json`` and ``runs.csv``)."""
    folder = Path(folder)
    if not (folder / RUNS).is_file() or not (folder / CONFIG).is_file():
        raise InvalidArgumentError(f"no record of several objectives in {folder}: {RUNS} or {CONFIG} is missing")
    config = ComparisonConfig.from_dict(json.loads((folder / CONFIG).read_text()))
    with open(folder / RUNS, newline="") as f:
        return config, [FrontRecord.from_row(row) for row in csv.DictReader(f)]


def _render_fronts(folder: str | Path, *, paired: bool, link: str | None) -> str:
    config, records = read_fronts(folder)
    searched = [r for r in records if r.searched_with != "none"]
    what = ", ".join(config.objectives) + (f" under {', '.join(config.constraints)}" if config.constraints else "")
    caption = (f"{config.benchmark}, {what}, {config.budget} unique architectures per run, {len(config.seeds)} seeds "
               f"({config.seeds[0]}-{config.seeds[-1]}), every sampler on the same seeds (`{link or folder}`):")
    order = {"datasets": config.datasets, "samplers": config.samplers}
    if paired:
        twin = [r for r in records if r.searched_with == "none"]
        if not twin:
            raise InvalidArgumentError(f"record {folder} has no unconstrained twin to pair with")
        return f"{caption}\n\n{paired_table(searched, twin, **order)}\n"
    return f"{caption}\n\n{summary_table(searched, **order)}\n"


def merge_records(records: Sequence[str | Path], out: str | Path, *, command: str) -> str:
    """Merges records of :class:`FrontRecord` runs of the same comparison on disjoint seeds into ``out`` (their
    commands and commits listed, the merging ``command`` last) and returns its main table.

    Raises:
        InvalidArgumentError: The configurations differ in more than their seeds, or share a seed.
    """
    folders = [Path(r) for r in records]
    parts = [read_fronts(f) for f in folders]
    first = parts[0][0]
    seeds: list[int] = []
    for config, _ in parts:
        if dataclasses.replace(config, seeds=first.seeds) != first:
            raise InvalidArgumentError(f"records differ in more than their seeds: {first} and {config}")
        if set(config.seeds) & set(seeds):
            raise InvalidArgumentError(f"records share seeds: {sorted(set(config.seeds) & set(seeds))}")
        seeds += config.seeds
    merged = dataclasses.replace(first, seeds=tuple(sorted(seeds)))
    runs = sorted((r for _, part in parts for r in part),
                  key=lambda r: (merged.datasets.index(r.dataset), merged.samplers.index(r.sampler),
                                 r.searched_with or "", r.seed))
    commands = [(f / COMMAND).read_text().strip() for f in folders]
    commits = [f"seeds {c.seeds[0]}-{c.seeds[-1]}: {(f / COMMIT).read_text().strip()}"
               for f, (c, _) in zip(folders, parts)]
    write_record(out, runs, command="\n".join([*commands, command]), revision="\n".join(commits), config=merged)
    return summary_table([r for r in runs if r.searched_with != "none"], datasets=merged.datasets,
                         samplers=merged.samplers)
