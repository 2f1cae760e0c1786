"""A record of measurements: the rows a benchmark script measured (one per architecture, checkpoint, proxy or
setting) and the files that hold them, as :func:`~latentnas.evaluation.experiment.write_record` writes a comparison.

A record is one folder (``docs/results/<experiment>/`` in this repository) holding

- ``runs.csv``: the rows, one per item measured, every field a column;
- ``table.md``: a caption and the markdown table the figures are read from;
- ``command.txt``: the exact command line that measured them;
- ``commit.txt``: the commit it ran on (:func:`~latentnas.evaluation.record.source_revision`);
- optionally JSON files (what does not fit a row) and figures.

Example:
    >>> rows = [{"proxy": "snip", "spearman": 0.2751}, {"proxy": "synflow", "spearman": 0.1142}]
    >>> print(markdown_table(rows, [Column("proxy"), Column("spearman", "Spearman", "{:.2f}")]), end="")
    | proxy | Spearman |
    | --- | --- |
    | snip | 0.28 |
    | synflow | 0.11 |
"""

from __future__ import annotations

import csv
import json
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.record import source_revision

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["COMMAND", "COMMIT", "RUNS", "TABLE", "Column", "command_line", "markdown_table", "missing_parts",
           "write_measurements"]

RUNS = "runs.csv"
TABLE = "table.md"
COMMAND = "command.txt"
COMMIT = "commit.txt"
_FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
#: What a record's data may be kept in, besides runs.csv (records written before this module).
_DATA_SUFFIXES = (".csv", ".csv.gz", ".json", ".jsonl")


@dataclass(frozen=True)
class Column:
    """One column of a markdown table.

    Args:
        key: The row's field shown.
        header: The column's heading (default: ``key``).
        format: A :meth:`str.format` pattern for the value, e.g. ``"{:.3f}"``, applied to each item of a list or
            tuple, joined by ``", "`` (default: a float to 3 decimals, anything else as ``str``). A missing or
            ``None`` value shows as ``-``.
    """

    key: str
    header: str | None = None
    format: str | None = None

    def cell(self, row: Mapping[str, Any]) -> str:
        """The value of ``row`` in this column, formatted."""
        value = row.get(self.key)
        if value is None:
            return "-"
        if isinstance(value, (list, tuple)):
            return ", ".join(self._text(v) for v in value)
        return self._text(value)

    def _text(self, value: Any) -> str:
        if self.format is not None:
            return self.format.format(value)
        return f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown_table(rows: Sequence[Mapping[str, Any] | Any], columns: Sequence[Column] | None = None) -> str:
    """``rows`` as a markdown table, one line per row and a newline at the end.

    Args:
        rows: Dicts or dataclass instances.
        columns: What to show, in order (default: every field of the rows, in the order first seen).

    Raises:
        InvalidArgumentError: ``rows`` is empty, or a column names a field that no row has.
    """
    table = [_as_dict(row) for row in rows]
    if not table:
        raise InvalidArgumentError("no rows to tabulate")
    keys = _keys(table)
    columns = list(columns) if columns is not None else [Column(key) for key in keys]
    unknown = [c.key for c in columns if c.key not in keys]
    if unknown:
        raise InvalidArgumentError(f"no row has the column(s) {', '.join(unknown)}; the rows have {', '.join(keys)}")
    lines = ["| " + " | ".join(c.header or c.key for c in columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(c.cell(row) for c in columns) + " |" for row in table]
    return "\n".join(lines) + "\n"


def write_measurements(
    folder: str | Path,
    rows: Sequence[Mapping[str, Any] | Any],
    *,
    command: str,
    caption: str = "",
    columns: Sequence[Column] | None = None,
    table: str | None = None,
    notes: str = "",
    revision: str | None = None,
    data: Mapping[str, Any] | None = None,
    figures: Mapping[str, Figure] | None = None,
) -> list[Path]:
    """Writes a record of ``rows`` into ``folder``: runs, table, command, commit, and any JSON files and figures.

    Args:
        folder: Created if needed; files of the same names are replaced (a script that measures in parts may write
            its record after each part, so that a run stopped early keeps what it measured).
        rows: The measurements, dicts or dataclass instances, one per item measured; ``runs.csv`` has a column per
            field (in the order first seen), ``None`` as an empty cell, lists and dicts as JSON.
        command: The exact command line (several lines if it took several); see :func:`command_line`.
        caption: What was measured and how, above the table.
        columns: The columns of the table of ``rows`` (default: every field).
        table: A markdown table to show instead of that of ``rows`` (e.g. a summary of them, made by
            :func:`markdown_table`).
        notes: Text below the table.
        revision: The commit the measurements ran on (default: :func:`source_revision` now).
        data: Further files, ``{"name.json": object}``, written as indented JSON.
        figures: Plots, ``{"name.png": figure}`` (``.png``, ``.svg`` or ``.pdf``), saved by ``figure.savefig``.

    Returns:
        The paths written: runs, table, command, commit, then the JSON files and figures in the order given.

    Raises:
        InvalidArgumentError: No rows, an empty command, or a file name that is not a plain name of the kind
            expected (or is one of the record's own files).
    """
    records = [_as_dict(row) for row in rows]
    if not records:
        raise InvalidArgumentError("no measurements to record")
    if not command.strip():
        raise InvalidArgumentError("command must be the command line that measured the rows, got an empty one")
    data, figures = dict(data or {}), dict(figures or {})
    for name in data:
        _check_name(name, (".json",), what="data")
    for name in figures:
        _check_name(name, _FIGURE_SUFFIXES, what="figures")
    # First: a record whose table cannot be made is not written.
    body = table if table is not None else markdown_table(records, columns)
    text = "\n\n".join(part.strip("\n") for part in (caption, body, notes) if part.strip()) + "\n"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write_rows(folder / RUNS, records)]
    for name, content in ((TABLE, text), (COMMAND, command.strip() + "\n"),
                          (COMMIT, (revision or source_revision()).strip() + "\n")):
        (folder / name).write_text(content)
        written.append(folder / name)
    for name, value in data.items():
        (folder / name).write_text(json.dumps(value, indent=2) + "\n")
        written.append(folder / name)
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=120, bbox_inches="tight")
        written.append(folder / name)
    return written


def command_line(script: str | Path, argv: Sequence[str] | None = None) -> str:
    """The command line that runs ``script`` with ``argv`` (default: this process's arguments), as a shell would
    take it: ``python scripts/x.py --seeds 3``; the script's path relative to the current folder when inside it."""
    path = Path(script)
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(script)
    return shlex.join(["python", shown, *(sys.argv[1:] if argv is None else argv)])


def missing_parts(folder: str | Path) -> list[str]:
    """What the record in ``folder`` lacks of the parts every record holds, by name: ``command.txt``, ``commit.txt``
    (each not empty), ``table`` (``table.md`` or another markdown file than ``README.md``) and ``data``
    (``runs.csv`` or another CSV or JSON file). ``[]`` for a complete record.

    A folder that holds records (sub-folders, and no file of its own but a ``README.md``) lacks what its records
    lack, each part named after its sub-folder: ``mapped/commit.txt``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidArgumentError(f"no record folder {folder}")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir())
    if subfolders and [p.name for p in files] in ([], ["README.md"]):
        return [f"{sub.name}/{part}" for sub in subfolders for part in missing_parts(sub)]
    missing = [name for name in (COMMAND, COMMIT)
               if not (folder / name).is_file() or not (folder / name).read_text().strip()]
    if not any(p.suffix == ".md" and p.name != "README.md" for p in files):
        missing.append("table")
    if not any(p.name.endswith(_DATA_SUFFIXES) for p in files):
        missing.append("data")
    return missing


# ------------------------------------------------------------------------------------------------------ helpers
def _as_dict(row: Mapping[str, Any] | Any) -> dict[str, Any]:
    if isinstance(row, Mapping):
        return dict(row)
    if is_dataclass(row) and not isinstance(row, type):
        return {f.name: getattr(row, f.name) for f in fields(row)}
    raise InvalidArgumentError(f"a row must be a dict or a dataclass instance, got {type(row).__name__}")


def _keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _write_rows(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=_keys(rows), restval="")
        writer.writeheader()
        writer.writerows({key: _csv_cell(value) for key, value in row.items()} for row in rows)
    return path


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    return value


def _check_name(name: str, suffixes: tuple[str, ...], *, what: str) -> None:
    if Path(name).name != name or not name.endswith(suffixes) or name in (RUNS, TABLE, COMMAND, COMMIT):
        raise InvalidArgumentError(
            f"{what} names a file of the record: a plain name ending in {', '.join(suffixes)}, got {name!r}")
