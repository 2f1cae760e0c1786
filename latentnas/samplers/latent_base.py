"""What the latent samplers share: the pretrained latent space, a cache of encodings, the initial design."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from latentnas.errors import CheckpointError
from latentnas.samplers.base import ArchitectureSampler, History
from latentnas.spaces import SearchSpace
from latentnas.vae import LatentSpace, load_checkpoint

#: Where shipped checkpoints live: ``$LATENTNAS_CHECKPOINTS`` or the ``checkpoints/`` folder beside the package.
CHECKPOINT_DIR = Path(os.environ.get("LATENTNAS_CHECKPOINTS", Path(__file__).resolve().parents[2] / "checkpoints"))


def default_checkpoint(space_name: str) -> Path:
    """The shipped checkpoint of ``space_name``; raises ``CheckpointError`` saying how to make one if absent."""
    path = CHECKPOINT_DIR / f"{space_name}.pt"
    if not path.is_file():
        shipped = sorted(p.stem for p in CHECKPOINT_DIR.glob("*.pt")) if CHECKPOINT_DIR.is_dir() else []
        raise CheckpointError(
            f"no pretrained encoder for space '{space_name}' in {CHECKPOINT_DIR} (shipped: {', '.join(shipped) or 'none'});"
            f" train one with `latentnas pretrain --space {space_name}` and pass --checkpoint"
        )
    return path


def load_latent_space(space: SearchSpace[Any], checkpoint: str | Path | None = None) -> LatentSpace:
    """The latent space of ``checkpoint`` (default: the shipped one of ``space``), checked against ``space``."""
    vae, _ = load_checkpoint(checkpoint or default_checkpoint(space.name), space=space)
    return LatentSpace(space, vae)


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

    def encode(self, archs: list[Any]) -> Tensor:
        """Posterior means of ``archs``, an ``n x d`` double tensor (cached by canonical key)."""
        keys = [self.space.canonical_key(a) for a in archs]
        # Canonical forms, so that isomorphic encodings get one point whichever the study met first.
        missing = {k: self.space.canonicalize(a) for k, a in zip(keys, archs) if k not in self._z}
        if missing:
            z = self.latent.encode(list(missing.values())).detach().to("cpu", torch.float64)
            self._z.update(zip(missing, z))
        if not keys:
            return torch.zeros(0, self.latent.dim, dtype=torch.float64)
        return torch.stack([self._z[k] for k in keys])

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
