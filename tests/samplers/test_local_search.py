"""Local search: the architecture sampler contract and its walk from the best architecture."""

from __future__ import annotations

import random
from typing import Any

import optuna
import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.samplers import LocalSearchSampler, make_sampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import ArchitectureSamplerContract
from tests.samplers.conftest import history_of


class TestLocalSearch(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LocalSearchSampler(space, n_initial=5, seed=seed)


def test_local_search_walks_from_the_best() -> None:
    space = NasBench201Space()
    history = history_of(space, [50.0, 90.0, 10.0])
    sampler = LocalSearchSampler(space, n_initial=3, seed=0)
    child = sampler.propose(history, random.Random(0))
    assert child in space.neighbours(history.observations[1].arch)


def test_local_search_arguments_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="n_initial must be a positive int, got 0"):
        LocalSearchSampler(NasBench201Space(), n_initial=0)


def test_local_search_describes_its_options() -> None:
    assert make_sampler("local-search", NasBench201Space(), seed=2).describe()["config"] == {  # type: ignore[attr-defined]
        "n_initial": 10}
