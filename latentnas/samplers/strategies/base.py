"""What every proposal strategy of latent BO shares: the proposal it returns, its lifecycle, and the GP's training
set.

A strategy is one way of choosing the next architecture from a study's history: an initial design before any model
(:mod:`~latentnas.samplers.strategies.design`), one objective (:mod:`~latentnas.samplers.strategies.single`),
transfer from other tasks (:mod:`~latentnas.samplers.strategies.transfer`), several objectives or constraints
(:mod:`~latentnas.samplers.strategies.several`). Each is built once per sampler with what it needs and has one method,
:meth:`Strategy.propose`, which returns a :class:`Proposal` with its diagnostics: nothing is left on the strategy or
the sampler for a caller to read afterwards. A new acquisition is a new strategy module, not a new branch.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from latentnas.history import History, Observation
from latentnas.samplers.base import Proposal


class Strategy(ABC):
    """One way of choosing the next architecture (see the module docstring).

    Lifecycle: built once per sampler (an acquisition of one objective, registered in
    :data:`~latentnas.samplers.strategies.ACQUISITIONS`, as ``cls(surrogate, candidates, max_train=...)``); :meth:`propose` is called once per trial with the study's history and the
    trial's generator. It must be a function of those two alone (a strategy that draws from torch's global generator
    seeds it from the trial's generator first, :func:`seeded_torch`), so the same seed gives the same trials and a
    resumed study continues exactly.
    """

    #: The :attr:`Proposal.phase` of its proposals.
    phase: str

    @abstractmethod
    def propose(self, history: History, rng: random.Random) -> Proposal:
        """The next architecture for ``history`` (values oriented larger-is-better), preferably one whose key is not in
        ``history.known``."""


def training_set(history: History, rng: random.Random, max_train: int) -> list[Observation]:
    """The observations an exact GP is fitted on: all, or beyond ``max_train`` the best half and a random rest."""
    if len(history.observations) <= max_train:
        return history.observations
    ranked = history.best()
    keep = max_train // 2
    return ranked[:keep] + rng.sample(ranked[keep:], max_train - keep)


def generator(rng: random.Random) -> torch.Generator:
    """A torch generator seeded from ``rng`` (one draw of 62 bits)."""
    return torch.Generator().manual_seed(rng.getrandbits(62))


@contextmanager
def seeded_torch(rng: random.Random) -> Iterator[None]:
    """Runs the block on torch's global generator seeded from ``rng`` (one draw of 62 bits), and gives the caller's
    generator back afterwards.

    NOTE: BoTorch's GP fitting restarts and baseline pruning draw from the global generator; seeding it from the trial's
    generator keeps trials reproducible, and forking it leaves the caller's stream untouched.
    """
    with torch.random.fork_rng():
        torch.manual_seed(rng.getrandbits(62))
        yield
