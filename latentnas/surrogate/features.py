"""The one model of performance: a GP on features of architectures in a graph VAE's latent space.

:class:`LatentSurrogate` featurizes architectures (at their own encodings) and latent points, fits the GP of
:mod:`latentnas.surrogate.gp` on those features, and predicts with it. Latent BO
(:class:`~latentnas.samplers.latent_bo.LatentBOSampler`) searches by it and the predictor objective
(:class:`~latentnas.objectives.predictor.PredictorObjective`) scores by it.

Features (``kernel``): ``"decoded"`` (default) are the decoder's output at ``z``, the node-type probabilities and edge
probabilities of the graph that ``z`` decodes to: a deep kernel whose feature map is the pretrained decoder, so the GP
compares points by the architectures they stand for, and every point of the latent space still has features.
``"latent"`` is ``z`` itself in the unit cube of the search box, as arch2vec does. How well each ranks unseen
architectures is measured in ``docs/results/surrogate`` (``scripts/surrogate_quality.py``).
"""

from __future__ import annotations

from typing import Any

import torch
from botorch.models import SingleTaskGP
from torch import Tensor

from latentnas.errors import InvalidArgumentError
from latentnas.surrogate.cache import EncodedPool, LatentCache
from latentnas.surrogate.gp import FIT_MAXITER, KERNELS, OUTCOMES, copula_of, fit_gp
from latentnas.surrogate.posterior import log_ei, marginals
from latentnas.vae import LatentSpace


class LatentSurrogate:
    """A GP on features of architectures and latent points of a graph VAE's latent space.

    Features and encodings are pure functions of the architecture, so they are cached by canonical key. NOTE: a
    feature must not depend on which other architectures share its forward pass (float results of a batched matmul
    can change with the batch), or a resumed study would diverge from an uninterrupted one. So a finite space reads
    every encoding and feature from one fixed pass over the whole space (:meth:`LatentCache.pool`), and an infinite
    space computes each architecture alone.

    Args:
        latent: The latent space (its ``space`` is the space of the architectures).
        kernel: GP features: ``"decoded"`` or ``"latent"`` (see the module docstring).
        outcome: What :meth:`fit` fits on by default: ``"standardize"`` (the values) or ``"copula"`` (the normal
            scores of their ranks, :class:`~latentnas.surrogate.warp.CopulaTransform`).
        fit_maxiter: L-BFGS iterations of a fit.
        cache: Where the finite pool's encodings and features are kept (default: a cache of this surrogate's own);
            surrogates of one latent space that share a cache compute them once.

    Example:
        >>> surrogate = LatentSurrogate(LatentCache().latent_space(space))
        >>> model = surrogate.fit(surrogate.arch_features(archs), train_Y)
        >>> mean, std = surrogate.predict(model, surrogate.arch_features(candidates))
    """

    def __init__(self, latent: LatentSpace, *, kernel: str = "decoded", outcome: str = "standardize",
                 fit_maxiter: int = FIT_MAXITER, cache: LatentCache | None = None) -> None:
        if kernel not in KERNELS:
            raise InvalidArgumentError(f"unknown kernel '{kernel}'; choices: {', '.join(KERNELS)}")
        if outcome not in OUTCOMES:
            raise InvalidArgumentError(f"unknown outcome '{outcome}'; choices: {', '.join(OUTCOMES)}")
        if isinstance(fit_maxiter, bool) or not isinstance(fit_maxiter, int) or fit_maxiter < 1:
            raise InvalidArgumentError(f"fit_maxiter must be a positive int, got {fit_maxiter!r}")
        self.latent = latent
        self.space = latent.space
        self.kernel = kernel
        self.outcome = outcome
        self.fit_maxiter = fit_maxiter
        self.cache = cache if cache is not None else LatentCache()
        # NOTE: caches, not state: encodings and features are pure functions of the architecture.
        self._z: dict[str, Tensor] = {}
        self._features: dict[str, Tensor] = {}

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
            pool = self.pool()
            self._z.update((k, pool.z[pool.index[k]]) for k in missing)
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
            features, index = self.pool_features(), self.pool().index
            self._features.update((k, features[index[k]]) for k, _ in missing)
        elif missing:
            with torch.no_grad():
                for k, a in missing:
                    self._features[k] = self.features(self.to_unit(self.encode([a])))[0]
        if not keys:
            return torch.zeros(0, 0, dtype=torch.float64)
        return torch.stack([self._features[k] for k in keys])

    def pool(self) -> EncodedPool:
        """Every canonical architecture of a finite space with its encoding (:meth:`LatentCache.pool`)."""
        return self.cache.pool(self.latent)

    def pool_features(self) -> Tensor:
        """The features of every architecture of a finite space: a ``N x D`` tensor, rows as in :meth:`pool`."""

        def compute() -> Tensor:
            with torch.no_grad():
                return torch.cat([self.features(self.to_unit(block)) for block in self.pool().z.split(4096)])

        return self.cache.memo(("pool-features", self.latent, self.kernel), compute)

    # ------------------------------------------------------------------------------------------------ the GP
    def fit(self, train_X: Tensor, train_Y: Tensor, *, outcome: str | None = None,
            prior_mean: bool = False) -> SingleTaskGP:
        """Fits the GP (:func:`~latentnas.surrogate.gp.fit_gp` with this surrogate's kernel; restarts draw from
        torch's global generator).

        Args:
            train_X: A ``n x D`` tensor of features (:meth:`arch_features`; with ``prior_mean``, a prior prediction
                appended as column ``D``).
            train_Y: A ``n x 1`` tensor of values, larger is better.
            outcome: Overrides the surrogate's ``outcome`` for this fit (e.g. ``"standardize"`` for values that are
                normal scores already).
            prior_mean: Whether the last column of ``train_X`` is a prior prediction of the value.
        """
        return fit_gp(train_X, train_Y, kernel=self.kernel, outcome=outcome or self.outcome,
                      prior_mean=prior_mean, maxiter=self.fit_maxiter)

    @staticmethod
    def predict(model: SingleTaskGP, X: Tensor) -> tuple[Tensor, Tensor]:
        """Each row's posterior mean and standard deviation in the values' units.

        Args:
            model: From :meth:`fit`.
            X: A ``n x D`` tensor of features.

        Returns:
            Two ``n`` tensors. Through a copula warp they are the posterior median mapped back to values and half the
            distance between the mapped-back 16 % and 84 % quantiles (what ``CopulaPosterior`` gives as mean and
            variance; both agree with mean and standard deviation for a Gaussian).
        """
        mean, std = marginals(model, X)
        warp = copula_of(model)
        if warp is None:
            return mean, std
        return warp.unwarp(mean), (warp.unwarp(mean + std) - warp.unwarp(mean - std)) / 2


def log_expected_improvement(model: SingleTaskGP, X: Tensor, best_f: float) -> Tensor:
    """Analytic LogEI of each row of ``X`` under ``model``'s marginal posteriors, in the units the GP was fitted in
    (normal scores under a copula warp).

    Args:
        model: A fitted GP from :func:`~latentnas.surrogate.gp.build_gp`.
        X: A ``n x D`` tensor of features.
        best_f: The incumbent value to improve on, in the values' units (warped as the GP's targets were).

    Returns:
        A ``n`` tensor: ``log E[max(f(x) - best_f, 0)]``.
    """
    warp = copula_of(model)
    incumbent = float(warp.warp(torch.tensor([best_f], dtype=torch.float64))[0]) if warp is not None else best_f
    mean, sigma = marginals(model, X)
    return log_ei(mean, sigma, incumbent)
