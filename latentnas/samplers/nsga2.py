"""Optuna's NSGA-II on the raw architectural choices: the evolutionary baseline of a search of several objectives,
registered as our samplers are (it describes itself and stores that description on the study)."""

from __future__ import annotations

import optuna

from latentnas.samplers.raw import RawOptunaSampler
from latentnas.samplers.registry import Capabilities


class RawNSGAIISampler(RawOptunaSampler, optuna.samplers.NSGAIISampler):
    """Optuna's ``NSGAIISampler`` unchanged (same seed, same trials), plus :meth:`describe`.

    Each generation of ``population_size`` trials (Optuna's default 50) is bred from the best of the previous ones by
    non-dominated sorting and crowding distance, with uniform crossover and mutation of the categorical choices; with
    ``constrained=True``, feasible trials rank before infeasible ones (Deb's constrained domination).

    Args:
        space: The space searched (NSGA-II reads the study's params).
        seed: Seed of the sampler.
        **options: Keyword arguments of ``NSGAIISampler`` (``population_size``, ``mutation_prob``, ...), JSON values.
    """

    name = "nsga2"
    capabilities = Capabilities(several_objectives=True, constraints=True)
