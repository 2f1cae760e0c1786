"""The tabular-benchmark objective: an evaluation is a table lookup."""

from __future__ import annotations

from typing import Any

from latentnas.benchmarks import Evaluation, TableStats, TabularBenchmark, get_benchmark


class BenchmarkObjective:
    """Looks architectures up in a tabular benchmark.

    Args:
        benchmark: A benchmark or its registered name.
        dataset: One of the benchmark's datasets.
        fidelity: ``None`` for the benchmark's main column, or one of ``benchmark.fidelities`` (e.g. ``"12ep"``).
    """

    def __init__(self, benchmark: TabularBenchmark | str, dataset: str, *, fidelity: str | None = None) -> None:
        self.benchmark = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
        self.dataset = self.benchmark.check_dataset(dataset)
        self.fidelity = self.benchmark.check_fidelity(fidelity)
        self.space = self.benchmark.space(dataset)

    def __call__(self, arch: Any) -> Evaluation:
        return self.benchmark.query(arch, self.dataset, fidelity=self.fidelity)

    @property
    def stats(self) -> TableStats:
        """Optimum and top-fraction thresholds of the table (the main column, for regret)."""
        return self.benchmark.stats(self.dataset)

    def __repr__(self) -> str:
        fidelity = f", fidelity={self.fidelity!r}" if self.fidelity else ""
        return f"BenchmarkObjective({self.benchmark.name!r}, {self.dataset!r}{fidelity})"
