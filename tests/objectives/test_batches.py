"""Feeding node, graph and image data to a network: split sizes, seeded order, logits and targets, accuracy and
predictions (a 5-node graph, 20 MUTAG graphs, 12 tiny images; "networks" whose outputs are known exactly)."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn
from torch_geometric.data import Data

from latentnas.datasets import TensorSplits
from latentnas.errors import LatentNASError
from latentnas.networks.task import Task
from latentnas.objectives.batches import GraphBatches, ImageBatches, NodeBatches, make_batches

CPU = torch.device("cpu")


class _FeaturesAsLogits(nn.Module):
    """A node "network" whose logits are the node features."""

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return x


class _AlwaysClass(nn.Module):
    """Predicts class ``label`` for every graph or image (two classes)."""

    def __init__(self, label: int) -> None:
        super().__init__()
        self.label = label

    def forward(self, x: Tensor, *rest: Tensor) -> Tensor:
        n = int(rest[1].max()) + 1 if rest else len(x)
        return nn.functional.one_hot(torch.full((n,), self.label), 2).float()


def _node_data() -> Data:
    # Predicted classes (argmax of x): 0 1 1 0 1; labels: 0 1 0 0 0.
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    return Data(x=x, edge_index=torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]]), y=torch.tensor([0, 1, 0, 0, 0]),
                train_mask=torch.tensor([True, True, False, False, False]),
                val_mask=torch.tensor([False, False, True, True, False]),
                test_mask=torch.tensor([False, False, False, False, True]))


def _images() -> TensorSplits:
    X = torch.arange(12 * 4, dtype=torch.float32).reshape(12, 1, 2, 2)
    y = torch.tensor([0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0])
    return TensorSplits((X[:7], y[:7]), (X[7:10], y[7:10]), (X[10:], y[10:]))


@pytest.fixture(scope="module")
def twenty_mutag(mutag) -> list[Data]:  # type: ignore[no-untyped-def]
    dataset, _ = mutag
    return [dataset[i] for i in range(20)]


def _ids(batch: tuple[Tensor, Tensor]) -> list[int]:
    """The example of each image of a batch (its first pixel over 4)."""
    return [int(v) // 4 for v in batch[0][:, 0, 0, 0]]


# ------------------------------------------------------------------------------------------------ node
def test_node_batches_train_on_the_train_mask_and_score_the_others() -> None:
    batches = NodeBatches(_node_data(), CPU)
    (batch,) = list(batches.train_batches(torch.Generator().manual_seed(0)))
    logits, targets = batches.forward(_FeaturesAsLogits(), batch)
    assert torch.equal(logits, _node_data().x[:2]) and targets.tolist() == [0, 1]
    assert batches.accuracy(_FeaturesAsLogits()) == {"valid": 50.0, "test": 0.0}
    predictions = batches.predictions(_FeaturesAsLogits())
    assert {k: (tuple(p.shape), y.tolist()) for k, (p, y) in predictions.items()} == {
        "valid": ((2, 2), [0, 0]), "test": ((1, 2), [0])}


def test_node_batches_leave_the_callers_graph_on_its_device() -> None:
    data = _node_data()
    batches = NodeBatches(data, torch.device("meta"))  # any other device: PyG's Data.to moves tensors in place
    assert batches.data.x.device.type == "meta"
    assert data.x.device.type == "cpu" and data.edge_index.device.type == "cpu"


def test_node_data_without_masks_is_refused_naming_them() -> None:
    data = _node_data()
    del data.val_mask, data.test_mask
    with pytest.raises(LatentNASError, match=r"^node classification data needs val_mask, test_mask$"):
        NodeBatches(data, CPU)


# ------------------------------------------------------------------------------------------------ graph
def test_graph_batches_split_80_10_10_and_cover_the_train_split_once_per_epoch(twenty_mutag: list[Data]) -> None:
    batches = GraphBatches(twenty_mutag, CPU, batch_size=6)
    assert [len(s) for s in (batches.splits.train, batches.splits.valid, batches.splits.test)] == [16, 2, 2]
    epoch = list(batches.train_batches(torch.Generator().manual_seed(0)))
    assert [b.num_graphs for b in epoch] == [6, 6, 4]
    assert sorted(y for b in epoch for y in b.y.tolist()) == sorted(int(g.y) for g in batches.splits.train)
    assert sum(b.num_nodes for b in epoch) == sum(g.num_nodes for g in batches.splits.train)


def test_graph_batch_order_follows_the_generator(twenty_mutag: list[Data]) -> None:
    batches = GraphBatches(twenty_mutag, CPU, batch_size=4)

    def order(seed: int) -> list[list[int]]:  # the node count of each graph of each batch
        return [torch.bincount(b.batch).tolist() for b in batches.train_batches(torch.Generator().manual_seed(seed))]

    assert order(0) == order(0)
    assert order(0) != order(1)


def test_graph_split_is_seeded(twenty_mutag: list[Data]) -> None:
    def sizes(split_seed: int) -> list[int]:
        return [g.num_nodes for g in GraphBatches(twenty_mutag, CPU, batch_size=4, split_seed=split_seed).splits.valid]

    assert sizes(0) == sizes(0)
    assert sizes(0) != sizes(3)


def test_graph_accuracy_and_predictions_over_valid_and_test(twenty_mutag: list[Data]) -> None:
    batches = GraphBatches(twenty_mutag, CPU, batch_size=1)  # evaluation batches of 4: valid and test in one each
    for label in (0, 1):
        expected = {name: 100.0 * sum(int(g.y) == label for g in graphs) / len(graphs)
                    for name, graphs in (("valid", batches.splits.valid), ("test", batches.splits.test))}
        assert batches.accuracy(_AlwaysClass(label)) == expected
    predictions = batches.predictions(_AlwaysClass(1))
    assert tuple(predictions["valid"][0].shape) == (2, 2)
    assert predictions["test"][1].tolist() == [int(g.y) for g in batches.splits.test]


# ------------------------------------------------------------------------------------------------ image
def test_image_batches_cover_the_train_split_in_a_seeded_order() -> None:
    batches = ImageBatches(_images(), CPU, batch_size=3)
    epoch = list(batches.train_batches(torch.Generator().manual_seed(0)))
    assert [len(y) for _, y in epoch] == [3, 3, 1]
    assert sorted(i for b in epoch for i in _ids(b)) == list(range(7))
    assert all(y.tolist() == _images().train[1][_ids((X, y))].tolist() for X, y in epoch)  # pairs stay together
    again = [_ids(b) for b in batches.train_batches(torch.Generator().manual_seed(0))]
    other = [_ids(b) for b in batches.train_batches(torch.Generator().manual_seed(1))]
    assert again == [_ids(b) for b in epoch] and other != again


def test_image_accuracy_and_predictions() -> None:
    batches = ImageBatches(_images(), CPU, batch_size=1)  # evaluation steps of 4 images
    assert batches.accuracy(_AlwaysClass(1)) == {"valid": 200.0 / 3, "test": 50.0}
    outputs, targets = batches.predictions(_AlwaysClass(0))["valid"]
    assert tuple(outputs.shape) == (3, 2) and targets.tolist() == [0, 1, 1]


# ------------------------------------------------------------------------------------------------ make_batches
def test_make_batches_picks_the_task_kind(twenty_mutag: list[Data]) -> None:
    assert type(make_batches(_node_data(), Task("node", 2, 2), CPU)) is NodeBatches
    assert type(make_batches(twenty_mutag, Task("graph", 7, 2), CPU)) is GraphBatches
    assert type(make_batches(_images(), Task("image", 1, 2), CPU)) is ImageBatches


@pytest.mark.parametrize(("kind", "message"), [
    ("node", "a node task needs a torch_geometric Data, got list"),
    ("image", "an image task needs TensorSplits, got list"),
])
def test_make_batches_refuses_data_of_another_kind(kind: str, message: str) -> None:
    with pytest.raises(LatentNASError, match=f"^{message}$"):
        make_batches([_node_data()], Task(kind, 2, 2), CPU)
