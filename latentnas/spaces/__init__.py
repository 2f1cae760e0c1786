"""Search spaces, looked up by name: ``get_space("nasbench201")``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from latentnas.registry import Registry
from latentnas.spaces.base import GraphSpec, SearchSpace, as_rng

SPACES: Registry[Callable[..., SearchSpace[Any]]] = Registry("space")


def get_space(name: str, **kwargs: Any) -> SearchSpace[Any]:
    """Builds the space registered as ``name``; raises ``UnknownNameError`` listing the choices."""
    return SPACES.get(name)(**kwargs)


def _register_builtin() -> None:
    from latentnas.spaces.darts import DartsSpace
    from latentnas.spaces.nasbench101 import NasBench101Space
    from latentnas.spaces.nasbench201 import NasBench201Space
    from latentnas.spaces.nasbench_graph import NasBenchGraphSpace

    SPACES.register("nasbench-graph", NasBenchGraphSpace)
    SPACES.register("nasbench201", NasBench201Space)
    SPACES.register("nasbench101", NasBench101Space)
    SPACES.register("darts", DartsSpace)


_register_builtin()

__all__ = ["SPACES", "GraphSpec", "SearchSpace", "as_rng", "get_space"]
