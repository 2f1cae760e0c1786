"""NAS-Bench-201 as a tabular benchmark, read from the table vendored with the package.

The table (``benchmarks/data/nb201.csv.gz``, provenance in ``NB201_PROVENANCE.md``) holds one row per NB201 index,
15,625 rows, 6,466 canonical classes, on CIFAR-10, CIFAR-100 and ImageNet16-120, at 200 and 12 training epochs.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Mapping
from types import MappingProxyType

from latentnas.benchmarks.base import TabularBenchmark
from latentnas.records import Evaluation
from latentnas.spaces.nasbench201 import DATA_FILE, NasBench201Space

#: Column prefix of each dataset in the table.
_PREFIX = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet16"}
_FULL_EPOCHS = 200
_SHORT_EPOCHS = 12


class NasBench201Benchmark(TabularBenchmark):
    """The NAS-Bench-201 table: 200-epoch figures by default, 12-epoch figures with ``fidelity="12ep"``.

    Columns per dataset (``Evaluation.valid`` / ``test`` / ``cost_seconds``; ``extras["params"]`` is the CIFAR-10
    network's size in millions of parameters for every dataset):

    - ``cifar10``: ``cifar10_valid`` (x-valid, model trained on the 25k train half) / ``cifar10_test`` (ori-test,
      model trained on train+valid) / ``cifar10_train_time_s``.
    - ``cifar100``, ``imagenet16-120``: ``*_valtest`` / ``*_test`` / ``*_train_time_s``. The table has no 200-epoch
      x-valid figure for these, so ``valid`` is the accuracy on the whole original test set ('valtest' = x-valid +
      x-test), which shares half of its images with ``test`` (x-test). Say so wherever a figure searched on it is
      reported, or search on ``fidelity="12ep"`` whose ``valid`` is x-valid only.
    - ``"12ep"``: ``*_valid_12ep`` / ``*_test_12ep`` / ``*_train_time_s * 12 / 200``.

    NOTE: the table's rows are separate training runs, one per encoding, and rows of one canonical class do not
    agree: 1,350 classes have several rows, and in 1,282 of them ``cifar10_valid`` differs (by up to 21.7 points;
    ``params_m`` differs in 568, because ops on dead edges still hold weights). :meth:`records` keeps the row with
    the lowest NB201 index of each class, the encoding :meth:`NasBench201Space.canonicalize` returns.
    """

    name = "nasbench201"
    space_name = "nasbench201"
    datasets = tuple(_PREFIX)
    fidelities = ("12ep",)
    fidelity_epochs = MappingProxyType({"12ep": _SHORT_EPOCHS, None: _FULL_EPOCHS})

    def __init__(self) -> None:
        self._space = NasBench201Space()
        self._rows: list[dict[str, str]] | None = None
        self._records: dict[tuple[str, str | None], Mapping[str, Evaluation]] = {}

    def space(self, dataset: str) -> NasBench201Space:
        """The space searched on ``dataset`` (the same full NB201 space for every dataset)."""
        self.check_dataset(dataset)
        return self._space

    def records(self, dataset: str, fidelity: str | None = None) -> Mapping[str, Evaluation]:
        """One evaluation per canonical class (6,466), keyed by :meth:`NasBench201Space.canonical_key`.

        Args:
            dataset: One of :attr:`datasets`.
            fidelity: ``None`` for the 200-epoch figures, ``"12ep"`` for the 12-epoch ones.

        Returns:
            A read-only mapping, built once per ``(dataset, fidelity)`` and then cached.
        """
        cache_key = (self.check_dataset(dataset), self.check_fidelity(fidelity))
        if cache_key not in self._records:
            self._records[cache_key] = MappingProxyType(self._build(dataset, fidelity))
        return self._records[cache_key]

    # ------------------------------------------------------------------------------------------- loading
    def _table(self) -> list[dict[str, str]]:
        """The table's rows in NB201 index order, read once."""
        if self._rows is None:
            with gzip.open(io.BytesIO(DATA_FILE.read_bytes()), "rt", newline="") as handle:
                self._rows = list(csv.DictReader(handle))
        return self._rows

    def _build(self, dataset: str, fidelity: str | None) -> dict[str, Evaluation]:
        prefix = _PREFIX[dataset]
        if fidelity == "12ep":
            valid_col, test_col, scale = f"{prefix}_valid_12ep", f"{prefix}_test_12ep", _SHORT_EPOCHS / _FULL_EPOCHS
        else:
            valid_col = "cifar10_valid" if dataset == "cifar10" else f"{prefix}_valtest"
            test_col, scale = f"{prefix}_test", 1.0
        records: dict[str, Evaluation] = {}
        for row in self._table():
            key = self._space.canonical_key(self._space.from_string(row["arch"]))
            if key in records:  # rows are in index order: the first row of a class has its lowest index
                continue
            records[key] = Evaluation(
                valid=float(row[valid_col]),
                test=float(row[test_col]),
                cost_seconds=float(row[f"{prefix}_train_time_s"]) * scale,
                extras={"params": float(row["params_m"])},
            )
        return records
