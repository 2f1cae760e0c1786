"""The NAS-Bench-Graph tabular benchmark (Qin et al., NeurIPS 2022 Datasets and Benchmarks), read from the
``nas_bench_graph`` package's own tables.

Each table maps ``Arch(link, ops).valid_hash()`` to ``valid_perf`` (validation accuracy), ``perf`` (test accuracy),
``latency`` and ``para`` (parameter count). The package stores accuracies as fractions; they are given here in
percent. The tables record no training time, so evaluations carry no cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nas_bench_graph import light_read

from latentnas.benchmarks.base import TabularBenchmark
from latentnas.records import Evaluation
from latentnas.spaces.nasbench_graph import OPS, PROTEINS_OPS, NasBenchGraphSpace

#: The datasets the package has a table for, as ``light_read`` names them.
DATASETS: tuple[str, ...] = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")

#: Datasets whose table covers a restricted op vocabulary.
_VOCABULARIES: Mapping[str, tuple[str, ...]] = {"proteins": PROTEINS_OPS}


class NasBenchGraphBenchmark(TabularBenchmark):
    """NAS-Bench-Graph: every canonical architecture of :class:`NasBenchGraphSpace` on nine node-classification
    datasets (26,206 rows each; 2,021 on ``proteins``, searched with five ops).

    Rows are keyed by :meth:`NasBenchGraphSpace.canonical_key`, the package's ``valid_hash``; tables load on first
    use and are cached on the instance.
    """

    name = "nasbench-graph"
    space_name = "nasbench-graph"
    datasets = DATASETS

    def __init__(self) -> None:
        self._records: dict[str, Mapping[str, Evaluation]] = {}
        self._spaces: dict[tuple[str, ...], NasBenchGraphSpace] = {}

    def space(self, dataset: str) -> NasBenchGraphSpace:
        """The space searched on ``dataset``: all nine ops, or the five ops of ``proteins``."""
        ops = _VOCABULARIES.get(self.check_dataset(dataset), OPS)
        if ops not in self._spaces:
            self._spaces[ops] = NasBenchGraphSpace(ops=ops)
        return self._spaces[ops]

    def records(self, dataset: str, fidelity: str | None = None) -> Mapping[str, Evaluation]:
        """Every row of ``dataset``'s table, keyed by canonical key (read-only; loaded once, then cached)."""
        self.check_dataset(dataset)
        self.check_fidelity(fidelity)
        if dataset not in self._records:
            self._records[dataset] = MappingProxyType(_load(dataset))
        return self._records[dataset]


def _load(dataset: str) -> dict[str, Evaluation]:
    table = light_read(dataset)
    # NOTE: the unit is decided per table, not per value: a fraction table has every accuracy in [0, 1], while
    # reading one value alone cannot tell 0.9 (a fraction) from 0.9 % in a table already in percent.
    is_fraction = all(0.0 <= row[field] <= 1.0 for row in table.values() for field in ("valid_perf", "perf"))
    scale = 100.0 if is_fraction else 1.0
    return {
        str(key): Evaluation(
            valid=float(row["valid_perf"]) * scale,
            test=float(row["perf"]) * scale,
            cost_seconds=None,
            extras={"latency": float(row["latency"]), "params": float(row["para"])},
        )
        for key, row in table.items()
    }
