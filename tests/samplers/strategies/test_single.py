"""qLogNEI over decoded candidates: the acquisition contract, and what it scores."""

from __future__ import annotations

import random

from latentnas.samplers.strategies import CandidateGenerator, OneObjective, Strategy
from latentnas.surrogate import LatentSurrogate
from latentnas.testing.strategies import AcquisitionContract


class TestOneObjective(AcquisitionContract):
    registered = "qlognei"

    def make(self, surrogate: LatentSurrogate, candidates: CandidateGenerator) -> Strategy:
        return OneObjective(surrogate, candidates, max_train=300)


def test_a_pending_architecture_is_not_proposed_again() -> None:
    strategy = TestOneObjective().strategy()
    history = AcquisitionContract.history(8)
    first = strategy.propose(history, random.Random(1))
    assert first.phase == "model"
    space = strategy.surrogate.space  # type: ignore[attr-defined]
    history.pending.append(first.arch)
    history.known.add(space.canonical_key(first.arch))
    second = strategy.propose(history, random.Random(1))
    assert space.canonical_key(second.arch) != space.canonical_key(first.arch) and second.phase == "model"
