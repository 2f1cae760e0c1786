"""Transfer to a new task from earlier ones, in the shared latent space.

The latent space of a search space is shared by every dataset searched in it, so what was measured on other datasets
(a benchmark's other tables, a user's earlier studies: :class:`~latentnas.history.TransferSource`) is a prior for a
new one. How far to trust it must be learned from the target's own observations.

The model: the target's GP has the sources' consensus as its prior mean, ``a * m(x) + b``
(:class:`~latentnas.surrogate.PriorMean`), ``a`` and ``b`` fitted with the kernel's hyperparameters by marginal
likelihood, and the kernel models what the consensus gets wrong. ``m(x)`` is the normal score of the weighted mean of
``x``'s rank percentile in each source: with equal weights, the order of the zero-shot portfolio. The weights are RGPE's
(Feurer, Letham and Bakshy, 2018: each source's share of posterior draws in which it ranks the target's observations
best, fewest misordered pairs), shrunk toward equal while the target has said little (:func:`shrunk`). Where the
consensus ranks the target's observations well, ``a`` is large and the search follows it; where it does not, ``a``
falls toward 0, the residuals' amplitude grows, and the search is plain latent BO. The proposal maximizes analytic
LogEI under that GP over every unevaluated architecture of a finite space (decoded candidates in an infinite one); the
first proposals, before the GP has observations to fit, are the consensus's best.

A source's model (:class:`SourceModel`) answers from the observation itself where it has one (a table covers every
architecture of its space) and from a GP fitted on :data:`SOURCE_FIT` of them elsewhere, on the scale of the source's
normal scores (:func:`~latentnas.surrogate.normal_scores`). What each choice did, measured:
``docs/results/budget-nasbench-graph/README.md``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch
from torch import Tensor

from latentnas.history import MIN_SOURCE_OBSERVATIONS, History, TransferSource
from latentnas.samplers.base import sample_new
from latentnas.samplers.strategies.base import Proposal, Strategy, generator, seeded_torch, training_set
from latentnas.samplers.strategies.candidates import CandidateGenerator
from latentnas.surrogate import LatentSurrogate, log_ei, marginals, normal_scores

#: Observations of a source its GP is fitted on (the best half and a seeded random rest); the GP answers only for
#: architectures the source has not observed.
SOURCE_FIT = 256
#: Posterior draws of the ranking losses that weigh the sources.
RANKING_DRAWS = 256
#: Target observations the ranking losses are computed on (a seeded random subset beyond it: the loss is a count of
#: pairs, quadratic in this).
RANKING_POINTS = 100
#: Target observations below which the sources share the weight equally (a ranking of fewer says nothing), and the
#: proposal follows the sources' consensus alone (a GP is not fitted on fewer).
RANKING_MIN = MIN_SOURCE_OBSERVATIONS
#: Observations at which the sources' weights are halfway between equal and RGPE's (:func:`shrunk`).
SHRINK = 10


class SourceModel:
    """One source's predictions on its normal-score scale: its own observation where it has one, its GP's elsewhere.

    Args:
        source: The observations.
        surrogate: The target's surrogate (features and the GP; the same latent space).
    """

    def __init__(self, source: TransferSource, surrogate: LatentSurrogate) -> None:
        space = surrogate.space
        self.name = source.name
        self.surrogate = surrogate
        keys = [space.canonical_key(a) for a in source.archs]
        scores = normal_scores(torch.tensor(source.values, dtype=torch.float64))
        self.known: dict[str, float] = dict(zip(keys, scores.tolist()))
        self.digest = source.digest(space)
        # NOTE: the GP's subset and fit depend on the source alone (seeded by its digest), so every seed and every
        # resumed study sees the same source model.
        seed = int(self.digest[:15], 16)
        order = scores.argsort(descending=True).tolist()
        keep = SOURCE_FIT // 2
        rest = order[keep:]
        fit_idx = order if len(order) <= SOURCE_FIT else order[:keep] + random.Random(seed).sample(rest, SOURCE_FIT - keep)
        X = surrogate.arch_features([source.archs[i] for i in fit_idx], keys=[keys[i] for i in fit_idx])
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            # the scores are normal scores of the whole source already: no second warp of the subset
            self.gp = surrogate.fit(X, scores[fit_idx].unsqueeze(-1), outcome="standardize")
        self._sorted = scores.sort().values
        self._pool: tuple[Tensor, Tensor] | None = None
        self._pool_percentiles: Tensor | None = None

    def percentiles(self, scores: Tensor) -> Tensor:
        """Where ``scores`` (normal-score scale, any shape) would rank among the source's observations: the share of
        them that are better, ties counting half (0: the source's best; near 1: its worst)."""
        n = self._sorted.numel()
        below = torch.searchsorted(self._sorted, scores.contiguous(), right=False)
        upto = torch.searchsorted(self._sorted, scores.contiguous(), right=True)
        return (n - upto + (upto - below) / 2).to(torch.float64) / n

    def pool_percentiles(self) -> Tensor:
        """:meth:`percentiles` of :meth:`pool_prediction`'s means, computed once."""
        if self._pool_percentiles is None:
            self._pool_percentiles = self.percentiles(self.pool_prediction()[0])
        return self._pool_percentiles

    def predict(self, keys: Sequence[str], X: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and standard deviation (normal-score scale) at architectures with canonical ``keys`` and features
        ``X`` (rows as ``keys``): the observation (std 0) where the source has one, the GP's posterior elsewhere."""
        mean = torch.zeros(len(keys), dtype=torch.float64)
        std = torch.zeros(len(keys), dtype=torch.float64)
        missing = [i for i, k in enumerate(keys) if k not in self.known]
        for i, k in enumerate(keys):
            if k in self.known:
                mean[i] = self.known[k]
        if missing:
            m, s = marginals(self.gp, X[missing])
            mean[missing], std[missing] = m, s
        return mean, std

    def pool_prediction(self) -> tuple[Tensor, Tensor]:
        """:meth:`predict` at every architecture of a finite space (rows of the surrogate's pool), computed once."""
        if self._pool is None:
            keys = self.surrogate.pool().keys
            if any(k not in self.known for k in keys):
                self._pool = self.predict(keys, self.surrogate.pool_features())
            else:
                self._pool = (torch.tensor([self.known[k] for k in keys], dtype=torch.float64),
                              torch.zeros(len(keys), dtype=torch.float64))
        return self._pool


def source_models(sources: Sequence[TransferSource], surrogate: LatentSurrogate) -> list[SourceModel]:
    """A :class:`SourceModel` per source, built once per surrogate cache, latent space and kernel (a source model is a
    pure function of them and the source's digest)."""
    return [surrogate.cache.memo(("source-model", surrogate.latent, surrogate.kernel, s.digest(surrogate.space)),
                                 lambda s=s: SourceModel(s, surrogate))  # type: ignore[misc]
            for s in sources]


def ranking_losses(draws: Tensor, y: Tensor) -> Tensor:
    """Misordered pairs of each row of ``draws`` (``S x n``) against ``y`` (``n``): a ``S`` tensor."""
    truth = y.unsqueeze(-1) < y.unsqueeze(-2)  # n x n
    pred = draws.unsqueeze(-1) < draws.unsqueeze(-2)  # S x n x n
    return (pred ^ truth).sum(dim=(-1, -2)).to(torch.float64) / 2


def source_weights(sources: Sequence[tuple[Tensor, Tensor]], y: Tensor, generator: torch.Generator) -> Tensor:
    """RGPE's weights of the sources: the share of posterior draws in which each ranks the target's observations
    best (ties split at random).

    Args:
        sources: Each source's mean and std at the target's observations (``n`` each).
        y: The target's observed values (``n``; larger is better).
        generator: Draws the posterior samples and breaks ties.

    Returns:
        ``len(sources)`` weights summing to 1 (equal below :data:`RANKING_MIN` observations).
    """
    k = len(sources)
    if y.numel() < RANKING_MIN:
        return torch.full((k,), 1.0 / k, dtype=torch.float64)
    losses = []
    for mean, std in sources:
        eps = torch.randn(RANKING_DRAWS, y.numel(), generator=generator, dtype=torch.float64)
        losses.append(ranking_losses(mean + std * eps, y))
    # ties split at random: a uniform jitter below 1 on integer-valued losses
    L = torch.stack(losses) + torch.rand(k, RANKING_DRAWS, generator=generator, dtype=torch.float64) * 0.5
    return torch.bincount(L.argmin(dim=0), minlength=k).to(torch.float64) / RANKING_DRAWS


def shrunk(weights: Tensor, n: int) -> Tensor:
    """RGPE's ``weights`` after ``n`` target observations, shrunk toward equal weights: ``n / (n + SHRINK)`` of the
    way from equal to RGPE's (a ranking of a few observations says little about which source is right)."""
    k = weights.numel()
    share = n / (n + SHRINK)
    return share * weights + (1 - share) / k


class Transfer(Strategy):
    """The target's GP with the sources' consensus as its prior mean; analytic LogEI over every unevaluated
    architecture (see the module docstring).

    The consensus of a candidate is the weighted mean of its rank percentile in each source (:meth:`SourceModel.
    percentiles`; the weights :func:`shrunk` from RGPE's, equal before any observation), and the prior is its normal
    score among the candidates: before the target has spoken, the candidates are ordered as the zero-shot portfolio
    orders them (:mod:`latentnas.samplers.portfolio`). Below :data:`RANKING_MIN` observations the proposal is the
    candidate the consensus rates best; from then on the GP learns how far to trust it (the prior's scale) and where
    it is wrong (the residual).

    Its proposals' diagnostics: each source's weight (by name) and, once the GP is fitted, ``"prior_scale"``, the
    fitted slope ``a`` of the consensus in the prior mean (standardized units).

    NOTE: trials still running are avoided but do not enter this acquisition as ``X_pending``.

    Args:
        surrogate: Features and the GP.
        candidates: The candidate generator (an infinite space's candidates).
        sources: The transfer sources, distinct names.
        max_train: Observations the exact GP is fitted on.
    """

    phase = "transfer"

    def __init__(self, surrogate: LatentSurrogate, candidates: CandidateGenerator,
                 sources: Sequence[TransferSource], *, max_train: int) -> None:
        self.surrogate = surrogate
        self.candidates = candidates
        self.sources = tuple(sources)
        self.max_train = max_train

    def propose(self, history: History, rng: random.Random) -> Proposal:
        surrogate = self.surrogate
        with seeded_torch(rng):
            train = training_set(history, rng, self.max_train)
            keys = [o.key for o in train]
            train_X = surrogate.arch_features([o.arch for o in train], keys=keys)
            values = torch.tensor([o.value for o in train], dtype=torch.float64)
            y = normal_scores(values) if train else torch.zeros(0, dtype=torch.float64)
            models = source_models(self.sources, surrogate)
            at_train = [m.predict(keys, train_X) for m in models]
            rows = list(range(len(train)))
            if len(rows) > RANKING_POINTS:
                rows = sorted(rng.sample(rows, RANKING_POINTS))
            rgpe = source_weights([(m[rows], s[rows]) for m, s in at_train], y[rows], generator(rng))
            weights = shrunk(rgpe, len(train))
            diagnostics = dict(zip((m.name for m in models), weights.tolist()))

            if surrogate.space.is_finite:
                pool = surrogate.pool()
                idx = [i for i, k in enumerate(pool.keys) if k not in history.known]
                candidates = [pool.archs[i] for i in idx]
                X = surrogate.pool_features()[idx]
                # The consensus's normal scores over the whole space, so that a candidate's prior is the same
                # whatever else is known.
                scores = normal_scores(-(weights.unsqueeze(-1) * torch.stack([m.pool_percentiles() for m in models])
                                         ).sum(0))
                prior, train_prior = scores[idx], scores[[pool.index[k] for k in keys]]
            else:
                candidates = self.candidates(history, rng)
                cand_keys = [surrogate.space.canonical_key(a) for a in candidates]
                X = surrogate.arch_features(candidates, keys=cand_keys)
                pct = torch.stack([m.percentiles(m.predict(cand_keys, X)[0]) for m in models])
                train_pct = torch.stack([m.percentiles(mean) for m, (mean, _) in zip(models, at_train)])
                scores = normal_scores(-(weights.unsqueeze(-1) * torch.cat([pct, train_pct], dim=-1)).sum(0)) \
                    if candidates else torch.zeros(0, dtype=torch.float64)
                prior, train_prior = scores[: len(candidates)], scores[len(candidates):]
            if not candidates:
                return Proposal(sample_new(surrogate.space, history, rng), "fallback", diagnostics=diagnostics)
            if len(train) < RANKING_MIN:
                best = int(prior.argmax())
                return Proposal(candidates[best], self.phase, float(prior[best]), diagnostics)
            model = surrogate.fit(torch.cat([train_X, train_prior.unsqueeze(-1)], dim=-1), values.unsqueeze(-1),
                                  outcome="copula", prior_mean=True)
            diagnostics["prior_scale"] = float(model.mean_module.weight.detach())
            mean, sigma = marginals(model, torch.cat([X, prior.unsqueeze(-1)], dim=-1))
            # Plug-in incumbent: the posterior mean at the best observation (on the GP's scale).
            best_f = float(marginals(model, torch.cat([train_X, train_prior.unsqueeze(-1)], dim=-1))[0].max())
            scores = log_ei(mean, sigma, best_f)
        best = int(scores.argmax())
        return Proposal(candidates[best], self.phase, float(scores[best]), diagnostics)
