"""The contract every acquisition strategy of latent BO passes, as a pytest base class, on the real NB201 table and
an untrained tiny VAE (the contract is about the lifecycle of a proposal, not search quality, which
``scripts/compare.py`` measures).

A test module subclasses it and implements :meth:`AcquisitionContract.make`, the strategy under test built as latent
BO builds an acquisition of one objective::

    class TestMyAcquisition(AcquisitionContract):
        def make(self, surrogate, candidates):
            return MyAcquisition(surrogate, candidates, max_train=300)

Promises checked: a proposal is an architecture of the space new to the study (not evaluated, failed or running); the
same history and generator give the same proposal, and torch's global generator is left as it was; the proposal has a
phase, a finite score and JSON-able diagnostics; and latent BO searches with it when it is registered in
:data:`~latentnas.samplers.strategies.ACQUISITIONS`.
"""

from __future__ import annotations

import json
import random
from functools import cache
from typing import Any

import pytest
import torch

from latentnas.history import History, Observation
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers.strategies import ACQUISITIONS, CandidateGenerator, Strategy
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.study import create_study, run_search
from latentnas.surrogate import LatentSurrogate
from latentnas.vae import LatentSpace, TrainConfig, build_vae


@cache
def tiny_latent_space() -> LatentSpace:
    """An untrained tiny VAE's latent space over NB201 (GIN encoder, one-shot decoder, 4 dimensions, seeded): what the
    contracts of latent samplers and strategies run on, where search quality is not the point."""
    space = NasBench201Space()
    spec = space.graph_spec
    config = TrainConfig(encoder="gin", decoder="oneshot", hidden=16, latent_dim=4)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        vae = build_vae(config.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types))
    return LatentSpace(space, vae)


@cache
def _objective() -> BenchmarkObjective:
    return BenchmarkObjective("nasbench201", "cifar10")


def _history(n: int) -> History:
    objective = _objective()
    space = objective.space
    history = History()
    for i in range(n):
        arch = space.sample(i)
        key = space.canonical_key(arch)
        if key not in history.known:
            history.observations.append(Observation(i, arch, key, objective(arch).valid))
            history.known.add(key)
    return history


class AcquisitionContract:
    """Subclass and implement :meth:`make`; set :attr:`registered` to the strategy's name in
    :data:`~latentnas.samplers.strategies.ACQUISITIONS` to also search with it through latent BO."""

    #: The strategy's registry name, or ``None`` when it is not registered.
    registered: str | None = None

    def make(self, surrogate: LatentSurrogate, candidates: CandidateGenerator) -> Strategy:
        raise NotImplementedError

    def strategy(self) -> Strategy:
        surrogate = LatentSurrogate(tiny_latent_space(), outcome="copula")
        return self.make(surrogate, CandidateGenerator(surrogate, raw_samples=32))

    def test_proposes_an_architecture_new_to_the_study(self) -> None:
        history = _history(12)
        pending = NasBench201Space().sample(1000)
        history.pending.append(pending)
        history.known.add(NasBench201Space().canonical_key(pending))
        proposal = self.strategy().propose(history, random.Random(0))
        space = NasBench201Space()
        space.validate(proposal.arch)
        assert space.canonical_key(proposal.arch) not in history.known

    def test_is_seeded_and_leaves_torchs_generator_alone(self) -> None:
        history = _history(10)
        state = torch.get_rng_state()
        first = self.strategy().propose(history, random.Random(3))
        assert torch.equal(torch.get_rng_state(), state)
        again = self.strategy().propose(history, random.Random(3))
        space = NasBench201Space()
        assert space.canonical_key(first.arch) == space.canonical_key(again.arch) and first.score == again.score

    def test_the_proposal_says_how_it_was_chosen(self) -> None:
        proposal = self.strategy().propose(_history(10), random.Random(0))
        assert isinstance(proposal.phase, str) and proposal.phase
        assert isinstance(proposal.score, float)
        json.dumps(proposal.to_dict(), allow_nan=False)

    def test_latent_bo_searches_with_it_when_registered(self) -> None:
        if self.registered is None:
            pytest.skip("the strategy is not registered")
        from latentnas.samplers.latent_bo import LatentBOSampler

        assert isinstance(self.strategy(), ACQUISITIONS.get(self.registered))
        objective = _objective()
        sampler = LatentBOSampler(objective.space, latent=tiny_latent_space(), n_initial=3, acquisition=self.registered,
                                  seed=0)
        study = create_study(objective.space, sampler)
        result = run_search(study, objective, n_unique=5)
        assert result.unique_evaluations == 5
        assert study.user_attrs["sampler"]["config"]["acquisition"] == self.registered

    @staticmethod
    def history(n: int) -> Any:
        """A history of the first ``n`` seeded NB201 samples with their CIFAR-10 validation accuracies."""
        return _history(n)
