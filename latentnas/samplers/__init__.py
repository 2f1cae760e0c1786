"""Samplers, looked up by name: ``make_sampler("evolution", space, seed=0)``.

Every sampler is an Optuna sampler over the space's params, so Optuna's own samplers are baselines for free, and ours
are drop-in samplers of any Optuna study whose objective suggests the architecture with ``space.suggest(trial)``
(other params it suggests go to an independent sampler). Each has ``describe()``, the JSON object it stores on the
study it samples (user attr ``"sampler"``); a study sampled by another configuration is refused. What each can search
(a latent space, several objectives, constraints, transfer) is declared on its class and read through
:func:`capabilities` and :func:`names_with`.
"""

from __future__ import annotations

from latentnas.history import History, Observation
from latentnas.samplers.base import SAMPLER_ATTR, ArchitectureSampler
from latentnas.samplers.evolution import RegularizedEvolutionSampler
from latentnas.samplers.gp import RawGPSampler
from latentnas.samplers.local_search import LocalSearchSampler
from latentnas.samplers.nsga2 import RawNSGAIISampler
from latentnas.samplers.random_search import RandomArchitectureSampler
from latentnas.samplers.registry import SAMPLERS, Capabilities, capabilities, make_sampler, names_with
from latentnas.samplers.threads import torch_threads
from latentnas.samplers.tpe import RawTPESampler

__all__ = [
    "SAMPLERS",
    "SAMPLER_ATTR",
    "ArchitectureSampler",
    "Capabilities",
    "History",
    "LocalSearchSampler",
    "Observation",
    "RandomArchitectureSampler",
    "RawGPSampler",
    "RawNSGAIISampler",
    "RawTPESampler",
    "RegularizedEvolutionSampler",
    "capabilities",
    "make_sampler",
    "names_with",
    "torch_threads",
]
