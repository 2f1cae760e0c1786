"""The TabularBenchmark base class, Evaluation and TableStats, on a tiny real table over the tiny space of the VAE
tests (one row per canonical class); the tiny table also passes the benchmark contract."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pytest

from latentnas.benchmarks import Evaluation, TableStats, TabularBenchmark, get_benchmark
from latentnas.errors import InvalidArchitectureError, UnknownNameError
from latentnas.testing.benchmarks import BenchmarkContract
from tests.vae.tiny_space import TinySpace


class TinyBenchmark(TabularBenchmark):
    """One row per canonical class of :class:`TinySpace`, in enumeration order: row ``i`` has validation accuracy
    ``i`` (``"short"``: ``i / 2``) on ``"up"`` and ``100 - i`` on ``"down"``, test accuracy one point lower, and cost
    ``i`` seconds. ``missing`` leaves out the rows of those canonical keys."""

    name = "tiny"
    space_name = "tiny"
    datasets = ("up", "down")
    fidelities = ("short",)

    def __init__(self, *, missing: tuple[str, ...] = ()) -> None:
        self._space = TinySpace()
        self._missing = missing
        self._records: dict[tuple[str, str | None], Mapping[str, Evaluation]] = {}

    def space(self, dataset: str) -> TinySpace:
        self.check_dataset(dataset)
        return self._space

    def records(self, dataset: str, fidelity: str | None = None) -> Mapping[str, Evaluation]:
        cache_key = (self.check_dataset(dataset), self.check_fidelity(fidelity))
        if cache_key not in self._records:
            keys = dict.fromkeys(self._space.canonical_key(arch) for arch in self._space.enumerate())
            rows = {}
            for i, key in enumerate(k for k in keys if k not in self._missing):
                valid = float(i if dataset == "up" else 100 - i) / (2 if fidelity else 1)
                rows[key] = Evaluation(valid, valid - 1 if valid >= 1 else None, float(i), {"params": float(i)})
            self._records[cache_key] = MappingProxyType(rows)
        return self._records[cache_key]


class TestTinyBenchmarkContract(BenchmarkContract):
    @pytest.fixture
    def benchmark(self) -> TinyBenchmark:
        return TinyBenchmark()

    @pytest.fixture(params=TinyBenchmark.datasets)
    def dataset(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)


def test_query_reads_any_encoding_of_a_class() -> None:
    bench = TinyBenchmark()
    space = bench.space("up")
    a, b = space.from_string("ab:110011"), space.from_string("ba:110011")  # nodes 1 and 2 swapped
    assert space.canonical_key(a) == space.canonical_key(b)
    assert bench.query(a, "up") == bench.query(b, "up") == bench.records("up")[space.canonical_key(a)]
    assert bench.query(a, "up", fidelity="short").valid == bench.query(a, "up").valid / 2


def test_query_refuses_invalid_architectures_and_missing_rows() -> None:
    space = TinySpace()
    arch = space.from_string("ab:110011")
    bench = TinyBenchmark(missing=(space.canonical_key(arch),))
    with pytest.raises(UnknownNameError, match=r"^architecture ab:110011 has no row in benchmark 'tiny' \(down\)$"):
        bench.query(arch, "down")
    with pytest.raises(InvalidArchitectureError, match="node 3 has no predecessor"):
        bench.query((("a", "b"), (1, 1, 0, 0, 0, 0)), "up")


def test_check_names_list_the_choices() -> None:
    bench = TinyBenchmark()
    assert bench.check_dataset("down") == "down"
    assert bench.check_fidelity(None) is None and bench.check_fidelity("short") == "short"
    with pytest.raises(UnknownNameError, match="^unknown dataset 'left' for benchmark 'tiny'; choices: up, down$"):
        bench.check_dataset("left")
    with pytest.raises(UnknownNameError, match="^unknown fidelity '12ep' for benchmark 'tiny'; choices: short$"):
        bench.check_fidelity("12ep")


def test_evaluation_user_attrs_hold_the_known_figures() -> None:
    assert Evaluation(91.5).user_attrs() == {"valid": 91.5}
    full = Evaluation(91.5, 90.0, 12.0, {"params": 1.5, "latency": 0.2})
    assert full.user_attrs() == {"valid": 91.5, "test": 90.0, "cost_seconds": 12.0, "params": 1.5, "latency": 0.2}


def test_table_stats() -> None:
    records = {"a": Evaluation(70.0, 75.0), "b": Evaluation(90.0, 80.0), "c": Evaluation(80.0, 85.0),
               "d": Evaluation(60.0)}
    stats = TableStats(records)
    assert len(stats) == 4
    assert stats.sorted_valid == [90.0, 80.0, 70.0, 60.0]
    assert stats.best == Evaluation(90.0, 80.0)  # by validation: a perfect search reports test 80
    assert stats.best_test == 85.0  # the oracle that peeks at test data
    assert [stats.top_threshold(f) for f in (0.01, 0.25, 0.5, 0.51, 1.0)] == [90.0, 90.0, 80.0, 70.0, 60.0]
    for fraction in (0.0, 1.5):
        with pytest.raises(ValueError, match=rf"^fraction must be in \(0, 1\], got {fraction}$"):
            stats.top_threshold(fraction)


def test_get_benchmark_shares_one_instance_and_lists_choices() -> None:
    assert get_benchmark("nasbench201") is get_benchmark("nasbench201")
    with pytest.raises(UnknownNameError, match="^unknown benchmark 'nb201'; choices: nasbench-graph, nasbench201$"):
        get_benchmark("nb201")


def test_test_regret_is_measured_against_the_best_row_by_validation() -> None:
    stats = TableStats({"a": Evaluation(90.0, 88.5), "b": Evaluation(91.0, 87.0), "c": Evaluation(80.0, 89.0)})
    # Row "b" is the best by validation: a perfect search reports its test accuracy, 87.0 (not the table's 89.0).
    assert stats.test_regret(86.0) == 1.0
    assert stats.test_regret(89.0) == -2.0
    assert stats.test_regret(None) is None
    assert TableStats({"a": Evaluation(90.0)}).test_regret(86.0) is None
