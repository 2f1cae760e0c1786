"""One objective: qLogNoisyExpectedImprovement over decoded candidates, as arch2vec and D-VAE search.

The GP (:class:`~latentnas.surrogate.LatentSurrogate`, on the copula scores of the values by default) is fitted on the
study's observations; candidates are decoded points of the latent box, the best architectures' neighbours and, in a
finite space, the :data:`~latentnas.samplers.strategies.candidates.SCREEN` unevaluated architectures of best
analytic LogEI (:func:`~latentnas.samplers.strategies.candidates.screen`). The
:data:`~latentnas.samplers.strategies.candidates.SHORTLIST` best of them by analytic LogEI are scored by qLogNEI
(Ament et al., 2023), joint with the observations and with trials still running (``X_pending``), so ``q`` asks before
their tells give ``q`` different proposals.
"""

from __future__ import annotations

import random

import torch
from botorch.acquisition.logei import qLogNoisyExpectedImprovement
from botorch.sampling import SobolQMCNormalSampler

from latentnas.history import History
from latentnas.samplers.base import sample_new
from latentnas.samplers.strategies.base import Proposal, Strategy, seeded_torch, training_set
from latentnas.samplers.strategies.candidates import SHORTLIST, CandidateGenerator, screen
from latentnas.surrogate import LatentSurrogate, log_expected_improvement, score_model

#: Quasi-MC samples of the MC acquisitions.
MC_SAMPLES = 64


class OneObjective(Strategy):
    """qLogNEI over decoded candidates (see the module docstring).

    Args:
        surrogate: Features and the GP.
        candidates: The candidate generator.
        max_train: Observations the exact GP is fitted on (:func:`~latentnas.samplers.strategies.base.training_set`).
    """

    phase = "model"

    def __init__(self, surrogate: LatentSurrogate, candidates: CandidateGenerator, *, max_train: int) -> None:
        self.surrogate = surrogate
        self.candidates = candidates
        self.max_train = max_train

    def propose(self, history: History, rng: random.Random) -> Proposal:
        surrogate = self.surrogate
        with seeded_torch(rng):
            train = training_set(history, rng, self.max_train)
            train_X = surrogate.arch_features([o.arch for o in train])
            train_Y = torch.tensor([[o.value] for o in train], dtype=torch.float64)
            model = surrogate.fit(train_X, train_Y)
            acqf = qLogNoisyExpectedImprovement(  # improvement on the GP's own scale (its scores)
                score_model(model),
                X_baseline=train_X,
                X_pending=surrogate.arch_features(history.pending) if history.pending else None,
                prune_baseline=True,
                sampler=SobolQMCNormalSampler(torch.Size([MC_SAMPLES]), seed=rng.getrandbits(31)),
            )
            best_f = float(train_Y.max())
            candidates = self.candidates(history, rng)
            if surrogate.space.is_finite:
                candidates += screen(surrogate, history, lambda X: log_expected_improvement(model, X, best_f),
                                     exclude=candidates)
            if not candidates:
                return Proposal(sample_new(surrogate.space, history, rng), "fallback")
            X = surrogate.arch_features(candidates)
            shortlist = log_expected_improvement(model, X, best_f).topk(min(SHORTLIST, len(X))).indices
            with torch.no_grad():
                scores = acqf(X[shortlist].unsqueeze(1))
        best = int(shortlist[int(scores.argmax())])
        return Proposal(candidates[best], self.phase, float(scores.max()))
