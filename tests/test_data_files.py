"""Reading a user's own data: processed PyG folders and files, lists of graphs, their own splits, and one line for
anything else."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from torch_geometric.data import Data, HeteroData

from latentnas.data_files import load_data
from latentnas.datasets import DatasetError, GraphSplits, load_dataset, split_data, split_graphs
from latentnas.networks import Task

MUTAG = Path(__file__).parent / "data" / "tudataset" / "MUTAG"


@pytest.fixture(scope="module")
def mutag_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MUTAG's folder after PyG processed it (``MUTAG/processed/data.pt``)."""
    root = tmp_path_factory.mktemp("tu")
    shutil.copytree(MUTAG, root / "MUTAG")
    load_dataset("MUTAG", root=root)
    return root / "MUTAG"


def test_a_processed_planetoid_folder_is_a_node_task_with_its_masks(cora_root: Path) -> None:
    folder = cora_root / "planetoid" / "Cora"
    for path in (folder, folder / "processed", folder / "processed" / "data.pt"):
        data, task = load_data(path)
        assert isinstance(data, Data) and task == Task("node", 1433, 7)
    ready, split = split_data(data, task, seed=5)
    assert ready is data and not split.is_random and split.sizes == (140, 500, 1000)
    assert split.describe() == "the data's own split: 140/500/1000 nodes (train/valid/test)"


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
