"""A space's pretraining architectures (what a VAE is pretrained on, and a finite space's pool): one canonical
representative per class of a finite space, or distinct samples."""

from __future__ import annotations

import pytest

from latentnas.spaces.darts import DartsSpace
from tests.vae.tiny_space import TinySpace


class UnenumerableTinySpace(TinySpace):
    """The tiny space, treated as too large to enumerate (so it is sampled)."""

    @property
    def is_finite(self) -> bool:
        return False


def test_a_finite_space_gives_each_class_once_in_enumeration_order() -> None:
    tiny_space = TinySpace()
    archs = tiny_space.pretraining_archs(samples=3)  # samples is for infinite spaces only
    keys = [tiny_space.canonical_key(arch) for arch in archs]
    assert len(archs) == len(set(keys)) == 84
    assert all(tiny_space.canonicalize(arch) == arch for arch in archs)
    first_seen = list(dict.fromkeys(tiny_space.canonical_key(arch) for arch in tiny_space.enumerate()))
    assert keys == first_seen


def test_an_infinite_space_gives_distinct_seeded_canonical_samples() -> None:
    space = DartsSpace()
    archs = space.pretraining_archs(samples=20, seed=0)
    assert len({space.canonical_key(arch) for arch in archs}) == 20
    assert all(space.canonicalize(arch) == arch for arch in archs)
    assert space.pretraining_archs(samples=20, seed=0) == archs
    assert space.pretraining_archs(samples=20, seed=1) != archs


def test_sampling_stops_when_the_classes_run_out() -> None:
    space = UnenumerableTinySpace()
    # 84 classes: asking for 100 draws 2,000 samples, which find every class, then stops.
    archs = space.pretraining_archs(samples=100, seed=0)
    assert len({space.canonical_key(arch) for arch in archs}) == len(archs) == 84


def test_refuses_fewer_than_two_samples() -> None:
    with pytest.raises(ValueError, match="^samples must be at least 2, got 1$"):
        DartsSpace().pretraining_archs(samples=1)
