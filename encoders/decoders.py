"""Decoders from latent points to logits over the dense graph form: one-shot (MLP) and sequential (D-VAE)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .base import DecoderOutput, GraphDecoder, mask_adj_logits


class OneShotDecoder(GraphDecoder):
    r"""A one-shot MLP decoder, in the style of GraphVAE and arch2vec.

    From `"GraphVAE: Towards Generation of Small Graphs Using Variational Autoencoders"
    <https://arxiv.org/abs/1802.03480>`_ (Simonovsky and Komodakis, 2018). Since node order is fixed (topological,
    input first), no graph matching is needed: an MLP maps :math:`\mathbf{z}` to all node-type logits and all edge
    logits at once, and the edge logits are masked to the strict upper triangle.

    Args:
        latent_dim: ``d``, the latent size.
        num_nodes: ``N``, the node count of every graph.
        num_types: ``V``, the size of the node vocabulary.
        hidden: Width of the hidden layers.
        layers: Number of hidden layers.

    Shapes:
        - **input:** ``z`` ``B x d`` (the targets are accepted for the common interface and ignored).
        - **output:** :class:`DecoderOutput` with ``B x N x V`` and ``B x N x N`` logits.
    """

    def __init__(self, latent_dim: int, *, num_nodes: int, num_types: int, hidden: int = 64, layers: int = 2) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.num_nodes = num_nodes
        self.num_types = num_types
        blocks: list[nn.Module] = []
        in_dim = latent_dim
        for _ in range(layers):
            blocks += [nn.Linear(in_dim, hidden), nn.ReLU()]
            in_dim = hidden
        self.mlp = nn.Sequential(*blocks)
        self.type_head = nn.Linear(hidden, num_nodes * num_types)
        self.adj_head = nn.Linear(hidden, num_nodes * num_nodes)

    def forward(
        self, z: Tensor, target_types: Tensor | None = None, target_adj: Tensor | None = None
    ) -> DecoderOutput:
        h = self.mlp(z)
        type_logits = self.type_head(h).view(-1, self.num_nodes, self.num_types)
        adj_logits = mask_adj_logits(self.adj_head(h).view(-1, self.num_nodes, self.num_nodes))
        return DecoderOutput(type_logits, adj_logits)


class SequentialDecoder(GraphDecoder):
    r"""A node-by-node GRU decoder, as in D-VAE.

    From `"D-VAE: A Variational Autoencoder for Directed Acyclic Graphs" <https://arxiv.org/abs/1904.11088>`_
    (Zhang et al., NeurIPS 2019). A graph state :math:`\mathbf{s}_0 = \tanh(W\mathbf{z})` generates node
    :math:`t = 0, \dots, N-1` in topological order: the node's type logits come from :math:`\mathbf{s}_t`; its
    provisional state :math:`\mathbf{h}_t = \mathrm{GRU}(\mathbf{e}(\text{type}_t), \mathbf{s}_t)` scores an edge from
    every earlier node :math:`j` with an MLP on :math:`[\mathbf{h}_t, \mathbf{h}_j]`; the node's final state
    aggregates its chosen predecessors,
    :math:`\mathbf{h}_t = \mathrm{GRU}(\mathbf{e}(\text{type}_t), \mathbf{s}_t + \sum_{j \rightarrow t}
    \mathbf{h}_j)`, and updates the graph state :math:`\mathbf{s}_{t+1} = \mathrm{GRU}(\mathbf{h}_t, \mathbf{s}_t)`.
    The chosen types and edges are the targets when given (teacher forcing, for training) and the decoder's own
    greedy choices otherwise (argmax type, edge where the logit is positive).

    NOTE: the loop runs over node positions, each step batched across all graphs; greedy choices mean decoding
    without targets is deterministic, and the returned logits condition on those choices.

    Args:
        latent_dim: ``d``, the latent size.
        num_nodes: ``N``, the node count of every graph.
        num_types: ``V``, the size of the node vocabulary.
        hidden: Width of the GRU states.

    Shapes:
        - **input:** ``z`` ``B x d``; optional ``target_types`` ``B x N`` long and ``target_adj`` ``B x N x N``.
        - **output:** :class:`DecoderOutput` with ``B x N x V`` and ``B x N x N`` logits.
    """

    def __init__(self, latent_dim: int, *, num_nodes: int, num_types: int, hidden: int = 64) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.num_nodes = num_nodes
        self.num_types = num_types
        self.hidden = hidden
        self.init_state = nn.Linear(latent_dim, hidden)
        self.type_head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, num_types))
        self.type_embedding = nn.Embedding(num_types, hidden)
        self.node_cell = nn.GRUCell(hidden, hidden)
        self.graph_cell = nn.GRUCell(hidden, hidden)
        self.edge_head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(
        self, z: Tensor, target_types: Tensor | None = None, target_adj: Tensor | None = None
    ) -> DecoderOutput:
        batch_size = z.size(0)
        state = torch.tanh(self.init_state(z))
        type_logits: list[Tensor] = []
        edge_columns: list[Tensor] = [z.new_zeros(batch_size, self.num_nodes)]
        nodes: list[Tensor] = []
        for t in range(self.num_nodes):
            logits = self.type_head(state)
            type_logits.append(logits)
            types = target_types[:, t] if target_types is not None else logits.argmax(dim=-1)
            embedded = self.type_embedding(types)
            if t == 0:
                h = self.node_cell(embedded, state)
            else:
                previous = torch.stack(nodes, dim=1)  # B x t x H
                provisional = self.node_cell(embedded, state)
                pair = torch.cat([provisional.unsqueeze(1).expand(-1, t, -1), previous], dim=-1)
                edge_logits = self.edge_head(pair).squeeze(-1)  # B x t
                column = edge_logits.new_zeros(batch_size, self.num_nodes)
                edge_columns.append(torch.cat([edge_logits, column[:, t:]], dim=1))
                chosen = target_adj[:, :t, t] if target_adj is not None else (edge_logits > 0).to(z.dtype)
                incoming = torch.bmm(chosen.unsqueeze(1), previous).squeeze(1)
                h = self.node_cell(embedded, state + incoming)
            nodes.append(h)
            state = self.graph_cell(h, state)
        adj_logits = mask_adj_logits(torch.stack(edge_columns, dim=2))
        return DecoderOutput(torch.stack(type_logits, dim=1), adj_logits)
