"""Fine-tuning a latent space with the labels a search accrues: the encoder learns, beside a predictor head, to place
architectures by their objective value, while the VAE loss keeps the space decodable."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from latentnas.errors import InvalidArgumentError
from latentnas.vae.latent import LatentSpace
from latentnas.vae.losses import vae_loss
from latentnas.vae.metrics import dense_batch
from latentnas.vae.train import ProgressFn

logger = logging.getLogger(__name__)


def finetune_latent_space(
    latent: LatentSpace,
    archs: Sequence[Any],
    values: Sequence[float] | Tensor,
    *,
    unlabelled: Sequence[Any] | None = None,
    steps: int = 200,
    lr: float = 1e-3,
    recon_weight: float = 1.0,
    beta: float = 0.005,
    batch_size: int = 256,
    hidden: int = 64,
    margin: float = 0.1,
    seed: int = 0,
    progress: ProgressFn | None = None,
) -> LatentSpace:
    """A copy of ``latent`` whose VAE was fine-tuned jointly with a predictor head on labelled architectures.

    A pretrained VAE's latent space is organized by graph structure alone; a GP in it sees objective values only
    through that structure. Here a small MLP ``g(mu) -> y`` on the posterior mean is trained with the encoder, so that
    the encoder learns which differences between architectures matter for the objective (the joint encoder,
    predictor and decoder of `"Neural Architecture Optimization" <https://arxiv.org/abs/1808.07233>`_, Luo et al.,
    2018). The VAE loss (reconstruction plus ``beta`` times KL, on the
    labelled architectures and a batch of ``unlabelled`` ones per step) is kept so that the space still decodes to
    the architectures it encodes. The predictor head is discarded: what is kept is the reshaped space.

    Every step is one full batch: ``mse(g(mu), y_std) + recon_weight * vae_loss``, with Adam at ``lr`` and
    ``y_std`` the values standardized. ``latent`` is left untouched.

    Args:
        latent: The latent space to start from.
        archs: Labelled architectures, ``n >= 2``.
        values: Their objective values, ``n`` finite numbers (higher or lower better: only the ordering is learned).
        unlabelled: Architectures without labels (e.g. the space's pretraining sample). A random ``batch_size`` of
            them joins the VAE loss each step, so that the decoder stays faithful beyond the labelled ones, and the
            new search box spans their encodings with those of ``archs``.
        steps: Optimizer steps.
        lr: Adam learning rate for the VAE and the head.
        recon_weight: Weight of the VAE loss (``0`` trains the encoder for the predictor alone).
        beta: Weight of the KL term within the VAE loss.
        batch_size: Unlabelled architectures per step.
        hidden: Width of the predictor head's hidden layer.
        margin: Widening of the new search box (see :class:`LatentSpace`).
        seed: Seeds the head's initialization, the reparameterization noise and the unlabelled batches.
        progress: Called after every step as ``progress(step, terms)`` with the step (from 1) and the loss terms
            ``{"loss", "predictor", "vae"}``.

    Returns:
        A new :class:`LatentSpace` over the same space with the fine-tuned VAE (in evaluation mode) and a box
        recomputed from the new encodings.

    Raises:
        ValueError: If the labels do not match ``archs``, fewer than two are given, one is not finite, or a setting
            is out of range.
    """
    y = torch.as_tensor(values, dtype=torch.float64).reshape(-1)
    if len(archs) != y.numel():
        raise InvalidArgumentError(f"archs and values must have the same length, got {len(archs)} archs and {y.numel()} values")
    if len(archs) < 2:
        raise InvalidArgumentError(f"archs must hold at least 2 labelled architectures, got {len(archs)}")
    if not torch.isfinite(y).all():
        raise InvalidArgumentError("values must be finite, got NaN or infinite entries")
    for name, value in (("steps", steps), ("batch_size", batch_size), ("hidden", hidden)):
        if value < 1:
            raise InvalidArgumentError(f"{name} must be positive, got {value}")
    if not lr > 0:
        raise InvalidArgumentError(f"lr must be positive, got {lr}")
    if not (recon_weight >= 0 and beta >= 0):
        raise InvalidArgumentError(f"recon_weight and beta must be non-negative, got {recon_weight} and {beta}")

    space, device = latent.space, latent.device
    vae = copy.deepcopy(latent.vae)
    # Module initialization draws from the global generator; fork it so the caller's stream is left untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        head = nn.Sequential(nn.Linear(vae.latent_dim, hidden), nn.SiLU(), nn.Linear(hidden, 1)).to(device)
    y_std = ((y - y.mean()) / y.std().clamp_min(1e-12)).to(device, torch.float32)
    types, adj = (t.to(device) for t in dense_batch(space, archs))
    pool = list(unlabelled or [])
    pool_types, pool_adj = (t.to(device) for t in dense_batch(space, pool))
    noise = torch.Generator(device=device).manual_seed(seed + 1)
    draw = torch.Generator().manual_seed(seed + 2)
    optimizer = torch.optim.Adam([*vae.parameters(), *head.parameters()], lr=lr)

    vae.train()
    for step in range(1, steps + 1):
        out = vae.forward_dense(types, adj, generator=noise)
        predictor = F.mse_loss(head(out.mu).squeeze(-1), y_std)
        vae_term = vae_loss(out.decoded, types, adj, out.mu, out.logvar, beta=beta).total
        if pool and recon_weight > 0:
            batch = torch.randperm(len(pool), generator=draw)[:batch_size].to(device)
            t, a = pool_types[batch], pool_adj[batch]
            extra = vae.forward_dense(t, a, generator=noise)
            pool_term = vae_loss(extra.decoded, t, a, extra.mu, extra.logvar, beta=beta).total
            vae_term = (vae_term * len(archs) + pool_term * batch.numel()) / (len(archs) + batch.numel())
        loss = predictor + recon_weight * vae_term
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        terms = {"loss": loss.item(), "predictor": predictor.item(), "vae": vae_term.item()}
        logger.debug("fine-tuning step %d: %s", step, terms)
        if progress is not None:
            progress(step, terms)
    vae.eval()
    return LatentSpace(space, vae, archs=[*archs, *pool], margin=margin, batch_size=latent.batch_size)
