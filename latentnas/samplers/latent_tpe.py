"""TPE over the latent coordinates of a graph VAE (as LSBO-NAS does), decoding every proposal.

Each proposal builds a throwaway in-memory Optuna study whose trials are the outer study's unique observations at
their encodings (``z0`` ... ``z{d-1}``, each a float within the latent box), asks Optuna's TPE for a point, and
decodes it. A point that decodes to a known architecture is told back with the value of that architecture, so TPE
learns where the known regions are, and TPE is asked again (up to ``max_tries`` times, then a random architecture).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.trial import create_trial

from latentnas.errors import InvalidArgumentError
from latentnas.history import History
from latentnas.samplers.config import SamplerConfig, check_bool, check_int
from latentnas.samplers.latent_base import LatentSampler
from latentnas.samplers.registry import Capabilities
from latentnas.spaces import SearchSpace
from latentnas.surrogate import LatentCache
from latentnas.vae import LatentSpace


@dataclass(frozen=True)
class LatentTPEConfig(SamplerConfig):
    """The options of :class:`LatentTPESampler`, validated on construction (``InvalidArgumentError`` naming the field).

    Args:
        n_initial: Architectures decoded from prior samples before TPE is used.
        multivariate: Use TPE's multivariate kernel over the latent coordinates (they are correlated).
        max_tries: Points asked of TPE per proposal before falling back to a random new architecture.
    """

    sampler: ClassVar[str] = "latent-tpe"

    n_initial: int = 10
    multivariate: bool = True
    max_tries: int = 20

    def __post_init__(self) -> None:
        check_int("n_initial", self.n_initial, minimum=1)
        check_bool("multivariate", self.multivariate)
        check_int("max_tries", self.max_tries, minimum=1)


class LatentTPESampler(LatentSampler):
    """Optuna's TPE in the latent space of a pretrained graph VAE.

    Args:
        space: The space searched.
        config: The options (default ``LatentTPEConfig()``); see :class:`LatentTPEConfig`.
        latent: A :class:`~latentnas.vae.LatentSpace` of ``space``; built from ``checkpoint`` when ``None``.
        checkpoint: Checkpoint path (default: the space's shipped checkpoint).
        seed: Seed; the same seed gives the same trials.
        independent_sampler: Samples params outside the space (default Optuna's ``RandomSampler(seed=seed)``).
        threads: Torch threads of a proposal (an execution setting; see :class:`LatentSampler`).
        cache: Shared latent spaces and encodings (see :class:`LatentSampler`).
        **overrides: Fields of :class:`LatentTPEConfig` applied over ``config``; an unknown one is refused with the
            choices.
    """

    name = "latent-tpe"
    capabilities = Capabilities(latent=True)
    config: LatentTPEConfig

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        config: LatentTPEConfig | None = None,
        latent: LatentSpace | None = None,
        checkpoint: str | Path | None = None,
        seed: int | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
        threads: int | None = 1,
        cache: LatentCache | None = None,
        **overrides: Any,
    ) -> None:
        if config is not None and not isinstance(config, LatentTPEConfig):
            raise InvalidArgumentError(f"config must be a LatentTPEConfig, got {type(config).__name__}")
        config = (config or LatentTPEConfig()).replace(**overrides)
        super().__init__(space, config=config, latent=latent, checkpoint=checkpoint, seed=seed,
                         independent_sampler=independent_sampler, threads=threads, cache=cache)
        self.n_initial = config.n_initial
        low, high = self.latent.bounds.tolist()
        self._dists: dict[str, BaseDistribution] = {
            f"z{i}": FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(zip(low, high))
        }

    def propose(self, history: History, rng: random.Random) -> Any:
        if len(history.observations) < self.config.n_initial:
            return self.initial(history, rng)
        inner = optuna.create_study(
            direction="maximize",  # History values are oriented: larger is better
            sampler=optuna.samplers.TPESampler(
                seed=rng.getrandbits(31), multivariate=self.config.multivariate, n_startup_trials=0
            ),
        )
        z = self.encode([o.arch for o in history.observations])
        values = {self.space.canonical_key(o.arch): o.value for o in history.observations}
        inner.add_trials(
            [create_trial(params=self._params(row), distributions=self._dists, value=o.value)
             for row, o in zip(z.tolist(), history.observations)]
        )
        for _ in range(self.config.max_tries):
            trial = inner.ask(self._dists)
            point = self.latent.bounds.new_tensor([[trial.params[name] for name in self._dists]])
            new = self.decode_new(point, history)
            if new:
                return new[0]
            (arch,) = self.latent.decode(point)
            inner.tell(trial, values.get(self.space.canonical_key(arch), min(values.values())))
        return self.sample_new(history, rng)

    def _params(self, row: list[float]) -> dict[str, float]:
        params = {}
        for (name, dist), value in zip(self._dists.items(), row):
            assert isinstance(dist, FloatDistribution)
            params[name] = min(max(value, dist.low), dist.high)
        return params
