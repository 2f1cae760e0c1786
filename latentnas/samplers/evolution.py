"""Regularized (aging) evolution.

Real, Aggarwal, Huang and Le, "Regularized Evolution for Image Classifier Architecture Search", AAAI 2019.
The population is the ``population_size`` most recent unique evaluations (the oldest dies, whatever its fitness);
a parent is the best of ``tournament_size`` members drawn at random; the child is one mutation of it.
"""

from __future__ import annotations

import random
from typing import Any

from latentnas.samplers.base import ArchitectureSampler, History
from latentnas.spaces import SearchSpace


class RegularizedEvolutionSampler(ArchitectureSampler):
    """Aging evolution with tournament selection.

    Args:
        space: The space searched.
        population_size: Members of the population; the first ``population_size`` trials are random.
        tournament_size: Members drawn for each tournament.
        seed: Seed; the same seed gives the same trials.
    """

    def __init__(
        self, space: SearchSpace[Any], *, population_size: int = 20, tournament_size: int = 5, seed: int | None = None
    ) -> None:
        if population_size < 1:
            raise ValueError(f"population_size must be positive, got {population_size}")
        if not 1 <= tournament_size <= population_size:
            raise ValueError(f"tournament_size must be in [1, {population_size}], got {tournament_size}")
        super().__init__(space, seed=seed)
        self.population_size = population_size
        self.tournament_size = tournament_size

    def propose(self, history: History, rng: random.Random) -> Any:
        if len(history.observations) < self.population_size:
            return self.sample_new(history, rng)
        population = history.observations[-self.population_size :]
        for _ in range(50):
            contenders = rng.sample(population, self.tournament_size)
            parent = max(contenders, key=lambda o: (o.value, -o.number))
            child = self.space.mutate(parent.arch, rng)
            if self.space.canonical_key(child) not in history.known:
                return child
        return self.sample_new(history, rng)
