"""The copula warp: normal scores of ranks, as a BoTorch outcome transform whose posterior speaks in values."""

from __future__ import annotations

import pytest
import torch
from botorch.models import SingleTaskGP
from botorch.models.transforms.outcome import ChainedOutcomeTransform, Standardize
from botorch.sampling import SobolQMCNormalSampler

from latentnas.errors import InvalidArgumentError
from latentnas.surrogate import CopulaPosterior, CopulaTransform, normal_scores

VALUES = torch.tensor([3.0, 1.0, 2.0, 2.0, 10.0], dtype=torch.float64)
# Ranks, ties sharing one: 1 -> 0.5/5, 2 -> 2/5 (both), 3 -> 3.5/5, 10 -> 4.5/5.
SCORES = torch.special.ndtri(torch.tensor([0.1, 0.4, 0.7, 0.9], dtype=torch.float64))


def fitted() -> CopulaTransform:
    transform = CopulaTransform()
    transform(VALUES.unsqueeze(-1))
    return transform.eval()


def test_normal_scores_are_the_scores_of_the_ranks_with_ties_sharing_one() -> None:
    assert torch.equal(normal_scores(VALUES), SCORES[[2, 0, 1, 1, 3]])
    assert torch.equal(normal_scores(torch.tensor([5.0])), torch.zeros(1, dtype=torch.float64))
    with pytest.raises(InvalidArgumentError, match="^normal scores need at least 1 value, got 0$"):
        normal_scores(torch.zeros(0))


def test_the_transform_learns_its_knots_in_training_and_maps_values_afterwards() -> None:
    transform = CopulaTransform()
    Y, Yvar = transform(VALUES.unsqueeze(-1))
    assert Yvar is None and torch.allclose(Y.squeeze(-1), normal_scores(VALUES), atol=1e-12, rtol=0)
    assert torch.equal(transform.knots, torch.tensor([1.0, 2.0, 3.0, 10.0], dtype=torch.float64))
    transform.eval()
    again, _ = transform(torch.tensor([[1.0], [100.0]], dtype=torch.float64))  # eval: the learned warp, not relearned
    assert torch.equal(transform.knots, torch.tensor([1.0, 2.0, 3.0, 10.0], dtype=torch.float64))
    assert float(again[0, 0]) == pytest.approx(float(SCORES[0]), abs=1e-12)


def test_the_warp_is_linear_between_knots_and_beyond_them_and_inverts() -> None:
    transform = fitted()
    between = torch.tensor([1.5, 6.5, 0.0, 17.0], dtype=torch.float64)
    assert torch.allclose(transform.warp(between), torch.stack([
        (SCORES[0] + SCORES[1]) / 2, (SCORES[2] + SCORES[3]) / 2,
        SCORES[0] - (SCORES[1] - SCORES[0]), SCORES[3] + (SCORES[3] - SCORES[2])]), atol=1e-12, rtol=0)
    assert torch.allclose(transform.unwarp(transform.warp(between)), between, atol=1e-12, rtol=0)
    assert torch.allclose(transform.untransform(transform.warp(between))[0], between, atol=1e-12, rtol=0)


def test_the_transform_refuses_noise_several_outputs_and_use_before_fitting() -> None:
    with pytest.raises(InvalidArgumentError, match="^the copula warp takes no observation noise"):
        CopulaTransform()(VALUES.unsqueeze(-1), torch.ones(5, 1, dtype=torch.float64))
    with pytest.raises(InvalidArgumentError, match="^the copula warp takes one output, got 2$"):
        CopulaTransform()(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(InvalidArgumentError, match="^the copula warp has not seen any values yet$"):
        CopulaTransform().warp(VALUES)
    assert fitted().subset_output([0]) is not None
    with pytest.raises(InvalidArgumentError, match="one output, got outputs"):
        fitted().subset_output([1])


def test_a_gp_through_the_warp_speaks_in_values_and_keeps_the_scores_gaussian_posterior() -> None:
    torch.manual_seed(0)
    train_X = torch.rand(5, 2, dtype=torch.float64)
    model = SingleTaskGP(train_X, VALUES.unsqueeze(-1), outcome_transform=ChainedOutcomeTransform(
        copula=CopulaTransform(), standardize=Standardize(m=1)))
    # The GP is fitted on the standardized normal scores.
    scores = normal_scores(VALUES)
    assert torch.allclose(model.train_targets, (scores - scores.mean()) / scores.std(), atol=1e-12, rtol=0)
    X = torch.rand(4, 2, dtype=torch.float64)
    with torch.no_grad():
        posterior = model.posterior(X)
        assert isinstance(posterior, CopulaPosterior)
        warp = posterior.transform
        normal = posterior.normal
        # The mean is the median mapped to values; samples are the scores' samples mapped to values.
        assert torch.allclose(posterior.mean, warp.unwarp(normal.mean), atol=1e-12, rtol=0)
        std = normal.variance.sqrt()
        spread = (warp.unwarp(normal.mean + std) - warp.unwarp(normal.mean - std)) / 2
        assert torch.allclose(posterior.variance, spread.pow(2), atol=1e-12, rtol=0)
        draws = SobolQMCNormalSampler(torch.Size([8]), seed=1)(posterior)
        gaussian = SobolQMCNormalSampler(torch.Size([8]), seed=1)(normal)
        assert torch.allclose(draws, warp.unwarp(gaussian), atol=1e-12, rtol=0)
