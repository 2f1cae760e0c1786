"""Optuna's TPE on the space's raw choices: the sampler contract, and that it is Optuna's own."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.samplers import RawTPESampler, make_sampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import SamplerContract


class TestTPE(SamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RawTPESampler(space, seed=seed, n_startup_trials=5)


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


def test_tpe_describes_its_options() -> None:
    assert make_sampler("tpe", NasBench201Space(), seed=3, n_startup_trials=4).describe() == {  # type: ignore[attr-defined]
        "sampler": "tpe", "seed": 3, "config": {"n_startup_trials": 4}}
