"""Initial designs: uniform over the canonical classes, decoded prior samples, uniform over encodings."""

from __future__ import annotations

import random

import pytest

from latentnas.history import History
from latentnas.samplers.strategies import CanonicalSamples, PriorSamples, UniformSamples
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.surrogate import LatentSurrogate
from latentnas.vae import LatentSpace

SPACE = NasBench201Space()


def test_canonical_samples_draw_the_pools_classes_uniformly(tiny_latent: LatentSpace) -> None:
    surrogate = LatentSurrogate(tiny_latent)
    pool = surrogate.pool()
    design = CanonicalSamples(surrogate)
    rng = random.Random(0)
    expected = pool.archs[random.Random(0).randrange(len(pool.keys))]
    first = design.propose(History(), rng)
    assert first.phase == "design" and first.arch == expected
    # A class is as likely as any other, whatever its number of encodings: the draw is over the pool's rows.
    draws = [SPACE.canonical_key(design.propose(History(), random.Random(s)).arch) for s in range(2000)]
    assert len(set(draws)) > 1500 and set(draws) <= set(pool.keys)


def test_canonical_samples_skip_what_the_study_knows_and_fall_back_when_it_knows_all(tiny_latent: LatentSpace) -> None:
    surrogate = LatentSurrogate(tiny_latent)
    keys = surrogate.pool().keys
    left = keys[17]
    history = History(known=set(keys) - {left})
    assert SPACE.canonical_key(CanonicalSamples(surrogate).propose(history, random.Random(0)).arch) == left
    everything = History(known=set(keys))
    assert CanonicalSamples(surrogate).propose(everything, random.Random(0)).phase == "fallback"


def test_an_infinite_space_draws_encodings(tiny_latent: LatentSpace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NasBench201Space, "is_finite", property(lambda self: False))
    surrogate = LatentSurrogate(tiny_latent)
    proposal = CanonicalSamples(surrogate).propose(History(), random.Random(4))
    assert proposal.arch == UniformSamples(tiny_latent).propose(History(), random.Random(4)).arch


def test_prior_samples_decode_new_architectures_and_are_seeded(tiny_latent: LatentSpace) -> None:
    design = PriorSamples(tiny_latent)
    first = design.propose(History(), random.Random(1))
    assert first.phase == "design" and first.arch == design.propose(History(), random.Random(1)).arch
    known = History(known={SPACE.canonical_key(first.arch)})
    assert SPACE.canonical_key(design.propose(known, random.Random(1)).arch) != SPACE.canonical_key(first.arch)
