"""The zero-shot portfolio: the other tasks' mean rank, in order; the sampler contract; deterministic by design."""

from __future__ import annotations

from functools import cache
from typing import Any

import optuna
import pytest

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.history import TransferSource
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import capabilities, make_sampler
from latentnas.samplers.portfolio import PortfolioSampler, portfolio_order
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.study import create_study, run_search
from latentnas.testing.samplers import ArchitectureSamplerContract

SPACE = NasBench201Space()


@cache
def nb201_sources() -> tuple[TransferSource, ...]:
    return tuple(get_benchmark("nasbench201").transfer_sources("cifar10"))


class TestPortfolio(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return PortfolioSampler(space, transfer=nb201_sources(), seed=seed)

    def test_other_seed_other_trials(self, objective: BenchmarkObjective) -> None:
        # NOTE: deterministic by design: the seed matters only once the order is exhausted.
        assert self.arches(objective, 7) == self.arches(objective, 8)


def test_the_order_is_the_mean_rank_percentile_over_the_sources_that_observed_each() -> None:
    a, b, c, d = (SPACE.sample(i) for i in range(4))
    one = TransferSource("one", [a, b, c], [3.0, 2.0, 1.0])  # percentiles a 0, b 1/3, c 2/3
    two = TransferSource("two", [a, b, c, d], [1.0, 4.0, 4.0, 0.0])  # b and c tie: (0 + 1) / 2 / 4; a 2/4; d 3/4
    order = [key for key, _ in portfolio_order(SPACE, [one, two])]
    # means: a (0 + 0.5) / 2 = 0.25, b (1/3 + 0.125) / 2 = 0.229, c (2/3 + 0.125) / 2 = 0.396, d 0.75 (two only)
    assert order == [SPACE.canonical_key(x) for x in (b, a, c, d)]


def test_the_portfolio_proposes_its_order_and_then_new_random_architectures() -> None:
    a, b, c = (SPACE.sample(i) for i in range(3))
    sampler = PortfolioSampler(SPACE, transfer=[TransferSource("s", [a, b, c], [1.0, 3.0, 2.0])], seed=0)
    objective = BenchmarkObjective("nasbench201", "cifar10")
    study = create_study(SPACE, sampler)
    run_search(study, objective, n_unique=5)
    keys = [t.user_attrs["arch_key"] for t in study.trials]
    assert keys[:3] == [SPACE.canonical_key(x) for x in (b, c, a)] and len(set(keys)) == 5


def test_on_nb201_the_first_proposal_is_the_other_datasets_best_on_average() -> None:
    sampler = PortfolioSampler(SPACE, transfer=nb201_sources())
    first = sampler.order()[0][1]
    # ImageNet16-120's best cell by validation, 8th of 6,466 on CIFAR-100 (0.124 %): the best mean of the two.
    assert SPACE.to_string(first) == ("|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
                                      "nor_conv_1x1~2|")
    assert sampler.describe()["transfer"] == [{"name": s.name, "sha256": s.digest(SPACE)} for s in nb201_sources()]


def test_the_portfolio_needs_sources_and_declares_it() -> None:
    assert capabilities("portfolio").needs_transfer and capabilities("portfolio").transfer
    with pytest.raises(InvalidArgumentError, match="^the portfolio needs transfer sources"):
        make_sampler("portfolio", SPACE)
    with pytest.raises(InvalidArgumentError, match="TransferSource objects, got dict"):
        PortfolioSampler(SPACE, transfer=[{"name": "x"}])  # type: ignore[list-item]
