"""Rank percentiles: where an architecture stands in a whole table, ``100 * rank / rows`` (rank 1 the table's best).

The protocol reports the rank of a run's best architecture beside its test accuracy: on some datasets (pubmed,
proteins) the top by validation tests below the rest of the top 1 %.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from latentnas.benchmarks import get_benchmark
from latentnas.evaluation.record import RunRecord


class TableRanks:
    """Rank percentiles within one table: ``100 * rank / rows``, rank 1 the best (ties share the better rank).

    Args:
        valid: Validation accuracy of every row.
        test: Test accuracy of every row that has one.
    """

    def __init__(self, valid: Iterable[float], test: Iterable[float]) -> None:
        self._valid = sorted(valid)
        self._test = sorted(test)

    def valid_top_percent(self, value: float) -> float:
        return _top_percent(self._valid, value)

    def test_top_percent(self, value: float | None) -> float | None:
        return None if value is None or not self._test else _top_percent(self._test, value)


#: Accuracies closer than this are ties: NAS-Bench-Graph's table holds means over seeds summed in different orders,
#: equal but in the 15th digit (its distinct accuracies lie 0.03 points apart or more, NB201's 0.0007).
TIE = 1e-9


def _top_percent(ascending: list[float], value: float) -> float:
    better = len(ascending) - bisect.bisect_right(ascending, value + TIE)
    return 100 * (better + 1) / len(ascending)


@lru_cache(maxsize=None)
def table_ranks(benchmark: str, dataset: str) -> TableRanks:
    """The :class:`TableRanks` of ``benchmark``'s main column on ``dataset`` (built once per process)."""
    rows = get_benchmark(benchmark).records(dataset).values()
    return TableRanks((e.valid for e in rows), (e.test for e in rows if e.test is not None))


def with_ranks(records: Iterable[RunRecord]) -> list[RunRecord]:
    """Fills in the rank percentiles of records written before they were kept.

    The best validation accuracy and the test accuracy at it are in every record, so the percentiles follow from
    the table. NOTE: for a run that searched another column (``fidelity``), ``best_valid`` is on that column and
    its rank cannot be read on the main column; such records are left as they are.
    """
    out = []
    for r in records:
        if r.fidelity is None and (r.valid_top_percent is None or r.test_top_percent is None):
            ranks = table_ranks(r.benchmark, r.dataset)
            r = replace(r, valid_top_percent=ranks.valid_top_percent(r.best_valid),
                        test_top_percent=ranks.test_top_percent(r.test_at_best_valid))
        out.append(r)
    return out
