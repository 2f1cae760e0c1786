"""Local search: explore the neighbourhood of the best architecture found so far.

White, Nolen, Ravi and Savani, "Exploring the Loss Landscape in Neural Architecture Search", UAI 2021.
After ``n_initial`` random architectures, each trial evaluates a random unevaluated neighbour of the best
architecture; once the best one's neighbourhood is exhausted (a local optimum), the next best is used, and a fresh
random architecture restarts the search when ``restart_after`` architectures in a row brought no improvement.
"""

from __future__ import annotations

import random
from typing import Any

import optuna

from latentnas.history import History
from latentnas.samplers.base import ArchitectureSampler
from latentnas.samplers.config import check_int
from latentnas.spaces import SearchSpace


class LocalSearchSampler(ArchitectureSampler):
    """Best-improvement local search with random restarts.

    Args:
        space: The space searched.
        n_initial: Random architectures before the local search starts.
        seed: Seed; the same seed gives the same trials.
        independent_sampler: Samples params outside the space (default Optuna's ``RandomSampler(seed=seed)``).
    """

    name = "local-search"

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        n_initial: int = 10,
        seed: int | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
    ) -> None:
        check_int("n_initial", n_initial, minimum=1)
        super().__init__(space, seed=seed, independent_sampler=independent_sampler)
        self.n_initial = n_initial

    def config_dict(self) -> dict[str, Any]:
        return {"n_initial": self.n_initial}

    def propose(self, history: History, rng: random.Random) -> Any:
        if len(history.observations) < self.n_initial:
            return self.sample_new(history, rng)
        for incumbent in history.best():
            neighbours = self.space.neighbours(incumbent.arch)
            rng.shuffle(neighbours)
            child = self.first_new(neighbours, history)
            if child is not None:
                return child
        return self.sample_new(history, rng)
