"""Latent BO: the sampler contract, which strategy proposes when, what a proposal records, its options and its
thread count."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import optuna
import pytest
import torch

import latentnas.samplers.strategies.single as single
from latentnas.errors import CheckpointError, InvalidArgumentError
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import History, Observation, make_sampler
from latentnas.samplers.base import PROPOSAL_ATTR
from latentnas.samplers.latent_bo import N_INITIAL, N_INITIAL_SEVERAL, LatentBOConfig, LatentBOSampler
from latentnas.samplers.strategies import (
    CanonicalSamples,
    OneObjective,
    PriorSamples,
    SeveralObjectives,
    training_set,
)
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.study import create_study, run_search
from latentnas.testing.samplers import ArchitectureSamplerContract, plain_search
from latentnas.vae import LatentSpace, TrainConfig, read_manifest, save_checkpoint
from latentnas.vae.checkpoint import default_checkpoint
from tests.samplers.conftest import history_of, tiny_latent_space


class TestLatentBO(ArchitectureSamplerContract):
    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        return LatentBOSampler(space, latent=tiny_latent_space(), n_initial=5, seed=seed)


# ---------------------------------------------------------------------------------------------------- the config
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_initial": 0}, "n_initial must be a positive int or None, got 0"),
        ({"n_initial": 2.5}, "n_initial must be a positive int or None, got 2.5"),
        ({"n_initial": True}, "n_initial must be a positive int or None, got True"),
        ({"acquisition": "ts"}, "unknown acquisition 'ts'; choices: qlognei"),
        ({"kernel": "rbf"}, "unknown kernel 'rbf'; choices: decoded, latent"),
        ({"outcome": "log"}, "unknown outcome 'log'; choices: copula, standardize"),
        ({"max_train": 1}, "max_train must be an int >= 2, got 1"),
    ],
)
def test_config_refuses_bad_values_naming_the_field(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        LatentBOConfig(**options)
    with pytest.raises(InvalidArgumentError, match=message):
        LatentBOConfig().replace(**options)


def test_config_round_trips_through_json_and_holds_what_the_study_records() -> None:
    config = LatentBOConfig(n_initial=10, kernel="latent")
    data = json.loads(json.dumps(config.to_dict()))
    assert data == {"n_initial": 10, "acquisition": "qlognei", "kernel": "latent", "outcome": "copula",
                    "max_train": 300}
    assert LatentBOConfig.from_dict(data) == config
    assert LatentBOConfig.from_dict({}) == LatentBOConfig()
    with pytest.raises(InvalidArgumentError, match="^unknown latent-bo option 'threads'; choices: n_initial, "
                                                   "acquisition, kernel, outcome, max_train$"):
        LatentBOConfig.from_dict({"threads": 4})  # an execution setting: the sampler's, not the study's
    with pytest.raises(AttributeError):
        config.n_initial = 3  # type: ignore[misc]


def test_threads_are_not_part_of_what_a_study_records(tiny_latent: LatentSpace) -> None:
    space = NasBench201Space()
    one = LatentBOSampler(space, latent=tiny_latent, seed=0, threads=1).describe()
    default = LatentBOSampler(space, latent=tiny_latent, seed=0, threads=None).describe()
    assert one == default
    with pytest.raises(InvalidArgumentError, match="^threads must be a positive int or None, got 0$"):
        LatentBOSampler(space, latent=tiny_latent, threads=0)


def test_latent_bo_fits_through_the_copula_by_default(tiny_latent: LatentSpace) -> None:
    space = NasBench201Space()
    assert LatentBOConfig().outcome == "copula"
    assert LatentBOSampler(space, latent=tiny_latent).surrogate.outcome == "copula"
    assert LatentBOSampler(space, latent=tiny_latent, outcome="standardize").surrogate.outcome == "standardize"


# ---------------------------------------------------------------------------------------------------- proposals
def test_the_strategy_follows_the_history(tiny_latent: LatentSpace) -> None:
    space = NasBench201Space()
    sampler = LatentBOSampler(space, latent=tiny_latent, n_initial=3)
    assert isinstance(sampler.strategy(history_of(space, [1.0, 2.0])), CanonicalSamples)
    history = history_of(space, [1.0, 2.0, 3.0])
    assert isinstance(sampler.strategy(history), OneObjective)
    history.observations[0].constraints = (1.0,)  # constraints: the design and model of several objectives
    assert isinstance(sampler.strategy(history), SeveralObjectives)


def test_each_kind_of_search_has_its_own_initial_design(tiny_latent: LatentSpace) -> None:
    space = NasBench201Space()
    default = LatentBOSampler(space, latent=tiny_latent)
    one = history_of(space, [float(i) for i in range(N_INITIAL)])
    assert N_INITIAL == 5 and isinstance(default.strategy(one), OneObjective)
    assert isinstance(default.strategy(history_of(space, [1.0] * (N_INITIAL - 1))), CanonicalSamples)
    several = history_of(space, [float(i) for i in range(N_INITIAL)])
    several.observations[0].constraints = (1.0,)
    assert N_INITIAL_SEVERAL == 20 and isinstance(default.strategy(several), PriorSamples)


def test_batch_of_asks_gives_distinct_proposals_through_x_pending(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace
) -> None:
    space = nb201_objective.space
    sampler = LatentBOSampler(space, latent=tiny_latent, n_initial=4, seed=0)
    study = create_study(space, sampler)
    run_search(study, nb201_objective, n_unique=6)
    batch = [study.ask(space.distributions()) for _ in range(4)]  # q = 4, none told yet
    keys = {space.canonical_key(space.from_params(t.params)) for t in batch}
    known = {t.user_attrs["arch_key"] for t in study.trials if "arch_key" in t.user_attrs}
    assert len(keys) == 4 and not keys & known


def test_pending_architectures_enter_the_acquisition(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = nb201_objective.space
    sampler = LatentBOSampler(space, latent=tiny_latent, n_initial=3, seed=0)
    study = create_study(space, sampler)
    run_search(study, nb201_objective, n_unique=8)
    history = History.from_study(study, space)
    first = sampler.proposal(history, random.Random(1))
    assert first.phase == "model"
    history.pending.append(first.arch)
    history.known.add(space.canonical_key(first.arch))
    seen: list[torch.Tensor | None] = []
    acquisition = single.qLogNoisyExpectedImprovement

    def spied(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["X_pending"])
        return acquisition(*args, **kwargs)

    monkeypatch.setattr(single, "qLogNoisyExpectedImprovement", spied)
    second = sampler.proposal(history, random.Random(1))
    assert space.canonical_key(second.arch) != space.canonical_key(first.arch)
    assert len(seen) == 1 and seen[0] is not None
    assert torch.equal(seen[0], sampler.surrogate.arch_features([first.arch]))


def test_the_gp_proposes_beside_other_params_in_a_plain_study(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, a learning rate beside the architecture made every trial unreadable: 0 GP proposals in 20 trials.
    sampler = LatentBOSampler(nb201_objective.space, latent=tiny_latent, n_initial=4, seed=0)
    study = plain_search(sampler, nb201_objective, n_trials=8, extra=True)
    phases = [t.system_attrs[PROPOSAL_ATTR]["phase"] for t in study.trials]
    assert phases == ["design"] * 4 + ["model"] * 4


def test_each_trial_records_how_its_architecture_was_chosen(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace
) -> None:
    space = nb201_objective.space
    study = create_study(space, LatentBOSampler(space, latent=tiny_latent, n_initial=2, seed=0))
    run_search(study, nb201_objective, n_unique=3)
    recorded = [t.system_attrs[PROPOSAL_ATTR] for t in study.trials]
    assert recorded[:2] == [{"phase": "design", "score": None}] * 2
    assert recorded[2]["phase"] == "model" and isinstance(recorded[2]["score"], float)


def test_a_proposal_runs_on_its_threads_and_restores_the_callers(
    nb201_objective: BenchmarkObjective, tiny_latent: LatentSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    sampler = LatentBOSampler(nb201_objective.space, latent=tiny_latent, n_initial=2, threads=1, seed=0)
    during: list[int] = []
    fit = sampler.surrogate.fit

    def spied(train_X: torch.Tensor, train_Y: torch.Tensor, **kwargs: Any) -> Any:
        during.append(torch.get_num_threads())
        return fit(train_X, train_Y, **kwargs)

    monkeypatch.setattr(sampler.surrogate, "fit", spied)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        plain_search(sampler, nb201_objective, n_trials=3)
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    assert during == [1] and after == 2


def test_subset_gp_keeps_the_best_half() -> None:
    history = History(observations=[Observation(i, None, str(i), float(i)) for i in range(10)])
    kept = training_set(history, random.Random(0), 4)
    assert len(kept) == 4 and [o.value for o in kept[:2]] == [9.0, 8.0]
    assert training_set(history, random.Random(0), 10) == history.observations


def test_keyword_options_build_the_config(tiny_latent: LatentSpace) -> None:
    space = NasBench201Space()
    base = LatentBOConfig(n_initial=7, kernel="latent")
    sampler = LatentBOSampler(space, config=base, latent=tiny_latent, max_train=16)
    assert sampler.config == LatentBOConfig(n_initial=7, kernel="latent", max_train=16)
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
