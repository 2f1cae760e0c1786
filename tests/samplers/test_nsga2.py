"""Optuna's NSGA-II on the space's raw choices: the sampler contract, and that it is Optuna's own."""

from __future__ import annotations

from typing import Any

import optuna

from latentnas.samplers import RawNSGAIISampler, make_sampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import SamplerContract


class TestNSGAII(SamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RawNSGAIISampler(space, seed=seed, population_size=4)


def test_nsga2_is_optunas_on_raw_choices_on_two_objectives() -> None:
    space = NasBench201Space()
    ours = make_sampler("nsga2", space, seed=0, population_size=4)
    optunas = optuna.samplers.NSGAIISampler(seed=0, population_size=4)
    assert isinstance(ours, optuna.samplers.NSGAIISampler)
    studies = [optuna.create_study(directions=["maximize", "minimize"], sampler=s) for s in (ours, optunas)]
    for study in studies:
        study.optimize(lambda t: (float(len(str(space.suggest(t)))), float(t.number % 3)), n_trials=12)
    assert [t.params for t in studies[0].trials] == [t.params for t in studies[1].trials]
