"""The tabular-benchmark objective: a table lookup that passes the objective contract."""

from __future__ import annotations

import pytest

from latentnas.benchmarks import get_benchmark
from latentnas.errors import UnknownNameError
from latentnas.objectives import BenchmarkObjective
from latentnas.testing.objectives import ObjectiveContract

ROW1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


class TestBenchmarkObjectiveContract(ObjectiveContract):
    @pytest.fixture(params=[("nasbench201", "cifar10", None), ("nasbench201", "cifar100", "12ep"),
                            ("nasbench-graph", "proteins", None)], ids=["nb201", "nb201-12ep", "nbg-proteins"])
    def objective(self, request: pytest.FixtureRequest) -> BenchmarkObjective:
        benchmark, dataset, fidelity = request.param
        return BenchmarkObjective(benchmark, dataset, fidelity=fidelity)


def test_reads_the_table_of_its_dataset_and_fidelity() -> None:
    full = BenchmarkObjective("nasbench201", "cifar10")
    short = BenchmarkObjective(get_benchmark("nasbench201"), "cifar10", fidelity="12ep")
    arch = full.space.from_string(ROW1)
    assert (full(arch).valid, short(arch).valid) == (90.7693, 82.834)
    assert full.space is get_benchmark("nasbench201").space("cifar10")
    assert full.stats.best.valid == 91.6067
    assert repr(short) == "BenchmarkObjective('nasbench201', 'cifar10', fidelity='12ep')"


def test_searches_the_datasets_own_space() -> None:
    objective = BenchmarkObjective("nasbench-graph", "proteins")
    assert objective.space.ops == ("gcn", "sage", "arma", "fc", "skip")
    assert repr(objective) == "BenchmarkObjective('nasbench-graph', 'proteins')"


def test_unknown_dataset_and_fidelity_are_refused_at_construction() -> None:
    with pytest.raises(UnknownNameError, match="unknown dataset 'mnist' for benchmark 'nasbench201'"):
        BenchmarkObjective("nasbench201", "mnist")
    with pytest.raises(UnknownNameError, match="unknown fidelity '50ep' for benchmark 'nasbench201'; choices: 12ep"):
        BenchmarkObjective("nasbench201", "cifar10", fidelity="50ep")
    with pytest.raises(UnknownNameError, match="unknown benchmark 'nb201'"):
        BenchmarkObjective("nb201", "cifar10")
