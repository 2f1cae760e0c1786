from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="session")
def cora_small(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The first 300 nodes of the shipped Cora (real features, edges, labels and public masks)."""
    from latentnas.datasets import load_dataset

    root = tmp_path_factory.mktemp("lnd")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATENTNAS_DATA", str(root))
    try:
        data, task = load_dataset("Cora")
    finally:
        mp.undo()
    return data.subgraph(torch.arange(300)), task


@pytest.fixture(scope="session")
def mutag(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import shutil
    from pathlib import Path

    from latentnas.datasets import load_dataset

    root = tmp_path_factory.mktemp("tu")
    shutil.copytree(Path(__file__).parents[1] / "data" / "tudataset" / "MUTAG", root / "MUTAG")
    return load_dataset("MUTAG", root=root)


@pytest.fixture(scope="session")
def digits():  # type: ignore[no-untyped-def]
    from latentnas.datasets import load_digits

    return load_digits(seed=0)
