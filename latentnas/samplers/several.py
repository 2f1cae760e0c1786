"""What latent BO searches by when a study has several objectives or constraints: the GPs and what they were fitted
on (:class:`Goal`), the point hypervolume is measured from (:func:`reference_point`), and the cheap score that
shortlists candidates for the acquisition (:func:`screen_scores`).

Hypervolume is measured in the metrics' own units: the GPs are fitted on warped values (the copula's normal scores),
and their draws are mapped back through the warps (:meth:`Goal.unwarp`), so that the acquisition values a step of the
front as a user's hypervolume does. The measured effect of each part is given under ``reference`` in
:class:`~latentnas.samplers.latent_bo.LatentBOConfig`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from botorch.acquisition.analytic import _log_ei_helper  # NOTE: the numerically safe log h(u) of LogEI
from botorch.models import SingleTaskGP
from torch import Tensor

from latentnas.history import Observation
from latentnas.pareto import hypervolume_improvement, pareto_mask
from latentnas.surrogate import LatentSurrogate, model_warp

#: Where the hypervolume of a search of several objectives is measured from (:attr:`LatentBOConfig.reference`).
REFERENCES = ("median", "nadir")
#: Upper-confidence multiplier of the screen of more than two objectives: a candidate's optimistic point is its
#: posterior mean plus this many standard deviations in every objective (not measured apart).
SCREEN_BETA = 1.0
#: Quasi-random draws of the screen's expected hypervolume improvement (two objectives; not measured apart).
SCREEN_DRAWS = 64
#: A screened candidate's probability of satisfying every constraint must reach this, where enough do (not measured
#: apart).
FEASIBLE_MIN = 0.05


@dataclass
class Goal:
    """What a search of several objectives or constraints knows at one proposal: the GPs (``m`` objectives first,
    then one per constraint), the oriented observed values ``Y`` (``n x m``), which observations are feasible, and
    the hypervolume reference point (oriented, in the metrics' units; unused with one objective)."""

    models: list[SingleTaskGP]
    m: int
    Y: Tensor
    feasible: Tensor
    reference: Tensor

    @property
    def warped(self) -> Tensor:
        """``Y`` in the units the GPs were fitted in (normal scores under the copula)."""
        return torch.stack([warped(self.models[j], self.Y[:, j]) for j in range(self.m)], dim=-1)

    def unwarp(self, Z: Tensor, X: Tensor | None = None) -> Tensor:
        """The objectives of draws ``Z`` (``... x (m + constraints)``, the GPs' units) in the metrics' units: a
        hypervolume there is the one a user measures (an objective of BoTorch's signature)."""
        columns = []
        for j in range(self.m):
            warp = model_warp(self.models[j])
            columns.append(warp.inverse(Z[..., j]) if warp is not None else Z[..., j])
        return torch.stack(columns, dim=-1)


def warped(model: SingleTaskGP, values: Tensor) -> Tensor:
    """``values`` in the units ``model`` was fitted in (their normal scores under a copula warp)."""
    warp = model_warp(model)
    return warp(values) if warp is not None else values


def output(i: int) -> Any:
    """The ``i``-th output of a model list's samples (an objective or a constraint callable of BoTorch's)."""
    def select(Z: Tensor, X: Tensor | None = None) -> Tensor:
        return Z[..., i]
    return select


def reference_point(observations: Sequence[Observation], how: str, n_initial: int) -> Tensor:
    """The point a search of several objectives measures hypervolume from, oriented, in the metrics' units.

    Args:
        observations: The study's observations, in trial order.
        how: ``"median"``, the median of each metric over the first ``n_initial`` observations (the initial design:
            decoded prior samples, typical architectures of the space); ``"nadir"``, the worst of every observation
            minus a tenth of the range (:attr:`LatentBOConfig.reference`).
        n_initial: The size of the initial design.

    Returns:
        A ``m`` tensor.
    """
    Y = torch.tensor([o.values for o in observations], dtype=torch.float64)
    if how == "nadir":
        low, high = Y.min(0).values, Y.max(0).values
        return low - 0.1 * (high - low).clamp_min(1e-6)
    return Y[:n_initial].quantile(0.5, dim=0)


def screen_scores(goal: Goal, X: Tensor, rng: random.Random, *, keep: int) -> Tensor:
    """A cheap score of each row of ``X`` (a ``n x d`` tensor; larger is better), for the shortlist of a search of
    several objectives or constraints.

    One objective: analytic LogEI over the best feasible observation plus the log-probability of satisfying
    every constraint (that log-probability alone while no observation is feasible). Two: the log of the expected
    hypervolume improvement over the feasible observations' front, from the GPs' marginals (correlations
    between the objectives ignored; :data:`SCREEN_DRAWS` quasi-random draws, the same for every row, mapped to
    the metrics' units, :func:`~latentnas.pareto.hypervolume_improvement`), plus the log-probability of
    feasibility; rows with no improvement in any draw come after, ordered by the additive epsilon score below.
    More than two: how far the optimistic point (mean plus :data:`SCREEN_BETA` standard deviations, per
    objective, in the GPs' units) lies beyond the feasible front, the additive epsilon indicator
    ``min_f max_j (u_j - f_j)``, positive where the point is not dominated. With constraints, rows whose
    probability of feasibility is below :data:`FEASIBLE_MIN` come after the others where at least ``keep`` rows (as
    many as the caller keeps) reach it.
    """
    m = goal.m
    stats = [LatentSurrogate.marginals(model, X) for model in goal.models]
    log_feasible = torch.zeros(len(X), dtype=torch.float64)
    for mean, sigma in stats[m:]:
        log_feasible += torch.special.log_ndtr(-mean / sigma)
    if m == 1:
        if not bool(goal.feasible.any()):
            return log_feasible
        mean, sigma = stats[0]
        best_f = float(goal.warped[goal.feasible, 0].max())
        return _log_ei_helper((mean - best_f) / sigma) + sigma.log() + log_feasible
    front = goal.warped[goal.feasible] if bool(goal.feasible.any()) else goal.warped
    front = front[pareto_mask(front)]
    scores = _epsilon(torch.stack([mean + SCREEN_BETA * sigma for mean, sigma in stats[:m]], dim=-1), front)
    if m == 2:
        means = torch.stack([mean for mean, _ in stats[:m]], dim=-1)
        sigmas = torch.stack([sigma for _, sigma in stats[:m]], dim=-1)
        sobol = torch.quasirandom.SobolEngine(m, scramble=True, seed=rng.getrandbits(31))
        z = torch.special.ndtri(sobol.draw(SCREEN_DRAWS, dtype=torch.float64).clamp(1e-6, 1 - 1e-6))
        Y = goal.Y[goal.feasible] if bool(goal.feasible.any()) else goal.Y
        # NOTE: a row the front dominates even at its highest draw in each objective gains nothing in any draw
        # (the warps are monotone): only the others are drawn, which is most of the screen's time saved.
        reach = (_epsilon(means + sigmas * z.max(0).values, front) > 0).nonzero().squeeze(-1)
        ehvi = torch.zeros(len(X), dtype=torch.float64)
        for rows in reach.split(2048):
            draws = means[rows].unsqueeze(1) + sigmas[rows].unsqueeze(1) * z
            ehvi[rows] = hypervolume_improvement(goal.unwarp(draws), Y, goal.reference).mean(-1)
        gains = ehvi > 0
        # Rows that improve in some draw come first, by log EHVI; the others after, by the epsilon score.
        floor = float((ehvi[gains].log() + log_feasible[gains]).min()) if bool(gains.any()) else 0.0
        scores = torch.where(gains, ehvi.clamp_min(1e-300).log() + log_feasible,
                             floor - 1.0 - (scores.max() - scores))
    if len(stats) > m:
        likely = log_feasible >= math.log(FEASIBLE_MIN)
        if int(likely.sum()) >= keep:
            scores = torch.where(likely, scores, scores - scores.abs().max() - 1e6)
    return scores


def _epsilon(points: Tensor, front: Tensor) -> Tensor:
    """The additive epsilon indicator of each of the ``n x m`` ``points`` against the ``k x m`` ``front``,
    ``min_f max_j (u_j - f_j)``: positive where the point is not weakly dominated."""
    return torch.cat([(rows.unsqueeze(1) - front.unsqueeze(0)).max(-1).values.min(-1).values
                      for rows in points.split(4096)])
