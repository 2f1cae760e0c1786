"""Feeding a task's data to a network: one interface for node, graph and image classification.

A :class:`Batches` moves its data to the objective's device once, yields training batches in a seeded order, runs a
network on a batch (``forward``) and measures accuracy on the validation and test splits. The training loop and the
zero-cost proxies use only this interface, so there is one loop for all spaces.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader

from latentnas.datasets import GraphSplits, TensorSplits, split_graphs
from latentnas.errors import LatentNASError
from latentnas.networks.task import Task


class Batches(ABC):
    """The data of one task on one device."""

    @abstractmethod
    def train_batches(self, generator: torch.Generator) -> Iterator[Any]:
        """One epoch of training batches, shuffled with ``generator`` (a CPU generator)."""

    @abstractmethod
    def forward(self, model: nn.Module, batch: Any) -> tuple[Tensor, Tensor]:
        """``(logits, targets)`` of the examples of ``batch`` that count for training."""

    @abstractmethod
    def accuracy(self, model: nn.Module) -> dict[str, float]:
        """Accuracy in percent on ``"valid"`` and ``"test"`` (the caller sets eval mode and no_grad)."""

    @abstractmethod
    def predictions(self, model: nn.Module) -> dict[str, tuple[Tensor, Tensor]]:
        """``(outputs, targets)`` of every example of ``"valid"`` and ``"test"``, e.g. to measure a regression error
        (the caller sets eval mode and no_grad)."""

    @abstractmethod
    def inputs(self, batch: Any) -> Tensor:
        """The input features of ``batch`` (node features or images), e.g. to take gradients with respect to."""

    @abstractmethod
    def with_inputs(self, model: nn.Module, batch: Any, x: Tensor) -> Tensor:
        """The logits of every example of ``batch`` with its inputs replaced by ``x``."""

    def first_batch(self, generator: torch.Generator) -> Any:
        """A single training batch (zero-cost proxies score on one)."""
        return next(iter(self.train_batches(generator)))


def _percent(correct: int | Tensor, total: int) -> float:
    return 100.0 * float(correct) / max(total, 1)


class NodeBatches(Batches):
    """Full-batch node classification on one graph with ``train_mask``, ``val_mask`` and ``test_mask``."""

    def __init__(self, data: Data, device: torch.device) -> None:
        missing = [m for m in ("train_mask", "val_mask", "test_mask", "y") if getattr(data, m, None) is None]
        if missing:
            raise LatentNASError(f"node classification data needs {', '.join(missing)}")
        # PyG's Data.to moves the tensors of the object it is called on: a shallow copy leaves the caller's graph
        # where it was (on the CPU) when the candidates train on a GPU.
        self.data = copy.copy(data).to(device)

    def train_batches(self, generator: torch.Generator) -> Iterator[Data]:
        yield self.data

    def forward(self, model: nn.Module, batch: Data) -> tuple[Tensor, Tensor]:
        mask = batch.train_mask
        return model(batch.x, batch.edge_index)[mask], batch.y[mask]

    def accuracy(self, model: nn.Module) -> dict[str, float]:
        pred = model(self.data.x, self.data.edge_index).argmax(dim=-1)
        hits = pred == self.data.y
        return {name: _percent(hits[mask].sum(), int(mask.sum()))
                for name, mask in (("valid", self.data.val_mask), ("test", self.data.test_mask))}

    def predictions(self, model: nn.Module) -> dict[str, tuple[Tensor, Tensor]]:
        out = model(self.data.x, self.data.edge_index)
        return {name: (out[mask], self.data.y[mask])
                for name, mask in (("valid", self.data.val_mask), ("test", self.data.test_mask))}

    def inputs(self, batch: Data) -> Tensor:
        return batch.x

    def with_inputs(self, model: nn.Module, batch: Data, x: Tensor) -> Tensor:
        return model(x, batch.edge_index)


class GraphBatches(Batches):
    """Graph classification on mini-batches of graphs (a seeded split of a dataset, or given splits)."""

    def __init__(self, data: GraphSplits | Sequence[Data], device: torch.device, *, batch_size: int,
                 split_seed: int = 0) -> None:
        self.splits = data if isinstance(data, GraphSplits) else split_graphs(data, seed=split_seed)
        self.device, self.batch_size = device, batch_size

    def train_batches(self, generator: torch.Generator) -> Iterator[Data]:
        loader = DataLoader(list(self.splits.train), batch_size=self.batch_size, shuffle=True, generator=generator)
        for batch in loader:
            yield batch.to(self.device)

    def forward(self, model: nn.Module, batch: Data) -> tuple[Tensor, Tensor]:
        return model(batch.x, batch.edge_index, batch.batch), batch.y

    def accuracy(self, model: nn.Module) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, graphs in (("valid", self.splits.valid), ("test", self.splits.test)):
            correct = 0
            for batch in DataLoader(list(graphs), batch_size=4 * self.batch_size):
                batch = batch.to(self.device)
                correct += int((model(batch.x, batch.edge_index, batch.batch).argmax(-1) == batch.y).sum())
            out[name] = _percent(correct, len(graphs))
        return out

    def predictions(self, model: nn.Module) -> dict[str, tuple[Tensor, Tensor]]:
        out: dict[str, tuple[Tensor, Tensor]] = {}
        for name, graphs in (("valid", self.splits.valid), ("test", self.splits.test)):
            pairs = [(model(b.x, b.edge_index, b.batch), b.y) for b in
                     (batch.to(self.device) for batch in DataLoader(list(graphs), batch_size=4 * self.batch_size))]
            out[name] = (torch.cat([p for p, _ in pairs]), torch.cat([y for _, y in pairs]))
        return out

    def inputs(self, batch: Data) -> Tensor:
        return batch.x

    def with_inputs(self, model: nn.Module, batch: Data, x: Tensor) -> Tensor:
        return model(x, batch.edge_index, batch.batch)


class ImageBatches(Batches):
    """Image classification on tensors held on the device."""

    def __init__(self, data: TensorSplits, device: torch.device, *, batch_size: int) -> None:
        self.splits = {name: (X.to(device), y.to(device))
                       for name, (X, y) in (("train", data.train), ("valid", data.valid), ("test", data.test))}
        self.batch_size = batch_size

    def train_batches(self, generator: torch.Generator) -> Iterator[tuple[Tensor, Tensor]]:
        X, y = self.splits["train"]
        order = torch.randperm(len(y), generator=generator).to(X.device)
        for start in range(0, len(y), self.batch_size):
            index = order[start:start + self.batch_size]
            yield X[index], y[index]

    def forward(self, model: nn.Module, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        return model(batch[0]), batch[1]

    def accuracy(self, model: nn.Module) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in ("valid", "test"):
            X, y = self.splits[name]
            step = 4 * self.batch_size
            correct = sum(int((model(X[i:i + step]).argmax(-1) == y[i:i + step]).sum()) for i in range(0, len(y), step))
            out[name] = _percent(correct, len(y))
        return out

    def predictions(self, model: nn.Module) -> dict[str, tuple[Tensor, Tensor]]:
        step = 4 * self.batch_size
        return {name: (torch.cat([model(X[i:i + step]) for i in range(0, len(X), step)]), y)
                for name, (X, y) in ((n, self.splits[n]) for n in ("valid", "test"))}

    def inputs(self, batch: tuple[Tensor, Tensor]) -> Tensor:
        return batch[0]

    def with_inputs(self, model: nn.Module, batch: tuple[Tensor, Tensor], x: Tensor) -> Tensor:
        return model(x)


def make_batches(data: Any, task: Task, device: torch.device, *, batch_size: int = 64, split_seed: int = 0) -> Batches:
    """The :class:`Batches` of ``task``'s kind: a ``Data`` (node), a dataset, list or :class:`GraphSplits`
    (graph), :class:`TensorSplits` (image)."""
    if task.kind == "node":
        if not isinstance(data, Data):
            raise LatentNASError(f"a node task needs a torch_geometric Data, got {type(data).__name__}")
        return NodeBatches(data, device)
    if task.kind == "graph":
        return GraphBatches(data, device, batch_size=batch_size, split_seed=split_seed)
    if not isinstance(data, TensorSplits):
        raise LatentNASError(f"an image task needs TensorSplits, got {type(data).__name__}")
    return ImageBatches(data, device, batch_size=batch_size)
