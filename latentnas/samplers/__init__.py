"""Samplers, looked up by name: ``make_sampler("evolution", space, seed=0)``.

Every sampler is an Optuna sampler over the space's params, so Optuna's own samplers are baselines for free, and ours
are drop-in samplers of any single-objective Optuna study whose objective suggests the architecture with
``space.suggest(trial)`` (other params it suggests go to an independent sampler). Each has ``describe()``, the JSON
object it stores on the study it samples (user attr ``"sampler"``); a study sampled by another configuration is
refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optuna

from latentnas.registry import Registry
from latentnas.samplers.base import SAMPLER_ATTR, ArchitectureSampler, History, Observation
from latentnas.samplers.evolution import RegularizedEvolutionSampler
from latentnas.samplers.gp import RawGPSampler
from latentnas.samplers.local_search import LocalSearchSampler
from latentnas.samplers.nsga2 import RawNSGAIISampler
from latentnas.samplers.random_search import RandomArchitectureSampler
from latentnas.samplers.threads import torch_threads
from latentnas.samplers.tpe import RawTPESampler
from latentnas.spaces import SearchSpace

SamplerFactory = Callable[..., optuna.samplers.BaseSampler]
SAMPLERS: Registry[SamplerFactory] = Registry("sampler")


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
SAMPLERS.register("tpe", RawTPESampler)
SAMPLERS.register("gp", RawGPSampler)
SAMPLERS.register("nsga2", RawNSGAIISampler)
SAMPLERS.register("latent-bo", _latent_bo)
SAMPLERS.register("latent-tpe", _latent_tpe)
#: The samplers that search a pretrained encoder's latent space: the ones that take ``checkpoint=``.
LATENT_SAMPLERS: tuple[str, ...] = ("latent-bo", "latent-tpe")
#: The samplers that search a study of several objectives (the others refuse one), and those that take constraints
#: into account (every sampler runs on a constrained study; the others ignore its constraints).
MULTI_OBJECTIVE_SAMPLERS: tuple[str, ...] = ("latent-bo", "random", "tpe", "nsga2")
CONSTRAINED_SAMPLERS: tuple[str, ...] = ("latent-bo", "tpe", "nsga2")


def make_sampler(name: str, space: SearchSpace[Any], *, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """Builds the sampler registered as ``name`` for ``space``; raises ``UnknownNameError`` listing the choices."""
    return SAMPLERS.get(name)(space, seed=seed, **kwargs)


__all__ = [
    "CONSTRAINED_SAMPLERS",
    "LATENT_SAMPLERS",
    "MULTI_OBJECTIVE_SAMPLERS",
    "SAMPLERS",
    "ArchitectureSampler",
    "History",
    "LocalSearchSampler",
    "Observation",
    "RandomArchitectureSampler",
    "RawGPSampler",
    "RawNSGAIISampler",
    "RawTPESampler",
    "RegularizedEvolutionSampler",
    "SAMPLER_ATTR",
    "make_sampler",
    "torch_threads",
]
