"""Random search, regularized evolution, local search and Optuna's TPE: the sampler contracts and their own rules."""

from __future__ import annotations

import random
from typing import Any

import optuna
import pytest

from latentnas.errors import InvalidArgumentError, UnknownNameError
from latentnas.samplers import (
    History,
    LocalSearchSampler,
    Observation,
    RandomArchitectureSampler,
    RawTPESampler,
    RegularizedEvolutionSampler,
    make_sampler,
)
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import ArchitectureSamplerContract, SamplerContract


class TestRandom(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RandomArchitectureSampler(space, seed=seed)


class TestEvolution(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RegularizedEvolutionSampler(space, population_size=6, tournament_size=3, seed=seed)


class TestLocalSearch(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LocalSearchSampler(space, n_initial=5, seed=seed)


class TestTPE(SamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RawTPESampler(space, seed=seed, n_startup_trials=5)


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
    with pytest.raises(InvalidArgumentError, match=r"tournament_size must be in \[1, 4\], got 5"):
        RegularizedEvolutionSampler(space, population_size=4, tournament_size=5)
    with pytest.raises(InvalidArgumentError, match="population_size must be a positive int, got 0"):
        RegularizedEvolutionSampler(space, population_size=0)
    with pytest.raises(InvalidArgumentError, match="n_initial must be a positive int, got 0"):
        LocalSearchSampler(space, n_initial=0)


def test_baselines_describe_their_options() -> None:
    space = NasBench201Space()
    assert RegularizedEvolutionSampler(space, population_size=4, tournament_size=2, seed=1).describe() == {
        "sampler": "evolution", "seed": 1, "config": {"population_size": 4, "tournament_size": 2},
        "independent_sampler": "RandomSampler"}
    assert make_sampler("local-search", space, seed=2).describe()["config"] == {"n_initial": 10}  # type: ignore[attr-defined]
    assert make_sampler("tpe", space, seed=3, n_startup_trials=4).describe() == {  # type: ignore[attr-defined]
        "sampler": "tpe", "seed": 3, "config": {"n_startup_trials": 4}}


def test_unknown_sampler_lists_choices() -> None:
    with pytest.raises(UnknownNameError, match="unknown sampler 'bo'; choices: random, evolution, local-search, tpe"):
        make_sampler("bo", NasBench201Space())


def test_tpe_is_optunas_on_raw_choices() -> None:
    space = NasBench201Space()
    ours, optunas = make_sampler("tpe", space, seed=0), optuna.samplers.TPESampler(seed=0)
    assert isinstance(ours, optuna.samplers.TPESampler)
    studies = [optuna.create_study(direction="maximize", sampler=s) for s in (ours, optunas)]
    for study in studies:
        study.optimize(lambda t: float(len(str(space.suggest(t)))), n_trials=12)
    assert [t.params for t in studies[0].trials] == [t.params for t in studies[1].trials]


def test_tpe_options_must_be_json() -> None:
    with pytest.raises(InvalidArgumentError, match="the tpe sampler's options must be JSON-serializable"):
        make_sampler("tpe", NasBench201Space(), gamma=lambda n: 1)
