"""The architectures latent BO's strategies score: decoded points of the latent box, the neighbours of chosen
parents, and, in a finite space, the best of every unevaluated architecture by a cheap score.

Candidates are *architectures*, scored at their own encodings (not at the point that produced them), so the GP is
honest about where they really lie; candidates the study knows (evaluated, failed or running) are never proposed.
Decoding random points of the box explores the latent space; the neighbours of the best architectures are the
acquisition optimizer of BANANAS and NASBOT (White et al., 2021; Kandasamy et al., 2018); in a finite space the
embedded space is the decodable set, so screening every unevaluated architecture finds the maximizer over it, as
arch2vec's BO does (Yan et al., 2020).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from latentnas.history import History, Observation
from latentnas.samplers.strategies.base import generator
from latentnas.surrogate import LatentSurrogate
from latentnas.vae import LatentSpace

#: Random points of the latent box decoded as candidates per proposal.
RAW_SAMPLES = 256
#: Best architectures whose neighbours are candidates.
N_PARENTS = 5
#: Unevaluated architectures of a finite space a screen keeps, beside the other candidates.
SCREEN = 128
#: Candidates (best by a cheap score) that an MC acquisition finally scores, joint with the baseline and the pending
#: points.
SHORTLIST = 64


def decode_new(latent: LatentSpace, z: Tensor, history: History) -> list[Any]:
    """Decodes each row of ``z`` (``n x d``) and keeps the architectures the study does not know, first occurrence
    only."""
    space = latent.space
    out: list[Any] = []
    seen = set(history.known)
    for arch in latent.decode(z.to(torch.float32)):
        key = space.canonical_key(arch)
        if key not in seen:
            seen.add(key)
            out.append(arch)
    return out


class CandidateGenerator:
    """New architectures to score around a history.

    Args:
        surrogate: Gives the latent box and the space.
        raw_samples: Random points of the box decoded per call.
        n_parents: Best observations whose neighbours are candidates when no parents are given.
    """

    def __init__(self, surrogate: LatentSurrogate, *, raw_samples: int = RAW_SAMPLES,
                 n_parents: int = N_PARENTS) -> None:
        self.surrogate = surrogate
        self.space = surrogate.space
        self.raw_samples = raw_samples
        self.n_parents = n_parents

    def __call__(self, history: History, rng: random.Random, *,
                 parents: Sequence[Observation] | None = None) -> list[Any]:
        """Decoded random points of the latent box (one draw of ``rng``), then the neighbours of ``parents``
        (default: the ``n_parents`` best), each new to the study and to the list."""
        latent = self.surrogate.latent
        X = torch.rand(self.raw_samples, latent.dim, generator=generator(rng), dtype=torch.float64)
        found = decode_new(latent, self.surrogate.from_unit(X), history)
        keys = {self.space.canonical_key(a) for a in found}
        for parent in parents if parents is not None else history.best(self.n_parents):
            for arch in self.space.neighbours(parent.arch):
                key = self.space.canonical_key(arch)
                if key not in history.known and key not in keys:
                    keys.add(key)
                    found.append(arch)
        return found


def screen(surrogate: LatentSurrogate, history: History, score: Callable[[Tensor], Tensor], *,
           exclude: Sequence[Any] = (), keep: int = SCREEN) -> list[Any]:
    """The ``keep`` unevaluated architectures of a finite space with the highest ``score``, best first.

    Args:
        surrogate: Gives the pool and its features.
        history: Its known keys are left out.
        score: Maps a ``n x D`` tensor of pool features to ``n`` scores (larger is better).
        exclude: Architectures also left out (candidates the caller has already).
        keep: How many to keep.
    """
    space = surrogate.space
    pool = surrogate.pool()
    excluded = {space.canonical_key(a) for a in exclude}
    idx = [i for i, k in enumerate(pool.keys) if k not in history.known and k not in excluded]
    if not idx:
        return []
    scores = score(surrogate.pool_features()[idx])
    top = scores.topk(min(keep, len(idx))).indices.tolist()
    return [pool.archs[idx[i]] for i in top]
