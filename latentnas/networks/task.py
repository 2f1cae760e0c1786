"""What a built network is for: the learning task's kind, its input size and what it predicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.data import Dataset as PygDataset

from latentnas.errors import LatentNASError
from latentnas.networks.splits import GraphSplits, TensorSplits

#: The task kinds: node prediction on one graph, graph prediction (pooled), image prediction.
KINDS: tuple[str, ...] = ("node", "graph", "image")
#: What a network predicts: class logits (cross-entropy, accuracy) or real values (L1 or squared error).
TARGETS: tuple[str, ...] = ("classification", "regression")


class TaskError(LatentNASError, ValueError):
    """A :class:`Task` is malformed, cannot be inferred from data, or a space cannot build a network for it."""


@dataclass(frozen=True)
class Task:
    """The learning task a network is built for.

    A classification network outputs ``num_classes`` logits; a regression network outputs ``num_targets`` real
    values from the same linear head (no softmax). Either way :attr:`out_channels` is the head's width.

    Args:
        kind: ``"node"`` (one prediction per node of one graph), ``"graph"`` (one per graph, pooled) or ``"image"``
            (one per ``C x H x W`` image).
        in_channels: Node features (graphs) or image channels.
        num_classes: Number of classes (classification); ``0`` for regression.
        target: ``"classification"`` or ``"regression"``.
        num_targets: Real values predicted per node, graph or image (regression); ``0`` for classification.

    Example: ``Task("node", 1433, 7)`` is Cora's task; ``Task.regression("graph", 7)`` predicts one real value per
    graph; ``Task.from_data(data)`` infers either from a PyG ``Data`` or collection of graphs.
    """

    kind: str
    in_channels: int
    num_classes: int = 0
    target: str = "classification"
    num_targets: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TaskError(f"unknown task kind '{self.kind}'; choices: {', '.join(KINDS)}")
        if self.in_channels < 1:
            raise TaskError(f"in_channels must be positive, got {self.in_channels}")
        if self.target not in TARGETS:
            raise TaskError(f"unknown task target '{self.target}'; choices: {', '.join(TARGETS)}")
        if self.target == "classification":
            if self.num_classes < 2:
                raise TaskError(f"num_classes must be at least 2, got {self.num_classes}")
            if self.num_targets != 0:
                raise TaskError(f"num_targets is for regression; a classification task has num_classes only, "
                                f"got num_targets={self.num_targets}")
        else:
            if self.num_targets < 1:
                raise TaskError(f"a regression task needs num_targets >= 1, got {self.num_targets}")
            if self.num_classes != 0:
                raise TaskError(f"a regression task has num_targets, not num_classes, got "
                                f"num_classes={self.num_classes}")

    @classmethod
    def regression(cls, kind: str, in_channels: int, num_targets: int = 1) -> Task:
        """A regression task: ``num_targets`` real values per node, graph or image."""
        return cls(kind, in_channels, target="regression", num_targets=num_targets)

    @property
    def is_graph(self) -> bool:
        """Whether inputs are PyG graphs (``node`` or ``graph`` kind)."""
        return self.kind in ("node", "graph")

    @property
    def is_regression(self) -> bool:
        """Whether the network predicts real values (``target == "regression"``)."""
        return self.target == "regression"

    @property
    def out_channels(self) -> int:
        """Width of the network's output head: ``num_classes`` or ``num_targets``."""
        return self.num_targets if self.is_regression else self.num_classes

    def to_dict(self) -> dict[str, Any]:
        """Plain values; a classification task keeps the three keys it always had (``kind``, ``in_channels``,
        ``num_classes``), so exported ``arch.json`` files read the same."""
        if self.is_regression:
            return {"kind": self.kind, "in_channels": self.in_channels, "target": self.target,
                    "num_targets": self.num_targets}
        return {"kind": self.kind, "in_channels": self.in_channels, "num_classes": self.num_classes}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Task:
        """The task of :meth:`to_dict` (``target`` absent means classification)."""
        target = str(values.get("target", "classification"))
        count = "num_targets" if target == "regression" else "num_classes"
        missing = [k for k in ("kind", "in_channels", count) if k not in values]
        if missing:
            raise TaskError(f"a {target} task needs {', '.join(missing)}, got keys {sorted(values)}")
        if target == "regression":
            return cls(str(values["kind"]), int(values["in_channels"]), target=target,
                       num_targets=int(values["num_targets"]))
        return cls(str(values["kind"]), int(values["in_channels"]), int(values["num_classes"]), target=target)

    @classmethod
    def from_data(cls, data: Any) -> Task:
        """The task that ``data`` defines, inferred from its features ``x`` and targets ``y``.

        * A ``Data`` (or a PyG dataset of one graph) whose ``y`` has one row per node: a ``node`` task.
        * A list of ``Data``, a PyG dataset or :class:`~latentnas.datasets.GraphSplits` whose graphs have one ``y``
          row each (``y`` of shape ``[1]`` or ``[1, k]``): a ``graph`` task.
        * :class:`~latentnas.datasets.TensorSplits`: an ``image`` task.

        Integer class labels (``torch.long``, one per node, graph or image) make a classification task with
        ``y.max() + 1`` classes; floating-point ``y`` makes a regression task with one target per column (one when
        ``y`` is 1-D). ``in_channels`` is the width of ``x`` (images: their channels).

        Raises:
            TaskError: When the task cannot be inferred: no ``x`` or ``y``, ``x`` not a float matrix, graphs of
                different feature widths, labels that are not ``long`` class indices, a single class, targets that
                are not finite, or ``y`` rows matching neither the nodes nor one per graph.
        """
        if isinstance(data, TensorSplits):
            in_channels = int(data.train[0].shape[1]) if data.train[0].dim() == 4 else 0
            if in_channels < 1:
                raise TaskError(f"images must be N x C x H x W, got shape {tuple(data.train[0].shape)}")
            y = torch.cat([data.train[1], data.valid[1], data.test[1]])
            return cls("image", in_channels, **_outputs(y, unit="image"))
        if isinstance(data, Data):
            return _node_task(data)
        if isinstance(data, GraphSplits):
            graphs: Sequence[Any] = [*data.train, *data.valid, *data.test]
        elif isinstance(data, (Sequence, PygDataset)):
            graphs = data
        else:
            raise TaskError(f"cannot infer a task from a {type(data).__name__}; expected a torch_geometric Data, a "
                            f"list of Data, a PyG dataset, GraphSplits or TensorSplits")
        if len(graphs) == 0:
            raise TaskError("cannot infer a task from an empty collection of graphs")
        if not all(isinstance(g, Data) for g in graphs):
            kinds = sorted({type(g).__name__ for g in graphs if not isinstance(g, Data)})
            raise TaskError(f"a graph collection must hold torch_geometric Data objects, got {', '.join(kinds)}")
        if len(graphs) == 1 and _rows(_labels(graphs[0], "the graph")) == graphs[0].num_nodes != 1:
            return _node_task(graphs[0])
        return _graph_task(graphs)


def _labels(graph: Data, where: str) -> Tensor:
    y = getattr(graph, "y", None)
    if not isinstance(y, Tensor):
        raise TaskError(f"{where} has no targets y (class labels or regression targets)")
    return y


def _rows(y: Tensor) -> int:
    return 1 if y.dim() == 0 else int(y.size(0))


def _features(graph: Data, where: str) -> int:
    x = getattr(graph, "x", None)
    if not isinstance(x, Tensor):
        raise TaskError(f"{where} has no node features x; add some, e.g. with torch_geometric.transforms.OneHotDegree "
                        f"or Constant")
    if x.dim() != 2 or not x.is_floating_point():
        raise TaskError(f"node features x must be a float matrix (num_nodes x features), got {x.dtype} of shape "
                        f"{tuple(x.shape)} in {where}; one-hot encode categorical features or call x.float()")
    return int(x.size(1))


def _node_task(graph: Data) -> Task:
    in_channels = _features(graph, "the graph")
    y, n = _labels(graph, "the graph"), graph.num_nodes
    if _rows(y) != n:
        raise TaskError(f"y has {_rows(y)} rows but the graph has {n} nodes; a node task needs one y row per node "
                        f"(for one label per graph pass a list of graphs)")
    return Task("node", in_channels, **_outputs(y, unit="node"))


def _graph_task(graphs: Sequence[Data]) -> Task:
    widths, ys = set(), []
    for i, graph in enumerate(graphs):
        widths.add(_features(graph, f"graph {i}"))
        y = _labels(graph, f"graph {i}")
        if _rows(y) != 1:
            per_node = _rows(y) == graph.num_nodes
            raise TaskError(
                f"graph {i} has a y of shape {tuple(y.shape)}: a graph task needs one y row per graph ([1] or [1, k])"
                + ("; node targets on several graphs are not supported (node tasks train on one graph)"
                   if per_node else "")
            )
        ys.append(y.reshape(1, *y.shape[1:]) if y.dim() else y.reshape(1))
    if len(widths) > 1:
        raise TaskError(f"the graphs have node features of different widths: {sorted(widths)}")
    try:
        y_all = torch.cat(ys)
    except RuntimeError:
        raise TaskError("the graphs' y have different shapes; each needs the same number of targets") from None
    return Task("graph", widths.pop(), **_outputs(y_all, unit="graph"))


def _outputs(y: Tensor, *, unit: str) -> dict[str, Any]:
    """``num_classes`` or ``target`` and ``num_targets`` for targets ``y`` (one row per ``unit``)."""
    if y.is_floating_point():
        if y.dim() > 2:
            raise TaskError(f"regression targets y must be [N] or [N, k], got shape {tuple(y.shape)}")
        if not bool(torch.isfinite(y).all()):
            raise TaskError("regression targets y hold NaN or infinite values")
        return {"target": "regression", "num_targets": 1 if y.dim() == 1 else int(y.size(1))}
    if y.dtype != torch.long:
        raise TaskError(f"y is {y.dtype}: class labels must be torch.long (y.long()), regression targets a float "
                        f"dtype (y.float())")
    if y.dim() != 1:
        raise TaskError(f"class labels y must hold one label per {unit} (1-D), got shape {tuple(y.shape)}; "
                        f"use y.view(-1), or a float y for several regression targets")
    if y.numel() == 0 or int(y.min()) < 0:
        raise TaskError(f"class labels must be 0 .. C-1, got {'no labels' if y.numel() == 0 else int(y.min())}")
    if int(y.unique().numel()) < 2:
        raise TaskError(f"y holds a single class ({int(y[0])}); classification needs at least 2 (a float y is a "
                        f"regression target)")
    return {"num_classes": int(y.max()) + 1}


def require_kind(task: Task, kinds: tuple[str, ...], *, space: str) -> None:
    """Raises :class:`TaskError` if ``space`` cannot build a network for ``task``."""
    if task.kind not in kinds:
        raise TaskError(f"space '{space}' builds networks for {' or '.join(kinds)} tasks, got a '{task.kind}' task")
