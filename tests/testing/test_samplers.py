"""The sampler contracts pass sound samplers and fail samplers that break them (on the real NB201 table)."""

from __future__ import annotations

import random
from typing import Any

import optuna
import pytest
from optuna.trial import FrozenTrial

from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import History, LocalSearchSampler, Observation, RandomArchitectureSampler
from latentnas.spaces import SearchSpace
from latentnas.testing.samplers import ArchitectureSamplerContract


class _Seedless(RandomArchitectureSampler):
    """Draws the same trials whatever its seed."""

    def rng_for(self, trial: FrozenTrial) -> random.Random:
        return random.Random(f"seedless:{trial.number}")


class _Repeating(RandomArchitectureSampler):
    """Proposes the last evaluated architecture again every other trial."""

    def propose(self, history: History, rng: random.Random) -> Any:
        if len(history.observations) % 2 == 1:
            return history.observations[-1].arch
        return self.sample_new(history, rng)


class _DirectionBlind(LocalSearchSampler):
    """Walks from the largest raw trial value: the worst architecture of a minimize study."""

    def propose(self, history: History, rng: random.Random) -> Any:
        raw = [Observation(o.number, o.arch, o.key, o.value * history.sign) for o in history.observations]
        return super().propose(History(raw, history.pending, history.known, 1.0, history.unmapped), rng)


class _Contract(ArchitectureSamplerContract):
    """The contract run on ``sampler_class`` (not collected: its name does not start with ``Test``)."""

    def __init__(self, sampler_class: type[RandomArchitectureSampler] | type[LocalSearchSampler]) -> None:
        self.sampler_class = sampler_class

    def make(self, space: SearchSpace[Any], seed: int) -> optuna.samplers.BaseSampler:
        if issubclass(self.sampler_class, LocalSearchSampler):
            return self.sampler_class(space, n_initial=3, seed=seed)
        return self.sampler_class(space, seed=seed)


@pytest.fixture(scope="module")
def objective() -> BenchmarkObjective:
    return BenchmarkObjective("nasbench201", "cifar10")


def test_the_contract_fails_a_sampler_that_ignores_its_seed(objective: BenchmarkObjective) -> None:
    _Contract(RandomArchitectureSampler).test_other_seed_other_trials(objective)
    with pytest.raises(AssertionError):
        _Contract(_Seedless).test_other_seed_other_trials(objective)


def test_the_contract_fails_a_sampler_that_proposes_known_architectures(objective: BenchmarkObjective) -> None:
    _Contract(RandomArchitectureSampler).test_never_proposes_a_known_architecture(objective)
    with pytest.raises(AssertionError):
        _Contract(_Repeating).test_never_proposes_a_known_architecture(objective)


def test_the_contract_fails_a_sampler_blind_to_the_study_direction(objective: BenchmarkObjective) -> None:
    _Contract(LocalSearchSampler).test_minimizing_f_searches_as_maximizing_minus_f(objective)
    with pytest.raises(AssertionError):
        _Contract(_DirectionBlind).test_minimizing_f_searches_as_maximizing_minus_f(objective)
