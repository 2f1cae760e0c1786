"""Transfer from other tasks: sources, their scale, source models, ranking weights, the prior-mean GP, and latent BO
searching with sources."""

from __future__ import annotations

import math
import random

import optuna
import pytest
import torch

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.history import History, TransferSource
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers.base import PROPOSAL_ATTR
from latentnas.samplers.latent_bo import LatentBOSampler
from latentnas.samplers.portfolio import portfolio_order
from latentnas.samplers.strategies import UniformSamples
from latentnas.samplers.strategies.transfer import (
    RANKING_MIN,
    SHRINK,
    SourceModel,
    ranking_losses,
    shrunk,
    source_models,
    source_weights,
)
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.study import create_study, run_search
from latentnas.surrogate import LatentCache, LatentSurrogate, marginals, normal_scores
from latentnas.vae import LatentSpace

SPACE = NasBench201Space()


def sample_source(name: str, values: list[float]) -> TransferSource:
    return TransferSource(name, [SPACE.sample(i) for i in range(len(values))], values)


# ------------------------------------------------------------------------------------------------ TransferSource
def test_a_source_refuses_values_that_do_not_pair_up_with_its_architectures() -> None:
    with pytest.raises(InvalidArgumentError, match="has 3 architectures and 2 values"):
        TransferSource("s", [SPACE.sample(i) for i in range(3)], [1.0, 2.0])


def test_a_source_refuses_too_few_observations_and_values_that_are_not_finite() -> None:
    with pytest.raises(InvalidArgumentError, match=f"has 2 observations; at least {RANKING_MIN}"):
        sample_source("s", [1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="not finite"):
        sample_source("s", [1.0, math.nan, 2.0])
    with pytest.raises(InvalidArgumentError, match="needs a name"):
        sample_source("", [1.0, 2.0, 3.0])


def test_a_sources_digest_changes_with_its_values_and_not_with_the_encoding_of_an_architecture() -> None:
    a = sample_source("s", [1.0, 2.0, 3.0])
    assert a.digest(SPACE) == sample_source("s", [1.0, 2.0, 3.0]).digest(SPACE)
    assert a.digest(SPACE) != sample_source("s", [1.0, 2.0, 4.0]).digest(SPACE)
    canonical = TransferSource("s", [SPACE.canonicalize(x) for x in a.archs], a.values)
    assert canonical.digest(SPACE) == a.digest(SPACE)


def test_a_source_from_a_minimize_study_is_oriented_larger_is_better() -> None:
    study = optuna.create_study(direction="minimize")
    for i, value in enumerate([3.0, 1.0, 2.0]):
        study.enqueue_trial(SPACE.to_params(SPACE.sample(i)))
    study.optimize(lambda t: [3.0, 1.0, 2.0][t.number] if SPACE.suggest(t) is not None else 0.0, n_trials=3)
    source = TransferSource.from_study(study, SPACE)
    assert source.name == f"study/{study.study_name}"
    assert source.values == (-3.0, -1.0, -2.0)


# ------------------------------------------------------------------------------------------------ scales and losses
def test_a_sources_scale_is_the_normal_scores_of_its_ranks_with_ties_sharing_their_mean_rank() -> None:
    normal = torch.distributions.Normal(0.0, 1.0)
    got = normal_scores(torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64))
    want = normal.icdf(torch.tensor([5 / 6, 1 / 6, 0.5])).double()
    assert torch.allclose(got, want)
    tied = normal_scores(torch.tensor([1.0, 1.0, 2.0], dtype=torch.float64))
    assert tied[0] == tied[1] and torch.allclose(tied[2], normal.icdf(torch.tensor(5 / 6)).double())


def test_ranking_losses_count_misordered_pairs() -> None:
    draws = torch.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [2.0, 1.0, 3.0]], dtype=torch.float64)
    assert ranking_losses(draws, torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).tolist() == [0.0, 3.0, 1.0]


def test_source_weights_go_to_the_source_that_ranks_the_target_and_are_equal_below_the_minimum() -> None:
    y = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    zero = torch.zeros(4, dtype=torch.float64)
    right, wrong = (y.clone(), zero), (-y, zero)
    generator = torch.Generator().manual_seed(0)
    assert source_weights([wrong, right], y, generator).tolist() == [0.0, 1.0]
    assert source_weights([wrong, right], y[:2], generator).tolist() == [0.5, 0.5]


# ------------------------------------------------------------------------------------------------ models
def test_a_source_model_answers_from_its_observations_and_from_its_gp_elsewhere(tiny_latent: LatentSpace) -> None:
    surrogate = LatentSurrogate(tiny_latent)
    source = sample_source("s", [float(i) for i in range(12)])
    model = SourceModel(source, surrogate)
    seen = [SPACE.canonical_key(a) for a in source.archs[:3]]
    unseen_arch = next(a for a in (SPACE.sample(100 + i) for i in range(50))
                       if SPACE.canonical_key(a) not in model.known)
    keys = [*seen, SPACE.canonical_key(unseen_arch)]
    X = surrogate.arch_features([*source.archs[:3], unseen_arch], keys=keys)
    mean, std = model.predict(keys, X)
    assert mean[:3].tolist() == normal_scores(torch.arange(12, dtype=torch.float64))[:3].tolist()
    assert std[:3].tolist() == [0.0, 0.0, 0.0] and std[3] > 0
    assert source_models([source], surrogate)[0] is source_models([source], surrogate)[0]
    # A cache is what shares them: a surrogate with another cache builds its own.
    other = LatentSurrogate(tiny_latent, cache=LatentCache())
    assert source_models([source], other)[0] is not source_models([source], surrogate)[0]


def test_the_prior_mean_gp_trusts_a_source_that_predicts_the_target_and_not_one_that_does_not(
    tiny_latent: LatentSpace,
) -> None:
    surrogate = LatentSurrogate(tiny_latent)
    archs = [SPACE.sample(i) for i in range(16)]
    X = surrogate.arch_features(archs)
    rng = random.Random(0)
    prior = torch.tensor([rng.gauss(0, 1) for _ in archs], dtype=torch.float64)
    noise = torch.tensor([rng.gauss(0, 1) for _ in archs], dtype=torch.float64)
    with_prior = torch.cat([X, prior.unsqueeze(-1)], dim=-1)
    torch.manual_seed(0)
    good = surrogate.fit(with_prior, (2 * prior + 1).unsqueeze(-1), outcome="standardize", prior_mean=True)
    torch.manual_seed(0)
    useless = surrogate.fit(with_prior, noise.unsqueeze(-1), outcome="standardize", prior_mean=True)
    # in standardized units: a target that is 2 x prior + 1 has slope 2 / std(2 x prior) = 1 / std(prior)
    assert float(good.mean_module.weight.detach()) == pytest.approx(1 / float(prior.std()), rel=0.05)
    assert abs(float(useless.mean_module.weight.detach())) < 0.5 * float(good.mean_module.weight.detach())
    mean, _ = marginals(good, with_prior)
    assert torch.allclose(mean, 2 * prior + 1, atol=0.05)


# ------------------------------------------------------------------------------------------------ the sampler
def test_benchmark_sources_are_the_other_datasets_of_the_space() -> None:
    bench = get_benchmark("nasbench201")
    names = [s.name for s in bench.transfer_sources("cifar10")]
    assert names == ["nasbench201/cifar100", "nasbench201/imagenet16-120"]
    assert [s.name for s in bench.transfer_sources(None)] == [f"nasbench201/{d}" for d in bench.datasets]
    assert len(bench.transfer_sources("cifar10")[0].archs) == 6466


def test_latent_bo_with_sources_first_proposes_what_the_portfolio_proposes(tiny_latent: LatentSpace) -> None:
    bench = get_benchmark("nasbench201")
    sources = bench.transfer_sources("cifar10")
    objective = BenchmarkObjective("nasbench201", "cifar10")
    sampler = LatentBOSampler(SPACE, latent=tiny_latent, seed=0, transfer=sources)
    study = create_study(SPACE, sampler)
    run_search(study, objective, n_unique=RANKING_MIN)
    # No initial design: below RANKING_MIN observations the consensus (equal weights) proposes, in the portfolio's
    # order.
    assert [t.system_attrs[PROPOSAL_ATTR]["phase"] for t in study.trials] == ["transfer"] * RANKING_MIN
    proposed = [t.user_attrs["arch_key"] for t in study.trials]
    assert proposed == [key for key, _ in portfolio_order(SPACE, sources)[:RANKING_MIN]]
    assert study.user_attrs["sampler"]["transfer"] == [
        {"name": s.name, "sha256": s.digest(SPACE)} for s in sources]
    with_design = LatentBOSampler(SPACE, latent=tiny_latent, seed=0, transfer=sources, n_initial=1)
    assert isinstance(with_design.strategy(History()), UniformSamples)


def test_a_source_places_scores_among_its_observations(tiny_latent: LatentSpace) -> None:
    model = SourceModel(sample_source("s", [4.0, 1.0, 3.0, 3.0]), LatentSurrogate(tiny_latent))
    scores = normal_scores(torch.tensor([4.0, 1.0, 3.0, 3.0], dtype=torch.float64))
    # 4.0: none better (0); 3.0: one better, two tied (1 + 1) / 4; 1.0: three better, itself tied (3 + 0.5) / 4.
    assert model.percentiles(scores).tolist() == [0.125, 0.875, 0.5, 0.5]
    assert model.percentiles(torch.tensor([9.0, -9.0], dtype=torch.float64)).tolist() == [0.0, 1.0]


def test_shrunk_weights_move_from_equal_to_rgpe_with_the_observations() -> None:
    rgpe = torch.tensor([1.0, 0.0], dtype=torch.float64)
    assert shrunk(rgpe, 0).tolist() == [0.5, 0.5]
    assert shrunk(rgpe, SHRINK).tolist() == [0.75, 0.25]


def test_latent_bo_with_sources_is_seeded_and_proposes_new_architectures(tiny_latent: LatentSpace) -> None:
    sources = get_benchmark("nasbench201").transfer_sources("cifar10")
    objective = BenchmarkObjective("nasbench201", "cifar10")

    def trials(seed: int) -> list[str]:
        sampler = LatentBOSampler(SPACE, latent=tiny_latent, seed=seed, transfer=sources, n_initial=2, max_train=8)
        study = create_study(SPACE, sampler)
        run_search(study, objective, n_unique=8)
        return [t.user_attrs["arch_key"] for t in study.trials]

    first = trials(0)
    assert first == trials(0) and len(set(first)) == 8


def test_a_resume_with_other_sources_is_refused(tiny_latent: LatentSpace) -> None:
    bench = get_benchmark("nasbench201")
    objective = BenchmarkObjective("nasbench201", "cifar10")
    storage = optuna.storages.InMemoryStorage()
    study = create_study(SPACE, LatentBOSampler(SPACE, latent=tiny_latent, seed=0,
                                                transfer=bench.transfer_sources("cifar10")),
                         storage=storage, study_name="s")
    run_search(study, objective, n_unique=1)
    other = LatentBOSampler(SPACE, latent=tiny_latent, seed=0, transfer=bench.transfer_sources("cifar100"))
    with pytest.raises(Exception, match="transfer"):
        run_search(create_study(SPACE, other, storage=storage, study_name="s"), objective, n_unique=2)


def test_latent_bo_refuses_sources_that_are_not_sources_or_share_a_name(tiny_latent: LatentSpace) -> None:
    with pytest.raises(InvalidArgumentError, match="TransferSource objects, got dict"):
        LatentBOSampler(SPACE, latent=tiny_latent, transfer=[{"name": "x"}])  # type: ignore[list-item]
    source = sample_source("s", [1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match="distinct names, got s, s"):
        LatentBOSampler(SPACE, latent=tiny_latent, transfer=[source, source])


def test_latent_bo_with_sources_in_an_infinite_space_scores_decoded_candidates(
    tiny_latent: LatentSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NB201 taken as infinite: no pool; candidates are decoded latent points and the best ones' neighbours.
    monkeypatch.setattr(NasBench201Space, "is_finite", property(lambda self: False))
    sources = [sample_source("a", [float(i % 7) for i in range(40)]), sample_source("b", [float(i) for i in range(40)])]
    objective = BenchmarkObjective("nasbench201", "cifar10")
    sampler = LatentBOSampler(SPACE, latent=tiny_latent, seed=0, transfer=sources, n_initial=2)
    study = create_study(SPACE, sampler)
    run_search(study, objective, n_unique=5)
    keys = [t.user_attrs["arch_key"] for t in study.trials]
    assert len(set(keys)) == 5
    # The proposal's diagnostics, recorded on its trial: each source's weight, then the prior's fitted scale.
    last = study.trials[-1].system_attrs[PROPOSAL_ATTR]
    assert last["phase"] == "transfer" and set(last) == {"phase", "score", "a", "b", "prior_scale"}
    assert last["a"] + last["b"] == pytest.approx(1.0)
