"""Initial designs: what latent BO evaluates before its model proposes."""

from __future__ import annotations

import random

import torch

from latentnas.history import History
from latentnas.samplers.base import sample_new
from latentnas.samplers.strategies.base import Proposal, Strategy, generator
from latentnas.samplers.strategies.candidates import decode_new
from latentnas.surrogate import LatentSurrogate
from latentnas.vae import LatentSpace

#: Prior samples drawn per proposal of :class:`PriorSamples`.
PRIOR_DRAWS = 32


class PriorSamples(Strategy):
    """Architectures decoded from prior samples ``z ~ N(0, I)``, as a graph VAE generates (arch2vec's and D-VAE's
    initial design): the first of :data:`PRIOR_DRAWS` draws that decodes to an architecture the study does not know
    (a uniformly random new one where none does).

    Args:
        latent: The latent space sampled.
    """

    phase = "design"

    def __init__(self, latent: LatentSpace) -> None:
        self.latent = latent

    def propose(self, history: History, rng: random.Random) -> Proposal:
        z = torch.randn(PRIOR_DRAWS, self.latent.dim, generator=generator(rng), dtype=torch.float64)
        new = decode_new(self.latent, z, history)
        if new:
            return Proposal(new[0], self.phase)
        return Proposal(sample_new(self.latent.space, history, rng), "fallback")


class CanonicalSamples(Strategy):
    """Architectures drawn uniformly from the canonical classes of a finite space, new to the study (uniformly from
    the space's encodings in an infinite one, whose classes cannot be listed).

    Uniform over *classes*, not encodings: a class with many isomorphic encodings is no likelier than one with a
    single encoding (on NB201 many encodings of poor cells collapse into few classes, where a ``none`` op cuts a
    path). The designs compared before this one was chosen: ``docs/results/budget-nasbench-graph/README.md``.

    Args:
        surrogate: Gives the finite space's pool (:meth:`~latentnas.surrogate.LatentSurrogate.pool`).
    """

    phase = "design"

    def __init__(self, surrogate: LatentSurrogate) -> None:
        self.surrogate = surrogate

    def propose(self, history: History, rng: random.Random) -> Proposal:
        space = self.surrogate.space
        if not space.is_finite:
            return Proposal(sample_new(space, history, rng), self.phase)
        pool = self.surrogate.pool()
        if all(k in history.known for k in pool.keys):
            return Proposal(sample_new(space, history, rng), "fallback")
        while True:  # rejection: uniform over the classes the study does not know
            i = rng.randrange(len(pool.keys))
            if pool.keys[i] not in history.known:
                return Proposal(pool.archs[i], self.phase)


class UniformSamples(Strategy):
    """Architectures drawn uniformly at random from the space's encodings, new to the study: an unbiased sample on
    which a model (or transfer sources' ranking) can be judged.

    Args:
        latent: The latent space whose space is sampled.
    """

    phase = "design"

    def __init__(self, latent: LatentSpace) -> None:
        self.space = latent.space

    def propose(self, history: History, rng: random.Random) -> Proposal:
        return Proposal(sample_new(self.space, history, rng), self.phase)
