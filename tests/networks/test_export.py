from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from latentnas.errors import LatentNASError
from latentnas.networks import Task
from latentnas.networks.export import export_network
from latentnas.networks.nasbench201 import NB201Config
from latentnas.spaces import get_space
from tests.networks.exported import load_exported


def test_gnn_round_trip_reproduces_outputs(tmp_path: Path) -> None:
    space = get_space("nasbench-graph")
    arch = space.from_string("[0,0,1,2] [gat,arma,gin,cheb]")
    task = Task("node", 5, 3)
    torch.manual_seed(3)
    original = space.build(arch, task).eval()
    manifest = export_network(space, arch, task, tmp_path, model=original)
    source = (tmp_path / "model.py").read_text()
    assert "latentnas" not in "".join(line for line in source.splitlines() if line.startswith(("import", "from")))
    copy = load_exported(tmp_path, "exported_gnn")
    x = torch.randn(7, 5)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]])
    assert torch.equal(copy(x, edge_index), original(x, edge_index))
    stored = json.loads((tmp_path / "arch.json").read_text())
    assert stored["arch"] == "[0,0,1,2] [gat,arma,gin,cheb]" == manifest["arch"]
    assert stored["task"] == {"kind": "node", "in_channels": 5, "num_classes": 3}


def test_cnn_round_trip_reproduces_outputs(tmp_path: Path) -> None:
    space = get_space("nasbench201")
    arch = space.sample(4)
    config = NB201Config(channels=4, cells_per_stage=1)
    original = space.build(arch, Task("image", 1, 10), config=config)
    original(torch.randn(8, 1, 8, 8))  # move the BN running statistics away from their initial values
    original.eval()
    export_network(space, arch, Task("image", 1, 10), tmp_path, model=original, config=config)
    x = torch.randn(4, 1, 8, 8)
    assert torch.equal(load_exported(tmp_path, "exported_cnn")(x), original(x))


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    space = get_space("nasbench201")
    export_network(space, space.sample(0), Task("image", 1, 10), tmp_path, config=NB201Config(4, 1))
    with pytest.raises(LatentNASError, match="--force"):
        export_network(space, space.sample(0), Task("image", 1, 10), tmp_path, config=NB201Config(4, 1))
