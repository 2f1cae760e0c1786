"""What the latent samplers share: the pretrained latent space, its surrogate's encodings, the initial design, and a
thread count of their own."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any, Protocol

import optuna
import torch
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial
from torch import Tensor

from latentnas.history import History
from latentnas.samplers.base import ArchitectureSampler
from latentnas.samplers.config import check_int
from latentnas.samplers.strategies.base import generator
from latentnas.samplers.strategies.candidates import decode_new
from latentnas.samplers.strategies.design import PriorSamples
from latentnas.samplers.threads import torch_threads
from latentnas.spaces import SearchSpace
from latentnas.surrogate import LatentCache, LatentSurrogate
from latentnas.vae import LatentSpace, read_manifest
from latentnas.vae.checkpoint import default_checkpoint

__all__ = ["LatentConfig", "LatentSampler", "latent_sha256"]


class LatentConfig(Protocol):
    """What every latent sampler's config holds (e.g. :class:`~latentnas.samplers.latent_bo.LatentBOConfig`)."""

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON values."""


class LatentSampler(ArchitectureSampler):
    """An :class:`ArchitectureSampler` that works in a VAE's latent space.

    Args:
        space: The space searched.
        config: The sampler's config (what a study records of it).
        latent: A :class:`LatentSpace` of ``space``; loaded from ``checkpoint`` when ``None``.
        checkpoint: A checkpoint path (default: the shipped checkpoint of the space).
        seed: Seed; the same seed gives the same trials.
        independent_sampler: Samples params outside the space (default Optuna's ``RandomSampler(seed=seed)``).
        threads: Torch threads of a proposal, restored afterwards (``None``: the caller's setting). An execution
            setting, not part of what the study records: it changes the speed, not the trials. The small GPs and
            decoders of a proposal gain nothing from many threads and lose much to their synchronization
            (``docs/results/proposal-threads``).
        cache: Where loaded latent spaces and the encodings and features of a finite space are kept (default: the
            sampler's own); samplers that share one compute them once.
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        config: LatentConfig,
        latent: LatentSpace | None = None,
        checkpoint: str | Path | None = None,
        seed: int | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
        threads: int | None = 1,
        cache: LatentCache | None = None,
    ) -> None:
        super().__init__(space, seed=seed, independent_sampler=independent_sampler)
        check_int("threads", threads, minimum=1, allow_none=True)
        self.config = config
        self.threads = threads
        self.cache = cache if cache is not None else LatentCache()
        if latent is None:
            path = Path(checkpoint or default_checkpoint(space))
            latent = self.cache.latent_space(space, path)
            self.checkpoint_sha256: str | None = str(read_manifest(path)["sha256"])
        else:
            # NOTE: a latent space built in memory has no manifest; its weights are hashed when first described.
            self.checkpoint_sha256 = None
        self.latent = latent
        self.surrogate = self.build_surrogate()

    def build_surrogate(self) -> LatentSurrogate:
        """The surrogate whose encodings (and, for latent BO, GP) the sampler uses; called once by ``__init__``."""
        return LatentSurrogate(self.latent, cache=self.cache)

    def config_dict(self) -> dict[str, Any]:
        return self.config.to_dict()

    def describe(self) -> dict[str, Any]:
        """Registry name, seed, config, and the sha256 of the encoder: the checkpoint's (from its manifest), or of the
        in-memory latent space's weights and box."""
        if self.checkpoint_sha256 is None:  # once: describe() runs before every trial
            self.checkpoint_sha256 = latent_sha256(self.latent)
        return {**super().describe(), "checkpoint_sha256": self.checkpoint_sha256}

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        with torch_threads(self.threads):
            return super().sample_relative(study, trial, search_space)

    def encode(self, archs: list[Any]) -> Tensor:
        """Posterior means of ``archs``, a ``n x d`` double tensor (see :meth:`LatentSurrogate.encode`)."""
        return self.surrogate.encode(archs)

    def generator(self, rng: random.Random) -> torch.Generator:
        return generator(rng)

    def decode_new(self, z: Tensor, history: History) -> list[Any]:
        """Decodes each row of ``z`` and keeps the architectures the study does not know, first occurrence only."""
        return decode_new(self.latent, z, history)

    def initial(self, history: History, rng: random.Random) -> Any:
        """A new architecture decoded from a prior sample ``z ~ N(0, I)`` (random if all decode to known ones)."""
        return PriorSamples(self.latent).propose(history, rng).arch


def latent_sha256(latent: LatentSpace) -> str:
    """The sha256 of a latent space's weights (names and bytes, in ``state_dict`` order) and search box."""
    digest = hashlib.sha256()
    for name, tensor in latent.vae.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu").contiguous().numpy().tobytes())
    digest.update(latent.bounds.detach().to("cpu", torch.float64).numpy().tobytes())
    return digest.hexdigest()
