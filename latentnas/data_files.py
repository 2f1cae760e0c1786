"""Your own graph data from files: a ``torch.save``'d ``Data``, list of ``Data`` or split dict, or a processed PyG
dataset, read without running code (``torch.load(weights_only=True)``)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data, HeteroData, InMemoryDataset
from torch_geometric.data.data import DataEdgeAttr, DataTensorAttr
from torch_geometric.data.storage import BaseStorage, EdgeStorage, GlobalStorage, NodeStorage

from latentnas.datasets import DatasetError, GraphSplits
from latentnas.errors import first_line
from latentnas.networks.task import Task


def load_data(path: str | Path) -> tuple[Any, Task]:
    """Your own graph data, saved with torch, and the :class:`Task` it defines (:meth:`Task.from_data`).

    ``path`` is one of:

    * a file written by ``torch.save`` of a ``Data`` (a node task), a list of ``Data`` (a graph task), or a dict
      ``{"train": [...], "valid": [...], "test": [...]}`` of lists of ``Data`` (graphs with your own split);
    * a processed file of a PyG ``InMemoryDataset`` (e.g. ``processed/data.pt``), or the dataset's folder (the one
      holding ``processed/``), read without the dataset's class; ``train.pt``, ``val.pt`` and ``test.pt`` there are
      read as a split.

    NOTE: files are read with ``torch.load(weights_only=True)``: nothing but PyG data objects and tensors is
    unpickled, so a file cannot run code.

    Returns:
        A ``Data`` (node task), a list of ``Data`` or a dataset (graph task), or :class:`GraphSplits`, and its task;
        :func:`split_data` adds a seeded split where there is none.

    Raises:
        DatasetError: If ``path`` is missing or holds anything else.
        TaskError: If the task cannot be inferred (see :meth:`Task.from_data`).
    """
    path = Path(path)
    if path.is_dir():
        data = _read_folder(path)
    elif path.is_file():
        data = _interpret(_read(path), path)
    else:
        raise DatasetError(f"data path {path} does not exist")
    return data, Task.from_data(data)


def _read_folder(folder: Path) -> Any:
    base = folder / "processed" if (folder / "processed").is_dir() else folder
    files = {p.stem: p for p in sorted(base.glob("*.pt")) if not p.name.startswith("pre_")}
    valid = "val" if "val" in files else "valid"
    if {"train", valid, "test"} <= set(files):
        parts = [_interpret(_read(files[name]), files[name]) for name in ("train", valid, "test")]
        if any(isinstance(part, (Data, GraphSplits)) for part in parts):
            raise DatasetError(f"train, {valid} and test under {base} must each hold several graphs")
        return GraphSplits(*parts)
    if len(files) != 1:
        found = ", ".join(sorted(files)) if files else "none"
        raise DatasetError(f"{folder} needs one processed PyG dataset file (*.pt, or train/val/test.pt) in "
                           f"{base}; found: {found}")
    (file,) = files.values()
    return _interpret(_read(file), file)


def _read(path: Path) -> Any:
    allowed = torch.serialization.get_safe_globals()
    # NOTE: only what is not allowed already: leaving the context removes what it added (PyG allows Data itself).
    extra = [g for g in (DataEdgeAttr, DataTensorAttr, BaseStorage, GlobalStorage, NodeStorage, EdgeStorage, Data,
                         HeteroData) if g not in allowed]
    try:
        with torch.serialization.safe_globals(extra):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(err))
        if found is None:
            detail = re.search(r"WeightsUnpickler error:\s*(\S[^\n]*)", str(err))
            reason = detail.group(1) if detail else str(err).splitlines()[0]
            raise DatasetError(f"cannot read {path} with torch.load (is it a file written by torch.save?): "
                               f"{reason}") from None
        raise DatasetError(f"{path} holds objects other than PyG data and tensors ({found.group(1)}); it is read "
                           f"with torch.load(weights_only=True), so save Data objects or lists of them") from None
    except Exception as err:  # zip, EOF and format errors of many kinds: the user needs one line
        raise DatasetError(f"cannot read {path} with torch.load: {first_line(err)}") from None


class _Processed(InMemoryDataset):
    """A processed ``InMemoryDataset`` file, read without the class that wrote it."""

    def __init__(self, data: Data, slices: dict[str, Tensor]) -> None:
        super().__init__()
        self.data, self.slices = data, slices


def _interpret(obj: Any, path: Path) -> Any:
    expected = ("expected a Data, a list of Data, a dict of 'train', 'valid' and 'test' lists of Data, or a "
                "processed PyG InMemoryDataset")
    if isinstance(obj, HeteroData) or (isinstance(obj, tuple) and any(
            isinstance(o, HeteroData) or (isinstance(o, type) and issubclass(o, HeteroData)) for o in obj)):
        raise DatasetError(f"{path} holds heterogeneous graphs (HeteroData), which latentnas does not train on")
    if isinstance(obj, Data):
        return obj
    if isinstance(obj, tuple) and len(obj) >= 2 and isinstance(obj[0], (dict, Data)) and (
            obj[1] is None or isinstance(obj[1], dict)):  # InMemoryDataset.save: (data, slices[, ..., data class])
        data = Data.from_dict(obj[0]) if isinstance(obj[0], dict) else obj[0]
        return data if obj[1] is None else _Processed(data, obj[1])
    if isinstance(obj, dict) and set(obj) == {"train", "valid", "test"}:
        parts = [obj[name] for name in ("train", "valid", "test")]
        if all(isinstance(p, (list, tuple)) and p and all(isinstance(g, Data) for g in p) for p in parts):
            return GraphSplits(*(list(p) for p in parts))
        raise DatasetError(f"{path}: 'train', 'valid' and 'test' must each be a non-empty list of Data")
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(g, Data) for g in obj):
        return list(obj)
    found = f"a dict with keys {sorted(map(str, obj))}" if isinstance(obj, dict) else f"a {type(obj).__name__}"
    raise DatasetError(f"{path} holds {found}; {expected}")
