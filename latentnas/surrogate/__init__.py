"""The surrogate of performance: features of architectures in a latent space (:class:`LatentSurrogate`), the one GP
every caller fits (:func:`fit_gp`), its copula warp as a BoTorch outcome transform (:class:`CopulaTransform`),
scores of many points at once (:func:`marginals`, :func:`log_ei`), and the cache of what is computed once
(:class:`LatentCache`)."""

from __future__ import annotations

from latentnas.surrogate.cache import EncodedPool, LatentCache, load_latent_space
from latentnas.surrogate.features import LatentSurrogate, log_expected_improvement
from latentnas.surrogate.gp import (
    FIT_MAXITER,
    KERNELS,
    OUTCOMES,
    PriorMean,
    build_gp,
    copula_of,
    fit_gp,
    score_model,
)
from latentnas.surrogate.posterior import log_ei, marginals
from latentnas.surrogate.warp import CopulaPosterior, CopulaTransform, normal_scores

__all__ = [
    "FIT_MAXITER",
    "KERNELS",
    "OUTCOMES",
    "CopulaPosterior",
    "CopulaTransform",
    "EncodedPool",
    "LatentCache",
    "LatentSurrogate",
    "PriorMean",
    "build_gp",
    "copula_of",
    "fit_gp",
    "log_ei",
    "load_latent_space",
    "log_expected_improvement",
    "marginals",
    "normal_scores",
    "score_model",
]
