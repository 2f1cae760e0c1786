"""Random search: uniform over the space's encodings, never repeating an architecture the study knows."""

from __future__ import annotations

import random
from typing import Any

from latentnas.history import History
from latentnas.samplers.base import ArchitectureSampler
from latentnas.samplers.registry import Capabilities


class RandomArchitectureSampler(ArchitectureSampler):
    """Samples architectures uniformly at random without replacement (by canonical key).

    Args:
        space: The space searched.
        seed: Seed; the same seed gives the same trials.
        independent_sampler: Samples params outside the space (default Optuna's ``RandomSampler(seed=seed)``).
    """

    name = "random"
    capabilities = Capabilities(several_objectives=True)

    def propose(self, history: History, rng: random.Random) -> Any:
        return self.sample_new(history, rng)
