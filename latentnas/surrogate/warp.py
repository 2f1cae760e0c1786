"""The Gaussian-copula warp of a GP's targets, as a BoTorch outcome transform.

Each observed value becomes the normal score of its rank, ``y_i -> Phi^-1(r_i / n)`` with
``r_i = #{y_j < y_i} + #{y_j = y_i} / 2`` (ties share a score), and the warp is linear between the observed values
and beyond them with the slope of the outermost pair: the warp of HEBO (Cowen-Rivers et al., 2022) and of the
Gaussian copula process (Salinas et al., 2020). Only the order of the values reaches the GP, so a few very poor
architectures no longer dominate its fit, and the gaps among the best, which a search must resolve, are no longer
tiny. Why latent BO fits through it, measured: ``docs/results/nasbench201-100-30seeds-3datasets/README.md``.

As an :class:`~botorch.models.transforms.outcome.OutcomeTransform` (chained before ``Standardize``), the model's
posterior speaks in the values' units (:class:`CopulaPosterior`: its samples mapped back through the warp), so
BoTorch's MC acquisitions and objectives see values, and the Gaussian posterior of the scores stays at hand
(:attr:`CopulaPosterior.normal`) for analytic scores in the GP's own units.
"""

from __future__ import annotations

import torch
from botorch.models.transforms.outcome import OutcomeTransform
from botorch.posteriors import Posterior
from botorch.posteriors.transformed import TransformedPosterior
from torch import Tensor

from latentnas.errors import InvalidArgumentError


def normal_scores(values: Tensor) -> Tensor:
    """The normal score of each value's rank: ``Phi^-1((#below + #equal / 2) / n)``, ties sharing one score.

    Args:
        values: A ``n`` tensor (``n >= 1``), any order.

    Returns:
        A ``n`` float64 tensor, in the order of ``values``. Sorts once (``n log n``): a whole table of 26,206 rows is
        cheap.
    """
    y = values.detach().reshape(-1).to(torch.float64)
    if y.numel() == 0:
        raise InvalidArgumentError("normal scores need at least 1 value, got 0")
    _, knots, scores, inverse = _ranked(y)
    return scores[inverse]


def _ranked(y: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(order, knots, scores, inverse)``: the distinct values sorted, each one's normal score, and for each
    element of ``y`` the index of its value among the knots."""
    ordered, order = y.sort(stable=True)
    knots, group, counts = torch.unique_consecutive(ordered, return_inverse=True, return_counts=True)
    below = counts.cumsum(0) - counts
    scores = torch.special.ndtri((below + counts / 2).to(y) / y.numel())
    inverse = torch.empty_like(group).scatter_(0, order, group)
    return order, knots, scores, inverse


class CopulaTransform(OutcomeTransform):
    """The copula warp of a single-output model's training targets (see the module docstring).

    In training mode (when the model is built) :meth:`forward` learns the warp from the targets; afterwards it maps
    any values through it. Chain it before ``Standardize``:
    ``ChainedOutcomeTransform(copula=CopulaTransform(), standardize=Standardize(m=1))``.

    Example:
        >>> model = SingleTaskGP(train_X, train_Y, outcome_transform=ChainedOutcomeTransform(
        ...     copula=CopulaTransform(), standardize=Standardize(m=1)))
        >>> posterior = model.posterior(X)  # a CopulaPosterior: samples in the values' units
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("knots", torch.zeros(0, dtype=torch.float64))
        self.register_buffer("scores", torch.zeros(0, dtype=torch.float64))

    def forward(self, Y: Tensor, Yvar: Tensor | None = None, X: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Warps ``Y`` (``batch_shape x n x 1``), learning the warp from it in training mode.

        Raises:
            InvalidArgumentError: Observation noise (``Yvar``) is given, or more than one output.
        """
        if Yvar is not None:
            raise InvalidArgumentError("the copula warp takes no observation noise (Yvar)")
        if Y.shape[-1] != 1:
            raise InvalidArgumentError(f"the copula warp takes one output, got {Y.shape[-1]}")
        if self.training:
            _, self.knots, self.scores, _ = _ranked(Y.detach().reshape(-1).to(torch.float64))
        return self.warp(Y), None

    def untransform(self, Y: Tensor, Yvar: Tensor | None = None,
                    X: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Values of scores ``Y`` (any shape): the inverse of :meth:`forward`."""
        if Yvar is not None:
            raise InvalidArgumentError("the copula warp takes no observation noise (Yvar)")
        return self.unwarp(Y), None

    def subset_output(self, idcs: list[int]) -> OutcomeTransform:
        if list(idcs) != [0]:
            raise InvalidArgumentError(f"the copula warp has one output, got outputs {idcs}")
        return self

    def untransform_posterior(self, posterior: Posterior, X: Tensor | None = None) -> CopulaPosterior:
        return CopulaPosterior(posterior, self)

    def warp(self, y: Tensor) -> Tensor:
        """Scores of values ``y`` (any shape; float64 or float32 follows ``y``)."""
        self._check_fitted()
        return _interp(y, self.knots.to(y), self.scores.to(y))

    def unwarp(self, s: Tensor) -> Tensor:
        """Values of scores ``s`` (any shape): the inverse of :meth:`warp`."""
        self._check_fitted()
        return _interp(s, self.scores.to(s), self.knots.to(s))

    def _check_fitted(self) -> None:
        if self.knots.numel() == 0:
            raise InvalidArgumentError("the copula warp has not seen any values yet")


class CopulaPosterior(TransformedPosterior):
    """A GP's posterior on normal scores, seen in the values' units: samples are mapped through the warp's inverse.

    The warp is monotone, so quantiles map exactly: :attr:`mean` is the posterior *median* in the values' units and
    :attr:`variance` the square of half the distance between the mapped 16 % and 84 % quantiles (both agree with the
    moments of a Gaussian; the warped posterior's own moments have no closed form). :attr:`normal` is the Gaussian
    posterior of the scores.

    Args:
        normal: The posterior of the normal scores (the model's, after ``Standardize``'s untransform).
        transform: The fitted warp.
    """

    def __init__(self, normal: Posterior, transform: CopulaTransform) -> None:
        unwarp = transform.unwarp

        def median(mean: Tensor, variance: Tensor) -> Tensor:
            return unwarp(mean)

        def spread(mean: Tensor, variance: Tensor) -> Tensor:
            std = variance.clamp_min(0).sqrt()
            return ((unwarp(mean + std) - unwarp(mean - std)) / 2).pow(2)

        super().__init__(normal, sample_transform=unwarp, mean_transform=median, variance_transform=spread)
        self.normal = normal
        self.transform = transform


def _interp(x: Tensor, xs: Tensor, ys: Tensor) -> Tensor:
    """Piecewise-linear ``x -> y`` through increasing knots ``(xs, ys)``, extended linearly beyond both ends with
    the slope of the outermost pair (slope 1 for a single knot)."""
    if xs.numel() == 1:
        return x - xs[0] + ys[0]
    i = torch.searchsorted(xs, x.contiguous()).clamp(1, xs.numel() - 1)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (x - x0) * (y1 - y0) / (x1 - x0)
