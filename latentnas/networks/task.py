"""What a built network is for: the learning task's kind and its input and output sizes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from latentnas.errors import LatentNASError

#: The task kinds: node classification on one graph, graph classification, image classification.
KINDS: tuple[str, ...] = ("node", "graph", "image")


class TaskError(LatentNASError, ValueError):
    """A :class:`Task` is malformed, or a space cannot build a network for it."""


@dataclass(frozen=True)
class Task:
    """The learning task a network is built for.

    Args:
        kind: ``"node"`` (node classification on one graph), ``"graph"`` (graph classification, pooled) or
            ``"image"`` (image classification, ``N x C x H x W`` inputs).
        in_channels: Node features (graphs) or image channels.
        num_classes: Number of classes.
    """

    kind: str
    in_channels: int
    num_classes: int

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TaskError(f"unknown task kind '{self.kind}'; choices: {', '.join(KINDS)}")
        if self.in_channels < 1:
            raise TaskError(f"in_channels must be positive, got {self.in_channels}")
        if self.num_classes < 2:
            raise TaskError(f"num_classes must be at least 2, got {self.num_classes}")

    @property
    def is_graph(self) -> bool:
        """Whether inputs are PyG graphs (``node`` or ``graph`` kind)."""
        return self.kind in ("node", "graph")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Task:
        return cls(kind=str(values["kind"]), in_channels=int(values["in_channels"]),
                   num_classes=int(values["num_classes"]))


def require_kind(task: Task, kinds: tuple[str, ...], *, space: str) -> None:
    """Raises :class:`TaskError` if ``space`` cannot build a network for ``task``."""
    if task.kind not in kinds:
        raise TaskError(f"space '{space}' builds networks for {' or '.join(kinds)} tasks, got a '{task.kind}' task")
