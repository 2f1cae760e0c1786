"""The data an objective trains or scores candidates on: a dataset by name, or your own graphs from a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latentnas.data_files import load_data
from latentnas.datasets import load_dataset
from latentnas.errors import InvalidArgumentError
from latentnas.networks import Task

#: The dataset read when neither a dataset nor a file is named (as the command line's ``--dataset`` defaults).
DEFAULT_DATASET = "cifar10"


@dataclass(frozen=True)
class TaskData:
    """Data with its task and what a study records of where it came from.

    Attributes:
        data: As :class:`~latentnas.objectives.training.TrainingObjective` takes it.
        task: What the networks are for.
        name: The dataset's name, or the file's stem (``mine.pt`` -> ``mine``).
        identity: ``dataset``, ``data`` and ``data_root`` (the paths resolved), as a study records them.
    """

    data: Any
    task: Task
    name: str
    identity: dict[str, Any]


def load_task_data(*, dataset: str | None = None, data: str | None = None, data_root: str | None = None,
                   seed: int = 0) -> TaskData:
    """The graphs saved at ``data`` (:func:`~latentnas.data_files.load_data`), else the dataset ``dataset`` (default:
    :data:`DEFAULT_DATASET`) from ``data_root`` (default: a cache; :func:`~latentnas.datasets.load_dataset`, whose
    seeded splits take ``seed``).

    Raises:
        InvalidArgumentError: ``data_root`` with ``data`` (the file names its own path).
    """
    if data is not None:
        if data_root is not None:
            raise InvalidArgumentError("--data-root applies only with --dataset (--data names its own path)")
        loaded, task = load_data(data)
        name = Path(data).stem
    else:
        name = dataset if dataset is not None else DEFAULT_DATASET
        loaded, task = load_dataset(name, root=data_root, seed=seed)
    identity = {"dataset": name, "data": str(Path(data).resolve()) if data else None,
                "data_root": str(Path(data_root).resolve()) if data_root else None}
    return TaskData(loaded, task, name, identity)
