from __future__ import annotations

import pytest
import torch

from latentnas_encoders.gin import GINEncoder
from tests.encoders.graphs import NUM_TYPES, chain_and_fork, to_pyg


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("pooling", ["sum", "mean"])
def test_shapes_and_distinct_graphs(bidirectional: bool, pooling: str) -> None:
    torch.manual_seed(0)
    encoder = GINEncoder(NUM_TYPES, 3, hidden=8, layers=2, bidirectional=bidirectional, pooling=pooling)
    mu, logvar = encoder(*to_pyg(*chain_and_fork()), num_graphs=2)
    assert mu.shape == logvar.shape == (2, 3)
    assert not torch.allclose(mu[0], mu[1])


def test_each_graph_is_encoded_independently_of_its_batch() -> None:
    torch.manual_seed(0)
    encoder = GINEncoder(NUM_TYPES, 3, hidden=8)
    types, adj = chain_and_fork()
    both = encoder(*to_pyg(types, adj), num_graphs=2).mu
    alone = encoder(*to_pyg(types[1:], adj[1:]), num_graphs=1).mu
    torch.testing.assert_close(both[1:], alone)


def test_gradients_reach_every_parameter() -> None:
    encoder = GINEncoder(NUM_TYPES, 3, hidden=8)
    mu, logvar = encoder(*to_pyg(*chain_and_fork()), num_graphs=2)
    (mu.sum() + logvar.sum()).backward()
    assert all(p.grad is not None for p in encoder.parameters())
