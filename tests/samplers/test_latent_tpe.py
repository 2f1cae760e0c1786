"""Latent TPE: the sampler contract and its options."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.samplers import make_sampler
from latentnas.samplers.latent_tpe import LatentTPEConfig, LatentTPESampler
from latentnas.testing.samplers import ArchitectureSamplerContract
from latentnas.vae import LatentSpace
from tests.samplers.conftest import tiny_latent_space


class TestLatentTPE(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentTPESampler(space, latent=tiny_latent_space(), n_initial=5, seed=seed)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_initial": 0}, "n_initial must be a positive int, got 0"),
        ({"max_tries": 0}, "max_tries must be a positive int, got 0"),
        ({"multivariate": 1}, "multivariate must be True or False, got 1"),
        ({"threads": 0}, "threads must be a positive int or None, got 0"),
        ({"kernel": "latent"}, "unknown latent-tpe option 'kernel'; choices: n_initial, multivariate, max_tries$"),
    ],
)
def test_options_are_checked(tiny_latent: LatentSpace, options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        make_sampler("latent-tpe", tiny_latent.space, latent=tiny_latent, **options)


def test_config_round_trips_and_describes(tiny_latent: LatentSpace) -> None:
    config = LatentTPEConfig(n_initial=3, multivariate=False)
    assert LatentTPEConfig.from_dict(config.to_dict()) == config
    sampler = LatentTPESampler(tiny_latent.space, config=config, latent=tiny_latent, seed=1, max_tries=5)
    assert sampler.describe()["config"] == {"n_initial": 3, "multivariate": False, "max_tries": 5}
    assert sampler.describe()["sampler"] == "latent-tpe"
