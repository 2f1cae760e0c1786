"""One search run as a record: the figures the reporting protocol needs, and the files that hold them.

A run is one sampler searching one dataset of a tabular benchmark with one seed, up to a budget of unique
architectures. ``runs.csv`` holds one :class:`RunRecord` per row; ``curves.csv`` (optionally gzipped) holds each
run's curve, one :class:`CurvePoint` per unique architecture evaluated.
"""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple, TextIO

import latentnas
from latentnas.errors import InvalidArgumentError

#: A run's identity within a comparison: dataset, sampler, seed.
RunKey = tuple[str, str, int]


class CurvePoint(NamedTuple):
    """The state of a run after its ``query``-th unique architecture.

    Attributes:
        query: Number of unique architectures evaluated so far (from 1).
        test_at_best_valid: Test accuracy of the best architecture by validation so far.
        valid_regret: Validation accuracy of the table's best minus that of the best architecture so far
            (both on the benchmark's main column, whatever column is searched).
        simulated_seconds: Training time the table records for the architectures so far, summed; ``None`` where
            the table records none.
    """

    query: int
    test_at_best_valid: float | None
    valid_regret: float
    simulated_seconds: float | None = None


@dataclass(frozen=True)
class RunRecord:
    """What one run found, in the units NAS papers report.

    Attributes:
        benchmark: Registered benchmark name.
        dataset: Dataset of the benchmark.
        fidelity: Column searched (``None``: the main column). Figures are judged on the main column.
        sampler: Registered sampler name.
        seed: The sampler's seed.
        budget: Unique architectures asked for.
        unique: Unique architectures evaluated in full (on the column searched; pruned ones apart), within the
            budget.
        trials: Optuna trials, duplicates and failures included.
        best_valid: Validation accuracy (searched column) of the best architecture found.
        test_at_best_valid: Test accuracy of that architecture (main column): the figure reported.
        found_top: Whether an architecture in the table's top fraction by validation was evaluated (on the main
            column, within the budget).
        queries_to_top: Unique architectures evaluated up to and including the first such one.
        seconds: Wall-clock seconds of the search.
        optimum_test: Test accuracy of the table's best architecture by validation.
        best_arch: The best architecture's string form (``None`` in records written before it was kept).
        valid_top_percent: Rank percentile of the best architecture among the whole table by validation:
            ``100 * rank / rows``, rank 1 being the table's best (so smaller is better).
        test_top_percent: The same by test accuracy.
        simulated_seconds: Training time the table records for what the run evaluated, summed: the ``unique``
            architectures, and the columns that pruned architectures were looked up in (``None`` where the table
            records none). With ``budget_seconds`` it may exceed it by the one evaluation that crossed it.
        pruned: Architectures the study's pruner stopped at a cheaper column (``None``: a run without a pruner).
        budget_seconds: The run's budget of simulated seconds (``None``: unique architectures only).
        seconds_to_top: Simulated seconds to reach the top fraction: what the run had paid (pruned architectures
            included) when the first full evaluation (main column) of an architecture in the table's top fraction by
            validation ended, an evaluation within the budget; ``None`` if the run did not reach it (or the table
            records no times). Reaching needs that full evaluation: a top architecture pruned at a cheap column was
            not found.
        curve: One point per unique architecture; not a column of ``runs.csv`` (see :func:`write_curves`).
    """

    benchmark: str
    dataset: str
    fidelity: str | None
    sampler: str
    seed: int
    budget: int
    unique: int
    trials: int
    best_valid: float
    test_at_best_valid: float | None
    found_top: bool
    queries_to_top: int | None
    seconds: float
    optimum_test: float | None
    best_arch: str | None = None
    valid_top_percent: float | None = None
    test_top_percent: float | None = None
    simulated_seconds: float | None = None
    pruned: int | None = None
    budget_seconds: float | None = None
    seconds_to_top: float | None = None
    curve: tuple[CurvePoint, ...] = ()

    @property
    def key(self) -> RunKey:
        return (self.dataset, self.sampler, self.seed)

    def to_row(self) -> dict[str, Any]:
        """The ``runs.csv`` row: every field but the curve, ``None`` as an empty cell."""
        return {name: _cell(getattr(self, name)) for name in RUN_FIELDS}

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> RunRecord:
        """Parses a ``runs.csv`` row; columns added after a file was written may be absent."""
        missing = [name for name in RUN_FIELDS[:14] if name not in row]
        if missing:
            raise InvalidArgumentError(f"a runs.csv row lacks the column(s) {', '.join(missing)}")
        get = lambda name: row.get(name) or None
        return cls(
            benchmark=row["benchmark"], dataset=row["dataset"], fidelity=get("fidelity"), sampler=row["sampler"],
            seed=int(row["seed"]), budget=int(row["budget"]), unique=int(row["unique"]), trials=int(row["trials"]),
            best_valid=float(row["best_valid"]), test_at_best_valid=_float(get("test_at_best_valid")),
            found_top=_bool(row["found_top"]), queries_to_top=_int(get("queries_to_top")),
            seconds=float(row["seconds"]), optimum_test=_float(get("optimum_test")), best_arch=get("best_arch"),
            valid_top_percent=_float(get("valid_top_percent")), test_top_percent=_float(get("test_top_percent")),
            simulated_seconds=_float(get("simulated_seconds")), pruned=_int(get("pruned")),
            budget_seconds=_float(get("budget_seconds")), seconds_to_top=_float(get("seconds_to_top")),
        )


#: The columns of ``runs.csv``, in order (the first 14 are those of the earliest records).
RUN_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RunRecord) if f.name != "curve")
CURVE_FIELDS: tuple[str, ...] = ("dataset", "sampler", "seed", *CurvePoint._fields)


def source_revision() -> str:
    """The git commit of the checkout latentnas is imported from (marked if it has uncommitted changes), or the
    installed package's version outside a checkout."""
    root = Path(latentnas.__file__).resolve().parent.parent
    try:
        commit = _git(root, "rev-parse", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no", "--", "latentnas", "encoders")
    except (OSError, subprocess.SubprocessError):
        return f"latentnas {latentnas.__version__} (not a git checkout)"
    return f"{commit} (with uncommitted changes to latentnas/ or encoders/)" if dirty else commit


def _git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=30)
    return out.stdout.strip()


def write_runs(path: str | Path, records: Iterable[RunRecord]) -> Path:
    """Writes ``records`` to ``path`` as CSV (``RUN_FIELDS`` columns); returns the path."""
    path = Path(path)
    with _open(path, "w") as handle:
        writer = csv.DictWriter(handle, fieldnames=RUN_FIELDS)
        writer.writeheader()
        writer.writerows(r.to_row() for r in records)
    return path


def read_runs(*paths: str | Path, curves: Sequence[str | Path] = ()) -> list[RunRecord]:
    """Reads one or more ``runs.csv`` files, in order; each of ``curves`` attaches its runs' curves.

    Raises:
        InvalidArgumentError: A file is missing or malformed, or two files hold the same run.
    """
    records: list[RunRecord] = []
    seen: dict[RunKey, Path] = {}
    for path in map(Path, paths):
        with _open(path, "r") as handle:
            for row in csv.DictReader(handle):
                record = RunRecord.from_row(row)
                if record.key in seen:
                    raise InvalidArgumentError(
                        f"run {record.key} is in both {seen[record.key]} and {path}; combine runs of distinct seeds"
                    )
                seen[record.key] = path
                records.append(record)
    points: dict[RunKey, tuple[CurvePoint, ...]] = {}
    for curve_path in curves:
        points.update(read_curves(curve_path))
    return [replace(r, curve=points[r.key]) if r.key in points else r for r in records]


#: Decimals a curve's validation regret keeps in ``curves.csv``: a value read back from it is within half a unit of
#: the last of them (see :func:`latentnas.evaluation.budgets.ranks_at`).
REGRET_DECIMALS = 4


def write_curves(path: str | Path, records: Iterable[RunRecord]) -> Path:
    """Writes every record's curve to ``path`` (gzipped when it ends in ``.gz``); returns the path."""
    path = Path(path)
    with _open(path, "w") as handle:
        writer = csv.writer(handle)
        writer.writerow(CURVE_FIELDS)
        for r in records:
            for p in r.curve:
                # NOTE: rounded (runs.csv keeps exact figures): curves are for plots, and a hundred times longer.
                writer.writerow([r.dataset, r.sampler, r.seed, p.query, _rounded(p.test_at_best_valid, 4),
                                 f"{p.valid_regret:.{REGRET_DECIMALS}f}", _rounded(p.simulated_seconds, 2)])
    return path


def read_curves(path: str | Path) -> dict[RunKey, tuple[CurvePoint, ...]]:
    """The curves in ``path`` (as :func:`write_curves` writes them, or without ``simulated_seconds``)."""
    curves: dict[RunKey, list[CurvePoint]] = {}
    with _open(Path(path), "r") as handle:
        for row in csv.DictReader(handle):
            key = (row["dataset"], row["sampler"], int(row["seed"]))
            curves.setdefault(key, []).append(CurvePoint(
                int(row["query"]), _float(row["test_at_best_valid"] or None), float(row["valid_regret"]),
                _float(row.get("simulated_seconds") or None)))
    return {key: tuple(points) for key, points in curves.items()}


# ------------------------------------------------------------------------------------------------------ helpers
def _open(path: Path, mode: str) -> TextIO:
    if mode == "r" and not path.is_file():
        raise InvalidArgumentError(f"no such file: {path}")
    if path.suffix == ".gz":
        # NOTE: mtime 0 so that the same curves give the same bytes (records are committed).
        raw = gzip.GzipFile(path, mode + "b", mtime=0)
        return io.TextIOWrapper(raw, encoding="utf-8", newline="")
    return io.TextIOWrapper(path.open(mode + "b"), encoding="utf-8", newline="")


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _rounded(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _float(value: str | None) -> float | None:
    return None if value is None else float(value)


def _int(value: str | None) -> int | None:
    return None if value is None else int(float(value))


def _bool(value: str) -> bool:
    if value not in ("True", "False"):
        raise InvalidArgumentError(f"found_top must be True or False, got {value!r}")
    return value == "True"
