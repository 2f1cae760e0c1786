"""Optuna's GPSampler on the space's raw choices: the sampler contract, and that it is Optuna's own."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.samplers import RawGPSampler, make_sampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import SamplerContract


class TestGP(SamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RawGPSampler(space, seed=seed, n_startup_trials=3)


def test_gp_is_optunas_on_raw_choices() -> None:
    space = NasBench201Space()
    ours, optunas = make_sampler("gp", space, seed=0, n_startup_trials=3), optuna.samplers.GPSampler(
        seed=0, n_startup_trials=3)
    assert isinstance(ours, optuna.samplers.GPSampler)
    studies = [optuna.create_study(direction="maximize", sampler=s) for s in (ours, optunas)]
    for study in studies:
        study.optimize(lambda t: float(len(str(space.suggest(t)))), n_trials=6)
    assert [t.params for t in studies[0].trials] == [t.params for t in studies[1].trials]


def test_gp_options_must_be_json() -> None:
    with pytest.raises(InvalidArgumentError, match="the gp sampler's options must be JSON-serializable"):
        make_sampler("gp", NasBench201Space(), constraints_func=lambda t: [0.0])


def test_gp_describes_its_options() -> None:
    assert make_sampler("gp", NasBench201Space(), seed=3, n_startup_trials=4).describe() == {  # type: ignore[attr-defined]
        "sampler": "gp", "seed": 3, "config": {"n_startup_trials": 4}}
