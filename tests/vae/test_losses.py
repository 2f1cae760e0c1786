from __future__ import annotations

import math

import pytest
import torch

from latentnas.vae import vae_loss
from latentnas.vae.losses import kl_divergence
from latentnas_encoders import DecoderOutput
from latentnas_encoders.base import mask_adj_logits


def test_uniform_logits_give_the_entropy_of_the_uniform_guess() -> None:
    decoded = DecoderOutput(torch.zeros(2, 4, 5), mask_adj_logits(torch.zeros(2, 4, 4)))
    types = torch.tensor([[0, 2, 3, 1], [0, 4, 4, 1]])
    adj = torch.ones(2, 4, 4)  # only the 6 upper entries count
    loss = vae_loss(decoded, types, adj, torch.zeros(2, 3), torch.zeros(2, 3), beta=0.5)
    assert loss.type_ce.item() == pytest.approx(4 * math.log(5))
    assert loss.adj_bce.item() == pytest.approx(6 * math.log(2))
    assert loss.kl.item() == 0.0
    assert loss.total.item() == pytest.approx(4 * math.log(5) + 6 * math.log(2))


def test_kl_weight_and_value() -> None:
    decoded = DecoderOutput(torch.zeros(1, 2, 2), mask_adj_logits(torch.zeros(1, 2, 2)))
    mu = torch.ones(1, 3)
    loss = vae_loss(decoded, torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 2, 2), mu, torch.zeros(1, 3),
                    beta=0.1)
    assert loss.kl.item() == pytest.approx(1.5)
    assert loss.total.item() == pytest.approx(loss.type_ce.item() + loss.adj_bce.item() + 0.15)
    assert kl_divergence(torch.zeros(4, 2), torch.zeros(4, 2)).tolist() == [0.0] * 4


def test_masked_entries_give_finite_gradients() -> None:
    raw = torch.zeros(1, 3, 3, requires_grad=True)
    decoded = DecoderOutput(torch.zeros(1, 3, 2), mask_adj_logits(raw))
    loss = vae_loss(decoded, torch.zeros(1, 3, dtype=torch.long), torch.ones(1, 3, 3), torch.zeros(1, 1),
                    torch.zeros(1, 1), beta=0.0)
    loss.total.backward()
    assert raw.grad is not None and torch.isfinite(raw.grad).all()
    assert raw.grad[0, 1, 0] == 0.0 and raw.grad[0, 0, 1] == -0.5


def test_negative_beta_is_refused() -> None:
    decoded = DecoderOutput(torch.zeros(1, 2, 2), mask_adj_logits(torch.zeros(1, 2, 2)))
    with pytest.raises(ValueError, match="beta must be non-negative, got -1"):
        vae_loss(decoded, torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 2, 2), torch.zeros(1, 1),
                 torch.zeros(1, 1), beta=-1)
