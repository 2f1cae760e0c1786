from __future__ import annotations

from pathlib import Path

import optuna
import pytest
import torch

optuna.logging.set_verbosity(optuna.logging.WARNING)
# The fixtures are tiny: more threads only add synchronization, and on a shared CPU far more than that.
torch.set_num_threads(1)


@pytest.fixture
def nb201_objective():  # type: ignore[no-untyped-def]
    from latentnas.objectives import BenchmarkObjective

    return BenchmarkObjective("nasbench201", "cifar10")


@pytest.fixture(scope="session")
def cora_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache where PyG has processed the shipped Cora (``planetoid/Cora/processed/data.pt``)."""
    from latentnas.datasets import load_dataset

    root = tmp_path_factory.mktemp("lnd")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATENTNAS_DATA", str(root))
    try:
        load_dataset("Cora")
    finally:
        mp.undo()
    return root
