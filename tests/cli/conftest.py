"""The saved data of the ``--data PATH`` tests of ``latentnas search`` and ``latentnas export``."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

from latentnas.datasets import load_dataset


@pytest.fixture(scope="session")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three saved ``Data``: 200 nodes of the shipped Cora with its public masks, the same without masks, and 80 nodes of a
    random graph whose float targets are a function of their features (regression)."""
    root = tmp_path_factory.mktemp("own")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATENTNAS_DATA", str(root / "cache"))
    try:
        cora, _ = load_dataset("Cora")
    finally:
        mp.undo()
    small = cora.subgraph(torch.cat([torch.arange(160), torch.arange(1708, 1748)]))  # 140 train, 20 valid, 40 test
    bare = small.clone()
    del bare.train_mask, bare.val_mask, bare.test_mask
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(80, 4, generator=generator)
    edge_index = torch.randint(0, 80, (2, 320), generator=generator)
    paths = {"cora": root / "cora.pt", "bare": root / "bare.pt", "reg": root / "reg.pt"}
    torch.save(small, paths["cora"])
    torch.save(bare, paths["bare"])
    torch.save(Data(x=x, edge_index=edge_index, y=2 * x[:, 0] - x[:, 1]), paths["reg"])
    return paths
