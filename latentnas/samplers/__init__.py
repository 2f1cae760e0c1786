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


def _latent_bo(space: SearchSpace[Any], *, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """BoTorch GP + qLogNEI in the latent space of the space's pretrained encoder."""
    from latentnas.samplers.latent_bo import LatentBOSampler  # botorch is imported only when used

    return LatentBOSampler(space, seed=seed, **kwargs)


def _latent_tpe(space: SearchSpace[Any], *, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """Optuna's TPE over the latent coordinates of the space's pretrained encoder (as LSBO-NAS)."""
    from latentnas.samplers.latent_tpe import LatentTPESampler

    return LatentTPESampler(space, seed=seed, **kwargs)


SAMPLERS.register("random", RandomArchitectureSampler)
SAMPLERS.register("evolution", RegularizedEvolutionSampler)
SAMPLERS.register("local-search", LocalSearchSampler)
SAMPLERS.register("tpe", _tpe)
SAMPLERS.register("latent-bo", _latent_bo)
SAMPLERS.register("latent-tpe", _latent_tpe)
#: The samplers that search a pretrained encoder's latent space: the ones that take ``checkpoint=``.
LATENT_SAMPLERS: tuple[str, ...] = ("latent-bo", "latent-tpe")


def make_sampler(name: str, space: SearchSpace[Any], *, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """Builds the sampler registered as ``name`` for ``space``; raises ``UnknownNameError`` listing the choices."""
    return SAMPLERS.get(name)(space, seed=seed, **kwargs)


__all__ = [
    "LATENT_SAMPLERS",
    "SAMPLERS",
    "ArchitectureSampler",
    "History",
    "LocalSearchSampler",
    "Observation",
    "RandomArchitectureSampler",
    "RegularizedEvolutionSampler",
    "make_sampler",
]
