"""Several objectives, or constraints: qLogNEHVI, or constrained qLogNEI, over the same decoded candidates.

One GP per objective and per constraint, on the same features (:class:`Goal`); the objectives' GPs go through the
copula warp, and qLogNEHVI (Daulton et al., 2021; Ament et al., 2023) maps their draws back to the metrics' own units
(the warps' untransform), so it values a step of the front as a user's hypervolume does, measured from
:func:`reference_point`. The constraints'
GPs are fitted on the constraint values themselves (the GP must know where 0 lies). Candidates are those of one
objective, around the feasible front's members (:func:`parents`), plus, in a finite space, the best of every
unevaluated architecture by a cheap score (:func:`screen_scores`: the expected hypervolume improvement for two
objectives); the best :data:`~latentnas.samplers.strategies.candidates.SHORTLIST` by the same score meet the
acquisition, joint with the observations and the pending points. What each part did, measured:
``docs/results/several-nasbench201-cifar10-30seeds/README.md``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from botorch.acquisition.logei import qLogNoisyExpectedImprovement
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.objective import GenericMCMultiOutputObjective
from botorch.acquisition.objective import GenericMCObjective
from botorch.models import ModelListGP, SingleTaskGP
from botorch.sampling import SobolQMCNormalSampler
from torch import Tensor

from latentnas.history import History, Observation
from latentnas.pareto import hypervolume_improvement, pareto_mask
from latentnas.samplers.base import sample_new
from latentnas.samplers.strategies.base import Proposal, Strategy, seeded_torch, training_set
from latentnas.samplers.strategies.candidates import SCREEN, SHORTLIST, CandidateGenerator, screen
from latentnas.samplers.strategies.single import MC_SAMPLES
from latentnas.surrogate import LatentSurrogate, copula_of, log_ei, marginals, score_model

#: Upper-confidence multiplier of the screen of more than two objectives: a candidate's optimistic point is its
#: posterior mean plus this many standard deviations in every objective.
SCREEN_BETA = 1.0
#: Quasi-random draws of the screen's expected hypervolume improvement (two objectives).
SCREEN_DRAWS = 64
#: A screened candidate's probability of satisfying every constraint must reach this, where enough do.
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
        """``Y`` in the units the objectives' GPs were fitted in (normal scores under the copula)."""
        return torch.stack([_warp(self.models[j], self.Y[:, j]) for j in range(self.m)], dim=-1)

    def unwarp(self, Z: Tensor) -> Tensor:
        """The objectives of points ``Z`` (``... x m``, or ``... x (m + constraints)``, the GPs' units) in the metrics'
        units."""
        columns = []
        for j in range(self.m):
            warp = copula_of(self.models[j])
            columns.append(warp.untransform(Z[..., j])[0] if warp is not None else Z[..., j])
        return torch.stack(columns, dim=-1)


def _warp(model: SingleTaskGP, values: Tensor) -> Tensor:
    warp = copula_of(model)
    return warp.warp(values) if warp is not None else values


def output(i: int) -> Any:
    """The ``i``-th output of a model list's samples (an objective or a constraint callable of BoTorch's)."""
    def select(Z: Tensor, X: Tensor | None = None) -> Tensor:
        return Z[..., i]
    return select


def reference_point(observations: Sequence[Observation], n_initial: int) -> Tensor:
    """The point a search of several objectives measures hypervolume from: the median of each metric (oriented, in
    the metrics' units) over the first ``n_initial`` observations in trial order, the initial design's typical
    architectures. Improving on a typical architecture in every metric is what counts; the median of every
    observation would drift with where the search went, and what lies beyond it would count for nothing.

    Returns:
        A ``m`` tensor.
    """
    Y = torch.tensor([o.values for o in observations], dtype=torch.float64)
    return Y[:n_initial].quantile(0.5, dim=0)


def parents(history: History, rng: random.Random, n_parents: int) -> list[Observation]:
    """The observations whose neighbours are candidates: the ``n_parents`` best (feasible first) for one objective;
    for several, ``n_parents`` of the feasible front drawn at random (the whole front where smaller)."""
    if history.n_objectives == 1:
        return history.best(n_parents)
    pool = [o for o in history.observations if o.feasible] or history.observations
    Y = torch.tensor([o.values for o in pool], dtype=torch.float64)
    front = [o for o, keep in zip(pool, pareto_mask(Y).tolist()) if keep]
    return front if len(front) <= n_parents else rng.sample(front, n_parents)


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
    stats = [marginals(model, X) for model in goal.models]
    log_feasible = torch.zeros(len(X), dtype=torch.float64)
    for mean, sigma in stats[m:]:
        log_feasible += torch.special.log_ndtr(-mean / sigma)
    if m == 1:
        if not bool(goal.feasible.any()):
            return log_feasible
        mean, sigma = stats[0]
        best_f = float(goal.warped[goal.feasible, 0].max())
        return log_ei(mean, sigma, best_f) + log_feasible
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


class SeveralObjectives(Strategy):
    """qLogNEHVI (several objectives) or constrained qLogNEI (one objective with constraints); see the module
    docstring.

    Args:
        surrogate: Features and the GPs.
        candidates: The candidate generator.
        max_train: Observations the exact GPs are fitted on.
        n_initial: The size of the initial design, whose median is the hypervolume reference
            (:func:`reference_point`).
    """

    phase = "several"

    def __init__(self, surrogate: LatentSurrogate, candidates: CandidateGenerator, *, max_train: int,
                 n_initial: int) -> None:
        self.surrogate = surrogate
        self.candidates = candidates
        self.max_train = max_train
        self.n_initial = n_initial

    def propose(self, history: History, rng: random.Random) -> Proposal:
        surrogate = self.surrogate
        with seeded_torch(rng):
            train = training_set(history, rng, self.max_train)
            train_X = surrogate.arch_features([o.arch for o in train], keys=[o.key for o in train])
            Y = torch.tensor([o.values for o in train], dtype=torch.float64)
            m = Y.shape[1]
            C = None
            if history.constrained:  # an observation without constraint values (none stored) counts as feasible
                k = max(len(o.constraints) for o in train if o.constraints is not None)
                C = torch.tensor([o.constraints if o.constraints is not None else (0.0,) * k for o in train],
                                 dtype=torch.float64)
            models = [surrogate.fit(train_X, Y[:, j:j + 1]) for j in range(m)]
            if C is not None:  # constraint values keep their scale: the GP must know where 0 lies
                models += [surrogate.fit(train_X, C[:, j:j + 1], outcome="standardize") for j in range(C.shape[1])]
            feasible = (C <= 0).all(-1) if C is not None else torch.ones(len(train), dtype=torch.bool)
            observed = sorted(history.observations, key=lambda o: o.number)
            reference = reference_point(observed, self.n_initial) if m > 1 else Y.new_zeros(1)
            goal = Goal(models, m, Y, feasible, reference)

            candidates = self.candidates(history, rng, parents=parents(history, rng, self.candidates.n_parents))
            if surrogate.space.is_finite:
                candidates += screen(surrogate, history, lambda X: screen_scores(goal, X, rng, keep=SCREEN),
                                     exclude=candidates)
            if not candidates:
                return Proposal(sample_new(surrogate.space, history, rng), "fallback")
            X = surrogate.arch_features(candidates)
            shortlist = screen_scores(goal, X, rng, keep=SCREEN).topk(min(SHORTLIST, len(X))).indices
            acqf = self.acquisition(goal, train_X, history, rng)
            with torch.no_grad():
                scores = torch.cat([acqf(chunk.unsqueeze(1)) for chunk in X[shortlist].split(256)])
        best = int(shortlist[int(scores.argmax())])
        return Proposal(candidates[best], self.phase, float(scores.max()))

    def acquisition(self, goal: Goal, train_X: Tensor, history: History, rng: random.Random) -> Any:
        """qLogNEHVI in the metrics' units (several objectives) or qLogNEI on the objective GP's scale (one), each
        with the constraints' outputs as BoTorch constraints. The GPs are sampled jointly on their own scales
        (:func:`~latentnas.surrogate.score_model`); for hypervolume, the draws are mapped back to the metrics' units
        through each warp (:meth:`Goal.unwarp`)."""
        m = goal.m
        model = ModelListGP(*[score_model(gp) for gp in goal.models])
        constraints = [output(m + j) for j in range(len(goal.models) - m)] or None
        X_pending = self.surrogate.arch_features(history.pending) if history.pending else None
        sampler = SobolQMCNormalSampler(torch.Size([MC_SAMPLES]), seed=rng.getrandbits(31))
        if m == 1:
            return qLogNoisyExpectedImprovement(model, X_baseline=train_X, X_pending=X_pending, prune_baseline=True,
                                                sampler=sampler, objective=GenericMCObjective(output(0)),
                                                constraints=constraints)

        def objectives(Z: Tensor, X: Tensor | None = None) -> Tensor:
            return goal.unwarp(Z)  # the objectives' draws in the metrics' units (the constraints' columns dropped)

        return qLogNoisyExpectedHypervolumeImprovement(
            model, ref_point=goal.reference, X_baseline=train_X, X_pending=X_pending, prune_baseline=True,
            sampler=sampler, objective=GenericMCMultiOutputObjective(objectives), constraints=constraints)
