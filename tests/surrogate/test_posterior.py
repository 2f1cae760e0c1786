"""Marginals of many points at once and analytic LogEI: equal to BoTorch's own posterior and LogEI."""

from __future__ import annotations

import pytest
import torch
from botorch.acquisition.analytic import LogExpectedImprovement

from latentnas.errors import LatentNASError
from latentnas.surrogate import build_gp, fit_gp, log_ei, marginals

GEN = torch.Generator().manual_seed(1)
X = torch.rand(15, 4, dtype=torch.float64, generator=GEN)
Y = X[:, :1] * 3 + torch.rand(15, 1, dtype=torch.float64, generator=GEN)
TEST = torch.rand(40, 4, dtype=torch.float64, generator=GEN)


@pytest.mark.parametrize("outcome", ["standardize", "copula"])
def test_marginals_are_the_gaussian_posteriors_of_each_row_alone(outcome: str) -> None:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = fit_gp(X, Y, outcome=outcome, maxiter=30)
    mean, sigma = marginals(model, TEST)
    with torch.no_grad():
        posterior = model.posterior(TEST)
    gaussian = getattr(posterior, "normal", posterior)  # the scores' posterior under the copula
    assert torch.allclose(mean, gaussian.mean.reshape(-1), atol=1e-10, rtol=0)
    assert torch.allclose(sigma, gaussian.variance.reshape(-1).sqrt(), atol=1e-10, rtol=0)


def test_marginals_of_a_prior_mean_gp_include_the_prior() -> None:
    prior = TEST[:, :1] * 3
    train = torch.cat([X, X[:, :1] * 3], dim=-1)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = fit_gp(train, Y, prior_mean=True, maxiter=30)
    mean, sigma = marginals(model, torch.cat([TEST, prior], dim=-1))
    with torch.no_grad():
        expected = model.posterior(torch.cat([TEST, prior], dim=-1)).normal
    assert torch.allclose(mean, expected.mean.reshape(-1), atol=1e-10, rtol=0)
    assert torch.allclose(sigma, expected.variance.reshape(-1).sqrt(), atol=1e-10, rtol=0)


def test_log_ei_is_botorchs_analytic_log_ei() -> None:
    # NOTE: log_ei wraps BoTorch's private _log_ei_helper; this fails if BoTorch changes what it computes.
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = fit_gp(X, Y, outcome="standardize", maxiter=30)
    best_f = float(Y.max())
    mean, sigma = marginals(model, TEST)
    expected = LogExpectedImprovement(model, best_f=torch.tensor(best_f, dtype=torch.float64))(TEST.unsqueeze(1))
    expected = expected.detach()
    assert torch.allclose(log_ei(mean, sigma, best_f), expected, atol=1e-9, rtol=0)
    # Far below the incumbent, LogEI stays finite (the reason for the log form).
    assert bool(torch.isfinite(log_ei(torch.tensor([-50.0]), torch.tensor([1.0]), 0.0)).all())


def test_marginals_need_a_standardize_transform() -> None:
    model = build_gp(X, Y)
    del model.outcome_transform
    with pytest.raises(LatentNASError, match="^marginals needs a Standardize outcome transform, got NoneType$"):
        marginals(model, TEST)
