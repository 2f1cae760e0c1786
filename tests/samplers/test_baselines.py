from __future__ import annotations

import random
from typing import Any

import optuna
import pytest

from latentnas.errors import UnknownNameError
from latentnas.samplers import (
    History,
    LocalSearchSampler,
    Observation,
    RandomArchitectureSampler,
    RegularizedEvolutionSampler,
    make_sampler,
)
from latentnas.spaces.nasbench201 import NasBench201Space
from tests.samplers.contract import SamplerContract


class TestRandom(SamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RandomArchitectureSampler(space, seed=seed)


class TestEvolution(SamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RegularizedEvolutionSampler(space, population_size=8, tournament_size=3, seed=seed)


class TestLocalSearch(SamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LocalSearchSampler(space, n_initial=5, seed=seed)


def _history(space: NasBench201Space, values: list[float]) -> History:
    history = History()
    for i, v in enumerate(values):
        arch = space.sample(i)
        key = space.canonical_key(arch)
        history.observations.append(Observation(i, arch, key, v))
        history.known.add(key)
    return history


def test_evolution_mutates_a_tournament_winner_of_the_youngest_population() -> None:
    space = NasBench201Space()
    history = _history(space, [50.0, 90.0, 10.0, 20.0, 30.0])
    sampler = RegularizedEvolutionSampler(space, population_size=3, tournament_size=3, seed=0)
    child = sampler.propose(history, random.Random(0))
    # The 90 is older than the population of the 3 youngest (10, 20, 30): aging removed it; 30 wins.
    parent = history.observations[4].arch
    assert child in space.neighbours(parent)


def test_local_search_walks_from_the_best() -> None:
    space = NasBench201Space()
    history = _history(space, [50.0, 90.0, 10.0])
    sampler = LocalSearchSampler(space, n_initial=3, seed=0)
    child = sampler.propose(history, random.Random(0))
    assert child in space.neighbours(history.observations[1].arch)


def test_sampler_arguments_are_checked() -> None:
    space = NasBench201Space()
    with pytest.raises(ValueError, match="tournament_size must be in"):
        RegularizedEvolutionSampler(space, population_size=4, tournament_size=5)
    with pytest.raises(ValueError, match="n_initial must be positive, got 0"):
        LocalSearchSampler(space, n_initial=0)


def test_unknown_sampler_lists_choices() -> None:
    with pytest.raises(UnknownNameError, match="unknown sampler 'bo'; choices: random, evolution, local-search, tpe"):
        make_sampler("bo", NasBench201Space())


def test_tpe_is_optunas_on_raw_choices() -> None:
    sampler = make_sampler("tpe", NasBench201Space(), seed=0)
    assert isinstance(sampler, optuna.samplers.TPESampler)
