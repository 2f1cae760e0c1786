"""What the latent samplers compute once and share: loaded latent spaces, the encoded pool of a finite space, the GP
features of that pool, and transfer sources' models.

A :class:`LatentCache` is an ordinary object whose owner decides its lifetime: a sampler builds its own when given
none; a comparison that runs many seeds in one process hands one cache to every sampler it builds, so NAS-Bench-Graph's
26,206 encodings and features are computed once, not once per seed. Everything it holds is a pure function of its
key (a checkpoint file, a latent space, a kernel, a source's digest), so sharing never changes a result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import Tensor

from latentnas.spaces import SearchSpace
from latentnas.vae import LatentSpace, load_checkpoint
from latentnas.vae.checkpoint import default_checkpoint

T = TypeVar("T")

#: Architectures of an infinite space whose encodings span its search box.
BOX_SAMPLES = 5000


@dataclass(frozen=True)
class EncodedPool:
    """Every canonical architecture of a finite space and its encoding (the pool a finite search draws from).

    Attributes:
        archs: One representative per canonical class (:meth:`SearchSpace.pretraining_archs`).
        keys: Their canonical keys.
        z: A ``N x d`` double tensor of their posterior means, on the CPU, from one fixed pass over the whole space.
        index: The row of each key.
    """

    archs: list[Any]
    keys: list[str]
    z: Tensor
    index: dict[str, int] = field(repr=False)


class LatentCache:
    """Latent spaces and what is computed from them, each computed once per cache (see the module docstring)."""

    def __init__(self) -> None:
        self._items: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value stored under ``key``, built by ``build()`` the first time."""
        if key not in self._items:
            self._items[key] = build()
        value: T = self._items[key]
        return value

    def latent_space(self, space: SearchSpace[Any], checkpoint: str | Path | None = None) -> LatentSpace:
        """The latent space of ``checkpoint`` (default: the space's shipped one), checked against ``space``.

        Its search box (``bounds``) spans the encodings of the space's architectures: every one of a finite space,
        :data:`BOX_SAMPLES` samples of an infinite one (posterior means may stray far beyond the prior's +-3 when the
        KL weight is small).
        """
        path = Path(checkpoint or default_checkpoint(space)).resolve()
        key = ("latent", space.name, space.graph_spec, str(path), path.stat().st_mtime_ns if path.exists() else 0)

        def load() -> LatentSpace:
            vae, _ = load_checkpoint(path, space=space)
            return LatentSpace(space, vae, archs=space.pretraining_archs(samples=BOX_SAMPLES))

        return self.memo(key, load)

    def pool(self, latent: LatentSpace) -> EncodedPool:
        """The :class:`EncodedPool` of ``latent``'s finite space."""

        def encode() -> EncodedPool:
            space = latent.space
            archs = space.pretraining_archs()
            keys = [space.canonical_key(a) for a in archs]
            z = latent.encode(archs).detach().to("cpu", torch.float64)
            return EncodedPool(archs, keys, z, {k: i for i, k in enumerate(keys)})

        return self.memo(("pool", latent), encode)


def load_latent_space(space: SearchSpace[Any], checkpoint: str | Path | None = None) -> LatentSpace:
    """The latent space of ``checkpoint`` (default: the space's shipped one), loaded for one caller
    (:meth:`LatentCache.latent_space` of a cache of its own)."""
    return LatentCache().latent_space(space, checkpoint)
