"""Quality measures of a trained graph VAE: reconstruction accuracy and the validity, uniqueness, novelty and
coverage of decoded prior samples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor

from latentnas.errors import InvalidArgumentError
from latentnas.spaces.base import SearchSpace
from latentnas.vae.model import GraphVAE, dense_to_pyg


def dense_batch(space: SearchSpace[Any], archs: Sequence[Any]) -> tuple[Tensor, Tensor]:
    """The dense graph form of ``archs``: a ``n x N`` long tensor of node types and a ``n x N x N`` float adjacency."""
    num_nodes = space.graph_spec.num_nodes
    types = torch.zeros(len(archs), num_nodes, dtype=torch.long)
    adj = torch.zeros(len(archs), num_nodes, num_nodes)
    for row, arch in enumerate(archs):
        node_types, edges = space.to_dense(arch)
        types[row] = torch.tensor(node_types)
        adj[row] = torch.tensor(edges, dtype=torch.float32)
    return types, adj


@torch.no_grad()
def encode_means(
    space: SearchSpace[Any], vae: GraphVAE, archs: Sequence[Any], *, batch_size: int = 4096
) -> Tensor:
    """The posterior means of ``archs``: a ``n x d`` tensor on the VAE's device."""
    device = next(vae.parameters()).device
    types, adj = dense_batch(space, archs)
    chunks = [torch.zeros(0, vae.latent_dim, device=device)]
    for start in range(0, len(archs), batch_size):
        t, a = types[start : start + batch_size].to(device), adj[start : start + batch_size].to(device)
        x, edge_index, batch = dense_to_pyg(t, a, space.graph_spec.num_types)
        chunks.append(vae.encode(x, edge_index, batch, t.size(0)).mu)
    return torch.cat(chunks)


@torch.no_grad()
def decode_points(space: SearchSpace[Any], vae: GraphVAE, z: Tensor, *, batch_size: int = 4096) -> list[Any]:
    """The architectures ``space.from_logits`` makes of the decoder's logits at ``z`` (``n x d``), one per row."""
    archs: list[Any] = []
    for start in range(0, z.size(0), batch_size):
        type_logits, adj_logits = vae.decode(z[start : start + batch_size])
        type_logits, adj_logits = type_logits.cpu(), adj_logits.cpu()
        archs.extend(space.from_logits(type_logits[i], adj_logits[i]) for i in range(type_logits.size(0)))
    return archs


def reconstruction_accuracy(space: SearchSpace[Any], vae: GraphVAE, archs: Sequence[Any]) -> float:
    """The share of ``archs`` whose posterior mean decodes to an architecture with the same canonical key."""
    if not archs:
        raise InvalidArgumentError("archs must not be empty")
    was_training = vae.training
    vae.eval()
    try:
        decoded = decode_points(space, vae, encode_means(space, vae, archs))
    finally:
        vae.train(was_training)
    hits = sum(space.canonical_key(a) == space.canonical_key(b) for a, b in zip(archs, decoded, strict=True))
    return hits / len(archs)


class PriorMetrics(NamedTuple):
    """Measures of ``num_samples`` latent points ``z ~ N(0, I)`` decoded through ``space.from_logits``.

    Attributes:
        validity: Share of decoded architectures that the space validates.
        uniqueness: Distinct canonical keys among the valid ones, divided by ``num_samples``.
        novelty: Share of the valid ones whose canonical key is not among the training keys.
        coverage: For finite spaces, distinct canonical keys reached divided by the space's canonical classes;
            ``None`` otherwise.
    """

    validity: float
    uniqueness: float
    novelty: float
    coverage: float | None


def prior_metrics(
    space: SearchSpace[Any],
    vae: GraphVAE,
    *,
    train_keys: set[str],
    num_samples: int = 10_000,
    generator: torch.Generator | None = None,
    num_classes: int | None = None,
) -> PriorMetrics:
    """Validity, uniqueness, novelty and coverage of decoded prior samples.

    Args:
        space: The space the VAE was trained on.
        vae: The trained VAE.
        train_keys: Canonical keys of the training architectures (for novelty).
        num_samples: How many ``z ~ N(0, I)`` to decode.
        generator: Draws the samples (on the VAE's device); a fresh one seeded with 0 if ``None``.
        num_classes: Number of canonical classes of a finite space, for coverage; computed by enumerating the
            space when ``None`` and the space is finite.
    """
    if num_samples < 1:
        raise InvalidArgumentError(f"num_samples must be positive, got {num_samples}")
    device = next(vae.parameters()).device
    if generator is None:
        generator = torch.Generator(device=device).manual_seed(0)
    z = torch.randn(num_samples, vae.latent_dim, generator=generator, device=device)
    was_training = vae.training
    vae.eval()
    try:
        archs = decode_points(space, vae, z)
    finally:
        vae.train(was_training)
    keys = [space.canonical_key(arch) for arch in archs if space.is_valid(arch)]
    distinct = set(keys)
    coverage: float | None = None
    if space.is_finite:
        if num_classes is None:
            num_classes = len({space.canonical_key(arch) for arch in space.enumerate()})
        coverage = len(distinct) / num_classes
    return PriorMetrics(
        validity=len(keys) / num_samples,
        uniqueness=len(distinct) / num_samples,
        novelty=sum(key not in train_keys for key in keys) / len(keys) if keys else 0.0,
        coverage=coverage,
    )
