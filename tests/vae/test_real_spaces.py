"""The VAE on the real spaces whose graph forms differ most: NAS-Bench-201 (fixed adjacency, ops on nodes) and
NAS-Bench-Graph (one predecessor per computing node)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import torch
from torch_geometric.data import Batch

from latentnas.spaces.base import SearchSpace
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.spaces.nasbench_graph import NasBenchGraphSpace
from latentnas.vae import LatentSpace, build_vae, default_train_config, train_vae

SPACES = [NasBench201Space, NasBenchGraphSpace]


@pytest.mark.parametrize("space_cls", SPACES, ids=["nasbench201", "nasbench-graph"])
@pytest.mark.parametrize("encoder", ["dag", "gin"])
def test_untrained_vae_round_trips_shapes_and_decodes_validly(space_cls: type[SearchSpace[Any]], encoder: str) -> None:
    space = space_cls()
    spec = space.graph_spec
    settings = replace(default_train_config(space.name), encoder=encoder)
    torch.manual_seed(0)
    vae = build_vae(settings.vae_config(num_nodes=spec.num_nodes, num_types=spec.num_types)).eval()
    archs = [space.sample(seed) for seed in range(6)]
    out = vae(Batch.from_data_list([space.to_data(a) for a in archs]))
    assert out.mu.shape == (6, 16)
    assert out.decoded.type_logits.shape == (6, spec.num_nodes, spec.num_types)
    latent = LatentSpace(space, vae, archs=archs)
    z = torch.randn(50, 16, generator=torch.Generator().manual_seed(0)) * 5
    for arch in latent.decode(z) + latent.decode(latent.encode(archs)):
        space.validate(arch)


def test_fast_training_step_on_nasbench201_subset() -> None:
    space = NasBench201Space()
    archs = space.pretraining_archs()[:256]
    trained = train_vae(space, archs, epochs=2, seed=0, num_prior_samples=200)
    assert trained.metrics["validity"] == 1.0
    assert trained.history[1]["loss"] < trained.history[0]["loss"]


@pytest.mark.slow
@pytest.mark.parametrize("space_cls", SPACES, ids=["nasbench201", "nasbench-graph"])
def test_defaults_reach_the_reconstruction_target(space_cls: type[SearchSpace[Any]]) -> None:
    space = space_cls()
    trained = train_vae(space, space.pretraining_archs(), seed=0)
    assert trained.metrics["holdout_reconstruction"] >= 0.999
    assert trained.metrics["validity"] == 1.0
