"""Latent BO: the sampler contract, its proposal rules, its options and its thread count."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import optuna
import pytest
import torch

from latentnas.errors import CheckpointError, InvalidArgumentError
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import History, Observation, make_sampler
from latentnas.samplers.latent_bo import LatentBOConfig, LatentBOSampler
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.study import create_study, run_search
from latentnas.testing.samplers import ArchitectureSamplerContract, plain_search
from latentnas.vae import LatentSpace, TrainConfig, read_manifest, save_checkpoint
from latentnas.vae.checkpoint import default_checkpoint
from tests.samplers.conftest import tiny_latent_space


class TestLatentBO(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentBOSampler(space, latent=tiny_latent_space(), n_initial=5, raw_samples=32, seed=seed)


class TestLatentBOThompson(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentBOSampler(space, latent=tiny_latent_space(), n_initial=5, raw_samples=16, acquisition="ts",
                               seed=seed)


def test_batch_of_asks_gives_distinct_proposals_through_x_pending(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace
) -> None:
    space = nb201_objective.space
    sampler = LatentBOSampler(space, latent=tiny_latent, n_initial=4, raw_samples=32, n_parents=0, seed=0)
    study = create_study(space, sampler)
    run_search(study, nb201_objective, n_unique=6)
    batch = [study.ask(space.distributions()) for _ in range(4)]  # q = 4, none told yet
    keys = {space.canonical_key(space.from_params(t.params)) for t in batch}
    known = {t.user_attrs["arch_key"] for t in study.trials if "arch_key" in t.user_attrs}
    assert len(keys) == 4 and not keys & known


def test_pending_architectures_enter_the_acquisition(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace
) -> None:
    space = nb201_objective.space
    sampler = LatentBOSampler(space, latent=tiny_latent, n_initial=3, raw_samples=64, n_parents=0, seed=0)
    study = create_study(space, sampler)
    run_search(study, nb201_objective, n_unique=8)
    history = History.from_study(study, space)
    first, score = sampler.propose_scored(history, random.Random(1))
    history.pending.append(first)
    history.known.add(space.canonical_key(first))
    second, score_with_pending = sampler.propose_scored(history, random.Random(1))
    assert space.canonical_key(second) != space.canonical_key(first)
    assert score_with_pending <= score


def test_the_gp_proposes_beside_other_params_in_a_plain_study(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, a learning rate beside the architecture made every trial unreadable: 0 GP proposals in 20 trials.
    sampler = LatentBOSampler(nb201_objective.space, latent=tiny_latent, n_initial=4, raw_samples=16, seed=0)
    proposals: list[int] = []
    propose_scored = sampler.propose_scored

    def counted(history: History, rng: random.Random) -> tuple[Any, float]:
        proposals.append(len(history.observations))
        return propose_scored(history, rng)

    monkeypatch.setattr(sampler, "propose_scored", counted)
    plain_search(sampler, nb201_objective, n_trials=8, extra=True)
    assert proposals == [4, 5, 6, 7]


def test_a_proposal_runs_on_its_threads_and_restores_the_callers(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    sampler = LatentBOSampler(nb201_objective.space, latent=tiny_latent, n_initial=2, raw_samples=8, threads=1,
                              seed=0)
    during: list[int] = []
    fit = sampler.surrogate.fit

    def spied(train_X: torch.Tensor, train_Y: torch.Tensor) -> Any:
        during.append(torch.get_num_threads())
        return fit(train_X, train_Y)

    monkeypatch.setattr(sampler.surrogate, "fit", spied)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        plain_search(sampler, nb201_objective, n_trials=3)
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    assert during == [1] and after == 2


def test_subset_gp_keeps_the_best_half(tiny_latent: LatentSpace) -> None:
    sampler = LatentBOSampler(NasBench201Space(), latent=tiny_latent, max_train=4)
    history = History(observations=[Observation(i, None, str(i), float(i)) for i in range(10)])
    kept = sampler.training_set(history, random.Random(0))
    assert len(kept) == 4 and [o.value for o in kept[:2]] == [9.0, 8.0]


def test_stall_counts_the_architectures_since_the_best(tiny_latent: LatentSpace) -> None:
    sampler = LatentBOSampler(NasBench201Space(), latent=tiny_latent, explore_after=3)
    values = [1.0, 5.0, 2.0, 3.0]
    history = History(observations=[Observation(i, None, str(i), v) for i, v in enumerate(values)])
    assert not sampler.stalled(history)  # two since the best
    history.observations.append(Observation(4, None, "4", 5.0))  # a tie is no improvement
    assert sampler.stalled(history)
    history.observations.append(Observation(5, None, "5", 6.0))
    assert not sampler.stalled(history)
    assert not LatentBOSampler(NasBench201Space(), latent=tiny_latent).stalled(history)


def test_keyword_options_build_the_config(tiny_latent: LatentSpace) -> None:
    space = NasBench201Space()
    base = LatentBOConfig(n_initial=7, kernel="latent")
    sampler = LatentBOSampler(space, config=base, latent=tiny_latent, raw_samples=16)
    assert sampler.config == LatentBOConfig(n_initial=7, kernel="latent", raw_samples=16)
    assert sampler.surrogate.kernel == "latent"
    assert make_sampler("latent-bo", space, latent=tiny_latent, n_initial=10).config.n_initial == 10  # type: ignore[attr-defined]
    with pytest.raises(InvalidArgumentError, match="unknown latent-bo option 'trust_region'; choices: n_initial, "):
        make_sampler("latent-bo", space, latent=tiny_latent, trust_region=True)
    with pytest.raises(InvalidArgumentError, match="config must be a LatentBOConfig, got dict"):
        LatentBOSampler(space, config={"n_initial": 3}, latent=tiny_latent)  # type: ignore[arg-type]


def test_describe_names_the_encoder_by_sha256(tiny_latent: LatentSpace, tmp_path: Path) -> None:
    space = tiny_latent.space
    path = tmp_path / "nb201.pt"
    spec = space.graph_spec
    config = TrainConfig(encoder="gin", decoder="oneshot", hidden=16, latent_dim=4)
    save_checkpoint(path, tiny_latent.vae, space=space,
                    configs=config.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types))
    described = make_sampler("latent-bo", space, checkpoint=path, seed=3, n_initial=4).describe()  # type: ignore[attr-defined]
    assert described == {"sampler": "latent-bo", "seed": 3, "config": LatentBOConfig(n_initial=4).to_dict(),
                         "independent_sampler": "RandomSampler", "checkpoint_sha256": read_manifest(path)["sha256"]}
    in_memory = LatentBOSampler(space, latent=tiny_latent).describe()["checkpoint_sha256"]
    assert len(in_memory) == 64 and in_memory == LatentBOSampler(space, latent=tiny_latent).describe()[
        "checkpoint_sha256"]


def test_checkpoint_of_another_space_is_refused(tiny_latent: LatentSpace, tmp_path: Path) -> None:
    from latentnas.spaces.nasbench_graph import NasBenchGraphSpace

    path = tmp_path / "nb201.pt"
    spec = tiny_latent.space.graph_spec
    config = TrainConfig(encoder="gin", decoder="oneshot", hidden=16, latent_dim=4)
    save_checkpoint(path, tiny_latent.vae, space=tiny_latent.space,
                    configs=config.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types))
    assert make_sampler("latent-bo", tiny_latent.space, checkpoint=path).latent.dim == 4  # type: ignore[attr-defined]
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



def test_pruned_architectures_enter_the_gp_with_their_mapped_cheap_values(tiny_latent: LatentSpace) -> None:
    space = NasBench201Space()
    archs = [space.sample(i) for i in range(5)]
    history = History()
    for i, (low, full) in enumerate([(80.0, 90.0), (81.0, 92.0), (82.0, 94.0)]):
        history.observations.append(Observation(2 * i, archs[i], f"k{i}", full, {12: low, 200: full}))
    history.pruned = [Observation(1, archs[3], "k3", 75.0, {12: 75.0}), Observation(3, archs[4], "k4", 70.0, {12: 70.0})]
    trained: list[list[tuple[int, float]]] = []

    class Recording(LatentBOSampler):
        def initial(self, history: History, rng: random.Random) -> Any:
            return "initial design"

        def propose_scored(self, history: History, rng: random.Random) -> tuple[Any, float]:
            trained.append([(o.number, round(o.value, 6)) for o in history.observations])
            return "gp", 0.0

    mapping = Recording(space, latent=tiny_latent, n_initial=5, pruned_values="mapped")
    assert mapping.propose(history, random.Random(0)) == "gp"
    # 200-epoch = 2 * 12-epoch - 70 on the completed ones: 75 -> 80, 70 -> 70; in trial order.
    assert trained == [[(0, 90.0), (1, 80.0), (2, 92.0), (3, 70.0), (4, 94.0)]]
    ignoring = Recording(space, latent=tiny_latent, n_initial=5)  # the default
    assert ignoring.config.pruned_values == "ignore"
    assert ignoring.propose(history, random.Random(0)) == "initial design"  # 3 observations of 5
    with pytest.raises(InvalidArgumentError, match="^unknown pruned_values 'all'; choices: ignore, mapped$"):
        LatentBOConfig(pruned_values="all")
