"""Latent BO's proposal strategies: each a small unit that returns a :class:`Proposal` with its diagnostics.

- :class:`CanonicalSamples`, :class:`PriorSamples`, :class:`UniformSamples`: initial designs, before any model;
- :class:`OneObjective`: qLogNEI over decoded candidates;
- :class:`Transfer`: a GP whose prior mean is other tasks' weighted prediction;
- :class:`SeveralObjectives`: qLogNEHVI, or constrained qLogNEI.

They share one candidate generator (:class:`CandidateGenerator`) and one screen of a finite space (:func:`screen`).

The acquisition of a search of one objective is chosen by name (``LatentBOConfig.acquisition``) from
:data:`ACQUISITIONS`: a new one is a module with its :class:`Strategy` class, built as
``cls(surrogate, candidates, max_train=...)``, and one registry line below; its contract suite is
:class:`latentnas.testing.strategies.AcquisitionContract`.
"""

from __future__ import annotations

from typing import Any

from latentnas.registry import Registry
from latentnas.samplers.base import Proposal
from latentnas.samplers.strategies.base import Strategy, training_set
from latentnas.samplers.strategies.candidates import CandidateGenerator, decode_new, screen
from latentnas.samplers.strategies.design import CanonicalSamples, PriorSamples, UniformSamples
from latentnas.samplers.strategies.several import SeveralObjectives
from latentnas.samplers.strategies.single import OneObjective
from latentnas.samplers.strategies.transfer import Transfer

#: The acquisitions of a search of one objective, by name: Strategy classes built as
#: ``cls(surrogate, candidates, max_train=...)``.
ACQUISITIONS: Registry[Any] = Registry("acquisition")
ACQUISITIONS.register_lazy("qlognei", "latentnas.samplers.strategies.single:OneObjective")

__all__ = [
    "ACQUISITIONS",
    "CandidateGenerator",
    "CanonicalSamples",
    "OneObjective",
    "PriorSamples",
    "Proposal",
    "SeveralObjectives",
    "Strategy",
    "Transfer",
    "UniformSamples",
    "decode_new",
    "screen",
    "training_set",
]
