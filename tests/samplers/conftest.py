"""The latent space of the latent samplers' tests: an untrained tiny VAE over NB201 (the contracts are about seeding,
novelty, resume and pending trials, not search quality, which scripts/compare.py measures)."""

from __future__ import annotations

import pytest

from latentnas.samplers import History, Observation
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.strategies import tiny_latent_space
from latentnas.vae import LatentSpace


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
