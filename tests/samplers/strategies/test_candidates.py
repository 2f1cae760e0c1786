"""The candidates every strategy scores: decoded new architectures, the parents' neighbours, and the screen of a
finite space."""

from __future__ import annotations

import random

import torch

from latentnas.history import History, Observation
from latentnas.samplers.strategies.candidates import CandidateGenerator, decode_new, screen
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.surrogate import LatentSurrogate
from latentnas.vae import LatentSpace
from tests.samplers.conftest import history_of

SPACE = NasBench201Space()


def test_decode_new_keeps_unknown_architectures_once_in_order(tiny_latent: LatentSpace) -> None:
    z = torch.randn(64, tiny_latent.dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    everything = tiny_latent.decode(z.to(torch.float32))
    history = History(known={SPACE.canonical_key(everything[0])})
    new = decode_new(tiny_latent, z, history)
    keys = [SPACE.canonical_key(a) for a in new]
    expected = list(dict.fromkeys(SPACE.canonical_key(a) for a in everything[1:]))
    assert keys == [k for k in expected if k not in history.known]


def test_candidates_are_new_and_include_the_best_architectures_neighbours(tiny_latent: LatentSpace) -> None:
    surrogate = LatentSurrogate(tiny_latent)
    history = history_of(SPACE, [1.0, 5.0, 3.0])
    best = history.best(1)[0]
    found = CandidateGenerator(surrogate, raw_samples=8, n_parents=1)(history, random.Random(0))
    keys = [SPACE.canonical_key(a) for a in found]
    assert len(keys) == len(set(keys)) and not set(keys) & history.known
    neighbours = {SPACE.canonical_key(a) for a in SPACE.neighbours(best.arch)} - history.known
    assert neighbours <= set(keys)
    again = CandidateGenerator(surrogate, raw_samples=8, n_parents=1)(history, random.Random(0))
    assert [SPACE.canonical_key(a) for a in again] == keys  # the same generator, the same candidates
    parents = [Observation(9, SPACE.sample(9), SPACE.canonical_key(SPACE.sample(9)), 0.0)]
    around = CandidateGenerator(surrogate, raw_samples=0)(history, random.Random(0), parents=parents)
    assert {SPACE.canonical_key(a) for a in around} == \
        {SPACE.canonical_key(a) for a in SPACE.neighbours(parents[0].arch)} - history.known


def test_the_screen_keeps_the_best_unknown_architectures_of_the_pool(tiny_latent: LatentSpace) -> None:
    surrogate = LatentSurrogate(tiny_latent)
    pool = surrogate.pool()
    scores = torch.arange(len(pool.keys), dtype=torch.float64)  # the last rows score best
    history = History(known={pool.keys[-1]})
    kept = screen(surrogate, history, lambda X: scores[: len(X)] if len(X) == len(scores) else scores[:-2],
                  exclude=[pool.archs[-2]], keep=3)
    assert [SPACE.canonical_key(a) for a in kept] == [pool.keys[-3], pool.keys[-4], pool.keys[-5]]
    everything = History(known=set(pool.keys))
    assert screen(surrogate, everything, lambda X: X[:, 0]) == []
