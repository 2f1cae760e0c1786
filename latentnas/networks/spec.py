"""How to construct one network, as plain values: what a space's :meth:`~latentnas.spaces.SearchSpace.network_spec`
returns, what :meth:`~latentnas.spaces.SearchSpace.build` instantiates and what ``latentnas export`` writes out."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from torch import nn


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


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
