"""The latent space a sampler searches: encode architectures to points, decode any point to a valid architecture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from latentnas.errors import InvalidArgumentError
from latentnas.spaces.base import SearchSpace
from latentnas.vae.metrics import decode_points, encode_means
from latentnas.vae.model import GraphVAE

#: Half-width of the box used when no architectures are given: +-3 standard deviations of the N(0, I) prior.
PRIOR_HALF_WIDTH = 3.0


class LatentSpace:
    """A trained VAE's latent space over ``space``, with a search box.

    ``decode`` goes through :meth:`SearchSpace.from_logits`, so every finite point decodes to a valid architecture.

    The box (:attr:`bounds`) is, when ``archs`` are given, the per-dimension min and max of their posterior means
    widened by ``margin`` times the range on each side: the region where the decoder has seen data, plus a little.
    Without ``archs`` it is ``[-3, 3]^d``, which holds about 99.7% of the prior's mass per dimension.

    Args:
        space: The space the VAE was trained on.
        vae: The trained VAE (put in evaluation mode).
        archs: Architectures whose encodings define :attr:`bounds` (e.g. the training set).
        margin: Widening of the box as a share of each dimension's range.
        batch_size: Architectures or points per forward pass.
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        vae: GraphVAE,
        *,
        archs: Sequence[Any] | None = None,
        margin: float = 0.1,
        batch_size: int = 4096,
    ) -> None:
        if margin < 0:
            raise InvalidArgumentError(f"margin must be non-negative, got {margin}")
        if batch_size < 1:
            raise InvalidArgumentError(f"batch_size must be positive, got {batch_size}")
        self.space = space
        self.vae = vae.eval()
        self.batch_size = batch_size
        if archs:
            z = self.encode(archs)
            low, high = z.min(dim=0).values, z.max(dim=0).values
            width = (high - low).clamp_min(1e-6)
            self._bounds = torch.stack([low - margin * width, high + margin * width])
        else:
            half = torch.full((vae.latent_dim,), PRIOR_HALF_WIDTH, device=self.device)
            self._bounds = torch.stack([-half, half])

    @property
    def device(self) -> torch.device:
        return next(self.vae.parameters()).device

    @property
    def dim(self) -> int:
        """``d``, the latent size."""
        return self.vae.latent_dim

    @property
    def bounds(self) -> Tensor:
        """A ``2 x d`` tensor: the lower and upper corner of the search box."""
        return self._bounds.clone()

    def encode(self, archs: Sequence[Any]) -> Tensor:
        """The posterior means of ``archs``: a ``n x d`` tensor on the VAE's device."""
        return encode_means(self.space, self.vae, archs, batch_size=self.batch_size)

    def decode(self, z: Tensor) -> list[Any]:
        """The valid architecture for each row of ``z`` (``n x d``, or ``d`` for one point).

        Raises:
            ValueError: If ``z`` has the wrong width or non-finite entries.
        """
        if z.dim() == 1:
            z = z.unsqueeze(0)
        if z.dim() != 2 or z.size(-1) != self.dim:
            raise InvalidArgumentError(f"z must be a n x {self.dim} tensor, got shape {tuple(z.shape)}")
        if not torch.isfinite(z).all():
            raise InvalidArgumentError("z must be finite, got NaN or infinite entries")
        param = next(self.vae.parameters())
        return decode_points(self.space, self.vae, z.to(param), batch_size=self.batch_size)
