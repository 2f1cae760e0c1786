"""The training objective: build the candidate, train it for an epoch budget, report its validation score.

Classification reports accuracy in percent (maximized); regression reports the mean absolute or squared error
(minimized; :attr:`TrainingObjective.direction` says which way, and a study is created with it).

One loop serves every space and task kind; :mod:`latentnas.objectives.batches` supplies the node, graph or image
variant of a step. The device is chosen here, at construction (CUDA when present); library code follows it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from typing import Any

import optuna
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from latentnas.datasets import DataSplit, split_data
from latentnas.errors import EvaluationError, InvalidArgumentError, LatentNASError
from latentnas.networks import Task, count_parameters
from latentnas.objectives.batches import Batches, make_batches
from latentnas.objectives.data import load_task_data
from latentnas.objectives.registry import BuiltObjective, ObjectiveContext
from latentnas.records import Evaluation
from latentnas.spaces import SearchSpace, get_space

logger = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "sgd")
#: Timed forward passes behind a trained network's ``latency`` (their median, after one untimed warm-up pass).
LATENCY_REPEATS = 5
#: The validation score per task target, the default first; regression trains on the error it reports (L1 or MSE).
METRICS: dict[str, tuple[str, ...]] = {"classification": ("accuracy",), "regression": ("mae", "mse")}


#: The devices a network trains on: the CPU, a CUDA GPU (``cuda`` is the current one) or Apple's MPS.
DEVICE_CHOICES = "cpu, cuda, cuda:N, mps"


def choose_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when present, else CPU.

    Raises:
        InvalidArgumentError: For a device name torch does not know or latentnas does not train on, or one that is
            not there (no CUDA or MPS device, or a CUDA index beyond the last).
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        chosen = None
    if chosen is None or chosen.type not in ("cpu", "cuda", "mps"):
        raise InvalidArgumentError(f"unknown device {str(device)!r}; choices: {DEVICE_CHOICES}")
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise InvalidArgumentError(f"device '{chosen}': torch {torch.__version__} sees no CUDA device here; "
                                       f"use cpu")
        if chosen.index is not None and chosen.index >= count:
            raise InvalidArgumentError(f"device '{chosen}': there are {count} CUDA devices, cuda:0 to cuda:{count - 1}")
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise InvalidArgumentError(f"device '{chosen}': MPS is not available here; use cpu")
    return chosen


class TrainingObjective:
    """Trains each candidate from scratch and returns its validation score.

    The figure returned is the best validation score over the epochs and the test score at that epoch (as
    NAS-Bench-Graph reports); each epoch's validation score is reported to the trial, which may prune it. The score
    is accuracy in percent for classification (``direction == "maximize"``), the mean absolute error (``"mae"``,
    trained with L1 loss) or mean squared error (``"mse"``, trained with MSE loss) for regression
    (``direction == "minimize"``).

    Args:
        space: The space whose architectures are built (``space.build(arch, task)``).
        data: A PyG ``Data`` (node task; without ``train_mask``/``val_mask``/``test_mask`` it gets a seeded random
            split), a list of ``Data``, a PyG dataset or :class:`~latentnas.datasets.GraphSplits` (graph task), or
            :class:`~latentnas.datasets.TensorSplits` (image task). :attr:`split` says how it was split.
        task: What the networks are for; default: inferred by :meth:`Task.from_data`.
        metric: ``"accuracy"`` (classification), ``"mae"`` or ``"mse"`` (regression); default: the first of
            :data:`METRICS` for the task.
        epochs: Training epochs per candidate.
        lr: Learning rate.
        weight_decay: L2 penalty of the optimizer.
        optimizer: ``"adam"`` or ``"sgd"`` (momentum 0.9, Nesterov).
        cosine: Anneal the learning rate to 0 with a cosine schedule.
        batch_size: Examples (images) or graphs per step; node tasks train full-batch.
        seed: Seeds weights, dropout and batch order; no global random state is left changed.
        device: Where to train: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"`` (default: CUDA when present, else
            CPU); a device that is not there is refused (:func:`choose_device`).
        amp: Mixed precision (bfloat16 autocast); default: on for CUDA, off elsewhere. In two runs on an H200 it
            halved the peak memory of NB101, NB201 and DARTS training, sped NB101 up 1.2x, left DARTS as it was, and
            left NB201 level once and 21 % slower once. A NAS-Bench-Graph GNN on Cora ran 6 % and 11 % slower with it
            (``scripts/gpu_check.py``, ``docs/results/gpu-check``). NOTE: on a GPU, the same seed did not give the
            same accuracies twice (4 of 4 GNNs on CiteSeer differed, by up to 1.2 points); on the CPU it does.
        network_config: The space's network config (sizes, dropout); default: the module's defaults.
        split_seed: Seed of the random split of data that has none (nodes without masks, a list of graphs).
    """

    reports_intermediate = True

    def __init__(
        self,
        space: SearchSpace[Any],
        data: Any,
        task: Task | None = None,
        *,
        metric: str | None = None,
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
        task = Task.from_data(data) if task is None else task
        metrics = METRICS[task.target]
        if metric is not None and metric not in metrics:
            raise LatentNASError(f"unknown metric '{metric}' for {task.target}; choices: {', '.join(metrics)}")
        self.space, self.task, self.metric = space, task, metric or metrics[0]
        #: ``"maximize"`` (accuracy) or ``"minimize"`` (regression error): the direction of the study.
        self.direction = "minimize" if task.is_regression else "maximize"
        self.epochs, self.lr, self.weight_decay, self.optimizer, self.cosine = epochs, lr, weight_decay, optimizer, cosine
        self.seed, self.network_config = seed, network_config
        self.device = choose_device(device)
        self.amp = self.device.type == "cuda" if amp is None else amp
        data, split = split_data(data, task, seed=split_seed)
        #: How the data divides into train, validation and test (a seeded random split where it had none).
        self.split: DataSplit = split
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
        sign = -1.0 if self.direction == "minimize" else 1.0  # compares scores as if maximized
        best_valid, best_test, best_epoch = -math.inf, 0.0, -1
        for epoch in range(self.epochs):
            model.train()
            total = torch.zeros((), device=self.device)
            for batch in self.batches.train_batches(generator):
                optim.zero_grad(set_to_none=True)
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp):
                    logits, y = self.batches.forward(model, batch)
                loss = self._loss(logits.float(), y)
                loss.backward()
                optim.step()
                total += loss.detach()
            if not torch.isfinite(total):  # checked once per epoch: one device sync, not one per step
                raise EvaluationError(f"training {name}: loss is {float(total)} at epoch {epoch}")
            if schedule is not None:
                schedule.step()
            model.eval()
            with torch.no_grad(), torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp):
                score = self._score(model)
            if sign * score["valid"] > best_valid:
                best_valid, best_test, best_epoch = sign * score["valid"], score["test"], epoch
            if trial is not None:
                trial.report(score["valid"], epoch)
                if trial.should_prune():
                    # What the pruned trial paid counts toward a budget of seconds (see latentnas.search).
                    trial.set_user_attr("cost_seconds", time.perf_counter() - start)
                    raise optuna.TrialPruned(f"pruned at epoch {epoch} with validation {self.metric} "
                                             f"{score['valid']:.4g}")
        best_valid *= sign
        seconds = time.perf_counter() - start
        logger.debug("trained %s: valid %s %.4g at epoch %d in %.1fs", name, self.metric, best_valid, best_epoch,
                     seconds)
        extras = {"params": count_parameters(model) / 1e6, "latency": self.latency(model, generator),
                  "epochs": float(self.epochs), "best_epoch": float(best_epoch)}
        return model, Evaluation(valid=best_valid, test=best_test, cost_seconds=seconds, extras=extras)

    def latency(self, model: nn.Module, generator: torch.Generator) -> float:
        """Seconds of one inference on the evaluation device: one forward pass, in eval mode without gradients, of
        one training batch (the whole graph for node classification), the median of :data:`LATENCY_REPEATS` after a
        warm-up pass (synchronized on CUDA). NOTE: on a shared CPU it varies from run to run; NAS-Bench-Graph's
        ``latency`` column is the same kind of figure, measured by its authors on their machine."""
        batch = self.batches.first_batch(generator)
        model.eval()
        times = []
        with torch.no_grad():
            for i in range(LATENCY_REPEATS + 1):
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
                start = time.perf_counter()
                self.batches.forward(model, batch)
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
                if i:
                    times.append(time.perf_counter() - start)
        return sorted(times)[len(times) // 2]

    def _loss(self, out: Tensor, y: Tensor) -> Tensor:
        """Cross-entropy on class logits; L1 (``mae``) or MSE (``mse``) on regression outputs ``N x num_targets``."""
        if not self.task.is_regression:
            return F.cross_entropy(out, y)
        y = y.reshape(out.shape).to(out.dtype)  # targets of shape [N] for one output column
        return F.l1_loss(out, y) if self.metric == "mae" else F.mse_loss(out, y)

    def _score(self, model: nn.Module) -> dict[str, float]:
        """The validation and test score: accuracy in percent, or the mean absolute or squared error."""
        if not self.task.is_regression:
            return self.batches.accuracy(model)
        scores: dict[str, float] = {}
        for name, (out, y) in self.batches.predictions(model).items():
            out = out.float()
            error = out - y.reshape(out.shape).float()
            scores[name] = float(error.abs().mean() if self.metric == "mae" else error.square().mean())
        return scores

    def __repr__(self) -> str:
        return (f"TrainingObjective({self.space.name!r}, {self.task}, metric={self.metric!r}, epochs={self.epochs}, "
                f"lr={self.lr}, device={str(self.device)!r}, amp={self.amp})")


def build(context: ObjectiveContext, *, dataset: str | None = None, data: str | None = None,
          data_root: str | None = None, epochs: int | None = None, device: str | None = None, amp: bool | None = None,
          network: Mapping[str, Any] | None = None) -> BuiltObjective:
    """The objective ``train`` of :data:`~latentnas.objectives.registry.OBJECTIVES`: every candidate trained for real
    (:meth:`TrainingObjective.for_task`, seeded by the search's seed).

    Args:
        context: The search's space (required) and seed.
        dataset: A dataset :func:`~latentnas.datasets.load_dataset` knows (Cora and CiteSeer ship offline).
        data: Your own graphs instead, a path :func:`~latentnas.data_files.load_data` reads.
        data_root: The dataset's folder (default: a cache).
        epochs: Training epochs per candidate (default: the task's, see :meth:`TrainingObjective.for_task`).
        device: Where candidates train (:func:`choose_device`).
        amp: bfloat16 autocast (default: on for CUDA).
        network: The space's network config as keyword arguments, e.g. ``{"hidden": 64}`` (default: its defaults).
    """
    if context.space is None:
        raise InvalidArgumentError(
            "--objective train needs --space (nasbench-graph for graph data; an image space for images)")
    space = get_space(context.space)
    chosen = choose_device(device)  # a device that is not there is refused before any data is read
    loaded = load_task_data(dataset=dataset, data=data, data_root=data_root, seed=context.seed)
    objective = TrainingObjective.for_task(space, loaded.data, loaded.task, seed=context.seed, epochs=epochs,
                                           device=chosen, amp=amp, network_config=network_config(space, network))
    space.network_spec(space.sample(0), objective.task)  # a space that cannot serve the task is refused now
    identity = {**loaded.identity, "benchmark": None, "fidelity": None, "epochs": objective.epochs}
    if network is not None:
        identity["network"] = dict(network)
    return BuiltObjective(objective=objective, label=f"train-{space.name}-{loaded.name}", identity=identity,
                          dataset=loaded.name)


def network_config(space: SearchSpace[Any], network: Mapping[str, Any] | None) -> Any:
    """The space's network config made of ``network`` (keyword arguments); ``None`` for its defaults."""
    if network is None:
        return None
    config_cls = space.network_config_cls
    if config_cls is None:
        raise InvalidArgumentError(f"space '{space.name}' builds no network, so it takes no network config")
    try:
        return config_cls(**network)
    except (TypeError, ValueError) as err:
        raise InvalidArgumentError(f"network config {dict(network)} for space '{space.name}': {err}") from None
