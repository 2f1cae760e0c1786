from __future__ import annotations

import pytest
import torch

from latentnas.testing.encoders import EncoderContract
from latentnas_encoders.dag import DAGEncoder, dense_from_batch
from tests.encoders.graphs import NUM_NODES, NUM_TYPES, chain_and_fork, to_pyg


class TestDAGEncoderContract(EncoderContract):
    @pytest.fixture(params=[(True, 2), (False, 1)], ids=["bidirectional-2-layers", "forward-1-layer"])
    def encoder(self, request: pytest.FixtureRequest) -> DAGEncoder:
        bidirectional, layers = request.param
        torch.manual_seed(0)
        return DAGEncoder(self.num_types, self.latent_dim, num_nodes=self.num_nodes, hidden=8, layers=layers,
                          bidirectional=bidirectional)


def test_dense_from_batch_inverts_pyg_batching() -> None:
    types, adj = chain_and_fork()
    x, edge_index, _ = to_pyg(types, adj)
    dense_x, dense_adj = dense_from_batch(x, edge_index, 2, NUM_NODES)
    assert torch.equal(dense_adj, adj)
    assert torch.equal(dense_x.argmax(-1), types)


def test_dense_from_batch_refuses_graphs_of_another_size() -> None:
    x, edge_index, _ = to_pyg(*chain_and_fork())
    with pytest.raises(ValueError, match=r"expected 2 graphs of 5 nodes \(10 rows of x\), got 8"):
        dense_from_batch(x, edge_index, 2, 5)


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("layers", [1, 2])
def test_shapes_and_distinct_graphs(bidirectional: bool, layers: int) -> None:
    torch.manual_seed(0)
    encoder = DAGEncoder(NUM_TYPES, 3, num_nodes=NUM_NODES, hidden=8, layers=layers, bidirectional=bidirectional)
    mu, logvar = encoder(*to_pyg(*chain_and_fork()), num_graphs=2)
    assert mu.shape == logvar.shape == (2, 3)
    assert not torch.allclose(mu[0], mu[1])



@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_node_that_does_not_reach_the_output_counts_only_in_the_reverse_pass(bidirectional: bool) -> None:
    # Edges 0->1, 1->3, 0->2: node 2 is a dead end. The forward readout is the output node's state, which
    # summarizes only its ancestors; the reverse pass ends at the input node, which sees node 2.
    torch.manual_seed(0)
    encoder = DAGEncoder(NUM_TYPES, 3, num_nodes=NUM_NODES, hidden=8, bidirectional=bidirectional)
    adj = torch.zeros(2, NUM_NODES, NUM_NODES)
    adj[:, 0, 1] = adj[:, 1, 3] = adj[:, 0, 2] = 1.0
    types = torch.tensor([[0, 2, 3, 1], [0, 2, 4, 1]])
    mu = encoder(*to_pyg(types, adj), num_graphs=2).mu
    assert torch.allclose(mu[0], mu[1]) is not bidirectional
