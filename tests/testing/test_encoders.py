"""The encoder and decoder contracts' graphs, and that the contracts fail modules that break them."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from latentnas.testing.encoders import DecoderContract, EncoderContract, pyg_batch, random_dags
from latentnas_encoders import DecoderOutput, EncoderOutput, GINEncoder, OneShotDecoder


def test_random_dags_are_seeded_distinct_and_in_the_graph_form() -> None:
    types, adj = random_dags(4, 5, 3, seed=1)
    assert types.shape == (4, 5) and adj.shape == (4, 5, 5)
    assert int(types.max()) < 3
    assert torch.equal(adj, adj.triu(diagonal=1))
    assert bool((adj[:, torch.arange(4), torch.arange(1, 5)] == 1).all())  # a path through every node
    assert not torch.equal(adj[0], adj[1])
    assert all(torch.equal(a, b) for a, b in zip(random_dags(4, 5, 3, seed=1), (types, adj)))


def test_pyg_batch_is_what_pyg_batching_gives() -> None:
    types, adj = random_dags(3, 4, 5)
    graphs = [Data(x=torch.nn.functional.one_hot(types[b], 5).float(), edge_index=adj[b].nonzero().t(), num_nodes=4)
              for b in range(3)]
    batch = Batch.from_data_list(graphs)
    x, edge_index, index = pyg_batch(types, adj, 5)
    assert torch.equal(x, batch.x) and torch.equal(index, batch.batch)
    assert sorted(map(tuple, edge_index.t().tolist())) == sorted(map(tuple, batch.edge_index.t().tolist()))


class _BatchMixingEncoder(GINEncoder):
    """Subtracts the batch mean: each graph's code depends on the others in its batch."""

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor, num_graphs: int) -> EncoderOutput:
        mu, logvar = super().forward(x, edge_index, batch, num_graphs)
        return EncoderOutput(mu - mu.mean(0, keepdim=True), logvar)


class _LeakyDecoder(OneShotDecoder):
    """Puts finite logits on the diagonal, where no edge can be."""

    def forward(self, z: Tensor, target_types: Tensor | None = None, target_adj: Tensor | None = None) -> DecoderOutput:
        out = super().forward(z)
        return DecoderOutput(out.type_logits, out.adj_logits.diagonal_scatter(torch.zeros(len(z), 5), dim1=1, dim2=2))


def test_the_encoder_contract_fails_an_encoder_that_mixes_its_batch() -> None:
    contract = EncoderContract()
    sound = GINEncoder(contract.num_types, contract.latent_dim, hidden=8)
    contract.test_each_graph_is_encoded_independently_of_its_batch(sound)
    with pytest.raises(AssertionError):
        contract.test_each_graph_is_encoded_independently_of_its_batch(
            _BatchMixingEncoder(contract.num_types, contract.latent_dim, hidden=8)
        )


def test_the_decoder_contract_fails_logits_off_the_upper_triangle() -> None:
    contract = DecoderContract()
    make = dict(num_nodes=contract.num_nodes, num_types=contract.num_types, hidden=8)
    contract.test_logits_over_the_graph_form(OneShotDecoder(contract.latent_dim, **make))
    with pytest.raises(AssertionError):
        contract.test_logits_over_the_graph_form(_LeakyDecoder(contract.latent_dim, **make))
