"""What latent BO searches by on several objectives or constraints: the reference point, the screen, the strategy."""

from __future__ import annotations

import math
import random

import pytest
import torch

import latentnas.samplers.strategies.several as several
from latentnas.history import Observation
from latentnas.samplers.strategies.several import Goal, reference_point, screen_scores


def _observations(values: list[tuple[float, float]]) -> list[Observation]:
    return [Observation(i, None, str(i), v[0], values=v) for i, v in enumerate(values)]


def test_the_reference_is_the_initial_designs_median() -> None:
    # A search gathers good architectures after its design: they must not move the median.
    observed = _observations([(1.0, -4.0), (3.0, -2.0), (2.0, -3.0), (9.0, -0.5), (9.5, -0.1)])
    assert reference_point(observed, 3).tolist() == [2.0, -3.0]
    assert reference_point(observed, 5).tolist() == [3.0, -2.0]


def test_the_screen_of_several_objectives_ranks_by_expected_hypervolume_improvement(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Flat:  # a fake GP with exact, fixed marginals
        def __init__(self, mean: list[float]) -> None:
            self.mean = torch.tensor(mean, dtype=torch.float64)

    def marginals(model: Flat, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return model.mean, torch.full_like(model.mean, 1e-9)

    X = torch.zeros(3, 1, dtype=torch.float64)
    observed = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
    goal = Goal([Flat([0.0, 2.0, 1.0]), Flat([0.0, 2.0, -1.0])], 2, observed,  # type: ignore[list-item]
                 torch.tensor([True]), torch.zeros(2, dtype=torch.float64))
    monkeypatch.setattr(several, "marginals", marginals)
    scores = screen_scores(goal, X, random.Random(0), keep=1)
    # (2, 2) adds 2 x 2 - 1 x 1 = 3 to the front {(1, 1)} from (0, 0): its score is log 3. The others add nothing and
    # come after it, by the additive epsilon of their point against the front (max epsilon 1, that of (2, 2)):
    # (1, -1) ties in one column (epsilon 0), (0, 0) is dominated by 1 (epsilon -1).
    log3 = math.log(3.0)
    assert torch.allclose(scores, torch.tensor([log3 - 3.0, log3, log3 - 2.0], dtype=torch.float64), atol=1e-6)
