from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from latentnas.datasets import DatasetError, load_dataset, split_graphs
from latentnas.errors import UnknownNameError
from latentnas.networks import Task

MUTAG = Path(__file__).parent / "data" / "tudataset" / "MUTAG"


def test_cora_ships_and_reads_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENTNAS_DATA", str(tmp_path))
    data, task = load_dataset("cora")
    assert task == Task("node", in_channels=1433, num_classes=7)
    assert (data.num_nodes, data.edge_index.shape[1]) == (2708, 10556)
    assert [int(m.sum()) for m in (data.train_mask, data.val_mask, data.test_mask)] == [140, 500, 1000]
    assert (tmp_path / "planetoid" / "Cora" / "raw" / "ind.cora.x").exists()


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
