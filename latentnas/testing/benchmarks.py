"""The contract every :class:`~latentnas.benchmarks.TabularBenchmark` passes, as a pytest base class.

A test module subclasses :class:`BenchmarkContract` and provides the ``benchmark`` fixture and the ``dataset`` it is
checked on (parametrize it to check several)::

    class TestMyBenchmark(BenchmarkContract):
        @pytest.fixture(scope="class")
        def benchmark(self) -> MyBenchmark:
            return MyBenchmark()

        @pytest.fixture(params=["cifar10"])
        def dataset(self, request: pytest.FixtureRequest) -> str:
            return request.param
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from typing import Any

import pytest

from latentnas.benchmarks import Evaluation, TabularBenchmark
from latentnas.errors import UnknownNameError


class BenchmarkContract:
    """Subclass with ``benchmark`` and ``dataset`` fixtures.

    Attributes:
        n_samples: Architectures sampled by the lookup tests.
    """

    n_samples = 30

    @pytest.fixture
    def benchmark(self) -> TabularBenchmark:
        raise NotImplementedError("a BenchmarkContract subclass provides the 'benchmark' fixture")

    @pytest.fixture
    def dataset(self) -> str:
        raise NotImplementedError("a BenchmarkContract subclass provides the 'dataset' fixture")

    def samples(self, benchmark: TabularBenchmark, dataset: str) -> list[Any]:
        space = benchmark.space(dataset)
        rng = random.Random(0)
        return [space.sample(rng) for _ in range(self.n_samples)]

    # ----------------------------------------------------------------------------------------------- names
    def test_names(self, benchmark: TabularBenchmark, dataset: str) -> None:
        assert isinstance(benchmark.name, str) and benchmark.name
        assert dataset in benchmark.datasets
        assert len(set(benchmark.datasets)) == len(benchmark.datasets)
        assert len(set(benchmark.fidelities)) == len(benchmark.fidelities)
        assert all(isinstance(f, str) for f in benchmark.fidelities)
        assert benchmark.space(dataset).name == benchmark.space_name

    def test_unknown_names_list_the_choices(self, benchmark: TabularBenchmark, dataset: str) -> None:
        datasets = re.escape(", ".join(benchmark.datasets))
        for call in (lambda: benchmark.records("no-such-dataset"), lambda: benchmark.space("no-such-dataset"),
                     lambda: benchmark.stats("no-such-dataset")):
            with pytest.raises(UnknownNameError, match=f"unknown dataset 'no-such-dataset'.*choices: {datasets}"):
                call()
        with pytest.raises(UnknownNameError, match="unknown fidelity 'no-such-fidelity'.*choices: "):
            benchmark.records(dataset, "no-such-fidelity")
        arch = benchmark.space(dataset).sample(0)
        with pytest.raises(UnknownNameError, match="unknown fidelity 'no-such-fidelity'"):
            benchmark.query(arch, dataset, fidelity="no-such-fidelity")

    # ----------------------------------------------------------------------------------------------- records
    def test_records_are_loaded_once(self, benchmark: TabularBenchmark, dataset: str) -> None:
        records = benchmark.records(dataset)
        assert isinstance(records, Mapping) and len(records) > 0
        assert benchmark.records(dataset) is records
        for fidelity in benchmark.fidelities:
            assert benchmark.records(dataset, fidelity) is benchmark.records(dataset, fidelity)

    def test_values_are_percentages_and_costs(self, benchmark: TabularBenchmark, dataset: str) -> None:
        for fidelity in (None, *benchmark.fidelities):
            for evaluation in benchmark.records(dataset, fidelity).values():
                assert isinstance(evaluation, Evaluation)
                assert 0.0 <= evaluation.valid <= 100.0
                assert evaluation.test is None or 0.0 <= evaluation.test <= 100.0
                assert evaluation.cost_seconds is None or evaluation.cost_seconds >= 0.0
                assert all(isinstance(v, float) and math.isfinite(v) for v in evaluation.extras.values())

    def test_every_fidelity_covers_the_same_architectures(self, benchmark: TabularBenchmark, dataset: str) -> None:
        keys = set(benchmark.records(dataset))
        for fidelity in benchmark.fidelities:
            assert set(benchmark.records(dataset, fidelity)) == keys

    # ----------------------------------------------------------------------------------------------- lookups
    def test_query_reads_the_row_of_the_canonical_key(self, benchmark: TabularBenchmark, dataset: str) -> None:
        space = benchmark.space(dataset)
        for fidelity in (None, *benchmark.fidelities):
            records = benchmark.records(dataset, fidelity)
            for arch in self.samples(benchmark, dataset):
                evaluation = benchmark.query(arch, dataset, fidelity=fidelity)
                assert evaluation == records[space.canonical_key(arch)]
                assert benchmark.query(space.canonicalize(arch), dataset, fidelity=fidelity) == evaluation

    def test_stats_come_from_the_table(self, benchmark: TabularBenchmark, dataset: str) -> None:
        records = benchmark.records(dataset)
        stats = benchmark.stats(dataset)
        valid = [e.valid for e in records.values()]
        tests = [e.test for e in records.values() if e.test is not None]
        assert len(stats) == len(records)
        assert stats.best.valid == max(valid) and stats.best in records.values()
        assert stats.top_threshold(1.0) == min(valid)
        assert stats.top_threshold(0.5 / len(records)) == max(valid)  # the top row alone
        if tests:
            assert stats.best_test == max(tests)

    @pytest.mark.slow
    def test_every_canonical_class_has_a_row(self, benchmark: TabularBenchmark, dataset: str) -> None:
        space = benchmark.space(dataset)
        if not space.is_finite:
            pytest.skip(f"space '{space.name}' cannot be enumerated")
        assert {space.canonical_key(arch) for arch in space.enumerate()} == set(benchmark.records(dataset))
