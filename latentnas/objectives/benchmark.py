"""The tabular-benchmark objective: an evaluation is a table lookup."""

from __future__ import annotations

from typing import Any

from latentnas.benchmarks import Evaluation, TableStats, TabularBenchmark, get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.objectives.fidelities import MultiFidelityObjective, fidelity_name
from latentnas.objectives.registry import BuiltObjective, ObjectiveContext, check_metrics
from latentnas.pareto import METRICS

#: The benchmark a search looks architectures up in unless told otherwise.
DEFAULT_BENCHMARK = "nasbench201"


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


def build(context: ObjectiveContext, *, benchmark: str | None = None, dataset: str = "cifar10",
          fidelity: str | None = None) -> BuiltObjective:
    """The objective ``benchmark`` of :data:`~latentnas.objectives.registry.OBJECTIVES`: architectures looked up in a
    table; with a pruner, in every column of it, cheapest first (:class:`MultiFidelityObjective`).

    Args:
        context: The search's space (the benchmark's, or none), pruner and metrics (each one the table must record).
        benchmark: A registered benchmark (default: :data:`DEFAULT_BENCHMARK`).
        dataset: One of its datasets.
        fidelity: The column searched (default: the main one); without a pruner only.
    """
    name = benchmark or DEFAULT_BENCHMARK
    objective: BenchmarkObjective | MultiFidelityObjective
    if context.pruner != "none":  # several fidelities: cheap columns first, the pruner promotes
        if fidelity is not None:
            raise InvalidArgumentError("--fidelity applies only without --pruner (a pruner goes through every column of "
                                       "the table, cheapest first)")
        objective = MultiFidelityObjective(name, dataset)
        fidelity = "-".join(map(fidelity_name, objective.fidelities))
    else:
        objective = BenchmarkObjective(name, dataset, fidelity=fidelity)
    # A metric the table lacks is refused before anything is stored.
    recorded = next(iter(objective.benchmark.records(dataset).values())).user_attrs()
    check_metrics(context.metrics, [m for m in METRICS if m in recorded], owner=f"benchmark '{name}'",
                  where=f" for {dataset}")
    space = objective.space
    if context.space is not None and context.space not in (space.name, space.checkpoint_name):
        raise InvalidArgumentError(
            f"--space '{context.space}' does not match benchmark '{name}', whose space is '{space.name}'")
    return BuiltObjective(objective=objective, label=f"{name}-{dataset}" + (f"-{fidelity}" if fidelity else ""),
                          identity={"benchmark": name, "dataset": dataset, "fidelity": fidelity}, benchmark=name,
                          dataset=dataset)
