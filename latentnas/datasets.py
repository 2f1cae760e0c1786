"""Datasets for training candidates: graphs through PyG's dataset classes, images as tensors, or your own data.

Planetoid citation graphs (node classification) and TUDataset graph collections (graph classification) are read
with PyG; they download when the machine is online. Cora and CiteSeer ship with latentnas, so ``load_dataset("Cora")``
and ``load_dataset("CiteSeer")`` work offline. Images come from scikit-learn's 8x8 digits (bundled with scikit-learn) or, where the user has the files,
from torchvision. :func:`latentnas.data_files.load_data` reads your own graphs saved with ``torch.save`` (or a
processed PyG dataset); :func:`split_data` gives data without a split a seeded one and says so.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.data import Dataset as PygDataset
from torch_geometric.datasets import Planetoid, TUDataset
from torch_geometric.transforms import RandomNodeSplit

from latentnas.errors import LatentNASError, UnknownNameError
from latentnas.networks.splits import DataSplit, GraphSplits, TensorSplits
from latentnas.networks.task import Task

__all__ = ["DATASETS", "DataSplit", "DatasetError", "GraphSplits", "TensorSplits", "default_root", "load_dataset",
           "split_data", "split_graphs", "split_tensors"]

logger = logging.getLogger(__name__)

PLANETOID: tuple[str, ...] = ("Cora", "CiteSeer", "PubMed")
TU: tuple[str, ...] = ("MUTAG", "PROTEINS", "ENZYMES", "NCI1", "DD")
TORCHVISION: tuple[str, ...] = ("MNIST", "FashionMNIST", "CIFAR10")
DATASETS: tuple[str, ...] = (*PLANETOID, *TU, "digits", *TORCHVISION)
#: Planetoid datasets whose raw files ship inside latentnas (copied to the cache before PyG reads them).
SHIPPED: tuple[str, ...] = ("Cora", "CiteSeer")
#: Train/validation/test fractions of the seeded split of data that comes without one.
NODE_FRACTIONS: tuple[float, float, float] = (0.6, 0.2, 0.2)
GRAPH_FRACTIONS: tuple[float, float, float] = (0.8, 0.1, 0.1)


class DatasetError(LatentNASError):
    """A dataset cannot be found, read or split."""


def default_root() -> Path:
    """``$LATENTNAS_DATA`` or ``~/.cache/latentnas/datasets``."""
    return Path(os.environ.get("LATENTNAS_DATA", Path.home() / ".cache" / "latentnas" / "datasets"))


def _split_sizes(n: int, fractions: tuple[float, float, float]) -> tuple[int, int, int]:
    if len(fractions) != 3 or any(f <= 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise DatasetError(f"split fractions must be three positive numbers summing to 1, got {fractions}")
    n_valid, n_test = round(n * fractions[1]), round(n * fractions[2])
    if min(n - n_valid - n_test, n_valid, n_test) < 1:
        raise DatasetError(f"{n} examples are too few for the split {fractions}")
    return n - n_valid - n_test, n_valid, n_test


def split_graphs(graphs: Sequence[Data], *, seed: int = 0,
                 fractions: tuple[float, float, float] = GRAPH_FRACTIONS) -> GraphSplits:
    """A seeded random split of a graph collection (any PyG dataset or list of ``Data``)."""
    n_train, n_valid, _ = _split_sizes(len(graphs), fractions)
    order = torch.randperm(len(graphs), generator=torch.Generator().manual_seed(seed)).tolist()
    pick = [graphs[i] for i in order]
    return GraphSplits(pick[:n_train], pick[n_train:n_train + n_valid], pick[n_train + n_valid:])


def split_tensors(X: Tensor, y: Tensor, *, seed: int = 0,
                  fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)) -> TensorSplits:
    """A seeded random split of ``N`` examples into train, validation and test."""
    n_train, n_valid, _ = _split_sizes(len(y), fractions)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    a, b, c = order[:n_train], order[n_train:n_train + n_valid], order[n_train + n_valid:]
    return TensorSplits((X[a], y[a]), (X[b], y[b]), (X[c], y[c]))


def load_digits(*, seed: int = 0) -> tuple[TensorSplits, Task]:
    """scikit-learn's 8x8 digits (1,797 images, 10 classes), scaled to ``[0, 1]``, split 60/20/20 with ``seed``."""
    # NOTE: imported here: scikit-learn takes about a second to import, and only the digits need it.
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    X = torch.tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(bunch.target, dtype=torch.long)
    return split_tensors(X, y, seed=seed), Task("image", in_channels=1, num_classes=10)


def load_planetoid(name: str, *, root: str | Path | None = None) -> tuple[Data, Task]:
    """A Planetoid graph with its public train/validation/test masks (downloaded by PyG when missing)."""
    folder = Path(root) if root is not None else default_root() / "planetoid"
    if root is None and name in SHIPPED:
        _install_shipped(name, folder)
    try:
        dataset = Planetoid(str(folder), name)
    except Exception as err:
        raise DatasetError(f"cannot read Planetoid '{name}' under {folder}: {type(err).__name__}: {err}") from None
    data = dataset[0]
    return data, Task("node", in_channels=dataset.num_features, num_classes=dataset.num_classes)


def load_tudataset(name: str, *, root: str | Path | None = None) -> tuple[Any, Task]:
    """A TUDataset graph collection (downloaded by PyG when missing); split it with :func:`split_graphs`."""
    folder = Path(root) if root is not None else default_root() / "tudataset"
    try:
        dataset = TUDataset(str(folder), name)
    except Exception as err:
        raise DatasetError(f"cannot read TUDataset '{name}' under {folder}: {type(err).__name__}: {err}") from None
    if dataset.num_features == 0:
        raise DatasetError(f"TUDataset '{name}' has no node features; pass a transform that adds some")
    return dataset, Task("graph", in_channels=dataset.num_features, num_classes=dataset.num_classes)


def load_torchvision(name: str, *, root: str | Path, seed: int = 0, valid_fraction: float = 0.1
                     ) -> tuple[TensorSplits, Task]:
    """An image dataset of torchvision from files under ``root`` (no download), held in memory as float tensors;
    the validation split is a seeded ``valid_fraction`` of the training set."""
    try:  # NOTE: torchvision is optional (the `vision` extra): only these datasets need it.
        import torchvision
    except ImportError:
        raise DatasetError(f"dataset '{name}' needs torchvision: pip install 'latentnas[vision]'") from None
    cls = getattr(torchvision.datasets, name)
    try:
        train, test = cls(str(root), train=True, download=False), cls(str(root), train=False, download=False)
    except RuntimeError as err:
        raise DatasetError(f"cannot read {name} under {root}: {err}") from None

    def tensors(ds: Any) -> tuple[Tensor, Tensor]:
        X = torch.as_tensor(ds.data).float() / 255.0
        X = X.unsqueeze(1) if X.dim() == 3 else X.permute(0, 3, 1, 2)
        return X.contiguous(), torch.as_tensor(ds.targets, dtype=torch.long)

    (X, y), test_xy = tensors(train), tensors(test)
    n_valid = max(1, round(valid_fraction * len(y)))
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    a, b = order[n_valid:], order[:n_valid]
    splits = TensorSplits((X[a], y[a]), (X[b], y[b]), test_xy)
    return splits, Task("image", in_channels=X.shape[1], num_classes=int(y.max()) + 1)


def load_dataset(name: str, *, root: str | Path | None = None, seed: int = 0) -> tuple[Any, Task]:
    """Any dataset of :data:`DATASETS` by name (case-insensitive) with the :class:`Task` it defines.

    Returns:
        A ``Data`` (Planetoid), a PyG dataset (TUDataset) or :class:`TensorSplits` (images), and its task.
    """
    names = {n.lower(): n for n in DATASETS}
    if name.lower() not in names:
        raise UnknownNameError(f"unknown dataset '{name}'; choices: {', '.join(DATASETS)}")
    name = names[name.lower()]
    if name in PLANETOID:
        return load_planetoid(name, root=root)
    if name in TU:
        return load_tudataset(name, root=root)
    if name == "digits":
        return load_digits(seed=seed)
    if root is None:
        raise DatasetError(f"dataset '{name}' needs --data-root, a folder holding torchvision's files for it")
    return load_torchvision(name, root=root, seed=seed)


# --------------------------------------------------------------------------------------------------- your own data
_MASKS = ("train_mask", "val_mask", "test_mask")


def split_data(data: Any, task: Task, *, seed: int = 0) -> tuple[Any, DataSplit]:
    """``data`` ready to train ``task`` on, with a seeded split where it has none, and what that split is.

    * Node task: a ``Data`` (or a PyG dataset of one graph) keeps its ``train_mask``, ``val_mask`` and ``test_mask``;
      without them it gets PyG's ``RandomNodeSplit`` drawn with ``seed`` (:data:`NODE_FRACTIONS` of the nodes).
    * Graph task: :class:`GraphSplits` are kept; a list of graphs or a PyG dataset is split by :func:`split_graphs`
      with ``seed`` (:data:`GRAPH_FRACTIONS`).
    * Image task: :class:`TensorSplits` are kept.

    Returns:
        A ``Data`` with masks, :class:`GraphSplits` or :class:`TensorSplits`, and its :class:`DataSplit`.

    Raises:
        DatasetError: If ``data`` does not fit ``task.kind``, or has some split masks but not all, or masks that are
            not one boolean per node.
    """
    if task.kind == "image":
        if not isinstance(data, TensorSplits):
            raise DatasetError(f"an image task needs TensorSplits, got {type(data).__name__}")
        return data, DataSplit("images", (len(data.train[1]), len(data.valid[1]), len(data.test[1])))
    if task.kind == "graph":
        if isinstance(data, GraphSplits):
            return data, DataSplit("graphs", (len(data.train), len(data.valid), len(data.test)))
        if not isinstance(data, (Sequence, PygDataset)) or isinstance(data, Data):
            raise DatasetError(f"a graph task needs a list of Data, a PyG dataset or GraphSplits, got "
                               f"{type(data).__name__}")
        splits = split_graphs(data, seed=seed, fractions=GRAPH_FRACTIONS)
        return splits, DataSplit("graphs", (len(splits.train), len(splits.valid), len(splits.test)), seed)
    graph = data
    if isinstance(data, (Sequence, PygDataset)) and not isinstance(data, Data) and len(data) == 1:
        graph = data[0]  # a PyG dataset of one graph, as Planetoid's
    if not isinstance(graph, Data):
        raise DatasetError(f"a node task needs one graph (a torch_geometric Data), got {type(data).__name__}")
    n = int(graph.num_nodes or 0)
    present = [m for m in _MASKS if getattr(graph, m, None) is not None]
    if present:
        missing = [m for m in _MASKS if m not in present]
        if missing:
            raise DatasetError(f"the graph has {', '.join(present)} but not {', '.join(missing)}: give all three "
                               f"split masks, or none for a seeded random split")
        for m in _MASKS:
            mask = getattr(graph, m)
            if not isinstance(mask, Tensor) or mask.dtype != torch.bool or tuple(mask.shape) != (n,):
                shape = tuple(mask.shape) if isinstance(mask, Tensor) else type(mask).__name__
                raise DatasetError(f"{m} must be a boolean tensor of shape ({n},), one entry per node, got {shape}; "
                                   f"for several splits pick one column, e.g. {m}[:, 0]")
        sizes = tuple(int(getattr(graph, m).sum()) for m in _MASKS)
        if min(sizes[:2]) < 1:
            raise DatasetError(f"{_MASKS[sizes.index(0)]} selects no node; training and validation need some")
        return graph, DataSplit("nodes", sizes)  # type: ignore[arg-type]
    sizes = _split_sizes(n, NODE_FRACTIONS)
    # NOTE: RandomNodeSplit draws from the global generator; fork_rng seeds it here and leaves it as it was.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        split = RandomNodeSplit("train_rest", num_val=sizes[1], num_test=sizes[2])(graph)
    logger.info("the graph has no split masks: random node split %s with seed %d", sizes, seed)
    return split, DataSplit("nodes", sizes, seed)


def _install_shipped(name: str, folder: Path) -> None:
    raw = folder / name / "raw"
    shipped = resources.files("latentnas").joinpath("data", "planetoid", name, "raw")
    for item in shipped.iterdir():
        target = raw / item.name
        if not target.exists():
            raw.mkdir(parents=True, exist_ok=True)
            with resources.as_file(item) as source:
                shutil.copyfile(source, target)
            logger.debug("copied shipped %s to %s", item.name, target)
