"""What a VAE is pretrained on: every canonical architecture of a finite space, or samples of an infinite one."""

from __future__ import annotations

from typing import Any

from latentnas.errors import InvalidArgumentError
from latentnas.spaces import SearchSpace, as_rng


def pretraining_archs(space: SearchSpace[Any], *, samples: int = 50_000, seed: int = 0) -> list[Any]:
    """One representative per canonical class of a finite space (in enumeration order), else ``samples`` distinct
    seeded samples (distinct by canonical key, canonical form).

    Args:
        space: The space.
        samples: Architectures to draw from an infinite space.
        seed: Seed of the draws.
    """
    if space.is_finite:
        reps: dict[str, Any] = {}
        for arch in space.enumerate():
            reps.setdefault(space.canonical_key(arch), space.canonicalize(arch))
        return list(reps.values())
    if samples < 2:
        raise InvalidArgumentError(f"samples must be at least 2, got {samples}")
    rng = as_rng(seed)
    drawn: dict[str, Any] = {}
    for _ in range(20 * samples):
        arch = space.sample(rng)
        drawn.setdefault(space.canonical_key(arch), space.canonicalize(arch))
        if len(drawn) >= samples:
            break
    return list(drawn.values())
