"""The one model of performance: a GP on features of architectures in a graph VAE's latent space.

:class:`LatentSurrogate` featurizes architectures (at their own encodings) and latent points, fits BoTorch's
``SingleTaskGP`` on those features, and scores points by their posterior and by analytic LogEI
(:func:`log_expected_improvement`). Latent BO (:class:`~latentnas.samplers.latent_bo.LatentBOSampler`) searches by
it and the predictor objective (:class:`~latentnas.objectives.predictor.PredictorObjective`) scores by it.

Features (``kernel``): ``"decoded"`` (default) are the decoder's output at ``z``, the node-type probabilities and edge
probabilities of the graph that ``z`` decodes to, under an isotropic Matérn-5/2 kernel: a deep kernel whose feature
map is the pretrained decoder, so the GP compares points by the architectures they stand for, and every point of the
latent space still has features. ``"latent"`` is ``z`` itself (in the unit cube of the search box) under BoTorch's
default ARD kernel, as arch2vec does. On NB201 (CIFAR-10) and NAS-Bench-Graph (Cora) with the shipped encoders, a GP
fitted on 100 random architectures ranks 3,000 others with Spearman 0.72-0.84 and 0.41-0.50 on decoded features,
against 0.20-0.44 and 0.13-0.20 on ``z`` (``scripts/surrogate_quality.py``).
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import gpytorch
import torch
from botorch.acquisition.analytic import _log_ei_helper  # NOTE: the numerically safe log h(u) of LogEI
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.outcome import Standardize
from gpytorch.kernels import MaternKernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from torch import Tensor

from latentnas.errors import InvalidArgumentError, LatentNASError
from latentnas.spaces import GraphSpec, SearchSpace
from latentnas.vae import LatentSpace, load_checkpoint
from latentnas.vae.checkpoint import default_checkpoint

#: The choices of GP features.
KERNELS = ("decoded", "latent")
#: The choices of what the GP is fitted on: ``"copula"``, the normal scores of the values' ranks; ``"standardize"``,
#: the values themselves (standardized inside the model).
OUTCOMES = ("copula", "standardize")


def load_latent_space(space: SearchSpace[Any], checkpoint: str | Path | None = None) -> LatentSpace:
    """The latent space of ``checkpoint`` (default: the shipped one of ``space``), checked against ``space``.

    Loaded once per (space, file) in a process: samplers of many seeds share it. Its box (``bounds``) spans the
    encodings of the space's architectures (every one in a finite space, 5,000 samples otherwise).
    """
    path = Path(checkpoint or default_checkpoint(space)).resolve()
    key = (space.name, space.graph_spec, str(path), path.stat().st_mtime_ns if path.exists() else 0)
    if key not in _LATENTS:
        vae, _ = load_checkpoint(path, space=space)
        # The search box is where the space's architectures lie (posterior means may stray far beyond the prior's
        # +-3 when the KL weight is small): all of a finite space, a sample of an infinite one.
        _LATENTS[key] = LatentSpace(space, vae, archs=space.pretraining_archs(samples=5000))
    return _LATENTS[key]


_LATENTS: dict[tuple[str, GraphSpec, str, int], LatentSpace] = {}

#: Every canonical architecture of a finite space with its encoding, per latent space (computed once).
_POOLS: weakref.WeakKeyDictionary[LatentSpace, tuple[list[Any], list[str], Tensor]] = weakref.WeakKeyDictionary()
#: The GP features of every architecture of a finite space, per latent space and kernel (computed once).
_POOL_FEATURES: weakref.WeakKeyDictionary[LatentSpace, dict[str, Tensor]] = weakref.WeakKeyDictionary()


def encoded_space(latent: LatentSpace) -> tuple[list[Any], list[str], Tensor]:
    """``(archs, keys, z)``: one representative per canonical class of a finite space and its ``N x d`` encoding."""
    if latent not in _POOLS:
        archs = latent.space.pretraining_archs()
        keys = [latent.space.canonical_key(a) for a in archs]
        _POOLS[latent] = (archs, keys, latent.encode(archs).detach().to("cpu", torch.float64))
    return _POOLS[latent]


class LatentSurrogate:
    """A GP on features of architectures and latent points of a graph VAE's latent space.

    Features and encodings are pure functions of the architecture, so they are cached by canonical key. NOTE: a
    feature must not depend on which other architectures share its forward pass (float results of a batched matmul
    can change with the batch), or a resumed study would diverge from an uninterrupted one. So a finite space reads
    every encoding and feature from one fixed pass over the whole space (:func:`encoded_space`), and an infinite
    space computes each architecture alone.

    Args:
        latent: The latent space (its ``space`` is the space of the architectures).
        kernel: GP features: ``"decoded"`` (the decoder's probabilities at ``z``, isotropic Matérn-5/2) or
            ``"latent"`` (``z`` in the unit cube, ARD Matérn-5/2). See the module docstring for the measured effect.
        fit_maxiter: L-BFGS iterations of the GP's hyperparameter fit (the marginal likelihood is flat long before
            scipy's default stopping rule fires; this bounds a fit's time).
        outcome: What the GP is fitted on: ``"standardize"`` (the values, standardized inside the model) or
            ``"copula"`` (the normal scores of their ranks, :class:`CopulaWarp`; :meth:`predict` and
            :func:`log_expected_improvement` still speak in the values' units). See :class:`CopulaWarp` for the
            measured effect.

    Example:
        >>> surrogate = LatentSurrogate(load_latent_space(space))
        >>> model = surrogate.fit(surrogate.arch_features(archs), train_Y)
        >>> mean, std = surrogate.predict(model, surrogate.arch_features(candidates))
    """

    def __init__(self, latent: LatentSpace, *, kernel: str = "decoded", fit_maxiter: int = 75,
                 outcome: str = "standardize") -> None:
        if kernel not in KERNELS:
            raise InvalidArgumentError(f"unknown kernel '{kernel}'; choices: {', '.join(KERNELS)}")
        if outcome not in OUTCOMES:
            raise InvalidArgumentError(f"unknown outcome '{outcome}'; choices: {', '.join(OUTCOMES)}")
        if isinstance(fit_maxiter, bool) or not isinstance(fit_maxiter, int) or fit_maxiter < 1:
            raise InvalidArgumentError(f"fit_maxiter must be a positive int, got {fit_maxiter!r}")
        self.latent = latent
        self.space = latent.space
        self.kernel = kernel
        self.fit_maxiter = fit_maxiter
        self.outcome = outcome
        # NOTE: caches, not state: encodings and features are pure functions of the architecture.
        self._z: dict[str, Tensor] = {}
        self._features: dict[str, Tensor] = {}
        self._pool_index: dict[str, int] | None = None
        self._pool_features: Tensor | None = None

    # ------------------------------------------------------------------------------------------------ latent points
    def encode(self, archs: list[Any]) -> Tensor:
        """Posterior means of ``archs``.

        Args:
            archs: ``n`` architectures of the space.

        Returns:
            A ``n x d`` double tensor on the CPU (cached by canonical key; isomorphic architectures get one point).
        """
        keys = [self.space.canonical_key(a) for a in archs]
        missing = {k: a for k, a in zip(keys, archs) if k not in self._z}
        if missing and self.space.is_finite:
            pool_z = encoded_space(self.latent)[2]
            index = self.pool_index()
            self._z.update((k, pool_z[index[k]]) for k in missing)
        elif missing:
            for k, a in missing.items():  # canonical forms: isomorphic encodings get one point
                self._z[k] = self.latent.encode([self.space.canonicalize(a)])[0].detach().to("cpu", torch.float64)
        if not keys:
            return torch.zeros(0, self.latent.dim, dtype=torch.float64)
        return torch.stack([self._z[k] for k in keys])

    def to_unit(self, z: Tensor) -> Tensor:
        """Maps latent points ``z`` (``... x d``) into the unit cube of the latent box (clamped)."""
        low, high = self.latent.bounds.to(z)
        return ((z - low) / (high - low)).clamp(0.0, 1.0)

    def from_unit(self, X: Tensor) -> Tensor:
        """Maps unit-cube points ``X`` (``... x d``) to latent points of the box."""
        low, high = self.latent.bounds.to(X)
        return low + X * (high - low)

    # ------------------------------------------------------------------------------------------------ features
    def features(self, X: Tensor) -> Tensor:
        """The GP's features at unit-cube latent points.

        Args:
            X: A ``... x d`` tensor of points of the unit cube (see :meth:`to_unit`).

        Returns:
            A ``... x D`` tensor of ``X``'s dtype: ``X`` itself (``D = d``) for ``kernel="latent"``; for
            ``"decoded"``, the node-type probabilities (``num_nodes * num_types``) and the strict upper triangle of
            edge probabilities (``num_nodes * (num_nodes - 1) / 2``) of the decoder at ``X``.
        """
        if self.kernel == "latent":
            return X
        vae = self.latent.vae
        param = next(vae.parameters())
        flat = self.from_unit(X.reshape(-1, X.size(-1))).to(param)
        type_logits, adj_logits = vae.decode(flat)
        n = adj_logits.size(-1)
        rows, cols = torch.triu_indices(n, n, offset=1, device=adj_logits.device)
        features = torch.cat([type_logits.softmax(-1).flatten(1), adj_logits[:, rows, cols].sigmoid()], dim=1)
        return features.to(X).reshape(*X.shape[:-1], features.size(-1))

    def arch_features(self, archs: list[Any], *, keys: list[str] | None = None) -> Tensor:
        """The GP's features of architectures, at their own encodings.

        Args:
            archs: ``n`` architectures of the space.
            keys: Their canonical keys, when the caller has them.

        Returns:
            A ``n x D`` double tensor (``0 x 0`` for no architectures), cached by canonical key.
        """
        keys = keys if keys is not None else [self.space.canonical_key(a) for a in archs]
        missing = [(k, a) for k, a in zip(keys, archs) if k not in self._features]
        if missing and self.space.is_finite:
            pool, index = self.pool_features(), self.pool_index()
            self._features.update((k, pool[index[k]]) for k, _ in missing)
        elif missing:
            with torch.no_grad():
                for k, a in missing:
                    self._features[k] = self.features(self.to_unit(self.encode([a])))[0]
        if not keys:
            return torch.zeros(0, 0, dtype=torch.float64)
        return torch.stack([self._features[k] for k in keys])

    def pool(self) -> tuple[list[Any], list[str], Tensor]:
        """``(archs, keys, z)`` of a finite space: see :func:`encoded_space`."""
        return encoded_space(self.latent)

    def pool_index(self) -> dict[str, int]:
        """The row of each canonical key in :meth:`pool` (finite spaces)."""
        if self._pool_index is None:
            self._pool_index = {k: i for i, k in enumerate(self.pool()[1])}
        return self._pool_index

    def pool_features(self) -> Tensor:
        """The features of every architecture of a finite space: a ``N x D`` tensor, rows as in :meth:`pool`."""
        if self._pool_features is None:
            # NOTE: a pure function of the latent space and the kernel, shared by every surrogate of the process
            # (samplers of many seeds): on NAS-Bench-Graph it takes about 6 s.
            cache = _POOL_FEATURES.setdefault(self.latent, {})
            if self.kernel not in cache:
                pool_z = self.pool()[2]
                with torch.no_grad():
                    cache[self.kernel] = torch.cat([self.features(self.to_unit(c)) for c in pool_z.split(4096)])
            self._pool_features = cache[self.kernel]
        return self._pool_features

    # ------------------------------------------------------------------------------------------------ the GP
    def fit(self, train_X: Tensor, train_Y: Tensor, *, outcome: str | None = None) -> SingleTaskGP:
        """Fits a GP by maximizing its marginal likelihood (restarts draw from torch's global generator).

        Args:
            train_X: A ``n x D`` tensor of features (:meth:`arch_features`).
            train_Y: A ``n x 1`` tensor of values, larger is better; with ``outcome="copula"`` the GP is fitted on
                their normal scores (:class:`CopulaWarp`, :func:`model_warp`), standardized inside the model.
            outcome: Overrides the surrogate's ``outcome`` for this fit (e.g. ``"standardize"`` for values that are
                normal scores already).

        Returns:
            The fitted ``SingleTaskGP``.
        """
        if outcome is not None and outcome not in OUTCOMES:
            raise InvalidArgumentError(f"unknown outcome '{outcome}'; choices: {', '.join(OUTCOMES)}")
        warp = CopulaWarp(train_Y.reshape(-1)) if (outcome or self.outcome) == "copula" else None
        # Decoded features are many and redundant: one lengthscale; latent coordinates: BoTorch's ARD default.
        covar = ScaleKernel(MaternKernel(nu=2.5)) if self.kernel == "decoded" else None
        targets = warp(train_Y) if warp is not None else train_Y
        model = SingleTaskGP(train_X, targets, covar_module=covar, outcome_transform=Standardize(m=1))
        if warp is not None:
            _WARPS[model] = warp
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model),
                         optimizer_kwargs={"options": {"maxiter": self.fit_maxiter}})
        return model

    @staticmethod
    def predict(model: SingleTaskGP, X: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and standard deviation of the value at each row of ``X``.

        Args:
            model: From :meth:`fit`.
            X: A ``n x D`` tensor of features.

        Returns:
            Two ``n`` tensors: the posterior mean and standard deviation (in the units of ``train_Y``). Under a
            :class:`CopulaWarp` they are the posterior median mapped back to values and half the distance between the
            mapped-back 16 % and 84 % quantiles (the two agree with mean and standard deviation for a Gaussian).
        """
        with torch.no_grad():
            posterior = model.posterior(X)
        mean, std = posterior.mean.reshape(-1), posterior.variance.reshape(-1).clamp_min(0).sqrt()
        warp = model_warp(model)
        if warp is None:
            return mean, std
        return warp.inverse(mean), (warp.inverse(mean + std) - warp.inverse(mean - std)) / 2

    @staticmethod
    def marginals(model: SingleTaskGP, X: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and standard deviation at each row of ``X`` taken alone, exact, for many rows at once, in
        the units the model was fitted on (the normal scores, for a fit with ``outcome="copula"``).

        :meth:`predict` builds the joint covariance of ``X`` (quadratic in its rows); this solves against the
        training covariance's Cholesky factor once and reads each row's variance alone. Over NAS-Bench-Graph's
        26,206 architectures, gpytorch's posterior in 256-row chunks took 0.41 s of each transfer proposal, and 20
        proposals (cora, 5 to 25 observations) took 17.1 s with it against 7.7 s with this (cProfile, one thread).

        Args:
            model: A ``SingleTaskGP`` from :meth:`fit` (Standardize outcome transform, no input transform).
            X: A ``n x D`` tensor of features.
        """
        with torch.no_grad():
            train_X = model.train_inputs[0]
            y = model.train_targets
            noise = model.likelihood.noise.reshape(-1)[0]
            K = model.covar_module(train_X).to_dense() + noise * torch.eye(len(y), dtype=y.dtype)
            L = torch.linalg.cholesky(K)
            prior_mean = model.mean_module(train_X)
            alpha = torch.cholesky_solve((y - prior_mean).unsqueeze(-1), L)
            means, variances = [], []
            for rows in X.split(4096):
                K_star = model.covar_module(rows, train_X).to_dense()
                v = torch.linalg.solve_triangular(L, K_star.T, upper=False)
                means.append(model.mean_module(rows) + (K_star @ alpha).squeeze(-1))
                variances.append(model.covar_module(rows, diag=True) - v.pow(2).sum(0))
            mean, var = torch.cat(means), torch.cat(variances).clamp_min(1e-12)
            transform = model.outcome_transform
            if not isinstance(transform, Standardize):
                raise LatentNASError(f"marginals needs a Standardize outcome transform, got {type(transform).__name__}")
            scale, shift = transform.stdvs.reshape(-1)[0], transform.means.reshape(-1)[0]
            return shift + scale * mean, scale * var.sqrt()

    @staticmethod
    def log_expected_improvement(model: SingleTaskGP, X: Tensor, best_f: float) -> Tensor:
        """Analytic LogEI of each row of ``X``: see :func:`log_expected_improvement`."""
        return log_expected_improvement(model, X, best_f)


def log_expected_improvement(model: SingleTaskGP, X: Tensor, best_f: float) -> Tensor:
    """Analytic LogEI (Ament et al., 2023) of each row of ``X`` under ``model``'s marginal posteriors.

    Marginals of many points at once: q = 1 t-batches (``LogExpectedImprovement(X.unsqueeze(1))``) make gpytorch
    build an ``(n_train + 1)^2`` kernel per point. Chunks keep the (unused) test covariance small; LOVE makes the
    variances cheap.

    Args:
        model: A fitted single-output GP.
        X: A ``n x D`` tensor of features.
        best_f: The incumbent value to improve on (larger is better), in the units of the model's ``train_Y``
            (under a :class:`CopulaWarp`, warped as the GP's targets were).

    Returns:
        A ``n`` tensor: ``log E[max(f(x) - best_f, 0)]``, in the units the GP was fitted in.
    """
    warp = model_warp(model)
    if warp is not None:
        best_f = float(warp(torch.tensor([best_f], dtype=torch.float64))[0])
    with torch.no_grad(), gpytorch.settings.fast_pred_var():
        posteriors = [model.posterior(chunk) for chunk in X.split(256)]
        mean = torch.cat([p.mean.reshape(-1) for p in posteriors])
        sigma = torch.cat([p.variance.reshape(-1) for p in posteriors]).clamp_min(1e-12).sqrt()
    return _log_ei_helper((mean - best_f) / sigma) + sigma.log()


def model_warp(model: SingleTaskGP) -> CopulaWarp | None:
    """The :class:`CopulaWarp` a model from :meth:`LatentSurrogate.fit` was fitted through (``None``: the values)."""
    return _WARPS.get(model)


#: The warp of each model fitted through one (models are modules: an attribute of another type would be refused).
_WARPS: weakref.WeakKeyDictionary[SingleTaskGP, CopulaWarp] = weakref.WeakKeyDictionary()


class CopulaWarp:
    """The Gaussian-copula warp of a GP's targets: each value becomes the normal score of its rank.

    ``y_i -> Phi^-1(r_i / n)``, with ``r_i = #{y_j < y_i} + #{y_j = y_i} / 2`` (ties share a score), then linear
    between the observed values and beyond them with the slope of the outermost pair (HEBO's and the Gaussian copula
    process's warp, Salinas et al., 2020). Only the order of the values reaches the GP: a few very poor architectures
    no longer dominate the fit, and the gaps among the best, which a search must resolve, are no longer tiny.

    NOTE: why latent BO fits through it. NB201 accuracies are skewed: a few networks far below the rest, the good
    ones packed within a point. Fitted on the values, the GP spends its single lengthscale on the few poor ones: in
    NB201 CIFAR-10 seed 2 (docs/results/nasbench201-100-30seeds, one of the 4 of 30 seeds that missed the top 0.1 %),
    the only 4 architectures of the first 100 with a skip connection on the cell's input-to-output edge were its 4
    worst (77-84 %), all from the initial design; every top-0.1 % architecture has that skip. Replaying that search,
    the GP on the values predicted 86.7-88.6 for all 7 of them (the incumbent 90.7-91.1) and ranked the best of
    them 1,730th-2,704th of ~6,400 by LogEI at 40, 50, 70 and 100 observations (the sampler screens the best 128),
    although each is one op away from an evaluated 90.3-90.5; its lengthscale grew from 2.8 to 5.2. On the copula
    scores of the same observations: best ranks 42, 10, 6 and 147, lengthscale 1.5-1.8, and the Spearman correlation
    of the posterior mean with the truth over the unevaluated upper half of the table 0.31-0.46 instead of
    0.07-0.11 (``scripts/stalled_seeds.py --seeds 2 --checkpoints 40 50 70 100 --options '{"outcome":
    "standardize"}'``). NOTE: it does not remove every stall: with it, 4 CIFAR-10 seeds of 30 (2, 15, 16, 18) still
    settle on 91.13 in another basin (a skip path 0->2->3): in seed 16 all 8 architectures evaluated with the
    input-to-output skip were poor for other reasons (avg-pool or none elsewhere, 81.6-87.9), and the top ones stay
    ranked 655th-3,857th (``docs/results/nasbench201-100-30seeds-3datasets``).

    Args:
        values: The ``n`` observed values (``n >= 1``).
    """

    def __init__(self, values: Tensor) -> None:
        y = values.detach().reshape(-1).to(torch.float64)
        if y.numel() == 0:
            raise InvalidArgumentError("a copula warp needs at least 1 value, got 0")
        below = (y.unsqueeze(1) > y.unsqueeze(0)).sum(1)
        ties = (y.unsqueeze(1) == y.unsqueeze(0)).sum(1)
        scores = torch.special.ndtri((below + ties / 2).to(y) / y.numel())
        self.knots, order = torch.unique(y, sorted=True, return_inverse=True)
        self.scores = torch.zeros_like(self.knots).scatter_(0, order, scores)

    def __call__(self, y: Tensor) -> Tensor:
        """Warped values (any shape; float64 or float32 follows ``y``)."""
        return _interp(y, self.knots.to(y), self.scores.to(y))

    def inverse(self, s: Tensor) -> Tensor:
        """Values of warped scores ``s`` (any shape): the inverse of :meth:`__call__`."""
        return _interp(s, self.scores.to(s), self.knots.to(s))


def _interp(x: Tensor, xs: Tensor, ys: Tensor) -> Tensor:
    """Piecewise-linear ``x -> y`` through increasing knots ``(xs, ys)``, extended linearly beyond both ends with
    the slope of the outermost pair (slope 1 for a single knot)."""
    if xs.numel() == 1:
        return x - xs[0] + ys[0]
    i = torch.searchsorted(xs, x.contiguous()).clamp(1, xs.numel() - 1)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (x - x0) * (y1 - y0) / (x1 - x0)
