"""Random search: the architecture sampler contract."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

from latentnas.errors import UnknownNameError
from latentnas.samplers import RandomArchitectureSampler, make_sampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import ArchitectureSamplerContract


class TestRandom(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return RandomArchitectureSampler(space, seed=seed)


def test_unknown_sampler_lists_choices() -> None:
    with pytest.raises(UnknownNameError, match="unknown sampler 'bo'; choices: random, evolution, local-search, tpe"):
        make_sampler("bo", NasBench201Space())
