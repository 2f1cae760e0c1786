"""How data divides into training, validation and test examples: the split containers a task is read from
(:class:`TensorSplits`, :class:`GraphSplits`) and the description of a split (:class:`DataSplit`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from torch import Tensor
from torch_geometric.data import Data


@dataclass(frozen=True)
class TensorSplits:
    """Image classification data: ``(X, y)`` per split, ``X`` a ``N x C x H x W`` float tensor, ``y`` long."""

    train: tuple[Tensor, Tensor]
    valid: tuple[Tensor, Tensor]
    test: tuple[Tensor, Tensor]


@dataclass(frozen=True)
class GraphSplits:
    """Graph classification data: the graphs of each split."""

    train: Sequence[Data]
    valid: Sequence[Data]
    test: Sequence[Data]


@dataclass(frozen=True)
class DataSplit:
    """How data divides into training, validation and test examples.

    Args:
        unit: What is split: ``"nodes"``, ``"graphs"`` or ``"images"``.
        sizes: Number of training, validation and test examples.
        seed: Seed of the random split latentnas made because the data had none; ``None`` where the data came split
            (node masks, :class:`GraphSplits`, :class:`TensorSplits`).
    """

    unit: str
    sizes: tuple[int, int, int]
    seed: int | None = None

    @property
    def is_random(self) -> bool:
        """Whether latentnas made this split (the data had none)."""
        return self.seed is not None

    def describe(self) -> str:
        """One line for people, e.g. ``"random split of the nodes (the data has none), seed 0: 180/60/60"``."""
        sizes = "/".join(str(n) for n in self.sizes)
        if self.seed is None:
            return f"the data's own split: {sizes} {self.unit} (train/valid/test)"
        return f"random split of the {self.unit} (the data has none), seed {self.seed}: {sizes} (train/valid/test)"

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "random": self.is_random, "seed": self.seed, "train": self.sizes[0],
                "valid": self.sizes[1], "test": self.sizes[2]}
