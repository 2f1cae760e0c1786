from __future__ import annotations

import pytest

from latentnas.benchmarks.nasbench201 import NasBench201Benchmark
from latentnas.errors import InvalidArchitectureError, UnknownNameError
from latentnas.records import Evaluation
from latentnas.spaces.nasbench201 import Cell201, NasBench201Space
from latentnas.testing.benchmarks import BenchmarkContract

ROW1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
ROW55 = "|skip_connect~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|none~2|"
ROW14483 = "|skip_connect~0|+|avg_pool_3x3~0|none~1|+|none~0|skip_connect~1|none~2|"


@pytest.fixture(scope="module")
def bench() -> NasBench201Benchmark:
    return NasBench201Benchmark()


def test_names(bench: NasBench201Benchmark) -> None:
    assert (bench.name, bench.space_name) == ("nasbench201", "nasbench201")
    assert bench.datasets == ("cifar10", "cifar100", "imagenet16-120")
    assert bench.fidelities == ("12ep",)
    assert isinstance(bench.space("cifar100"), NasBench201Space)


@pytest.mark.parametrize(
    ("dataset", "fidelity", "expected"),
    [
        ("cifar10", None, Evaluation(90.7693, 93.66, 2169.64, {"params": 0.802426})),
        ("cifar100", None, Evaluation(70.06, 70.2933, 4339.28, {"params": 0.802426})),
        ("imagenet16-120", None, Evaluation(44.2611, 44.0333, 13165.38, {"params": 0.802426})),
        ("cifar10", "12ep", Evaluation(82.834, 88.22, 2169.64 * (12 / 200), {"params": 0.802426})),
        ("cifar100", "12ep", Evaluation(57.8, 58.26, 4339.28 * (12 / 200), {"params": 0.802426})),
        ("imagenet16-120", "12ep", Evaluation(35.4333, 33.8, 13165.38 * (12 / 200), {"params": 0.802426})),
    ],
)
def test_real_row(bench: NasBench201Benchmark, dataset: str, fidelity: str | None, expected: Evaluation) -> None:
    arch = bench.space(dataset).from_string(ROW1)
    assert bench.query(arch, dataset, fidelity=fidelity) == expected


def test_one_row_per_canonical_class(bench: NasBench201Benchmark) -> None:
    for dataset in bench.datasets:
        for fidelity in (None, "12ep"):
            assert len(bench.records(dataset, fidelity)) == 6_466
    assert bench.records("cifar10") is bench.records("cifar10")


def test_isomorphic_encodings_read_the_lowest_index_row(bench: NasBench201Benchmark) -> None:
    space = bench.space("cifar10")
    # Row 14483 itself records 84.2267 / 86.3667; its class's lowest index, 55, records these.
    expected = Evaluation(84.1147, 86.7567, 797.57, {"params": 0.073306})
    assert bench.query(space.from_string(ROW14483), "cifar10") == expected
    assert bench.query(space.from_string(ROW55), "cifar10") == expected


def test_published_optimum(bench: NasBench201Benchmark) -> None:
    best = bench.stats("cifar10").best
    assert (best.valid, best.test) == (91.6067, 94.3733)
    assert bench.stats("cifar100").best_test == 73.5133
    assert bench.stats("imagenet16-120").best_test == 47.3111


def test_unknown_names_list_the_choices(bench: NasBench201Benchmark) -> None:
    with pytest.raises(
        UnknownNameError, match="unknown dataset 'ImageNet'.*choices: cifar10, cifar100, imagenet16-120"
    ):
        bench.records("ImageNet")
    with pytest.raises(UnknownNameError, match="unknown fidelity '50ep'.*choices: 12ep"):
        bench.records("cifar10", "50ep")
    with pytest.raises(UnknownNameError, match="unknown dataset 'mnist'"):
        bench.space("mnist")
    with pytest.raises(InvalidArchitectureError, match="unknown op"):
        bench.query(Cell201(("conv",) * 6), "cifar10")


class TestNasBench201BenchmarkContract(BenchmarkContract):
    @pytest.fixture
    def benchmark(self, bench: NasBench201Benchmark) -> NasBench201Benchmark:
        return bench

    @pytest.fixture(params=NasBench201Benchmark.datasets)
    def dataset(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)
