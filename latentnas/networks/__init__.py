"""Networks built from architectures: plain ``nn.Module``s that need nothing from latentnas to run.

Each space's :meth:`~latentnas.spaces.SearchSpace.build` goes through :func:`network_spec`: the network module, its
class and its constructor arguments (plain values), which is also what ``latentnas export`` writes out.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from typing import Any

from torch import nn

from latentnas.networks.task import KINDS, Task, TaskError, require_kind

#: Per space: the network module, its class, its config class and the task kinds it serves.
NETWORKS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "nasbench-graph": ("latentnas.networks.nasbench_graph", "NasBenchGraphNet", "GNNConfig", ("node", "graph")),
    "nasbench201": ("latentnas.networks.nasbench201", "NasBench201Net", "NB201Config", ("image",)),
    "nasbench101": ("latentnas.networks.nasbench101", "NasBench101Net", "NB101Config", ("image",)),
    "darts": ("latentnas.networks.darts", "DartsNet", "DartsConfig", ("image",)),
}


@dataclass(frozen=True)
class NetworkSpec:
    """How to construct one network: ``module.cls(**kwargs, config=module.config_cls(**config))``.

    Args:
        module: Import path of a self-contained network module (it imports only torch and torch_geometric).
        cls: The network class in it.
        config_cls: The config dataclass in it.
        kwargs: Constructor arguments, plain values (tuples, ints, strings, bools).
        config: The config's fields.
    """

    module: str
    cls: str
    config_cls: str
    kwargs: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)

    def instantiate(self) -> nn.Module:
        """The network, freshly initialized (from the global torch generator, as any ``nn.Module``)."""
        mod = importlib.import_module(self.module)
        network: nn.Module = getattr(mod, self.cls)(**self.kwargs, config=getattr(mod, self.config_cls)(**self.config))
        return network


def network_spec(space: Any, arch: Any, task: Task, *, config: Any = None) -> NetworkSpec:
    """The :class:`NetworkSpec` of ``arch`` (an architecture of ``space``) for ``task``.

    Args:
        space: A search space with a network module in :data:`NETWORKS`.
        arch: An architecture of ``space`` (validated; NAS-Bench-101 cells are pruned first).
        task: What the network is for; the space must serve its kind.
        config: The network module's config dataclass (default: its defaults).
    """
    if space.name not in NETWORKS:
        raise TaskError(f"space '{space.name}' has no network builder; choices: {', '.join(NETWORKS)}")
    module, cls, config_cls, kinds = NETWORKS[space.name]
    require_kind(task, kinds, space=space.name)
    space.validate(arch)
    sizes: dict[str, Any] = {"in_channels": task.in_channels, "num_classes": task.num_classes}
    if space.name == "nasbench-graph":
        kwargs = {"link": tuple(arch.link), "ops": tuple(arch.ops), "graph_level": task.kind == "graph"}
    elif space.name == "nasbench201":
        kwargs = {"ops": tuple(arch.ops)}
    elif space.name == "nasbench101":
        # NOTE: not canonicalized: NB101 splits channels by vertex order, so relabelling changes the network.
        kwargs = {"matrix": tuple(tuple(row) for row in arch.matrix), "ops": tuple(arch.ops)}
    else:
        kwargs = {"normal": tuple(arch.normal), "reduce": tuple(arch.reduce)}
    if config is None:
        config = getattr(importlib.import_module(module), config_cls)()
    elif type(config).__name__ != config_cls:
        raise TaskError(f"space '{space.name}' takes a {config_cls}, got {type(config).__name__}")
    return NetworkSpec(module, cls, config_cls, {**kwargs, **sizes}, asdict(config))


def build_network(space: Any, arch: Any, task: Task, *, config: Any = None) -> nn.Module:
    """``arch`` of ``space`` built as an ``nn.Module`` for ``task`` (see :func:`network_spec`)."""
    return network_spec(space, arch, task, config=config).instantiate()


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


__all__ = ["KINDS", "NETWORKS", "NetworkSpec", "Task", "TaskError", "build_network", "count_parameters",
           "network_spec"]
