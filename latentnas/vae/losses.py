"""The VAE objective: node-type cross entropy, edge BCE on the strict upper triangle, and a weighted KL term."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor
from torch.nn import functional as F

from latentnas.errors import InvalidArgumentError
from latentnas_encoders import DecoderOutput
from latentnas_encoders.base import strict_upper_mask


class VAELoss(NamedTuple):
    """The terms of the negative ELBO, each averaged over the graphs of the batch (summed within a graph).

    Attributes:
        total: ``type_ce + adj_bce + beta * kl``, the scalar to minimize.
        type_ce: Cross entropy of the node types.
        adj_bce: Binary cross entropy of the possible edges (the strict upper triangle).
        kl: ``KL(q(z | G) || N(0, I))``.
    """

    total: Tensor
    type_ce: Tensor
    adj_bce: Tensor
    kl: Tensor


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` per graph: a ``B`` tensor from two ``B x d`` tensors."""
    return -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - logvar.exp(), dim=-1)


def vae_loss(
    decoded: DecoderOutput,
    target_types: Tensor,
    target_adj: Tensor,
    mu: Tensor,
    logvar: Tensor,
    *,
    beta: float,
) -> VAELoss:
    """The negative ELBO with a weighted KL term (a beta-VAE).

    Args:
        decoded: The decoder's logits, ``B x N x V`` and ``B x N x N``.
        target_types: A ``B x N`` long tensor of true node types.
        target_adj: A ``B x N x N`` 0/1 tensor of true edges (only the strict upper triangle is read).
        mu: A ``B x d`` tensor of posterior means.
        logvar: A ``B x d`` tensor of posterior log-variances.
        beta: Weight of the KL term (``>= 0``).

    Returns:
        A :class:`VAELoss` of scalar tensors.
    """
    if beta < 0:
        raise InvalidArgumentError(f"beta must be non-negative, got {beta}")
    num_graphs, num_nodes, num_types = decoded.type_logits.shape
    type_ce = F.cross_entropy(
        decoded.type_logits.reshape(-1, num_types), target_types.reshape(-1), reduction="sum"
    ) / num_graphs
    mask = strict_upper_mask(num_nodes, device=decoded.adj_logits.device)
    adj_bce = F.binary_cross_entropy_with_logits(
        decoded.adj_logits[:, mask], target_adj[:, mask].to(decoded.adj_logits.dtype), reduction="sum"
    ) / num_graphs
    kl = kl_divergence(mu, logvar).mean()
    return VAELoss(type_ce + adj_bce + beta * kl, type_ce, adj_bce, kl)
