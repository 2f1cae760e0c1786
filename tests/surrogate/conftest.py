"""The shipped NB201 encoder's latent space and a handful of real CIFAR-10 rows, loaded once for the surrogate's
tests."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from latentnas.objectives import BenchmarkObjective
from latentnas.surrogate import LatentCache, LatentSurrogate


@pytest.fixture(scope="session")
def nb201_cache() -> LatentCache:
    return LatentCache()


@pytest.fixture(scope="session")
def rows(nb201_cache: LatentCache) -> tuple[LatentSurrogate, list[Any], torch.Tensor]:
    """The shipped NB201 encoder's surrogate, 8 architectures and their CIFAR-10 validation accuracies."""
    objective = BenchmarkObjective("nasbench201", "cifar10")
    space = objective.space
    archs = [space.sample(seed) for seed in range(8)]
    values = torch.tensor([[objective(a).valid] for a in archs], dtype=torch.float64)
    return LatentSurrogate(nb201_cache.latent_space(space), cache=nb201_cache), archs, values
