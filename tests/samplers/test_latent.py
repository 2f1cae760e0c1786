"""LatentBO and LatentTPE pass the sampler contract; the latent space is an untrained tiny VAE (the contract is
about seeding, novelty, resume and pending trials, not search quality, which scripts/compare.py measures)."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import optuna
import pytest
import torch

from latentnas.errors import CheckpointError
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import History, Observation, make_sampler
from latentnas.samplers.latent_bo import LatentBOSampler
from latentnas.samplers.latent_tpe import LatentTPESampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.study import create_study, run_search
from latentnas.vae import LatentSpace, TrainConfig, build_vae, save_checkpoint
from latentnas.vae.checkpoint import default_checkpoint
from tests.samplers.contract import SamplerContract


@cache
def tiny_latent() -> LatentSpace:
    space = NasBench201Space()
    spec = space.graph_spec
    config = TrainConfig(encoder="gin", decoder="oneshot", hidden=16, latent_dim=4)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        vae = build_vae(config.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types))
    return LatentSpace(space, vae)


class TestLatentBO(SamplerContract):
    budget = 16

    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentBOSampler(space, latent=tiny_latent(), n_initial=5, raw_samples=32, seed=seed)


class TestLatentBOTrustRegion(SamplerContract):
    budget = 14

    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentBOSampler(space, latent=tiny_latent(), n_initial=5, raw_samples=16, n_parents=1,
                               trust_region=True, seed=seed)


class TestLatentBOThompson(SamplerContract):
    budget = 14

    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentBOSampler(space, latent=tiny_latent(), n_initial=5, raw_samples=16, acquisition="ts", seed=seed)


class TestLatentTPE(SamplerContract):
    budget = 16

    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentTPESampler(space, latent=tiny_latent(), n_initial=5, seed=seed)


def test_batch_of_asks_gives_distinct_proposals_through_x_pending(nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    sampler = LatentBOSampler(space, latent=tiny_latent(), n_initial=4, raw_samples=32, n_parents=0, seed=0)
    study = create_study(space, sampler)
    run_search(study, nb201_objective, n_unique=6)
    batch = [study.ask(space.distributions()) for _ in range(4)]  # q = 4, none told yet
    keys = {space.canonical_key(space.from_params(t.params)) for t in batch}
    known = {t.user_attrs["arch_key"] for t in study.trials if "arch_key" in t.user_attrs}
    assert len(keys) == 4 and not keys & known


def test_pending_architectures_enter_the_acquisition(nb201_objective: BenchmarkObjective) -> None:
    space = nb201_objective.space
    sampler = LatentBOSampler(space, latent=tiny_latent(), n_initial=3, raw_samples=64, n_parents=0, seed=0)
    history = History()
    study = create_study(space, sampler)
    run_search(study, nb201_objective, n_unique=8)
    history = History.from_study(study, space)
    first, score = sampler.propose_scored(history, random.Random(1))
    history.pending.append(first)
    history.known.add(space.canonical_key(first))
    second, score_with_pending = sampler.propose_scored(history, random.Random(1))
    assert space.canonical_key(second) != space.canonical_key(first)
    assert score_with_pending <= score


def test_trust_region_shrinks_after_failures_and_grows_after_successes() -> None:
    space = NasBench201Space()
    sampler = LatentBOSampler(space, latent=tiny_latent(), n_initial=2, success_tolerance=2, failure_tolerance=3)
    history = History()

    def add(value: float) -> None:
        history.observations.append(Observation(len(history.observations), None, str(value), value))

    for v in (1.0, 2.0):
        add(v)
    assert sampler.trust_length(history) == 0.8
    for v in (0.5, 0.5, 0.5):
        add(v)
    assert sampler.trust_length(history) == 0.4
    for v in (3.0, 4.0):
        add(v)
    assert sampler.trust_length(history) == 0.8


def test_subset_gp_keeps_the_best_half() -> None:
    space = NasBench201Space()
    sampler = LatentBOSampler(space, latent=tiny_latent(), max_train=4)

    history = History(observations=[Observation(i, None, str(i), float(i)) for i in range(10)])
    kept = sampler.training_set(history, random.Random(0))
    assert len(kept) == 4 and [o.value for o in kept[:2]] == [9.0, 8.0]


def test_stall_counts_the_architectures_since_the_best() -> None:
    sampler = LatentBOSampler(NasBench201Space(), latent=tiny_latent(), explore_after=3)
    values = [1.0, 5.0, 2.0, 3.0]
    history = History(observations=[Observation(i, None, str(i), v) for i, v in enumerate(values)])
    assert not sampler.stalled(history)  # two since the best
    history.observations.append(Observation(4, None, "4", 5.0))  # a tie is no improvement
    assert sampler.stalled(history)
    history.observations.append(Observation(5, None, "5", 6.0))
    assert not sampler.stalled(history)
    assert not LatentBOSampler(NasBench201Space(), latent=tiny_latent()).stalled(history)


def test_arguments_are_checked() -> None:
    space = NasBench201Space()
    with pytest.raises(ValueError, match="raw_samples must be non-negative, got -1"):
        LatentBOSampler(space, latent=tiny_latent(), raw_samples=-1)
    with pytest.raises(ValueError, match="no candidates"):
        LatentBOSampler(space, latent=tiny_latent(), raw_samples=0, n_parents=0)
    with pytest.raises(ValueError, match="unknown acquisition 'ucb'; choices: logei, ts"):
        LatentBOSampler(space, latent=tiny_latent(), acquisition="ucb")
    with pytest.raises(ValueError, match="explore_after must be positive or None, got 0"):
        LatentBOSampler(space, latent=tiny_latent(), explore_after=0)
    with pytest.raises(ValueError, match="max_tries must be positive, got 0"):
        LatentTPESampler(space, latent=tiny_latent(), max_tries=0)


def test_checkpoint_of_another_space_is_refused(tmp_path: Path) -> None:
    from latentnas.spaces.nasbench_graph import NasBenchGraphSpace

    latent = tiny_latent()
    path = tmp_path / "nb201.pt"
    spec = latent.space.graph_spec
    config = TrainConfig(encoder="gin", decoder="oneshot", hidden=16, latent_dim=4)
    save_checkpoint(path, latent.vae, space=latent.space,
                    configs=config.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types))
    assert make_sampler("latent-bo", latent.space, checkpoint=path).latent.dim == 4  # type: ignore[attr-defined]
    with pytest.raises(CheckpointError, match="is for space 'nasbench201', not 'nasbench-graph'"):
        make_sampler("latent-bo", NasBenchGraphSpace(), checkpoint=path)


def test_missing_default_checkpoint_says_how_to_make_one() -> None:
    with pytest.raises(CheckpointError, match="latentnas pretrain --space darts"):
        default_checkpoint("darts")


def test_default_checkpoint_follows_the_op_vocabulary() -> None:
    from latentnas.spaces.nasbench_graph import PROTEINS_OPS, NasBenchGraphSpace

    assert default_checkpoint(NasBenchGraphSpace()).name == "nasbench-graph.pt"
    assert default_checkpoint(NasBenchGraphSpace(ops=PROTEINS_OPS)).name == "nasbench-graph-proteins.pt"
    with pytest.raises(CheckpointError, match="space 'nasbench-graph-gat-gcn' .* train one with `latentnas.vae.train_vae`"):
        default_checkpoint(NasBenchGraphSpace(ops=("gcn", "gat")))
