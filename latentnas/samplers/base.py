"""The base of our Optuna samplers: propose a whole architecture per trial.

Lifecycle (Optuna's ``BaseSampler``): ``infer_relative_search_space`` returns the space's distributions;
``sample_relative`` reads the study's history, calls :meth:`ArchitectureSampler.propose`, and returns the proposal's
params; ``sample_independent`` only serves params outside the space (a random choice).

Samplers keep no state between trials beyond what the study stores: everything is derived from the study's trials,
so a resumed study continues exactly, and several workers sharing one study see each other's trials. Randomness for a
trial comes from ``(seed, trial.number)``, so the same seed gives the same trials.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState

from latentnas.errors import InvalidArchitectureError
from latentnas.records import DUPLICATE_ATTR, KEY_ATTR
from latentnas.spaces import SearchSpace


@dataclass
class Observation:
    """One unique evaluated architecture."""

    number: int
    arch: Any
    key: str
    value: float


@dataclass
class History:
    """What a sampler may know of a study: unique evaluated architectures, in trial order, and those running.

    ``known`` holds the canonical keys of everything evaluated, failed or running, so that a proposal can avoid them.
    """

    observations: list[Observation] = field(default_factory=list)
    pending: list[Any] = field(default_factory=list)
    known: set[str] = field(default_factory=set)

    @classmethod
    def from_study(cls, study: optuna.Study, space: SearchSpace[Any], *, exclude: int | None = None) -> History:
        history = cls()
        for t in study.get_trials(deepcopy=False):
            if t.number == exclude:
                continue
            arch = _arch_of(t, space)
            if arch is None:
                continue
            key = t.user_attrs.get(KEY_ATTR) or space.canonical_key(arch)
            if t.state == TrialState.COMPLETE and DUPLICATE_ATTR not in t.user_attrs and key not in history.known:
                assert t.value is not None
                history.observations.append(Observation(t.number, arch, key, float(t.value)))
            elif t.state == TrialState.RUNNING and key not in history.known:
                history.pending.append(arch)
            history.known.add(key)
        return history

    def best(self, k: int | None = None) -> list[Observation]:
        """Observations sorted best first (ties broken by trial order)."""
        ranked = sorted(self.observations, key=lambda o: (-o.value, o.number))
        return ranked if k is None else ranked[:k]


def _arch_of(trial: FrozenTrial, space: SearchSpace[Any]) -> Any | None:
    if trial.state not in (TrialState.COMPLETE, TrialState.RUNNING, TrialState.FAIL, TrialState.PRUNED):
        return None
    if not set(space.distributions()) <= set(trial.params):
        return None
    try:
        return space.from_params(trial.params)
    except InvalidArchitectureError:
        return None


class ArchitectureSampler(optuna.samplers.BaseSampler, ABC):
    """An Optuna sampler that proposes one architecture of ``space`` per trial.

    Args:
        space: The space whose params the study uses.
        seed: Seed of every random choice; the same seed gives the same trials.
    """

    def __init__(self, space: SearchSpace[Any], *, seed: int | None = None) -> None:
        self.space = space
        self.seed = seed
        self._fallback = optuna.samplers.RandomSampler(seed=seed)

    def rng_for(self, trial: FrozenTrial) -> random.Random:
        """The generator of one trial: a function of the seed and the trial number only."""
        return random.Random(f"{type(self).__name__}:{self.seed}:{trial.number}")

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self.space.distributions()

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        history = History.from_study(study, self.space, exclude=trial.number)
        arch = self.propose(history, self.rng_for(trial))
        return self.space.to_params(arch)

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def reseed_rng(self) -> None:
        # NOTE: randomness is a function of (seed, trial number); nothing to reseed in worker processes.
        self._fallback.reseed_rng()

    @abstractmethod
    def propose(self, history: History, rng: random.Random) -> Any:
        """Returns the architecture to evaluate next, preferably one whose key is not in ``history.known``."""

    def sample_new(self, history: History, rng: random.Random, *, tries: int = 200) -> Any:
        """A random architecture not yet known to the study (after ``tries`` misses, any random one)."""
        arch = self.space.sample(rng)
        for _ in range(tries):
            if self.space.canonical_key(arch) not in history.known:
                return arch
            arch = self.space.sample(rng)
        return arch

    def first_new(self, candidates: Sequence[Any], history: History) -> Any | None:
        for arch in candidates:
            if self.space.canonical_key(arch) not in history.known:
                return arch
        return None
