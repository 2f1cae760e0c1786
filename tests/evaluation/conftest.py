from __future__ import annotations

from latentnas.evaluation import CurvePoint, RunRecord


def record(sampler: str, seed: int, test: float, *, dataset: str = "cora", found_at: int | None = None,
           rank: float | None = None, seconds: float = 1.0, simulated: float | None = None,
           regrets: tuple[float, ...] = (), to_top: float | None = None, pruned: int | None = None,
           budget_seconds: float | None = None, unique: int = 100) -> RunRecord:
    """A hand-made run: only the figures a test looks at vary."""
    return RunRecord(
        benchmark="nasbench-graph", dataset=dataset, fidelity=None, sampler=sampler, seed=seed, budget=100,
        unique=unique, trials=104, best_valid=test + 1.0, test_at_best_valid=test, found_top=found_at is not None,
        queries_to_top=found_at, seconds=seconds, optimum_test=95.0, best_arch=None, valid_top_percent=rank,
        test_top_percent=None, simulated_seconds=simulated, seconds_to_top=to_top, pruned=pruned,
        budget_seconds=budget_seconds,
        curve=tuple(CurvePoint(i, test, r) for i, r in enumerate(regrets, start=1)),
    )
