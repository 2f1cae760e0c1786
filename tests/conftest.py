from __future__ import annotations

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
