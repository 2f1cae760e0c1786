"""Regularized (aging) evolution.

Real, Aggarwal, Huang and Le, "Regularized Evolution for Image Classifier Architecture Search", AAAI 2019.
The population is the ``population_size`` most recent unique evaluations (the oldest dies, whatever its fitness);
a parent is the best of ``tournament_size`` members drawn at random; the child is one mutation of it.
"""

from __future__ import annotations

import random
from typing import Any

import optuna

from latentnas.errors import InvalidArgumentError
from latentnas.history import History
from latentnas.samplers.base import ArchitectureSampler
from latentnas.samplers.config import check_int
from latentnas.spaces import SearchSpace


class RegularizedEvolutionSampler(ArchitectureSampler):
    """Aging evolution with tournament selection.

    Args:
        space: The space searched.
        population_size: Members of the population; the first ``population_size`` trials are random.
        tournament_size: Members drawn for each tournament.
        seed: Seed; the same seed gives the same trials.
        independent_sampler: Samples params outside the space (default Optuna's ``RandomSampler(seed=seed)``).
    """

    name = "evolution"

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        population_size: int = 20,
        tournament_size: int = 5,
        seed: int | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
    ) -> None:
        check_int("population_size", population_size, minimum=1)
        check_int("tournament_size", tournament_size, minimum=1)
        if tournament_size > population_size:
            raise InvalidArgumentError(f"tournament_size must be in [1, {population_size}], got {tournament_size}")
        super().__init__(space, seed=seed, independent_sampler=independent_sampler)
        self.population_size = population_size
        self.tournament_size = tournament_size

    def config_dict(self) -> dict[str, Any]:
        return {"population_size": self.population_size, "tournament_size": self.tournament_size}

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
