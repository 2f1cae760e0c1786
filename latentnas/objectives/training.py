"""The training objective: build the candidate, train it for an epoch budget, report validation accuracy.

One loop serves every space and task kind; :mod:`latentnas.objectives.batches` supplies the node, graph or image
variant of a step. The device is chosen here, at construction (CUDA when present); library code follows it.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import optuna
import torch
import torch.nn.functional as F
from torch import nn

from latentnas.benchmarks import Evaluation
from latentnas.errors import EvaluationError, LatentNASError
from latentnas.networks import Task, count_parameters
from latentnas.objectives.batches import Batches, make_batches
from latentnas.spaces import SearchSpace

logger = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "sgd")


def choose_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when present, else CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TrainingObjective:
    """Trains each candidate from scratch and returns its validation accuracy.

    The figure returned is the best validation accuracy over the epochs and the test accuracy at that epoch (as
    NAS-Bench-Graph reports); each epoch's validation accuracy is reported to the trial, which may prune it.

    Args:
        space: The space whose architectures are built (``space.build(arch, task)``).
        data: A PyG ``Data`` with masks (node task), a PyG dataset or :class:`~latentnas.datasets.GraphSplits`
            (graph task), or :class:`~latentnas.datasets.TensorSplits` (image task).
        task: What the networks are for.
        epochs: Training epochs per candidate.
        lr: Learning rate.
        weight_decay: L2 penalty of the optimizer.
        optimizer: ``"adam"`` or ``"sgd"`` (momentum 0.9, Nesterov).
        cosine: Anneal the learning rate to 0 with a cosine schedule.
        batch_size: Examples (images) or graphs per step; node tasks train full-batch.
        seed: Seeds weights, dropout and batch order; no global random state is left changed.
        device: Where to train (default: CUDA when present, else CPU).
        amp: Mixed precision (bfloat16 autocast); default: on for CUDA, off for CPU.
        network_config: The space's network config (sizes, dropout); default: the module's defaults.
        split_seed: Seed of the split of a graph dataset into train, validation and test.
    """

    reports_intermediate = True

    def __init__(
        self,
        space: SearchSpace[Any],
        data: Any,
        task: Task,
        *,
        epochs: int = 100,
        lr: float = 0.01,
        weight_decay: float = 5e-4,
        optimizer: str = "adam",
        cosine: bool = False,
        batch_size: int = 64,
        seed: int = 0,
        device: str | torch.device | None = None,
        amp: bool | None = None,
        network_config: Any = None,
        split_seed: int = 0,
    ) -> None:
        if epochs < 1 or batch_size < 1 or lr <= 0 or weight_decay < 0:
            raise LatentNASError(
                f"epochs, batch_size and lr must be positive and weight_decay >= 0, got epochs={epochs}, "
                f"batch_size={batch_size}, lr={lr}, weight_decay={weight_decay}"
            )
        if optimizer not in OPTIMIZERS:
            raise LatentNASError(f"unknown optimizer '{optimizer}'; choices: {', '.join(OPTIMIZERS)}")
        self.space, self.task = space, task
        self.epochs, self.lr, self.weight_decay, self.optimizer, self.cosine = epochs, lr, weight_decay, optimizer, cosine
        self.seed, self.network_config = seed, network_config
        self.device = choose_device(device)
        self.amp = self.device.type == "cuda" if amp is None else amp
        self.batches: Batches = make_batches(data, task, self.device, batch_size=batch_size, split_seed=split_seed)

    @classmethod
    def for_task(cls, space: SearchSpace[Any], data: Any, task: Task, *, seed: int = 0,
                 **overrides: Any) -> TrainingObjective:
        """A training objective with latentnas's settings for ``task``'s kind, as the benchmarks train:
        NAS-Bench-Graph's Cora setting for node and graph tasks (200 epochs, Adam, lr 0.01, weight decay 5e-4),
        20 epochs of SGD with cosine annealing (lr 0.05, weight decay 5e-4) for images. ``overrides`` that are not
        ``None`` (``epochs=...``, any keyword of the constructor) replace them."""
        settings: dict[str, Any] = ({"epochs": 200, "lr": 0.01, "weight_decay": 5e-4} if task.is_graph else
                                    {"epochs": 20, "lr": 0.05, "weight_decay": 5e-4, "optimizer": "sgd", "cosine": True})
        settings.update({name: value for name, value in overrides.items() if value is not None})
        return cls(space, data, task, seed=seed, **settings)

    def __call__(self, arch: Any, trial: optuna.Trial | None = None) -> Evaluation:
        return self.train(arch, trial=trial)[1]

    def train(self, arch: Any, *, trial: optuna.Trial | None = None) -> tuple[nn.Module, Evaluation]:
        """Builds and trains ``arch``; returns the trained network (last epoch, eval mode) and its evaluation.

        Raises:
            optuna.TrialPruned: When ``trial.should_prune()`` after an epoch.
            EvaluationError: On a non-finite loss, out of memory, or any other failure of building or training.
        """
        name = self.space.to_string(arch)
        devices = [self.device] if self.device.type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=devices, device_type=self.device.type):
                torch.manual_seed(self.seed)
                return self._train(arch, name, trial)
        except (optuna.TrialPruned, EvaluationError):
            raise
        except torch.OutOfMemoryError as err:
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            raise EvaluationError(f"out of memory training {name} on {self.device}: {err}".splitlines()[0]) from err
        except Exception as err:  # one candidate's failure must fail only its trial
            raise EvaluationError(f"training {name} failed: {type(err).__name__}: {err}") from err

    def _train(self, arch: Any, name: str, trial: optuna.Trial | None) -> tuple[nn.Module, Evaluation]:
        start = time.perf_counter()
        model = self.space.build(arch, self.task, config=self.network_config).to(self.device)
        params = list(model.parameters())
        optim: torch.optim.Optimizer
        if self.optimizer == "adam":
            optim = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        else:
            optim = torch.optim.SGD(params, lr=self.lr, momentum=0.9, nesterov=True, weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optim, self.epochs) if self.cosine else None
        generator = torch.Generator().manual_seed(self.seed)
        best_valid, best_test, best_epoch = -math.inf, 0.0, -1
        for epoch in range(self.epochs):
            model.train()
            total = torch.zeros((), device=self.device)
            for batch in self.batches.train_batches(generator):
                optim.zero_grad(set_to_none=True)
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp):
                    logits, y = self.batches.forward(model, batch)
                loss = F.cross_entropy(logits.float(), y)
                loss.backward()
                optim.step()
                total += loss.detach()
            if not torch.isfinite(total):  # checked once per epoch: one device sync, not one per step
                raise EvaluationError(f"training {name}: loss is {float(total)} at epoch {epoch}")
            if schedule is not None:
                schedule.step()
            model.eval()
            with torch.no_grad(), torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp):
                acc = self.batches.accuracy(model)
            if acc["valid"] > best_valid:
                best_valid, best_test, best_epoch = acc["valid"], acc["test"], epoch
            if trial is not None:
                trial.report(acc["valid"], epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned at epoch {epoch} with validation accuracy {acc['valid']:.2f}")
        seconds = time.perf_counter() - start
        logger.debug("trained %s: valid %.2f at epoch %d in %.1fs", name, best_valid, best_epoch, seconds)
        extras = {"params": float(count_parameters(model)), "epochs": float(self.epochs), "best_epoch": float(best_epoch)}
        return model, Evaluation(valid=best_valid, test=best_test, cost_seconds=seconds, extras=extras)

    def __repr__(self) -> str:
        return (f"TrainingObjective({self.space.name!r}, {self.task}, epochs={self.epochs}, lr={self.lr}, "
                f"device={str(self.device)!r}, amp={self.amp})")
