"""The surrogate (features, GP fit, posterior, LogEI) on a handful of real NB201 rows, and latent BO's config."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from botorch.acquisition.analytic import LogExpectedImprovement

from latentnas.errors import InvalidArgumentError
from latentnas.objectives import BenchmarkObjective
from latentnas.objectives.predictor import PredictorObjective
from latentnas.samplers.latent_bo import LatentBOConfig
from latentnas.surrogate import CopulaWarp, LatentSurrogate, load_latent_space, log_expected_improvement

# ---------------------------------------------------------------------------------------------------- the config


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_initial": 0}, "n_initial must be a positive int, got 0"),
        ({"n_initial": 2.5}, "n_initial must be a positive int, got 2.5"),
        ({"n_initial": True}, "n_initial must be a positive int, got True"),
        ({"raw_samples": -1}, "raw_samples must be a non-negative int, got -1"),
        ({"n_parents": -2}, "n_parents must be a non-negative int, got -2"),
        ({"raw_samples": 0, "n_parents": 0}, "raw_samples and n_parents must not both be 0, got 0 and 0"),
        ({"kernel": "rbf"}, "unknown kernel 'rbf'; choices: decoded, latent"),
        ({"outcome": "log"}, "unknown outcome 'log'; choices: copula, standardize"),
        ({"acquisition": "ucb"}, "unknown acquisition 'ucb'; choices: logei, ts"),
        ({"explore_after": 0}, "explore_after must be a positive int or None, got 0"),
        ({"shortlist": 0}, "shortlist must be a positive int, got 0"),
        ({"max_train": 1}, "max_train must be an int >= 2, got 1"),
        ({"threads": 0}, "threads must be a positive int or None, got 0"),
    ],
)
def test_config_refuses_bad_values_naming_the_field(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        LatentBOConfig(**options)
    with pytest.raises(InvalidArgumentError, match=message):
        LatentBOConfig().replace(**options)


def test_config_round_trips_through_json() -> None:
    config = LatentBOConfig(n_initial=10, kernel="latent", explore_after=10, threads=None)
    data = json.loads(json.dumps(config.to_dict()))
    assert LatentBOConfig.from_dict(data) == config
    assert LatentBOConfig.from_dict({}) == LatentBOConfig()
    with pytest.raises(InvalidArgumentError, match="unknown latent-bo option 'num_restarts'; choices: n_initial, "
                                                   "raw_samples, n_parents, kernel, outcome, acquisition"):
        LatentBOConfig.from_dict({"num_restarts": 4})
    with pytest.raises(AttributeError):
        config.n_initial = 3  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------------- the surrogate


@pytest.fixture(scope="module")
def rows() -> tuple[LatentSurrogate, list[Any], torch.Tensor]:
    """The shipped NB201 encoder's surrogate, 8 architectures and their CIFAR-10 validation accuracies."""
    objective = BenchmarkObjective("nasbench201", "cifar10")
    space = objective.space
    archs = [space.sample(seed) for seed in range(8)]
    values = torch.tensor([[objective(a).valid] for a in archs], dtype=torch.float64)
    return LatentSurrogate(load_latent_space(space)), archs, values


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
    latent = LatentSurrogate(surrogate.latent, kernel="latent")
    assert torch.equal(latent.arch_features(archs), surrogate.to_unit(surrogate.encode(archs)))
    with pytest.raises(InvalidArgumentError, match="unknown kernel 'rbf'; choices: decoded, latent"):
        LatentSurrogate(surrogate.latent, kernel="rbf")


def test_fit_and_posterior_on_real_rows(rows: Any) -> None:
    surrogate, archs, values = rows
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = surrogate.fit(surrogate.arch_features(archs), values)
    mean, std = surrogate.predict(model, surrogate.arch_features(archs))
    assert mean.shape == std.shape == (8,) and bool((std > 0).all())
    # The posterior at the training rows keeps their order (measured: within 0.09 points of each value).
    assert mean.argsort().tolist() == values.reshape(-1).argsort().tolist()


def test_log_ei_is_botorchs_analytic_log_ei(rows: Any) -> None:
    surrogate, archs, values = rows
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = surrogate.fit(surrogate.arch_features(archs), values)
    X = surrogate.arch_features([surrogate.space.sample(seed) for seed in range(100, 110)])
    best_f = float(values.max())
    ours = log_expected_improvement(model, X, best_f)
    reference = LogExpectedImprovement(model, best_f=best_f)(X.unsqueeze(1)).detach()
    # LOVE's fast variances (measured 1.1e-6 from the exact ones here).
    assert ours.shape == (10,) and torch.allclose(ours, reference, atol=1e-5, rtol=0)
    assert torch.equal(surrogate.log_expected_improvement(model, X, best_f), ours)


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


# ---------------------------------------------------------------------------------------------------- the copula


def test_copula_warp_gives_each_value_the_normal_score_of_its_rank() -> None:
    warp = CopulaWarp(torch.tensor([3.0, 1.0, 2.0, 2.0, 10.0], dtype=torch.float64))
    # Ranks (ties share one): 1 -> 0.5/5, 2 -> 2/5, 3 -> 3.5/5, 10 -> 4.5/5.
    expected = torch.special.ndtri(torch.tensor([0.1, 0.4, 0.7, 0.9], dtype=torch.float64))
    assert torch.equal(warp.knots, torch.tensor([1.0, 2.0, 3.0, 10.0], dtype=torch.float64))
    assert torch.allclose(warp(warp.knots), expected, atol=1e-12, rtol=0)
    # Linear between knots, and beyond them with the outermost pairs' slopes.
    between = torch.tensor([1.5, 6.5, 0.0, 17.0], dtype=torch.float64)
    assert torch.allclose(warp(between), torch.stack([
        (expected[0] + expected[1]) / 2, (expected[2] + expected[3]) / 2,
        expected[0] - (expected[1] - expected[0]), expected[3] + (expected[3] - expected[2])]), atol=1e-12, rtol=0)
    assert torch.allclose(warp.inverse(warp(between)), between, atol=1e-12, rtol=0)
    with pytest.raises(InvalidArgumentError, match="a copula warp needs at least 1 value, got 0"):
        CopulaWarp(torch.zeros(0))


def test_copula_fit_depends_only_on_the_order_of_the_values(rows: Any) -> None:
    surrogate, archs, values = rows
    copula = LatentSurrogate(surrogate.latent, outcome="copula")
    X, test = copula.arch_features(archs), copula.arch_features([copula.space.sample(s) for s in range(100, 110)])
    worst = int(values.argmin())
    outlier = values.clone()
    outlier[worst] = 10.0  # the worst architecture made far worse: the same order
    scores = []
    for Y in (values, outlier):
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = copula.fit(X, Y)
        scores.append(log_expected_improvement(model, test, float(Y.max())))
    assert torch.equal(scores[0], scores[1])
    with torch.random.fork_rng():  # on the values themselves, the outlier moves every score
        torch.manual_seed(0)
        plain = [log_expected_improvement(surrogate.fit(X, Y), test, float(Y.max())) for Y in (values, outlier)]
    assert not torch.allclose(plain[0], plain[1], atol=1e-3, rtol=0)


def test_copula_fit_speaks_in_the_values_units(rows: Any) -> None:
    surrogate, archs, values = rows
    copula = LatentSurrogate(surrogate.latent, outcome="copula")
    X = copula.arch_features(archs)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = copula.fit(X, values)
    warp = CopulaWarp(values)
    mean, std = copula.predict(model, X)
    # At the training rows, the posterior median is near each value (measured: within 0.2 points) and keeps order.
    assert mean.argsort().tolist() == values.reshape(-1).argsort().tolist()
    assert float((mean - values.reshape(-1)).abs().max()) < 0.2 and bool((std > 0).all())
    # LogEI over best_f in values is BoTorch's LogEI over the warped best_f, in the GP's units.
    test = copula.arch_features([copula.space.sample(s) for s in range(100, 110)])
    reference = LogExpectedImprovement(model, best_f=float(warp(values.max().reshape(1))[0]))(test.unsqueeze(1))
    assert torch.allclose(log_expected_improvement(model, test, float(values.max())), reference.detach(),
                          atol=1e-5, rtol=0)
    with pytest.raises(InvalidArgumentError, match="unknown outcome 'log'; choices: copula, standardize"):
        LatentSurrogate(surrogate.latent, outcome="log")


def test_latent_bo_fits_through_the_copula_by_default(rows: Any) -> None:
    from latentnas.samplers.latent_bo import LatentBOSampler

    surrogate, _, _ = rows
    assert LatentBOConfig().outcome == "copula"
    assert LatentBOSampler(surrogate.space, latent=surrogate.latent).surrogate.outcome == "copula"
    assert LatentBOSampler(surrogate.space, latent=surrogate.latent,
                           outcome="standardize").surrogate.outcome == "standardize"
