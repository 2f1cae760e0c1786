"""Tabular benchmarks, looked up by name: ``get_benchmark("nasbench201")``."""

from __future__ import annotations

from collections.abc import Callable

from latentnas.benchmarks.base import Evaluation, TableStats, TabularBenchmark
from latentnas.registry import Registry

BENCHMARKS: Registry[Callable[[], TabularBenchmark]] = Registry("benchmark")
_cache: dict[str, TabularBenchmark] = {}


def get_benchmark(name: str) -> TabularBenchmark:
    """The benchmark registered as ``name`` (one shared instance, so its tables load once)."""
    factory = BENCHMARKS.get(name)
    if name not in _cache:
        _cache[name] = factory()
    return _cache[name]


def _register_builtin() -> None:
    from latentnas.benchmarks.nasbench201 import NasBench201Benchmark
    from latentnas.benchmarks.nasbench_graph import NasBenchGraphBenchmark

    BENCHMARKS.register("nasbench-graph", NasBenchGraphBenchmark)
    BENCHMARKS.register("nasbench201", NasBench201Benchmark)


_register_builtin()

__all__ = ["BENCHMARKS", "Evaluation", "TableStats", "TabularBenchmark", "get_benchmark"]
