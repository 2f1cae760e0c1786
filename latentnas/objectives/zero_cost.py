"""Zero-cost proxies: score an untrained candidate on one batch, as an objective or as a pre-filter.

The proxies are those compared by Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS" (ICLR 2021):
``synflow`` (Tanaka et al. 2020), ``jacob_cov`` (Mellor et al. 2021, NASWOT's first version), ``snip`` (Lee et al.
2019) and ``grad_norm``. Sums run over the weight tensors (parameters with at least two dimensions).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from latentnas.errors import EvaluationError, InvalidArgumentError, UnknownNameError
from latentnas.networks import Task, count_parameters
from latentnas.objectives.batches import Batches, make_batches
from latentnas.objectives.data import load_task_data
from latentnas.objectives.registry import BuiltObjective, ObjectiveContext, check_metrics
from latentnas.objectives.training import choose_device
from latentnas.records import Evaluation
from latentnas.spaces import SearchSpace, get_space

PROXIES: tuple[str, ...] = ("synflow", "jacob_cov", "snip", "grad_norm")
#: Rows of the input Jacobian that ``jacob_cov`` correlates (a seeded subsample of larger batches).
JACOB_ROWS = 256


def _weight_grads(model: nn.Module) -> list[tuple[Tensor, Tensor]]:
    return [(p.detach(), p.grad) for p in model.parameters() if p.dim() >= 2 and p.grad is not None]


def _saliency(model: nn.Module) -> float:
    return float(sum(float((p * g).abs().sum()) for p, g in _weight_grads(model)))


def synflow(model: nn.Module, batches: Batches, batch: Any) -> float:
    """Sum of ``|theta * dR/dtheta|`` where ``R`` is the output sum of the network with ``|theta|`` on an all-ones
    input, in float64 and eval mode (no data, no batch statistics). Modifies ``model``'s weights."""
    model.double().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.abs_()
    x = torch.ones_like(batches.inputs(batch), dtype=torch.float64)
    batches.with_inputs(model, batch, x).sum().backward()
    return _saliency(model)


def snip(model: nn.Module, batches: Batches, batch: Any) -> float:
    """Sum of ``|theta * dL/dtheta|`` for the cross-entropy ``L`` of one batch."""
    logits, y = batches.forward(model.train(), batch)
    F.cross_entropy(logits, y).backward()
    return _saliency(model)


def grad_norm(model: nn.Module, batches: Batches, batch: Any) -> float:
    """Sum over weight tensors of the L2 norm of ``dL/dtheta``."""
    logits, y = batches.forward(model.train(), batch)
    F.cross_entropy(logits, y).backward()
    return float(sum(float(g.norm()) for _, g in _weight_grads(model)))


def jacob_cov(model: nn.Module, batches: Batches, batch: Any, *, generator: torch.Generator) -> float:
    """``-sum(log(v + k) + 1 / (v + k))``, ``k = 1e-5``, over the eigenvalues ``v`` of the correlation matrix of the
    per-example input gradients of the output sum (at most :data:`JACOB_ROWS` examples)."""
    x = batches.inputs(batch).detach().clone().requires_grad_(True)
    batches.with_inputs(model.train(), batch, x).sum().backward()
    if x.grad is None:  # the output does not depend on the input
        return -math.inf
    jac = x.grad.reshape(len(x), -1).double()
    if len(jac) > JACOB_ROWS:
        jac = jac[torch.randperm(len(jac), generator=generator)[:JACOB_ROWS].to(jac.device)]
    corr = torch.nan_to_num(torch.corrcoef(jac))
    v = torch.linalg.eigvalsh(corr).clamp_min(0.0)
    k = 1e-5
    return float(-(torch.log(v + k) + 1.0 / (v + k)).sum())


def zero_cost_score(model: nn.Module, batches: Batches, batch: Any, proxy: str, *, generator: torch.Generator) -> float:
    """``proxy`` of an untrained ``model`` on one ``batch``; modifies the model's gradients (``synflow``: weights)."""
    if proxy == "synflow":
        return synflow(model, batches, batch)
    if proxy == "snip":
        return snip(model, batches, batch)
    if proxy == "grad_norm":
        return grad_norm(model, batches, batch)
    if proxy == "jacob_cov":
        return jacob_cov(model, batches, batch, generator=generator)
    raise UnknownNameError(f"unknown proxy '{proxy}'; choices: {', '.join(PROXIES)}")


class ZeroCostObjective:
    """Scores candidates by a zero-cost proxy at initialization (``valid`` holds the score, not an accuracy).

    Args:
        space: The space whose architectures are built.
        data: As for :class:`~latentnas.objectives.training.TrainingObjective`.
        task: What the networks are for.
        proxy: One of :data:`PROXIES`.
        seed: Seeds the weights and the batch; no global random state is left changed.
        device: Default: CUDA when present, else CPU.
        batch_size: Examples or graphs in the scored batch (node tasks use the whole graph).
        network_config: The space's network config.
    """

    def __init__(self, space: SearchSpace[Any], data: Any, task: Task, *, proxy: str = "synflow", seed: int = 0,
                 device: str | torch.device | None = None, batch_size: int = 64, network_config: Any = None) -> None:
        if proxy not in PROXIES:
            raise UnknownNameError(f"unknown proxy '{proxy}'; choices: {', '.join(PROXIES)}")
        self.space, self.task, self.proxy, self.seed, self.network_config = space, task, proxy, seed, network_config
        self.device = choose_device(device)
        self.batches = make_batches(data, task, self.device, batch_size=batch_size)
        self.batch = self.batches.first_batch(torch.Generator().manual_seed(seed))

    def score(self, arch: Any, proxy: str | None = None) -> float:
        """The proxy's score of ``arch`` (higher is better); ``proxy`` overrides the objective's."""
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices, device_type=self.device.type):
            torch.manual_seed(self.seed)
            model = self.space.build(arch, self.task, config=self.network_config).to(self.device)
            return zero_cost_score(model, self.batches, self.batch, proxy or self.proxy,
                                   generator=torch.Generator().manual_seed(self.seed))

    def top(self, archs: Iterable[Any], k: int) -> list[Any]:
        """The ``k`` best-scoring architectures of ``archs`` (a pre-filter before training), best first."""
        scored = [(self.score(a), i, a) for i, a in enumerate(archs)]
        scored.sort(key=lambda s: (-s[0] if math.isfinite(s[0]) else math.inf, s[1]))
        return [a for _, _, a in scored[:k]]

    def __call__(self, arch: Any) -> Evaluation:
        start = time.perf_counter()
        try:
            value = self.score(arch)
        except Exception as err:  # one candidate's failure must fail only its trial
            raise EvaluationError(f"{self.proxy} of {self.space.to_string(arch)} failed: {err}") from err
        if not math.isfinite(value):
            raise EvaluationError(f"{self.proxy} of {self.space.to_string(arch)} is {value}")
        params = count_parameters(self.space.build(arch, self.task, config=self.network_config))
        return Evaluation(valid=value, cost_seconds=time.perf_counter() - start,
                          extras={"params": params / 1e6, self.proxy: value})  # millions, as the tables


def build(context: ObjectiveContext, *, dataset: str | None = None, data: str | None = None,
          data_root: str | None = None, proxy: str = "synflow", device: str | None = None) -> BuiltObjective:
    """The objective ``zero-cost`` of :data:`~latentnas.objectives.registry.OBJECTIVES`: every candidate scored at
    initialization by a :class:`ZeroCostObjective` (seeded by the search's seed); it records the score as ``valid``
    and the parameter count as ``params``.

    Args:
        context: The search's space (required) and seed.
        dataset: A dataset :func:`~latentnas.datasets.load_dataset` knows (Cora and CiteSeer ship offline).
        data: Your own graphs instead, a path :func:`~latentnas.data_files.load_data` reads.
        data_root: The dataset's folder (default: a cache).
        proxy: One of :data:`PROXIES`.
        device: Where candidates are scored (:func:`~latentnas.objectives.training.choose_device`).
    """
    if context.space is None:
        raise InvalidArgumentError(
            "--objective zero-cost needs --space (nasbench-graph for graph data; an image space for images)")
    space = get_space(context.space)
    if proxy not in PROXIES:
        raise UnknownNameError(f"unknown proxy '{proxy}'; choices: {', '.join(PROXIES)}")
    check_metrics(context.metrics, ["valid", "params"], owner="objective 'zero-cost'")
    chosen = choose_device(device)
    loaded = load_task_data(dataset=dataset, data=data, data_root=data_root, seed=context.seed)
    objective = ZeroCostObjective(space, loaded.data, loaded.task, proxy=proxy, seed=context.seed, device=chosen)
    return BuiltObjective(objective=objective, label=f"zero-cost-{proxy}-{space.name}-{loaded.name}",
                          identity={**loaded.identity, "proxy": proxy}, dataset=loaded.name)
