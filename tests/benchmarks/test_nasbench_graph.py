from __future__ import annotations

import pytest

from latentnas.benchmarks.nasbench_graph import NasBenchGraphBenchmark
from latentnas.errors import InvalidArchitectureError, UnknownNameError
from latentnas.records import Evaluation
from latentnas.spaces.nasbench_graph import OPS, PROTEINS_OPS, GraphArch
from latentnas.testing.benchmarks import BenchmarkContract

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")


@pytest.fixture(scope="module")
def bench() -> NasBenchGraphBenchmark:
    return NasBenchGraphBenchmark()


def test_names(bench: NasBenchGraphBenchmark) -> None:
    assert bench.name == bench.space_name == "nasbench-graph"
    assert bench.datasets == DATASETS
    assert bench.fidelities == ()


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_table_loads_in_percent(bench: NasBenchGraphBenchmark, dataset: str) -> None:
    records = bench.records(dataset)
    assert len(records) == (2_021 if dataset == "proteins" else 26_206)
    assert records is bench.records(dataset)
    assert all(0 <= e.valid <= 100 and e.test is not None and 0 <= e.test <= 100 for e in records.values())
    assert max(e.valid for e in records.values()) > 50
    assert all(e.cost_seconds is None and set(e.extras) == {"latency", "params"} for e in records.values())


@pytest.mark.parametrize(
    ("arch", "dataset", "expected"),
    [
        (
            GraphArch((0, 0, 0, 0), ("gat",) * 4),
            "cora",
            Evaluation(77.33333333333334, 79.7, None, {"latency": 0.005922238032023112, "params": 1.736711}),
        ),
        (
            GraphArch((0, 1, 2, 3), ("graph", "graph", "gat", "sage")),
            "cora",
            Evaluation(71.46666666666667, 63.6, None, {"latency": 0.004097461700439453, "params": 1.132551}),
        ),
        (
            GraphArch((0, 1, 2, 3), ("gcn",) * 4),
            "arxiv",
            Evaluation(73.1, 72.02641812233813, None, {"latency": 0.07599957784016927, "params": 0.088744}),
        ),
        (
            GraphArch((0, 0, 1, 2), ("gcn", "sage", "arma", "fc")),
            "proteins",
            Evaluation(82.76666666666665, 77.32411594453926, None, {"latency": 0.3504629135131836, "params": 0.62424}),
        ),
    ],
)
def test_rows(bench: NasBenchGraphBenchmark, arch: GraphArch, dataset: str, expected: Evaluation) -> None:
    assert bench.query(arch, dataset) == expected


def test_isomorphic_encodings_read_one_row(bench: NasBenchGraphBenchmark) -> None:
    a = GraphArch((0, 0, 1, 2), ("gcn", "gat", "sage", "gin"))
    b = GraphArch((0, 0, 1, 2), ("gat", "gcn", "gin", "sage"))
    assert bench.query(a, "citeseer") == bench.query(b, "citeseer")
    assert bench.query(a, "citeseer") != bench.query(a, "pubmed")


def test_stats(bench: NasBenchGraphBenchmark) -> None:
    stats = bench.stats("cora")
    assert len(stats) == 26_206
    assert stats.best == Evaluation(
        81.93333333333334, 82.63333333333334, None, {"latency": 0.003244797388712565, "params": 0.634631}
    )
    assert stats.best_test == 83.13333333333333
    assert bench.stats("proteins").best.valid == 85.33333333333334


def test_spaces(bench: NasBenchGraphBenchmark) -> None:
    assert bench.space("cora").ops == OPS
    assert bench.space("proteins").ops == PROTEINS_OPS
    assert bench.space("cora") is bench.space("arxiv")
    with pytest.raises(InvalidArchitectureError, match="unknown op0 'gat'.*choices: gcn, sage, arma, fc, skip"):
        bench.query(GraphArch((0, 0, 0, 0), ("gat",) * 4), "proteins")


def test_proteins_keys_are_the_space_keys(bench: NasBenchGraphBenchmark) -> None:
    space = bench.space("proteins")
    assert {space.canonical_key(arch) for arch in space.enumerate()} == set(bench.records("proteins"))


@pytest.mark.slow
def test_keys_are_the_space_keys(bench: NasBenchGraphBenchmark) -> None:
    space = bench.space("cora")
    assert {space.canonical_key(arch) for arch in space.enumerate()} == set(bench.records("cora"))


def test_unknown_names_list_choices(bench: NasBenchGraphBenchmark) -> None:
    with pytest.raises(UnknownNameError, match="unknown dataset 'Cora'.*choices: cora, citeseer, pubmed, cs, physics"):
        bench.records("Cora")
    with pytest.raises(UnknownNameError, match="unknown dataset 'mnist'"):
        bench.space("mnist")
    with pytest.raises(UnknownNameError, match="unknown fidelity '12ep'.*choices: none"):
        bench.records("cora", "12ep")


class TestNasBenchGraphBenchmarkContract(BenchmarkContract):
    @pytest.fixture
    def benchmark(self, bench: NasBenchGraphBenchmark) -> NasBenchGraphBenchmark:
        return bench

    # NOTE: one table of the nine-op space and the proteins table (five ops); every table's values are checked above.
    @pytest.fixture(params=["cora", "proteins"])
    def dataset(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)
