from __future__ import annotations

import math

import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation import Summary, common_seeds, regret_curves, summarize
from tests.evaluation.conftest import record

RUNS = [
    record("random", 0, 90.0, found_at=10, rank=0.1, seconds=1.0, regrets=(3.0, 1.0, 1.0)),
    record("random", 1, 92.0, rank=0.5, seconds=2.0, regrets=(5.0, 3.0, 2.0)),
    record("random", 2, 94.0, found_at=30, rank=0.3, seconds=4.0, regrets=(4.0, 2.0)),
    record("latent-bo", 1, 93.0, found_at=7, rank=0.01, seconds=20.0, simulated=100.0),
    record("latent-bo", 2, 93.0, found_at=9, rank=0.02, seconds=30.0, simulated=300.0),
]


def test_summary_follows_the_protocol() -> None:
    random, bo = summarize(RUNS)
    assert random == Summary(
        benchmark="nasbench-graph", dataset="cora", fidelity=None, sampler="random", budget=100, seeds=(0, 1, 2),
        test_mean=92.0, test_std=2.0, found_share=2 / 3, median_queries_to_top=20.0, median_valid_top_percent=0.3,
        median_seconds=2.0, mean_simulated_seconds=None, optimum_test=95.0, reached=2, mean_unique=100.0,
    )
    assert (bo.seeds, bo.test_mean, bo.test_std, bo.found_share, bo.median_queries_to_top) == ((1, 2), 93.0, 0.0, 1.0, 8.0)
    assert (bo.median_valid_top_percent, bo.mean_simulated_seconds) == (0.015, 200.0)


def test_samplers_are_compared_on_their_common_seeds() -> None:
    assert common_seeds(RUNS) == (1, 2)
    random, _ = summarize(RUNS, seeds=common_seeds(RUNS))
    assert (random.seeds, random.test_mean, random.found_share) == ((1, 2), 93.0, 0.5)


def test_one_seed_has_no_spread_and_a_miss_has_no_queries() -> None:
    (only,) = summarize([record("tpe", 3, 91.5)])
    assert (only.test_std, only.found_share, only.median_queries_to_top) == (0.0, 0.0, None)


def test_no_common_seed_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"no seed is common to every sampler and dataset; random on cora: \[0\]"):
        common_seeds([record("random", 0, 90.0), record("tpe", 1, 90.0)])
    with pytest.raises(InvalidArgumentError, match="no runs to compare"):
        common_seeds([])


def test_a_seed_twice_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"random on cora has a seed twice: \[0, 0\]"):
        summarize([record("random", 0, 90.0), record("random", 0, 91.0)])


def test_regret_curves_average_over_seeds_up_to_the_shortest() -> None:
    curves = regret_curves(RUNS)
    assert curves == {("cora", "random"): [4.0, 2.0]}


def test_the_median_seconds_to_the_top_counts_a_seed_that_never_reached_it() -> None:
    def runs(*to_top: float | None) -> list:  # type: ignore[type-arg]
        return [record("tpe+hyperband", seed, 93.0, found_at=None if t is None else 5, simulated=200.0, to_top=t,
                       pruned=seed, budget_seconds=200.0, unique=10 + seed) for seed, t in enumerate(to_top)]

    (three,) = summarize(runs(50.0, None, 30.0))
    assert (three.median_seconds_to_top, three.reached, three.mean_pruned, three.mean_unique) == (50.0, 2, 1.0, 11.0)
    assert three.budget_seconds == 200.0
    (half,) = summarize(runs(50.0, None, 30.0, None))  # the median lies between a reach and a miss
    assert (half.median_seconds_to_top, half.reached) == (math.inf, 2)
    (uncosted,) = summarize([record("random", 0, 90.0, found_at=3)])
    assert (uncosted.median_seconds_to_top, uncosted.mean_pruned) == (None, None)
