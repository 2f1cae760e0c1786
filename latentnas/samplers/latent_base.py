"""What the latent samplers share: the pretrained latent space, a cache of encodings, the initial design."""

from __future__ import annotations

import random
import weakref
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from latentnas.samplers.base import ArchitectureSampler, History
from latentnas.spaces import GraphSpec, SearchSpace
from latentnas.vae import LatentSpace, load_checkpoint
from latentnas.vae.checkpoint import default_checkpoint


def load_latent_space(space: SearchSpace[Any], checkpoint: str | Path | None = None) -> LatentSpace:
    """The latent space of ``checkpoint`` (default: the shipped one of ``space``), checked against ``space``.

    Loaded once per (space, file) in a process: samplers of many seeds share it. Its box (``bounds``) spans the
    encodings of the space's architectures (every one in a finite space, 5,000 samples otherwise).
    """
    path = Path(checkpoint or default_checkpoint(space)).resolve()
    key = (space.name, space.graph_spec, str(path), path.stat().st_mtime_ns if path.exists() else 0)
    if key not in _LATENTS:
        from latentnas.vae.dataset import pretraining_archs

        vae, _ = load_checkpoint(path, space=space)
        # The search box is where the space's architectures lie (posterior means may stray far beyond the prior's
        # +-3 when the KL weight is small): all of a finite space, a sample of an infinite one.
        _LATENTS[key] = LatentSpace(space, vae, archs=pretraining_archs(space, samples=5000))
    return _LATENTS[key]


_LATENTS: dict[tuple[str, GraphSpec, str, int], LatentSpace] = {}


#: Every canonical architecture of a finite space with its encoding, per latent space (computed once).
_POOLS: weakref.WeakKeyDictionary[LatentSpace, tuple[list[Any], list[str], Tensor]] = weakref.WeakKeyDictionary()


def encoded_space(latent: LatentSpace) -> tuple[list[Any], list[str], Tensor]:
    """``(archs, keys, z)``: one representative per canonical class of a finite space and its ``n x d`` encoding."""
    if latent not in _POOLS:
        from latentnas.vae.dataset import pretraining_archs

        archs = pretraining_archs(latent.space)
        keys = [latent.space.canonical_key(a) for a in archs]
        _POOLS[latent] = (archs, keys, latent.encode(archs).detach().to("cpu", torch.float64))
    return _POOLS[latent]


class LatentSampler(ArchitectureSampler):
    """An :class:`ArchitectureSampler` that works in a VAE's latent space.

    Args:
        space: The space searched.
        latent: A :class:`LatentSpace` of ``space``; built from ``checkpoint`` when ``None``.
        checkpoint: A checkpoint path (default: the shipped checkpoint of the space).
        n_initial: Architectures decoded from prior samples before the model-based proposals start.
        seed: Seed; the same seed gives the same trials.
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        latent: LatentSpace | None = None,
        checkpoint: str | Path | None = None,
        n_initial: int = 10,
        seed: int | None = None,
    ) -> None:
        if n_initial < 1:
            raise ValueError(f"n_initial must be positive, got {n_initial}")
        super().__init__(space, seed=seed)
        self.latent = latent if latent is not None else load_latent_space(space, checkpoint)
        self.n_initial = n_initial
        # NOTE: a cache, not state: an encoding is a pure function of the architecture.
        self._z: dict[str, Tensor] = {}
        self._pool_index: dict[str, int] | None = None

    def encode(self, archs: list[Any]) -> Tensor:
        """Posterior means of ``archs``, an ``n x d`` double tensor (cached by canonical key).

        NOTE: an encoding must not depend on which other architectures share its forward pass (float results of a
        batched matmul can change with the batch), or a resumed study would diverge from an uninterrupted one. So a
        finite space reads every encoding from the encoded space (one fixed pass over all of it), and an infinite
        space encodes each architecture alone.
        """
        keys = [self.space.canonical_key(a) for a in archs]
        missing = {k: a for k, a in zip(keys, archs) if k not in self._z}
        if missing and self.space.is_finite:
            pool_z = encoded_space(self.latent)[2]
            index = self.pool_index()
            self._z.update((k, pool_z[index[k]]) for k in missing)
        elif missing:
            for k, a in missing.items():  # canonical forms: isomorphic encodings get one point
                self._z[k] = self.latent.encode([self.space.canonicalize(a)])[0].detach().to("cpu", torch.float64)
        if not keys:
            return torch.zeros(0, self.latent.dim, dtype=torch.float64)
        return torch.stack([self._z[k] for k in keys])

    def pool_index(self) -> dict[str, int]:
        """Row of each canonical key in :func:`encoded_space` (finite spaces)."""
        if self._pool_index is None:
            self._pool_index = {k: i for i, k in enumerate(encoded_space(self.latent)[1])}
        return self._pool_index

    def generator(self, rng: random.Random) -> torch.Generator:
        return torch.Generator().manual_seed(rng.getrandbits(62))

    def decode_new(self, z: Tensor, history: History) -> list[Any]:
        """Decodes each row of ``z`` and keeps the architectures the study does not know, first occurrence only."""
        out: list[Any] = []
        seen = set(history.known)
        for arch in self.latent.decode(z.to(torch.float32)):
            key = self.space.canonical_key(arch)
            if key not in seen:
                seen.add(key)
                out.append(arch)
        return out

    def initial(self, history: History, rng: random.Random) -> Any:
        """A new architecture decoded from a prior sample ``z ~ N(0, I)`` (random if all decode to known ones)."""
        z = torch.randn(32, self.latent.dim, generator=self.generator(rng), dtype=torch.float64)
        new = self.decode_new(z, history)
        return new[0] if new else self.sample_new(history, rng)
