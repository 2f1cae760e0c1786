"""Search spaces, looked up by name: ``get_space("nasbench201")``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from latentnas.registry import Registry
from latentnas.spaces.base import GraphSpec, SearchSpace, as_rng, distinct_samples

SPACES: Registry[Callable[..., SearchSpace[Any]]] = Registry("space")


def get_space(name: str, **kwargs: Any) -> SearchSpace[Any]:
    """Builds the space registered as ``name``; raises ``UnknownNameError`` listing the choices."""
    return SPACES.get(name)(**kwargs)


def _lazy(module: str, cls: str) -> Callable[..., SearchSpace[Any]]:
    # Imported on first use, so that importing one space does not import (or break on) the others.
    def factory(**kwargs: Any) -> SearchSpace[Any]:
        space_cls: Callable[..., SearchSpace[Any]] = getattr(importlib.import_module(module), cls)
        return space_cls(**kwargs)

    factory.__name__ = cls
    return factory


SPACES.register("nasbench-graph", _lazy("latentnas.spaces.nasbench_graph", "NasBenchGraphSpace"))
SPACES.register("nasbench-graph-proteins", _lazy("latentnas.spaces.nasbench_graph", "proteins_space"))
SPACES.register("nasbench201", _lazy("latentnas.spaces.nasbench201", "NasBench201Space"))
SPACES.register("nasbench101", _lazy("latentnas.spaces.nasbench101", "NasBench101Space"))
SPACES.register("darts", _lazy("latentnas.spaces.darts", "DartsSpace"))

__all__ = ["SPACES", "GraphSpec", "SearchSpace", "as_rng", "distinct_samples", "get_space"]
