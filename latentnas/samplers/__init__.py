"""Samplers, looked up by name: ``make_sampler("evolution", space, seed=0)``.

Every sampler is an Optuna sampler over the space's params, so Optuna's own samplers are baselines for free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optuna

from latentnas.registry import Registry
from latentnas.samplers.base import ArchitectureSampler, History, Observation
from latentnas.samplers.evolution import RegularizedEvolutionSampler
from latentnas.samplers.local_search import LocalSearchSampler
from latentnas.samplers.random_search import RandomArchitectureSampler
from latentnas.spaces import SearchSpace

SamplerFactory = Callable[..., optuna.samplers.BaseSampler]
SAMPLERS: Registry[SamplerFactory] = Registry("sampler")


def _tpe(space: SearchSpace[Any], *, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """Optuna's TPE on the raw architectural choices (the LSBO-NAS paper's non-latent baseline)."""
    return optuna.samplers.TPESampler(seed=seed, **kwargs)


SAMPLERS.register("random", RandomArchitectureSampler)
SAMPLERS.register("evolution", RegularizedEvolutionSampler)
SAMPLERS.register("local-search", LocalSearchSampler)
SAMPLERS.register("tpe", _tpe)


def make_sampler(name: str, space: SearchSpace[Any], *, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """Builds the sampler registered as ``name`` for ``space``; raises ``UnknownNameError`` listing the choices."""
    return SAMPLERS.get(name)(space, seed=seed, **kwargs)


__all__ = [
    "SAMPLERS",
    "ArchitectureSampler",
    "History",
    "LocalSearchSampler",
    "Observation",
    "RandomArchitectureSampler",
    "RegularizedEvolutionSampler",
    "make_sampler",
]
