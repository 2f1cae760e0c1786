"""Samplers by name, and what each can search: ``make_sampler("evolution", space, seed=0)``.

Every sampler class declares its :class:`Capabilities` (``capabilities`` class attribute): whether it searches a
pretrained encoder's latent space (it takes ``checkpoint=``), several objectives, constraints, and transfer sources.
Whoever assembles a search reads them here (:func:`capabilities`, :func:`names_with`), so a new sampler is one module
with its class and one registry line below. Entries are imported on first use: listing the names imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import optuna

from latentnas.errors import UnknownNameError
from latentnas.registry import Registry
from latentnas.spaces import SearchSpace


@dataclass(frozen=True)
class Capabilities:
    """What a sampler class can search, beside one objective in a study over one of our spaces.

    Args:
        latent: It searches a pretrained encoder's latent space (takes ``checkpoint=`` and ``latent=``).
        several_objectives: It searches a study of several objectives (the others refuse one).
        constraints: It takes a study's constraints into account (every sampler runs on a constrained study; the
            others ignore its constraints).
        transfer: It takes observations of other tasks (``transfer=``, :class:`~latentnas.history.TransferSource`).
        needs_transfer: It cannot search without them (whoever assembles a search gives it the sources it would give
            a search with transfer).
    """

    latent: bool = False
    several_objectives: bool = False
    constraints: bool = False
    transfer: bool = False
    needs_transfer: bool = False

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


SAMPLERS: Registry[Any] = Registry("sampler")
SAMPLERS.register_lazy("random", "latentnas.samplers.random_search:RandomArchitectureSampler")
SAMPLERS.register_lazy("evolution", "latentnas.samplers.evolution:RegularizedEvolutionSampler")
SAMPLERS.register_lazy("local-search", "latentnas.samplers.local_search:LocalSearchSampler")
SAMPLERS.register_lazy("tpe", "latentnas.samplers.tpe:RawTPESampler")
SAMPLERS.register_lazy("gp", "latentnas.samplers.gp:RawGPSampler")
SAMPLERS.register_lazy("nsga2", "latentnas.samplers.nsga2:RawNSGAIISampler")
SAMPLERS.register_lazy("portfolio", "latentnas.samplers.portfolio:PortfolioSampler")
SAMPLERS.register_lazy("latent-bo", "latentnas.samplers.latent_bo:LatentBOSampler")
SAMPLERS.register_lazy("latent-tpe", "latentnas.samplers.latent_tpe:LatentTPESampler")


def make_sampler(name: str, space: SearchSpace[Any], *, seed: int | None = None,
                 **kwargs: Any) -> optuna.samplers.BaseSampler:
    """Builds the sampler registered as ``name`` for ``space``; raises ``UnknownNameError`` listing the choices."""
    sampler: optuna.samplers.BaseSampler = SAMPLERS.get(name)(space, seed=seed, **kwargs)
    return sampler


def capabilities(name: str) -> Capabilities:
    """What the sampler registered as ``name`` can search (imports it)."""
    declared = getattr(SAMPLERS.get(name), "capabilities", None)
    return declared if isinstance(declared, Capabilities) else Capabilities()


def names_with(capability: str) -> list[str]:
    """The registered samplers that declare ``capability`` (a field of :class:`Capabilities`), in registry order."""
    if capability not in Capabilities.names():
        raise UnknownNameError(f"unknown capability '{capability}'; choices: {', '.join(Capabilities.names())}")
    return [name for name in SAMPLERS if getattr(capabilities(name), capability)]
