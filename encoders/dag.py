"""An asynchronous-message-passing DAG encoder, as in D-VAE."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .base import EncoderOutput, GraphEncoder


def dense_from_batch(x: Tensor, edge_index: Tensor, num_graphs: int, num_nodes: int) -> tuple[Tensor, Tensor]:
    """The dense form of a PyG batch of graphs that all have ``num_nodes`` nodes, stored graph after graph.

    Args:
        x: A ``(B * N) x V`` tensor of node features.
        edge_index: A ``2 x E`` long tensor of edges in batch numbering.
        num_graphs: ``B``.
        num_nodes: ``N``.

    Returns:
        ``x`` as a ``B x N x V`` tensor and the ``B x N x N`` adjacency (``[b, i, j] = 1`` for an edge ``i -> j``).
    """
    if x.size(0) != num_graphs * num_nodes:
        raise ValueError(
            f"expected {num_graphs} graphs of {num_nodes} nodes ({num_graphs * num_nodes} rows of x), got {x.size(0)}"
        )
    src, dst = edge_index
    adj = x.new_zeros(num_graphs, num_nodes, num_nodes)
    adj[src // num_nodes, src % num_nodes, dst % num_nodes] = 1.0
    return x.view(num_graphs, num_nodes, -1), adj


class _DAGPass(nn.Module):
    """One pass over the nodes in (reverse) topological order with a GRU and gated-sum aggregation."""

    def __init__(self, in_dim: int, hidden: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.cell = nn.GRUCell(in_dim, hidden)
        self.gate = nn.Linear(hidden, hidden)
        self.message = nn.Linear(hidden, hidden, bias=False)

    def forward(self, inputs: Tensor, adj: Tensor, *, reverse: bool) -> Tensor:
        # inputs: B x N x F; adj: B x N x N with [b, i, j] = 1 for i -> j. Returns B x N x hidden.
        if reverse:
            inputs, adj = inputs.flip(1), adj.flip(1, 2).transpose(1, 2)
        batch_size, num_nodes, _ = inputs.shape
        states: list[Tensor] = []
        messages: list[Tensor] = []
        for t in range(num_nodes):
            if t == 0:
                agg = inputs.new_zeros(batch_size, self.hidden)
            else:
                # Every graph is in topological order, so node t's predecessors are all computed: one batched step.
                agg = torch.bmm(adj[:, :t, t].unsqueeze(1), torch.stack(messages, dim=1)).squeeze(1)
            h = self.cell(inputs[:, t], agg)
            states.append(h)
            messages.append(torch.sigmoid(self.gate(h)) * self.message(h))
        out = torch.stack(states, dim=1)
        return out.flip(1) if reverse else out


class DAGEncoder(GraphEncoder):
    r"""The asynchronous DAG encoder of D-VAE.

    From `"D-VAE: A Variational Autoencoder for Directed Acyclic Graphs" <https://arxiv.org/abs/1904.11088>`_
    (Zhang et al., NeurIPS 2019). Nodes are visited in topological order (their index order); node :math:`v`'s
    state is

    .. math::
        \mathbf{h}_v = \mathrm{GRU}\Big(\mathbf{x}_v, \textstyle\sum_{u \rightarrow v}
        \sigma(g(\mathbf{h}_u)) \odot m(\mathbf{h}_u)\Big),

    so it summarizes the whole computation feeding into :math:`v`, and the output node's state summarizes the graph.
    With ``bidirectional``, a second pass runs from the output node against the edges and the input node's state is
    concatenated to the readout. Further ``layers`` rerun both passes on the previous layer's states.

    NOTE: the pass is vectorized across the batch (node ``t`` of every graph at once), which needs every graph to
    have exactly ``num_nodes`` nodes in topological order; the cost is ``num_nodes`` GRU steps per layer.

    Args:
        num_types: ``V``, the size of the node vocabulary (the width of ``x``).
        latent_dim: ``d``, the latent size.
        num_nodes: ``N``, the node count of every graph.
        hidden: Width of the node states.
        layers: Number of stacked passes.
        bidirectional: Also run a reverse pass.

    Shapes:
        - **input:** ``x`` ``(B * N) x V``, ``edge_index`` ``2 x E``, ``batch`` ``B * N``.
        - **output:** :class:`EncoderOutput` of two ``B x d`` tensors.
    """

    def __init__(
        self,
        num_types: int,
        latent_dim: int,
        *,
        num_nodes: int,
        hidden: int = 64,
        layers: int = 1,
        bidirectional: bool = True,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.num_nodes = num_nodes
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        self.forward_passes = nn.ModuleList()
        self.reverse_passes = nn.ModuleList()
        in_dim = num_types
        for _ in range(layers):
            self.forward_passes.append(_DAGPass(in_dim, hidden))
            if bidirectional:
                self.reverse_passes.append(_DAGPass(in_dim, hidden))
            in_dim = hidden * directions
        self.fc_mu = nn.Linear(hidden * directions, latent_dim)
        self.fc_logvar = nn.Linear(hidden * directions, latent_dim)

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor, num_graphs: int) -> EncoderOutput:
        h, adj = dense_from_batch(x, edge_index, num_graphs, self.num_nodes)
        for layer, forward_pass in enumerate(self.forward_passes):
            out = forward_pass(h, adj, reverse=False)
            if self.bidirectional:
                out = torch.cat([out, self.reverse_passes[layer](h, adj, reverse=True)], dim=-1)
            h = out
        hidden = self.forward_passes[-1].hidden
        readout = h[:, -1, :hidden]
        if self.bidirectional:
            readout = torch.cat([readout, h[:, 0, hidden:]], dim=-1)
        return EncoderOutput(self.fc_mu(readout), self.fc_logvar(readout))
