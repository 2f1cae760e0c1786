"""The contracts every :class:`~latentnas_encoders.GraphEncoder` and :class:`~latentnas_encoders.GraphDecoder`
passes, as pytest base classes.

The graphs are the VAE's graph form: :attr:`num_nodes` nodes in topological order, each one-hot over
:attr:`num_types` node types, edges only from lower to higher index. A test module subclasses a contract and provides
the ``encoder`` (or ``decoder``) fixture, built for those sizes::

    class TestMyEncoder(EncoderContract):
        @pytest.fixture
        def encoder(self) -> MyEncoder:
            return MyEncoder(self.num_types, self.latent_dim, num_nodes=self.num_nodes)
"""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from latentnas_encoders import DecoderOutput, EncoderOutput, GraphDecoder, GraphEncoder
from latentnas_encoders.base import strict_upper_mask


def random_dags(num_graphs: int, num_nodes: int, num_types: int, *, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Distinct random DAGs in the graph form: ``B x N`` node types and a ``B x N x N`` 0/1 strictly upper-triangular
    adjacency (every node but the input has a predecessor)."""
    generator = torch.Generator().manual_seed(seed)
    types = torch.randint(num_types, (num_graphs, num_nodes), generator=generator)
    adj = (torch.rand(num_graphs, num_nodes, num_nodes, generator=generator) < 0.5).float().triu(diagonal=1)
    adj[:, torch.arange(num_nodes - 1), torch.arange(1, num_nodes)] = 1.0  # a path through every node
    adj[0, 0, num_nodes - 1] = 1.0 - adj[1, 0, num_nodes - 1]  # the first two graphs differ in one edge at least
    return types, adj


def pyg_batch(types: Tensor, adj: Tensor, num_types: int) -> tuple[Tensor, Tensor, Tensor]:
    """``x``, ``edge_index`` and ``batch`` as PyG batches the ``Data`` of :meth:`SearchSpace.to_data`."""
    num_graphs, num_nodes = types.shape
    x = torch.nn.functional.one_hot(types.reshape(-1), num_types).float()
    graph, src, dst = adj.nonzero(as_tuple=True)
    edge_index = torch.stack([graph * num_nodes + src, graph * num_nodes + dst])
    return x, edge_index, torch.arange(num_graphs).repeat_interleave(num_nodes)


class EncoderContract:
    """Subclass with an ``encoder`` fixture: a :class:`GraphEncoder` of graphs of :attr:`num_nodes` nodes and
    :attr:`num_types` node types into :attr:`latent_dim` dimensions."""

    num_nodes = 5
    num_types = 4
    latent_dim = 3
    num_graphs = 4

    @pytest.fixture
    def encoder(self) -> GraphEncoder:
        raise NotImplementedError("an EncoderContract subclass provides the 'encoder' fixture")

    def graphs(self) -> tuple[Tensor, Tensor]:
        return random_dags(self.num_graphs, self.num_nodes, self.num_types)

    def encode(self, encoder: GraphEncoder, types: Tensor, adj: Tensor) -> EncoderOutput:
        x, edge_index, batch = pyg_batch(types, adj, self.num_types)
        return encoder(x, edge_index, batch, len(types))

    def test_output_is_a_posterior_per_graph(self, encoder: GraphEncoder) -> None:
        assert encoder.latent_dim == self.latent_dim
        out = self.encode(encoder.eval(), *self.graphs())
        assert isinstance(out, EncoderOutput)
        assert out.mu.shape == out.logvar.shape == (self.num_graphs, self.latent_dim)
        assert bool(torch.isfinite(out.mu).all() and torch.isfinite(out.logvar).all())

    def test_distinct_graphs_get_distinct_means(self, encoder: GraphEncoder) -> None:
        mu = self.encode(encoder.eval(), *self.graphs()).mu
        assert not torch.allclose(mu[0], mu[1])

    def test_each_graph_is_encoded_independently_of_its_batch(self, encoder: GraphEncoder) -> None:
        encoder.eval()
        types, adj = self.graphs()
        both = self.encode(encoder, types, adj)
        order = torch.arange(self.num_graphs).flip(0)
        flipped = self.encode(encoder, types[order], adj[order])
        torch.testing.assert_close(flipped.mu, both.mu[order])
        for b in range(self.num_graphs):
            alone = self.encode(encoder, types[b : b + 1], adj[b : b + 1])
            torch.testing.assert_close(alone.mu, both.mu[b : b + 1])
            torch.testing.assert_close(alone.logvar, both.logvar[b : b + 1])

    def test_follows_the_dtype_of_its_inputs(self, encoder: GraphEncoder) -> None:
        x, edge_index, batch = pyg_batch(*self.graphs(), self.num_types)
        out = encoder.double().eval()(x.double(), edge_index, batch, self.num_graphs)
        assert out.mu.dtype == out.logvar.dtype == torch.float64

    def test_gradients_reach_every_parameter(self, encoder: GraphEncoder) -> None:
        out = self.encode(encoder.train(), *self.graphs())
        (out.mu.sum() + out.logvar.sum()).backward()
        missing = [name for name, p in encoder.named_parameters() if p.requires_grad and p.grad is None]
        assert missing == []


class DecoderContract:
    """Subclass with a ``decoder`` fixture: a :class:`GraphDecoder` from :attr:`latent_dim` dimensions to graphs of
    :attr:`num_nodes` nodes and :attr:`num_types` node types."""

    num_nodes = 5
    num_types = 4
    latent_dim = 3
    num_graphs = 4

    @pytest.fixture
    def decoder(self) -> GraphDecoder:
        raise NotImplementedError("a DecoderContract subclass provides the 'decoder' fixture")

    def z(self) -> Tensor:
        return torch.randn(self.num_graphs, self.latent_dim, generator=torch.Generator().manual_seed(0))

    def check_logits(self, out: DecoderOutput) -> None:
        assert isinstance(out, DecoderOutput)
        assert out.type_logits.shape == (self.num_graphs, self.num_nodes, self.num_types)
        assert out.adj_logits.shape == (self.num_graphs, self.num_nodes, self.num_nodes)
        upper = strict_upper_mask(self.num_nodes)
        assert bool(torch.isfinite(out.type_logits).all() and torch.isfinite(out.adj_logits[:, upper]).all())
        assert bool((out.adj_logits[:, ~upper] == float("-inf")).all())

    def test_sizes(self, decoder: GraphDecoder) -> None:
        assert (decoder.latent_dim, decoder.num_nodes, decoder.num_types) == (
            self.latent_dim, self.num_nodes, self.num_types
        )

    def test_logits_over_the_graph_form(self, decoder: GraphDecoder) -> None:
        decoder.eval()
        self.check_logits(decoder(self.z()))
        self.check_logits(decoder(self.z(), *random_dags(self.num_graphs, self.num_nodes, self.num_types)))

    def test_decoding_is_deterministic_and_independent_of_the_batch(self, decoder: GraphDecoder) -> None:
        decoder.eval()
        z = self.z()
        both = decoder(z)
        torch.testing.assert_close(decoder(z).type_logits, both.type_logits)
        for b in range(self.num_graphs):
            alone = decoder(z[b : b + 1])
            torch.testing.assert_close(alone.type_logits, both.type_logits[b : b + 1])
            torch.testing.assert_close(alone.adj_logits, both.adj_logits[b : b + 1])

    def test_follows_the_dtype_of_its_inputs(self, decoder: GraphDecoder) -> None:
        out = decoder.double().eval()(self.z().double())
        assert out.type_logits.dtype == out.adj_logits.dtype == torch.float64

    def test_gradients_reach_every_parameter(self, decoder: GraphDecoder) -> None:
        types, adj = random_dags(self.num_graphs, self.num_nodes, self.num_types)
        out = decoder.train()(self.z(), types, adj)
        upper = strict_upper_mask(self.num_nodes)
        (out.type_logits.sum() + out.adj_logits[:, upper].sum()).backward()
        missing = [name for name, p in decoder.named_parameters() if p.requires_grad and p.grad is None]
        assert missing == []
