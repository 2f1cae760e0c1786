"""Regularized evolution: the architecture sampler contract and its aging tournament."""

from __future__ import annotations

import random
from typing import Any

import optuna
import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.samplers import RegularizedEvolutionSampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import ArchitectureSamplerContract
from tests.samplers.conftest import history_of


class TestEvolution(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RegularizedEvolutionSampler(space, population_size=6, tournament_size=3, seed=seed)


def test_evolution_mutates_a_tournament_winner_of_the_youngest_population() -> None:
    space = NasBench201Space()
    history = history_of(space, [50.0, 90.0, 10.0, 20.0, 30.0])
    sampler = RegularizedEvolutionSampler(space, population_size=3, tournament_size=3, seed=0)
    child = sampler.propose(history, random.Random(0))
    # The 90 is older than the population of the 3 youngest (10, 20, 30): aging removed it; 30 wins.
    parent = history.observations[4].arch
    assert child in space.neighbours(parent)


def test_evolution_arguments_are_checked() -> None:
    space = NasBench201Space()
    with pytest.raises(InvalidArgumentError, match=r"tournament_size must be in \[1, 4\], got 5"):
        RegularizedEvolutionSampler(space, population_size=4, tournament_size=5)
    with pytest.raises(InvalidArgumentError, match="population_size must be a positive int, got 0"):
        RegularizedEvolutionSampler(space, population_size=0)


def test_evolution_describes_its_options() -> None:
    space = NasBench201Space()
    assert RegularizedEvolutionSampler(space, population_size=4, tournament_size=2, seed=1).describe() == {
        "sampler": "evolution", "seed": 1, "config": {"population_size": 4, "tournament_size": 2},
        "independent_sampler": "RandomSampler"}
