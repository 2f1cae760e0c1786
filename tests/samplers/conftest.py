"""The latent space of the latent samplers' tests: an untrained tiny VAE over NB201 (the contracts are about seeding,
novelty, resume and pending trials, not search quality, which scripts/compare.py measures)."""

from __future__ import annotations

from functools import cache

import pytest
import torch

from latentnas.samplers import History, Observation
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.vae import LatentSpace, TrainConfig, build_vae


@cache
def tiny_latent_space() -> LatentSpace:
    space = NasBench201Space()
    spec = space.graph_spec
    config = TrainConfig(encoder="gin", decoder="oneshot", hidden=16, latent_dim=4)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        vae = build_vae(config.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types))
    return LatentSpace(space, vae)


@pytest.fixture
def tiny_latent() -> LatentSpace:
    return tiny_latent_space()


def history_of(space: NasBench201Space, values: list[float]) -> History:
    """A history of the first ``len(values)`` seeded samples of ``space``, with those values, in that order."""
    history = History()
    for i, v in enumerate(values):
        arch = space.sample(i)
        key = space.canonical_key(arch)
        history.observations.append(Observation(i, arch, key, v))
        history.known.add(key)
    return history
