"""A comparison at a user's budget: ranks after 10, 20, 40 architectures and the queries to the top, from curves."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.budgets import budget_table, queries_to, ranks_at, summarize_budgets
from latentnas.evaluation.ranks import table_ranks
from latentnas.evaluation.record import CurvePoint, RunRecord, read_curves, write_curves

STATS = get_benchmark("nasbench201").stats("cifar10")
OPTIMUM = STATS.best.valid


def run(sampler: str, seed: int, regrets: list[float], queries_to_top: int | None = None) -> RunRecord:
    curve = tuple(CurvePoint(i, None, r) for i, r in enumerate(regrets, start=1))
    return RunRecord(benchmark="nasbench201", dataset="cifar10", fidelity=None, sampler=sampler, seed=seed,
                     budget=len(regrets), unique=len(regrets), trials=len(regrets), best_valid=OPTIMUM - regrets[-1],
                     test_at_best_valid=None, found_top=queries_to_top is not None, queries_to_top=queries_to_top,
                     seconds=0.0, optimum_test=None, curve=curve)


def test_the_rank_after_a_budget_is_that_of_the_best_so_far() -> None:
    regrets = [5.0] * 9 + [1.0] * 10 + [0.0]
    record = run("a", 0, regrets)
    ranks = table_ranks("nasbench201", "cifar10")
    at = ranks_at(record, (10, 20, 40))
    assert at == {10: ranks.valid_top_percent(OPTIMUM - 1.0), 20: ranks.valid_top_percent(OPTIMUM)}
    assert at[20] == pytest.approx(100 / 6466)  # the table's best: rank 1 of 6,466
    assert queries_to(record, "optimum") == 20.0 and queries_to(record, "top") == math.inf
    assert queries_to(run("b", 0, [0.0], queries_to_top=1), "top") == 1.0
    with pytest.raises(InvalidArgumentError, match="queries_to takes 'top' or 'optimum'"):
        queries_to(record, "best")


def test_medians_over_seeds_count_a_miss_as_never() -> None:
    records = [run("a", 0, [0.0] * 20, 1), run("a", 1, [3.0] * 20), run("a", 2, [3.0] * 10 + [0.0] * 10, 11)]
    (summary,) = summarize_budgets(records, (10, 20))
    assert summary.seeds == 3 and summary.queries_to_top == 11.0 and summary.queries_to_optimum == 11.0
    three = table_ranks("nasbench201", "cifar10").valid_top_percent(OPTIMUM - 3.0)
    assert summary.ranks == {10: three, 20: 100 / 6466}
    table = budget_table(records, (10, 20))
    assert f"| cifar10 | {three:.2g}% / 0.015%; 11 / 11 |" in table
    missed = budget_table([run("a", 0, [3.0] * 20), run("a", 1, [3.0] * 20)], (10, 20))
    assert missed.splitlines()[-1].endswith("; - / - |")


def test_a_record_without_curves_is_refused() -> None:
    record = run("a", 0, [1.0])
    with pytest.raises(InvalidArgumentError, match="keeps no curve"):
        ranks_at(RunRecord(**{**record.__dict__, "curve": ()}), (10,))


def test_a_curve_read_back_from_its_file_gives_the_same_ranks(tmp_path: Path) -> None:
    # 72.7333 on citeseer: the regret written with 4 decimals puts it a hair below itself in the table.
    bench = get_benchmark("nasbench-graph")
    optimum = bench.stats("citeseer").best.valid
    found = sorted({e.valid for e in bench.records("citeseer").values()}, reverse=True)[1]
    record = RunRecord(benchmark="nasbench-graph", dataset="citeseer", fidelity=None, sampler="a", seed=0, budget=10,
                       unique=10, trials=10, best_valid=found, test_at_best_valid=None, found_top=False,
                       queries_to_top=None, seconds=0.0, optimum_test=None,
                       curve=tuple(CurvePoint(i, None, optimum - found) for i in range(1, 11)))
    path = write_curves(tmp_path / "curves.csv", [record])
    (back,) = read_curves(path).values()
    assert back[-1].valid_regret != record.curve[-1].valid_regret  # rounded on the way
    exact = table_ranks("nasbench-graph", "citeseer").valid_top_percent(found)
    assert ranks_at(record, (10,)) == ranks_at(replace(record, curve=back), (10,)) == {10: exact}


def test_ties_in_the_15th_digit_share_the_better_rank() -> None:
    valid = sorted({e.valid for e in get_benchmark("nasbench-graph").records("citeseer").values()}, reverse=True)
    low, high = next((a, b) for b, a in zip(valid, valid[1:]) if b - a < 1e-9)
    ranks = table_ranks("nasbench-graph", "citeseer")
    assert low < high and ranks.valid_top_percent(low) == ranks.valid_top_percent(high)
