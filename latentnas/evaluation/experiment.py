"""An experiment's record: one folder (``docs/results/<experiment>/`` in this repository) holding the table, the
exact command, the commit it ran on and the runs it was built from, so that anyone can rebuild and check its table.

A README keeps tables in sync with records between marker comments::

    <!-- table: nasbench201-100-30seeds samplers -->
    ...rendered by render_table(root / "nasbench201-100-30seeds", "samplers")...
    <!-- /table -->

:func:`rebuild_tables` re-renders every such block from the records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.protocol import common_seeds, summarize
from latentnas.evaluation.record import RunRecord, read_runs, source_revision, write_curves, write_runs
from latentnas.evaluation.report import caption, cost_table, dataset_table, plot_regret, runs_table, sampler_table
from latentnas.evaluation.several import render_several

__all__ = ["LAYOUTS", "read_record", "rebuild_tables", "record_table", "render_table", "source_revision", "tables_in",
           "write_record"]

RUNS = "runs.csv"
#: Per-run curves, gzipped (they are a hundred times the size of the runs).
CURVES = "curves.csv.gz"
TABLE = "table.md"
COMMAND = "command.txt"
COMMIT = "commit.txt"
PLOT = "regret.png"
#: The layouts a README block can ask for.
LAYOUTS = ("runs", "samplers", "datasets", "datasets-rank", "cost", "several", "several-paired")

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
    return "\n\n".join(parts) + "\n"


def write_record(
    folder: str | Path,
    records: Sequence[RunRecord],
    *,
    command: str,
    revision: str | None = None,
    plot: bool = True,
) -> list[Path]:
    """Writes a record of ``records`` into ``folder``: runs, curves, table, command, commit and regret plot.

    Args:
        folder: Created if needed; files of the same names are replaced.
        records: The runs, with curves for the plot.
        command: The exact command that produced the runs (several lines if it took several).
        revision: The commit the runs ran on (default: :func:`source_revision` now).
        plot: Write ``regret.png`` (needs matplotlib) when the records have curves.

    Returns:
        The paths written.
    """
    if not records:
        raise InvalidArgumentError("no runs to record")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = record_table(records)  # first: a record whose table cannot be made is not written
    written = [write_runs(folder / RUNS, records)]
    if any(r.curve for r in records):
        written.append(write_curves(folder / CURVES, records))
    for name, text in ((TABLE, table), (COMMAND, command.strip() + "\n"),
                       (COMMIT, (revision or source_revision()).strip() + "\n")):
        (folder / name).write_text(text)
        written.append(folder / name)
    if plot and any(r.curve for r in records):
        written.append(plot_regret(records, folder / PLOT))
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
            ``datasets-rank`` (:func:`dataset_table`, rank percentile of the best architecture found), ``cost``
            (:func:`cost_table`, simulated seconds to the top 0.1 %); ``several`` and ``several-paired`` for a
            record of :mod:`latentnas.evaluation.several` (:func:`~latentnas.evaluation.several.render_several`).
        link: How the caption names the record (default: the folder as given).
    """
    if layout not in LAYOUTS:
        raise InvalidArgumentError(f"unknown table layout '{layout}'; choices: {', '.join(LAYOUTS)}")
    if layout.startswith("several"):
        return render_several(folder, paired=layout == "several-paired", link=link)
    records = read_record(folder)
    summaries = summarize(records, seeds=common_seeds(records))
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
