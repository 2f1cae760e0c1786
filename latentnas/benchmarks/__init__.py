"""Tabular benchmarks, looked up by name: ``get_benchmark("nasbench201")``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from latentnas.benchmarks.base import TableStats, TabularBenchmark
from latentnas.records import Evaluation
from latentnas.registry import Registry

BENCHMARKS: Registry[Callable[[], TabularBenchmark]] = Registry("benchmark")
_cache: dict[str, TabularBenchmark] = {}


def get_benchmark(name: str) -> TabularBenchmark:
    """The benchmark registered as ``name`` (one shared instance, so its tables load once)."""
    factory = BENCHMARKS.get(name)
    if name not in _cache:
        _cache[name] = factory()
    return _cache[name]


def _lazy(module: str, cls: str) -> Callable[[], TabularBenchmark]:
    # Imported on first use: a benchmark module may import heavy table readers.
    def factory() -> TabularBenchmark:
        bench_cls: Callable[[], TabularBenchmark] = getattr(importlib.import_module(module), cls)
        return bench_cls()

    factory.__name__ = cls
    return factory


BENCHMARKS.register("nasbench-graph", _lazy("latentnas.benchmarks.nasbench_graph", "NasBenchGraphBenchmark"))
BENCHMARKS.register("nasbench201", _lazy("latentnas.benchmarks.nasbench201", "NasBench201Benchmark"))

__all__ = ["BENCHMARKS", "Evaluation", "TableStats", "TabularBenchmark", "get_benchmark"]
