"""The surrogate's features, fit and predictions on a handful of real NB201 rows."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from latentnas.errors import InvalidArgumentError
from latentnas.objectives.predictor import PredictorObjective
from latentnas.surrogate import LatentSurrogate, copula_of, log_ei, log_expected_improvement, marginals


def test_features_are_the_decoders_probabilities_at_the_encoding(rows: Any) -> None:
    surrogate, archs, _ = rows
    spec = surrogate.space.graph_spec
    X = surrogate.arch_features(archs)
    assert X.shape == (8, spec.num_nodes * spec.num_types + spec.num_nodes * (spec.num_nodes - 1) // 2)
    assert X.dtype == torch.float64 and bool(((X >= 0) & (X <= 1)).all())
    type_probs = X[:, : spec.num_nodes * spec.num_types].reshape(8, spec.num_nodes, spec.num_types)
    assert torch.allclose(type_probs.sum(-1), torch.ones(8, spec.num_nodes, dtype=torch.float64))
    at_points = surrogate.features(surrogate.to_unit(surrogate.encode(archs)))
    assert torch.allclose(at_points, X, atol=1e-6)


def test_isomorphic_architectures_share_features(rows: Any) -> None:
    surrogate, _, _ = rows
    space = surrogate.space
    arch = next(a for a in map(space.sample, range(100)) if space.canonicalize(a) != a)
    X = surrogate.arch_features([arch, space.canonicalize(arch)])
    assert torch.equal(X[0], X[1])


def test_latent_features_are_the_unit_cube_encoding(rows: Any) -> None:
    surrogate, archs, _ = rows
    latent = LatentSurrogate(surrogate.latent, kernel="latent", cache=surrogate.cache)
    assert torch.equal(latent.arch_features(archs), surrogate.to_unit(surrogate.encode(archs)))
    with pytest.raises(InvalidArgumentError, match="unknown kernel 'rbf'; choices: decoded, latent"):
        LatentSurrogate(surrogate.latent, kernel="rbf")
    with pytest.raises(InvalidArgumentError, match="unknown outcome 'log'; choices: copula, standardize"):
        LatentSurrogate(surrogate.latent, outcome="log")


def test_fit_and_predict_on_real_rows(rows: Any) -> None:
    surrogate, archs, values = rows
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = surrogate.fit(surrogate.arch_features(archs), values)
    mean, std = surrogate.predict(model, surrogate.arch_features(archs))
    assert mean.shape == std.shape == (8,) and bool((std > 0).all())
    # The posterior at the training rows keeps their order (measured: within 0.09 points of each value).
    assert mean.argsort().tolist() == values.reshape(-1).argsort().tolist()


def test_the_predictor_is_the_surrogate(rows: Any) -> None:
    surrogate, archs, values = rows
    predictor = PredictorObjective(surrogate.space, archs, values.reshape(-1).tolist(), latent=surrogate.latent,
                                   seed=3)
    assert isinstance(predictor.surrogate, LatentSurrogate)
    with torch.random.fork_rng():
        torch.manual_seed(3)
        model = surrogate.fit(surrogate.arch_features(archs), values)
    test = [surrogate.space.sample(seed) for seed in range(200, 205)]
    ours, expected = predictor.predict(test), surrogate.predict(model, surrogate.arch_features(test))
    assert torch.equal(ours[0], expected[0]) and torch.equal(ours[1], expected[1])


def test_a_copula_fit_depends_only_on_the_order_of_the_values(rows: Any) -> None:
    surrogate, archs, values = rows
    copula = LatentSurrogate(surrogate.latent, outcome="copula", cache=surrogate.cache)
    X, test = copula.arch_features(archs), copula.arch_features([copula.space.sample(s) for s in range(100, 110)])
    outlier = values.clone()
    outlier[int(values.argmin())] = 10.0  # the worst architecture made far worse: the same order
    scores = []
    for Y in (values, outlier):
        with torch.random.fork_rng():
            torch.manual_seed(0)
            scores.append(log_expected_improvement(copula.fit(X, Y), test, float(Y.max())))
    assert torch.equal(scores[0], scores[1])
    with torch.random.fork_rng():  # on the values themselves, the outlier moves every score
        torch.manual_seed(0)
        plain = [log_expected_improvement(surrogate.fit(X, Y), test, float(Y.max())) for Y in (values, outlier)]
    assert not torch.allclose(plain[0], plain[1], atol=1e-3, rtol=0)


def test_a_copula_fit_predicts_in_the_values_units(rows: Any) -> None:
    surrogate, archs, values = rows
    copula = LatentSurrogate(surrogate.latent, outcome="copula", cache=surrogate.cache)
    X = copula.arch_features(archs)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = copula.fit(X, values)
    mean, std = copula.predict(model, X)
    # At the training rows, the posterior median is near each value (measured: within 0.2 points) and keeps order.
    assert mean.argsort().tolist() == values.reshape(-1).argsort().tolist()
    assert float((mean - values.reshape(-1)).abs().max()) < 0.2 and bool((std > 0).all())
    with torch.no_grad():
        assert torch.allclose(mean, model.posterior(X).mean.reshape(-1), atol=1e-10, rtol=0)
    # LogEI over best_f in values is LogEI over the warped best_f on the GP's scale.
    test = copula.arch_features([copula.space.sample(s) for s in range(100, 110)])
    warp = copula_of(model)
    assert warp is not None
    m, s = marginals(model, test)
    expected = log_expected_improvement(model, test, float(values.max()))
    incumbent = float(warp.warp(values.max().reshape(1))[0])
    assert torch.equal(expected, log_ei(m, s, incumbent))
    assert not torch.allclose(expected, log_ei(m, s, float(values.max())))  # values are not the GP's scale
