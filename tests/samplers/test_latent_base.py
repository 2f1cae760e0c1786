"""What the latent samplers share: encodings cached by canonical key, decoding to new architectures only, and a
seeded initial design (on the tiny 4-node space and an untrained VAE over it)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
import torch

from latentnas.samplers import History, Observation
from latentnas.samplers.latent_base import LatentSampler
from latentnas.vae import LatentSpace, TrainConfig, build_vae
from tests.vae.tiny_space import TinyArch, TinySpace

# Isomorphic (nodes 1 and 2 swapped, no edge 1->2) but different encodings: one canonical key.
ARCH = (("a", "b"), (1, 1, 0, 0, 1, 1))
TWIN = (("b", "a"), (1, 1, 0, 0, 1, 1))
OTHER = (("c", "c"), (1, 0, 0, 1, 0, 1))


class _InfiniteTinySpace(TinySpace):
    """The tiny space declared infinite: encodings are computed one architecture at a time, not from a pool."""

    @property
    def is_finite(self) -> bool:
        return False


@dataclass(frozen=True)
class _Config:
    n_initial: int = 3

    def to_dict(self) -> dict[str, Any]:
        return {"n_initial": self.n_initial}


class _InitialOnly(LatentSampler):
    """Proposes from the prior only: exercises what :class:`LatentSampler` itself provides."""

    name = "initial-only"

    def propose(self, history: History, rng: random.Random) -> Any:
        return self.initial(history, rng)


def _sampler(space: TinySpace, seed: int = 0) -> _InitialOnly:
    config = TrainConfig(encoder="gin", decoder="oneshot", hidden=16, latent_dim=4)
    spec = space.graph_spec
    with torch.random.fork_rng():
        torch.manual_seed(0)
        vae = build_vae(config.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types))
    return _InitialOnly(space, config=_Config(), latent=LatentSpace(space, vae), seed=seed)


def _history(space: TinySpace, archs: list[TinyArch]) -> History:
    history = History()
    for i, arch in enumerate(archs):
        key = space.canonical_key(arch)
        history.observations.append(Observation(i, arch, key, float(i)))
        history.known.add(key)
    return history


@pytest.fixture(params=[TinySpace, _InfiniteTinySpace], ids=["finite", "infinite"])
def sampler(request: pytest.FixtureRequest) -> _InitialOnly:
    return _sampler(request.param())


def test_isomorphic_architectures_get_one_encoding(sampler: _InitialOnly) -> None:
    assert sampler.space.canonical_key(ARCH) == sampler.space.canonical_key(TWIN)
    z = sampler.encode([ARCH, TWIN, OTHER])
    assert z.shape == (3, 4) and z.dtype == torch.float64
    assert torch.equal(z[0], z[1])
    assert not torch.equal(z[0], z[2])


def test_the_same_architecture_encodes_identically_alone_twice_and_in_any_company(sampler: _InitialOnly) -> None:
    alone = sampler.encode([OTHER])[0]
    assert torch.equal(sampler.encode([OTHER])[0], alone)
    archs = list(sampler.space.enumerate())[:20]
    fresh = _sampler(type(sampler.space)())  # a new cache: OTHER encoded among 20 others first
    assert torch.equal(fresh.encode([*archs, OTHER])[-1], alone)
    assert torch.equal(fresh.encode(archs), sampler.encode(archs))


def test_no_architectures_encode_to_an_empty_matrix(sampler: _InitialOnly) -> None:
    z = sampler.encode([])
    assert z.shape == (0, 4) and z.dtype == torch.float64


def test_decode_new_drops_known_architectures_and_repeats() -> None:
    sampler = _sampler(TinySpace())
    z = torch.randn(64, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    decoded = sampler.latent.decode(z.float())
    keys = [sampler.space.canonical_key(a) for a in decoded]
    assert len(set(keys)) < len(keys)  # the fixture decodes some points to one class
    known = keys[0]
    kept = sampler.decode_new(z, _history(sampler.space, [decoded[0]]))
    expected_keys = list(dict.fromkeys(k for k in keys if k != known))
    assert [sampler.space.canonical_key(a) for a in kept] == expected_keys
    # first occurrence: each kept architecture is the first decoded one of its class
    assert kept == [decoded[keys.index(k)] for k in expected_keys]


def test_decode_new_keeps_nothing_when_the_history_knows_everything() -> None:
    space = TinySpace()
    sampler = _sampler(space)
    z = torch.randn(16, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert sampler.decode_new(z, _history(space, list(space.enumerate()))) == []


def test_initial_is_seeded_and_new() -> None:
    space = TinySpace()
    sampler = _sampler(space)
    empty = History()
    first = sampler.initial(empty, random.Random(3))
    assert sampler.initial(empty, random.Random(3)) == first
    others = {space.canonical_key(sampler.initial(empty, random.Random(s))) for s in range(8)}
    assert len(others) > 1  # the rng, not the sampler, chooses
    history = _history(space, [first])
    again = sampler.initial(history, random.Random(3))
    assert space.canonical_key(again) not in history.known


def test_initial_falls_back_to_a_random_new_architecture_when_every_decoding_is_known() -> None:
    space = TinySpace()
    sampler = _sampler(space)
    z = torch.randn(32, 4, generator=sampler.generator(random.Random(5)), dtype=torch.float64)
    decoded_keys = {space.canonical_key(a) for a in sampler.latent.decode(z.float())}
    history = _history(space, [a for a in space.enumerate() if space.canonical_key(a) in decoded_keys])
    arch = sampler.initial(history, random.Random(5))
    assert space.canonical_key(arch) not in history.known
