from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

from latentnas.data_files import load_data
from latentnas.datasets import DatasetError, load_dataset, split_data, split_graphs
from latentnas.errors import UnknownNameError
from latentnas.networks import Task

MUTAG = Path(__file__).parent / "data" / "tudataset" / "MUTAG"


@pytest.mark.parametrize(("name", "folder", "task", "sizes", "masks"), [
    ("cora", "Cora", Task("node", in_channels=1433, num_classes=7), (2708, 10556), [140, 500, 1000]),
    ("CiteSeer", "CiteSeer", Task("node", in_channels=3703, num_classes=6), (3327, 9104), [120, 500, 1000]),
])
def test_shipped_planetoid_graphs_read_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                               folder: str, task: Task, sizes: tuple[int, int],
                                               masks: list[int]) -> None:
    monkeypatch.setenv("LATENTNAS_DATA", str(tmp_path))
    data, read_task = load_dataset(name)
    assert read_task == task
    assert (data.num_nodes, data.edge_index.shape[1]) == sizes
    assert [int(m.sum()) for m in (data.train_mask, data.val_mask, data.test_mask)] == masks
    assert (tmp_path / "planetoid" / folder / "raw" / f"ind.{folder.lower()}.x").exists()


def test_mutag_and_its_seeded_split(tmp_path: Path) -> None:
    shutil.copytree(MUTAG, tmp_path / "MUTAG")
    dataset, task = load_dataset("MUTAG", root=tmp_path)
    assert len(dataset) == 188 and task == Task("graph", in_channels=7, num_classes=2)
    a, b = split_graphs(dataset, seed=0), split_graphs(dataset, seed=0)
    assert [len(s) for s in (a.train, a.valid, a.test)] == [150, 19, 19]
    assert all(torch.equal(x.x, y.x) for x, y in zip(a.test, b.test))
    assert not all(torch.equal(x.x, y.x) for x, y in zip(a.test, split_graphs(dataset, seed=1).test))


def test_digits_split() -> None:
    splits, task = load_dataset("digits", seed=0)
    assert task == Task("image", in_channels=1, num_classes=10)
    assert [len(s[1]) for s in (splits.train, splits.valid, splits.test)] == [1079, 359, 359]
    assert splits.train[0].shape[1:] == (1, 8, 8) and float(splits.train[0].max()) == 1.0
    again, _ = load_dataset("digits", seed=0)
    assert torch.equal(again.valid[1], splits.valid[1])


def test_errors_name_the_choices_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="choices: Cora"):
        load_dataset("cifar11")
    with pytest.raises(DatasetError, match="--data-root"):
        load_dataset("CIFAR10")
    with pytest.raises(DatasetError):  # torchvision missing, or no files under the root
        load_dataset("CIFAR10", root=tmp_path)


# ----------------------------------------------------------------------------------------------- splitting your own data


def small_cora(cora_root: Path, *, masks: bool = True) -> Data:
    data, _ = load_data(cora_root / "planetoid" / "Cora")
    small = data.subgraph(torch.arange(200))
    if not masks:
        del small.train_mask, small.val_mask, small.test_mask
    return small


def test_a_saved_data_without_masks_gets_a_seeded_random_split(cora_root: Path, tmp_path: Path) -> None:
    torch.save(small_cora(cora_root, masks=False), tmp_path / "mine.pt")
    data, task = load_data(tmp_path / "mine.pt")
    assert task == Task("node", 1433, 7) and "train_mask" not in data
    ready, split = split_data(data, task, seed=0)
    assert "train_mask" not in data  # the caller's data is left as it was
    assert split.to_dict() == {"unit": "nodes", "random": True, "seed": 0, "train": 120, "valid": 40, "test": 40}
    assert split.describe() == "random split of the nodes (the data has none), seed 0: 120/40/40 (train/valid/test)"
    masks = torch.stack([ready.train_mask, ready.val_mask, ready.test_mask])
    assert masks.sum(0).eq(1).all()  # every node in exactly one split
    assert torch.equal(split_data(data, task, seed=0)[0].val_mask, ready.val_mask)
    assert not torch.equal(split_data(data, task, seed=1)[0].val_mask, ready.val_mask)


def test_masks_must_come_all_three_and_one_per_node(cora_root: Path) -> None:
    data = small_cora(cora_root)
    task = Task("node", 1433, 7)
    partial = data.clone()
    del partial.test_mask
    with pytest.raises(DatasetError, match="has train_mask, val_mask but not test_mask: give all three"):
        split_data(partial, task)
    several = data.clone()
    several.val_mask = torch.stack([data.val_mask, data.val_mask], 1)
    with pytest.raises(DatasetError, match=r"val_mask must be a boolean tensor of shape \(200,\).* got \(200, 2\)"):
        split_data(several, task)
    empty = data.clone()
    empty.val_mask = torch.zeros(200, dtype=torch.bool)
    with pytest.raises(DatasetError, match="val_mask selects no node; training and validation need some"):
        split_data(empty, task)
