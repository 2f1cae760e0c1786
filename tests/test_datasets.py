from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from torch_geometric.data import Data, HeteroData

from latentnas.data_files import load_data
from latentnas.datasets import DatasetError, GraphSplits, load_dataset, split_data, split_graphs
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


# --------------------------------------------------------------------------------------------------- your own data
@pytest.fixture(scope="module")
def cora_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache where PyG has processed the shipped Cora (``planetoid/Cora/processed/data.pt``)."""
    root = tmp_path_factory.mktemp("lnd")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATENTNAS_DATA", str(root))
    try:
        load_dataset("Cora")
    finally:
        mp.undo()
    return root


@pytest.fixture(scope="module")
def mutag_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MUTAG's folder after PyG processed it (``MUTAG/processed/data.pt``)."""
    root = tmp_path_factory.mktemp("tu")
    shutil.copytree(MUTAG, root / "MUTAG")
    load_dataset("MUTAG", root=root)
    return root / "MUTAG"


def small_cora(cora_root: Path, *, masks: bool = True) -> Data:
    data, _ = load_data(cora_root / "planetoid" / "Cora")
    small = data.subgraph(torch.arange(200))
    if not masks:
        del small.train_mask, small.val_mask, small.test_mask
    return small


def test_a_processed_planetoid_folder_is_a_node_task_with_its_masks(cora_root: Path) -> None:
    folder = cora_root / "planetoid" / "Cora"
    for path in (folder, folder / "processed", folder / "processed" / "data.pt"):
        data, task = load_data(path)
        assert isinstance(data, Data) and task == Task("node", 1433, 7)
    ready, split = split_data(data, task, seed=5)
    assert ready is data and not split.is_random and split.sizes == (140, 500, 1000)
    assert split.describe() == "the data's own split: 140/500/1000 nodes (train/valid/test)"


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


def test_mutag_folder_list_and_own_split(mutag_root: Path, tmp_path: Path) -> None:
    dataset, task = load_data(mutag_root)
    assert len(dataset) == 188 and task == Task("graph", 7, 2)
    assert torch.equal(dataset[7].x, load_data(mutag_root / "processed" / "data.pt")[0][7].x)
    splits, split = split_data(dataset, task, seed=0)
    assert split.to_dict() == {"unit": "graphs", "random": True, "seed": 0, "train": 150, "valid": 19, "test": 19}
    assert all(torch.equal(a.x, b.x) for a, b in zip(splits.test, split_graphs(dataset, seed=0).test))
    graphs = [dataset[i] for i in range(20)]
    torch.save(graphs, tmp_path / "list.pt")
    loaded, task = load_data(tmp_path / "list.pt")
    assert task == Task("graph", 7, 2) and [torch.equal(a.x, b.x) for a, b in zip(loaded, graphs)] == [True] * 20
    torch.save({"train": graphs[:12], "valid": graphs[12:16], "test": graphs[16:]}, tmp_path / "split.pt")
    own, task = load_data(tmp_path / "split.pt")
    assert isinstance(own, GraphSplits) and task == Task("graph", 7, 2)
    kept, split = split_data(own, task, seed=3)
    assert kept is own and split.to_dict() == {"unit": "graphs", "random": False, "seed": None, "train": 12,
                                               "valid": 4, "test": 4}


def test_train_val_test_files_in_a_folder_are_a_split(mutag_root: Path, tmp_path: Path) -> None:
    dataset, _ = load_data(mutag_root)
    folder = tmp_path / "mine" / "processed"
    folder.mkdir(parents=True)
    for name, part in (("train", range(0, 10)), ("val", range(10, 14)), ("test", range(14, 18))):
        torch.save([dataset[i] for i in part], folder / f"{name}.pt")
    splits, task = load_data(tmp_path / "mine")
    assert isinstance(splits, GraphSplits) and [len(s) for s in (splits.train, splits.valid, splits.test)] == [10, 4, 4]
    assert task == Task("graph", 7, 2)


class NotData:
    pass


@pytest.mark.parametrize(("content", "message"), [
    (b"not a torch file",
     r"cannot read .*bad.pt with torch.load \(is it a file written by torch.save\?\): Unsupported operand"),
    (torch.zeros(3), r"holds a Tensor; expected a Data, a list of Data, a dict of 'train', 'valid' and 'test'"),
    ({"graphs": []}, r"holds a dict with keys \['graphs'\]"),
    ({"train": [], "valid": [], "test": []}, "'train', 'valid' and 'test' must each be a non-empty list of Data"),
    (NotData(), r"holds objects other than PyG data and tensors \(.*NotData\); it is read with "
                r"torch.load\(weights_only=True\)"),
    (HeteroData(), "holds heterogeneous graphs"),
])
def test_files_that_are_not_pyg_data_get_one_line(tmp_path: Path, content: Any, message: str) -> None:
    path = tmp_path / "bad.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(DatasetError, match=message) as info:
        load_data(path)
    assert "\n" not in str(info.value)


def test_missing_paths_and_ambiguous_folders(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"data path .*nowhere does not exist"):
        load_data(tmp_path / "nowhere")
    with pytest.raises(DatasetError, match=r"needs one processed PyG dataset file .*; found: none"):
        load_data(tmp_path)
    for name in ("a", "b"):
        torch.save(Data(), tmp_path / f"{name}.pt")
    with pytest.raises(DatasetError, match="found: a, b"):
        load_data(tmp_path)
