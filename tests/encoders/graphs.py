"""Tiny hand-written graph batches for the encoder tests."""

from __future__ import annotations

import torch
from torch import Tensor

NUM_NODES = 4
NUM_TYPES = 5


def chain_and_fork() -> tuple[Tensor, Tensor]:
    """Two 4-node DAGs: a chain ``0->1->2->3`` and a fork ``0->1, 0->2, 1->3, 2->3``, same node types."""
    types = torch.tensor([[0, 2, 3, 1], [0, 2, 3, 1]])
    adj = torch.zeros(2, NUM_NODES, NUM_NODES)
    for i, j in [(0, 1), (1, 2), (2, 3)]:
        adj[0, i, j] = 1.0
    for i, j in [(0, 1), (0, 2), (1, 3), (2, 3)]:
        adj[1, i, j] = 1.0
    return types, adj


def to_pyg(types: Tensor, adj: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``x``, ``edge_index`` and ``batch`` as PyG batching of ``SearchSpace.to_data`` would give them."""
    num_graphs, num_nodes = types.shape
    x = torch.nn.functional.one_hot(types.reshape(-1), NUM_TYPES).float()
    graph, src, dst = adj.nonzero(as_tuple=True)
    edge_index = torch.stack([graph * num_nodes + src, graph * num_nodes + dst])
    return x, edge_index, torch.arange(num_graphs).repeat_interleave(num_nodes)
