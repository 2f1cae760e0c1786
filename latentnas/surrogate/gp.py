"""The one GP every caller fits: latent BO (one objective, transfer, several objectives), its transfer sources, the
predictor objective and the scripts that measure the surrogate.

A BoTorch ``SingleTaskGP`` on features of architectures (:class:`~latentnas.surrogate.features.LatentSurrogate`):

- ``kernel="decoded"``: the pretrained decoder's probabilities at an architecture's encoding, under an isotropic
  Matérn-5/2 kernel (the features are many and redundant: one lengthscale); ``"latent"``: the encoding itself in the
  unit cube of the search box, under BoTorch's default ARD kernel, as arch2vec searches.
- ``outcome="copula"``: fitted on the normal scores of the values' ranks
  (:class:`~latentnas.surrogate.warp.CopulaTransform`, then ``Standardize``); ``"standardize"``: on the values.
- ``prior_mean=True``: the last input column is a prior prediction of each point's value (transfer's sources) and the
  prior mean is ``a * column + b`` (:class:`PriorMean`), ``a`` and ``b`` fitted with the kernel's hyperparameters;
  the kernel then reads the other columns only.

What each choice does to search is measured in ``docs/results/surrogate`` and the records the README cites.
"""

from __future__ import annotations

import copy

import gpytorch
import torch
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.outcome import ChainedOutcomeTransform, OutcomeTransform, Standardize
from gpytorch.kernels import Kernel, MaternKernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from torch import Tensor

from latentnas.errors import InvalidArgumentError, LatentNASError
from latentnas.surrogate.warp import CopulaTransform

#: The choices of GP features.
KERNELS = ("decoded", "latent")
#: The choices of what the GP is fitted on.
OUTCOMES = ("copula", "standardize")
#: L-BFGS iterations of a fit: the marginal likelihood is flat long before scipy's default stopping rule fires, and
#: this bounds a proposal's time.
FIT_MAXITER = 75


class PriorMean(gpytorch.means.Mean):
    """``a * x[..., column] + b``: a prior prediction carried as an input column, scaled and shifted.

    Args:
        column: The input column holding the prediction.
    """

    def __init__(self, column: int) -> None:
        super().__init__()
        self.column = column
        self.register_parameter("weight", torch.nn.Parameter(torch.ones(1, dtype=torch.float64)))
        self.register_parameter("bias", torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))

    def forward(self, x: Tensor) -> Tensor:
        return x[..., self.column] * self.weight + self.bias


def build_gp(train_X: Tensor, train_Y: Tensor, *, kernel: str = "decoded", outcome: str = "copula",
             prior_mean: bool = False) -> SingleTaskGP:
    """An unfitted GP (see the module docstring for the choices).

    Args:
        train_X: A ``n x D`` tensor of features (with ``prior_mean``, the prior prediction as column ``D - 1``).
        train_Y: A ``n x 1`` tensor of values, larger is better.
        kernel: ``"decoded"`` or ``"latent"``.
        outcome: ``"copula"`` or ``"standardize"``.
        prior_mean: Whether the last column of ``train_X`` is a prior prediction (:class:`PriorMean`).
    """
    if kernel not in KERNELS:
        raise InvalidArgumentError(f"unknown kernel '{kernel}'; choices: {', '.join(KERNELS)}")
    if outcome not in OUTCOMES:
        raise InvalidArgumentError(f"unknown outcome '{outcome}'; choices: {', '.join(OUTCOMES)}")
    if train_Y.dim() != 2 or train_Y.shape[-1] != 1 or train_Y.shape[0] != train_X.shape[0]:
        raise InvalidArgumentError(f"train_Y must be a {train_X.shape[0]} x 1 tensor, got shape "
                                   f"{tuple(train_Y.shape)}")
    transform: OutcomeTransform = Standardize(m=1)
    if outcome == "copula":
        transform = ChainedOutcomeTransform(copula=CopulaTransform(), standardize=transform)
    covar: Kernel | None
    mean = None
    if prior_mean:
        d = train_X.shape[-1] - 1
        dims = tuple(range(d))
        base = MaternKernel(nu=2.5, active_dims=dims) if kernel == "decoded" else \
            MaternKernel(nu=2.5, ard_num_dims=d, active_dims=dims)
        covar, mean = ScaleKernel(base), PriorMean(d)
    else:
        covar = ScaleKernel(MaternKernel(nu=2.5)) if kernel == "decoded" else None
    return SingleTaskGP(train_X, train_Y, covar_module=covar, mean_module=mean, outcome_transform=transform)


def fit_gp(train_X: Tensor, train_Y: Tensor, *, kernel: str = "decoded", outcome: str = "copula",
           prior_mean: bool = False, maxiter: int = FIT_MAXITER) -> SingleTaskGP:
    """:func:`build_gp`, fitted by maximizing its marginal likelihood (L-BFGS, ``maxiter`` iterations; restarts draw
    from torch's global generator, so seed it, e.g. in ``torch.random.fork_rng()``)."""
    if isinstance(maxiter, bool) or not isinstance(maxiter, int) or maxiter < 1:
        raise InvalidArgumentError(f"maxiter must be a positive int, got {maxiter!r}")
    model = build_gp(train_X, train_Y, kernel=kernel, outcome=outcome, prior_mean=prior_mean)
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model),
                     optimizer_kwargs={"options": {"maxiter": maxiter}})
    return model


def score_model(model: SingleTaskGP) -> SingleTaskGP:
    """The GP on the scale it was fitted on: for a GP through the copula warp, a copy whose posterior is the Gaussian
    of the normal scores (its outcome transform is the chain's ``Standardize`` alone); any other GP itself.

    NOTE: why latent BO's MC acquisitions sample this view. Improvement measured on the copula's scores is the
    acquisition HEBO uses, and the one the README's results were measured with; a Gaussian posterior lets BoTorch
    sample the pending and candidate points jointly with the baseline's cached root decomposition (a warped
    posterior cannot), which also keeps the trials of every seed as they were before the warp became an outcome
    transform. Where a gain must be measured in the metrics' units (hypervolume), the MC objective maps the draws back
    through :meth:`~latentnas.surrogate.warp.CopulaTransform.untransform`.
    """
    warp = copula_of(model)
    if warp is None:
        return model
    view = copy.deepcopy(model)
    standardize = dict(getattr(view, "outcome_transform").items())["standardize"]
    if not isinstance(standardize, Standardize):
        raise LatentNASError(f"a copula model standardizes its scores, got {type(standardize).__name__}")
    view.outcome_transform = standardize
    return view


def copula_of(model: SingleTaskGP) -> CopulaTransform | None:
    """The copula warp a model from :func:`build_gp` is fitted through (``None``: fitted on the values)."""
    transform = getattr(model, "outcome_transform", None)
    if isinstance(transform, ChainedOutcomeTransform):
        copula = dict(transform.items()).get("copula")
        if isinstance(copula, CopulaTransform):
            return copula
    return None
