"""A 2-D map of a latent space: the encodings of a space's architectures, projected by PCA.

The map of a finite space holds every canonical architecture (NB201: 6,466; NAS-Bench-Graph: 26,206); that of an
infinite one a seeded sample of :data:`MAP_SAMPLES`. Encodings are posterior means of the encoder of a checkpoint
(default: the space's shipped one), projected onto their first two principal components (exact PCA of the ``d x d`` covariance).

Encoding a whole space is the slow part of a report (NAS-Bench-Graph: 2.6 s on one CPU thread), so the encodings
are kept in a cache file per space and encoder sha256 under ``data_home()/cache`` (:func:`cache_path`); a second map
of the same space reads them back (26,206 x 16 floats, 0.1 s).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from latentnas.spaces import SearchSpace
from latentnas.storage import data_home
from latentnas.vae.checkpoint import default_checkpoint, load_checkpoint
from latentnas.vae.metrics import encode_means

logger = logging.getLogger(__name__)

#: Architectures drawn (seeded) for the map of an infinite space.
MAP_SAMPLES = 3000
#: The environment variable that turns the encoding cache off (any non-empty value).
NO_CACHE_ENV = "LATENTNAS_NO_CACHE"


def cache_path(space: SearchSpace[Any], sha256: str, n: int) -> Path:
    """Where the encodings of ``space``'s architectures (all of a finite one, ``n`` samples of another) by the
    encoder ``sha256`` are cached."""
    return data_home() / "cache" / f"latent-map-{space.name}-{sha256[:16]}-{'all' if space.is_finite else n}.pt"


@dataclass(frozen=True)
class LatentMap:
    """Encodings of a space's architectures and their projection to 2-D.

    Args:
        space: The space.
        keys: Canonical keys of the mapped architectures, ``N`` of them.
        z: Their ``N x d`` posterior means (float32, CPU).
        encoder: What encoded them: the checkpoint file's name and sha256.
        sha256: The sha256 of the checkpoint's weights (its manifest's).
        vae: The encoder, to place architectures outside ``keys`` (infinite spaces).
    """

    space: SearchSpace[Any]
    keys: list[str]
    z: Tensor
    encoder: str
    sha256: str
    vae: Any = field(repr=False)

    @cached_property
    def index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.keys)}

    @cached_property
    def _pca(self) -> tuple[Tensor, Tensor, Tensor]:
        """``(mean, components d x 2, share of variance of each component)``: exact, from the eigenvectors of the
        ``d x d`` covariance (``torch.pca_lowrank`` is randomized: two reports of one study would differ)."""
        z = self.z.to(torch.float64)
        mean = z.mean(0)
        centred = z - mean
        eigenvalues, eigenvectors = torch.linalg.eigh(centred.T @ centred)
        top = torch.argsort(eigenvalues, descending=True)[: min(2, z.shape[1])]
        v = eigenvectors[:, top]
        total = eigenvalues.clamp_min(0).sum()
        share = eigenvalues[top].clamp_min(0) / total if float(total) > 0 else torch.zeros(len(top), dtype=z.dtype)
        # A fixed sign per component (its largest entry positive): the same encodings always give the same picture.
        signs = torch.sign(v[v.abs().argmax(0), torch.arange(v.shape[1])])
        return mean, v * signs, share

    @cached_property
    def xy(self) -> Tensor:
        """The ``N x 2`` projection of :attr:`z`."""
        return self.project(self.z)

    def project(self, z: Tensor) -> Tensor:
        """The 2-D projection of latent points ``z`` (``n x d``)."""
        mean, components, _ = self._pca
        return (z.to(torch.float64) - mean) @ components

    @property
    def projection(self) -> str:
        """What the axes are: ``"PCA of 16-d posterior means (PC1 31 %, PC2 18 % of variance)"``."""
        share = self._pca[2].tolist()
        parts = ", ".join(f"PC{i + 1} {100 * s:.0f} %" for i, s in enumerate(share))
        return f"PCA of {self.z.shape[1]}-d posterior means ({parts} of variance)"

    def locate(self, archs: list[Any]) -> Tensor:
        """The 2-D points of ``archs`` (``n x 2``): read from the map where their key is in it, else encoded."""
        keys = [self.space.canonical_key(a) for a in archs]
        out = torch.zeros(len(archs), 2, dtype=torch.float64)
        missing = [i for i, k in enumerate(keys) if k not in self.index]
        found = [i for i in range(len(archs)) if i not in set(missing)]
        if found:
            out[found] = self.xy[[self.index[keys[i]] for i in found]]
        if missing:
            z = encode_means(self.space, self.vae, [self.space.canonicalize(archs[i]) for i in missing])
            out[missing] = self.project(z.to("cpu", torch.float32))
        return out


def latent_map(space: SearchSpace[Any], checkpoint: str | Path | None = None, *, samples: int = MAP_SAMPLES,
               cache: bool = True) -> LatentMap:
    """The map of ``space`` by the encoder of ``checkpoint`` (default: the space's shipped one).

    Args:
        space: The space (finite: all its canonical architectures; infinite: ``samples`` seeded ones).
        checkpoint: A checkpoint path; ``None``: :func:`~latentnas.vae.checkpoint.default_checkpoint`.
        samples: Architectures of an infinite space.
        cache: Read and write the encodings in :func:`cache_path` (unless ``$LATENTNAS_NO_CACHE`` is set).

    Raises:
        CheckpointError: The checkpoint is missing, altered or for another space.
    """
    path = Path(checkpoint) if checkpoint is not None else default_checkpoint(space)
    vae, manifest = load_checkpoint(path, space=space)
    sha = str(manifest["sha256"])
    file = cache_path(space, sha, samples)
    cache = cache and not os.environ.get(NO_CACHE_ENV)
    if cache and file.is_file():
        try:
            stored = torch.load(file, weights_only=True)
            return LatentMap(space, list(stored["keys"]), stored["z"], f"{path.name}", sha, vae)
        except Exception as err:  # a truncated or foreign file: encode again and rewrite it
            logger.warning("ignoring the latent map cache %s: %s", file, err)
    archs = space.pretraining_archs(samples=samples)
    keys = [space.canonical_key(a) for a in archs]
    z = encode_means(space, vae, archs).to("cpu", torch.float32)
    if cache:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            partial = file.with_suffix(f".{os.getpid()}.tmp")
            torch.save({"keys": keys, "z": z}, partial)
            partial.replace(file)  # atomic: a concurrent report reads the old file or the new, never half
        except OSError as err:
            logger.warning("cannot cache the latent map in %s: %s", file, err.strerror)
    return LatentMap(space, keys, z, f"{path.name}", sha, vae)

