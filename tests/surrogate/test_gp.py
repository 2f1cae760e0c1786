"""The one GP builder: kernels, outcomes, the prior mean, and the MC objective on the GP's own scale."""

from __future__ import annotations

import pytest
import torch
from botorch.models.transforms.outcome import Standardize
from gpytorch.kernels import MaternKernel, ScaleKernel

from latentnas.errors import InvalidArgumentError
from latentnas.surrogate import PriorMean, build_gp, copula_of, fit_gp, normal_scores, score_model

X = torch.rand(12, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
Y = (X.sum(-1, keepdim=True) * 10).round()


def test_decoded_features_get_one_lengthscale_and_latent_ones_botorchs_default() -> None:
    decoded = build_gp(X, Y, kernel="decoded")
    assert isinstance(decoded.covar_module, ScaleKernel) and isinstance(decoded.covar_module.base_kernel, MaternKernel)
    assert decoded.covar_module.base_kernel.lengthscale.shape == (1, 1)
    latent = build_gp(X, Y, kernel="latent")
    assert not isinstance(latent.covar_module, ScaleKernel)  # BoTorch's default, ARD over the 3 columns
    assert latent.covar_module.lengthscale.shape == (1, 3)


def test_the_copula_outcome_fits_the_standardized_normal_scores() -> None:
    model = build_gp(X, Y, outcome="copula")
    scores = normal_scores(Y.reshape(-1))
    assert copula_of(model) is not None
    assert torch.allclose(model.train_targets, (scores - scores.mean()) / scores.std(), atol=1e-12, rtol=0)
    plain = build_gp(X, Y, outcome="standardize")
    assert copula_of(plain) is None and isinstance(plain.outcome_transform, Standardize)
    assert torch.allclose(plain.train_targets, ((Y - Y.mean()) / Y.std()).reshape(-1), atol=1e-12, rtol=0)


def test_a_prior_mean_reads_the_last_column_and_the_kernel_the_others() -> None:
    prior = X[:, :1] * 2
    model = build_gp(torch.cat([X, prior], dim=-1), Y, prior_mean=True)
    assert isinstance(model.mean_module, PriorMean) and model.mean_module.column == 3
    assert model.covar_module.base_kernel.active_dims.tolist() == [0, 1, 2]
    assert torch.allclose(model.mean_module(torch.cat([X, prior], dim=-1)), prior.reshape(-1), atol=1e-12, rtol=0)


def test_fit_is_seeded_by_torchs_generator() -> None:
    fits = []
    for _ in range(2):
        with torch.random.fork_rng():
            torch.manual_seed(3)
            fits.append(fit_gp(X, Y, maxiter=20).covar_module.base_kernel.lengthscale.detach())
    assert torch.equal(fits[0], fits[1])


@pytest.mark.parametrize(("options", "message"), [
    ({"kernel": "rbf"}, "^unknown kernel 'rbf'; choices: decoded, latent$"),
    ({"outcome": "log"}, "^unknown outcome 'log'; choices: copula, standardize$"),
    ({"maxiter": 0}, "^maxiter must be a positive int, got 0$"),
])
def test_bad_choices_are_refused_naming_them(options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        fit_gp(X, Y, **options)  # type: ignore[arg-type]


def test_train_y_must_be_one_column_per_row() -> None:
    with pytest.raises(InvalidArgumentError, match=r"^train_Y must be a 12 x 1 tensor, got shape \(12,\)$"):
        build_gp(X, Y.reshape(-1))


def test_the_score_model_is_the_gp_on_the_scale_it_was_fitted_on() -> None:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = fit_gp(X, Y, outcome="copula", maxiter=20)
    view = score_model(model)
    assert view is not model and copula_of(view) is None and isinstance(view.outcome_transform, Standardize)
    test = torch.rand(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        normal, scores = model.posterior(test).normal, view.posterior(test)
    assert torch.equal(scores.mean, normal.mean) and torch.equal(scores.variance, normal.variance)
    plain = build_gp(X, Y, outcome="standardize")
    assert score_model(plain) is plain
