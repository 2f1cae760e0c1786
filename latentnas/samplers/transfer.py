"""Transfer to a new task from earlier ones, in the shared latent space.

The latent space of a search space is shared by every dataset searched in it, so what was measured on other datasets
(a benchmark's other tables, a user's earlier studies) is a prior for a new one. How far to trust it must be learned
from the target's own observations: on NAS-Bench-Graph, the other seven datasets' consensus puts the best of its top
10 within the top 0.05 % of citeseer but below random search on cora.

The model (:func:`fit_with_prior`): the target's GP has the sources' prediction as its prior mean, ``a * m(x) + b``,
``a`` and ``b`` fitted with the kernel's hyperparameters by marginal likelihood, and the kernel models what the sources
get wrong. Where the sources rank the target's observations well, ``a`` is large and the residuals small, and the
search follows the sources; where they do not, ``a`` falls toward 0, the residuals' amplitude grows, and the search is
plain latent BO. ``m(x)`` is the sources' predictions weighted as RGPE weighs models (Feurer, Letham and Bakshy, 2018):
each source's weight is the share of posterior draws in which it ranks the target's observations best (fewest
misordered pairs).

Measured on NAS-Bench-Graph, 20 queries, 6 seeds outside the reported ones (100-105), median rank of the best
architecture found: RGPE's own ensemble (weighted means, variances times squared weights) has the sources' variance,
nearly 0 on a table, so without a random start it walked down the best source's ranking and never left it (cora:
10.5-13.6 %, worse than random search); with 5 random architectures first it reached cora 2.2 %, pubmed 3.5 %, cs
3.1 %, physics 2.1 %, against 1.6 %, 2.7 %, 2.4 %, 0.07 % for this model. Equal source weights (the sources'
consensus) instead of RGPE's: cs 0.42 % against 2.4 %, but arxiv 4.5 % against 1.3 %, worse than without transfer
(3.7 %); weights shrunk halfway to equal: in between on both.

A source is a set of observations (:class:`TransferSource`). Its model answers from the observation itself where it
has one (a table covers every architecture of its space) and from a GP fitted on :data:`SOURCE_FIT` of them
elsewhere. Every task's values are put on one scale by a rank (Gaussian copula) transform, so an accuracy table whose
good networks are packed near the top and a study with another metric compare alike.
"""

from __future__ import annotations

import random
import weakref
from collections.abc import Sequence

import gpytorch
import torch
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.outcome import Standardize
from gpytorch.kernels import MaternKernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from torch import Tensor

from latentnas.history import MIN_SOURCE_OBSERVATIONS, TransferSource
from latentnas.surrogate import LatentSurrogate
from latentnas.vae import LatentSpace

#: Observations of a source its GP is fitted on (the best half and a seeded random rest); the GP answers only for
#: architectures the source has not observed.
SOURCE_FIT = 256
#: Posterior draws of the ranking losses that weigh the models.
RANKING_DRAWS = 256
#: Target observations the ranking losses are computed on (a seeded random subset beyond it: the loss is a count
#: of pairs, quadratic in this).
RANKING_POINTS = 100
#: Target observations below which the sources share the weight equally (a ranking of fewer says nothing), and
#: the proposal follows the sources' prediction alone (a GP is not fitted on fewer).
RANKING_MIN = MIN_SOURCE_OBSERVATIONS


def copula(values: Tensor) -> Tensor:
    """Normal scores of ``values`` (a 1-D tensor): ``Phi^-1((rank - 0.5) / n)``, ties sharing their mean rank."""
    n = values.numel()
    order = values.argsort()
    ranks = torch.empty(n, dtype=torch.float64)
    ranks[order] = torch.arange(1, n + 1, dtype=torch.float64)
    # ties: the mean rank of equal values
    uniq, inverse = torch.unique(values, return_inverse=True)
    if uniq.numel() < n:
        sums = torch.zeros(uniq.numel(), dtype=torch.float64).index_add_(0, inverse, ranks)
        counts = torch.zeros(uniq.numel(), dtype=torch.float64).index_add_(0, inverse, torch.ones(n, dtype=torch.float64))
        ranks = (sums / counts)[inverse]
    normal = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64))
    return normal.icdf((ranks - 0.5) / n)


class SourceModel:
    """One source's predictions on the copula scale: its own observation where it has one, its GP's elsewhere.

    Args:
        source: The observations.
        surrogate: The target's surrogate (features and the GP fit; the same latent space).
    """

    def __init__(self, source: TransferSource, surrogate: LatentSurrogate) -> None:
        space = surrogate.space
        self.name = source.name
        self.surrogate = surrogate
        keys = [space.canonical_key(a) for a in source.archs]
        scores = copula(torch.tensor(source.values, dtype=torch.float64))
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
            self.gp: SingleTaskGP = surrogate.fit(X, scores[fit_idx].unsqueeze(-1), outcome="standardize")
        self._pool: tuple[Tensor, Tensor] | None = None

    def predict(self, keys: Sequence[str], X: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and standard deviation (copula scale) at architectures with canonical ``keys`` and features ``X``:
        the observation (std 0) where the source has one, the GP's posterior elsewhere."""
        mean = torch.zeros(len(keys), dtype=torch.float64)
        std = torch.zeros(len(keys), dtype=torch.float64)
        missing = [i for i, k in enumerate(keys) if k not in self.known]
        for i, k in enumerate(keys):
            if k in self.known:
                mean[i] = self.known[k]
        if missing:
            m, s = self.surrogate.marginals(self.gp, X[missing])
            mean[missing], std[missing] = m, s
        return mean, std

    def pool_prediction(self) -> tuple[Tensor, Tensor]:
        """:meth:`predict` at every architecture of a finite space (rows of ``surrogate.pool()``), computed once."""
        if self._pool is None:
            keys = self.surrogate.pool()[1]
            missing = [i for i, k in enumerate(keys) if k not in self.known]
            if missing:
                features = self.surrogate.pool_features()
                mean, std = self.predict(keys, features)  # predict indexes X by row: the whole pool is passed
            else:
                mean = torch.tensor([self.known[k] for k in keys], dtype=torch.float64)
                std = torch.zeros(len(keys), dtype=torch.float64)
            self._pool = (mean, std)
        return self._pool


#: Source models per latent space, keyed by kernel and source digest: a source model is a pure function of them
#: (its GP is seeded by the digest), so the samplers of many seeds in one process share it.
_SOURCE_MODELS: weakref.WeakKeyDictionary[LatentSpace, dict[tuple[str, str], SourceModel]] = \
    weakref.WeakKeyDictionary()


def source_models(sources: Sequence[TransferSource], surrogate: LatentSurrogate) -> list[SourceModel]:
    """A :class:`SourceModel` per source, built once per latent space and kernel."""
    cache = _SOURCE_MODELS.setdefault(surrogate.latent, {})
    out = []
    for source in sources:
        key = (surrogate.kernel, source.digest(surrogate.space))
        if key not in cache:
            cache[key] = SourceModel(source, surrogate)
        out.append(cache[key])
    return out


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


class PriorMean(gpytorch.means.Mean):
    """``a * x[..., column] + b``: the sources' prediction, carried as the last input column, scaled and shifted."""

    def __init__(self, column: int) -> None:
        super().__init__()
        self.column = column
        self.register_parameter("weight", torch.nn.Parameter(torch.ones(1, dtype=torch.float64)))
        self.register_parameter("bias", torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))

    def forward(self, x: Tensor) -> Tensor:
        return x[..., self.column] * self.weight + self.bias


def fit_with_prior(surrogate: LatentSurrogate, train_X: Tensor, train_Y: Tensor, prior: Tensor) -> SingleTaskGP:
    """The target's GP with the sources' prediction as its prior mean (fitted scale and offset).

    Args:
        surrogate: Gives the kernel (as :meth:`LatentSurrogate.fit`) and the fit's iterations.
        train_X: ``n x D`` features.
        train_Y: ``n x 1`` values (standardized inside the model).
        prior: ``n`` source predictions at the observations.

    Returns:
        A ``SingleTaskGP`` on ``[features, prior]`` (``n x (D + 1)``): pass candidates as ``[X, m(X)]``.
    """
    d = train_X.size(-1)
    dims = tuple(range(d))
    base = MaternKernel(nu=2.5, active_dims=dims) if surrogate.kernel == "decoded" \
        else MaternKernel(nu=2.5, ard_num_dims=d, active_dims=dims)
    model = SingleTaskGP(torch.cat([train_X, prior.unsqueeze(-1)], dim=-1), train_Y,
                         covar_module=ScaleKernel(base), mean_module=PriorMean(d),
                         outcome_transform=Standardize(m=1))
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model),
                     optimizer_kwargs={"options": {"maxiter": surrogate.fit_maxiter}})
    return model
