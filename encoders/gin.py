"""A variational GIN encoder, as in arch2vec."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import GINConv, global_add_pool, global_mean_pool

from .base import POOLINGS, EncoderOutput, GraphEncoder


def _mlp(in_dim: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden))


class GINEncoder(GraphEncoder):
    r"""The variational graph isomorphism network encoder of arch2vec.

    From `"Does Unsupervised Architecture Representation Learning Help Neural Architecture Search?"
    <https://arxiv.org/abs/2006.06936>`_ (Yan et al., NeurIPS 2020), with GIN layers from `"How Powerful are Graph
    Neural Networks?" <https://arxiv.org/abs/1810.00826>`_. Each layer computes

    .. math::
        \mathbf{h}_i^{(l)} = \mathrm{ReLU}\Big(\mathrm{MLP}^{(l)}_{\rightarrow}\big((1 + \epsilon)\mathbf{h}_i^{(l-1)}
        + \textstyle\sum_{j \rightarrow i} \mathbf{h}_j^{(l-1)}\big)
        + \mathrm{MLP}^{(l)}_{\leftarrow}\big((1 + \epsilon')\mathbf{h}_i^{(l-1)}
        + \textstyle\sum_{i \rightarrow j} \mathbf{h}_j^{(l-1)}\big)\Big),

    the second term only when ``bidirectional`` (otherwise messages follow the edges only). The graph readout
    concatenates the pooled node states of every layer (as in the GIN paper) and maps them linearly to
    :math:`\boldsymbol{\mu}` and :math:`\log\boldsymbol{\sigma}^2`.

    Args:
        num_types: ``V``, the size of the node vocabulary (the width of ``x``).
        latent_dim: ``d``, the latent size.
        hidden: Width of the node states.
        layers: Number of GIN layers.
        bidirectional: Also pass messages against the edges with a second GIN convolution.
        pooling: ``"sum"`` or ``"mean"`` readout over the nodes of a graph.

    Shapes:
        - **input:** ``x`` ``(B * N) x V``, ``edge_index`` ``2 x E``, ``batch`` ``B * N``.
        - **output:** :class:`EncoderOutput` of two ``B x d`` tensors.
    """

    def __init__(
        self,
        num_types: int,
        latent_dim: int,
        *,
        hidden: int = 64,
        layers: int = 2,
        bidirectional: bool = True,
        pooling: str = "sum",
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choices: {', '.join(POOLINGS)}")
        self.latent_dim = latent_dim
        self.bidirectional = bidirectional
        self.pooling = pooling
        dims = [num_types] + [hidden] * layers
        self.convs = nn.ModuleList(GINConv(_mlp(dims[i], hidden), train_eps=True) for i in range(layers))
        self.reverse_convs = nn.ModuleList(
            GINConv(_mlp(dims[i], hidden), train_eps=True) for i in range(layers) if bidirectional
        )
        readout = num_types + hidden * layers
        self.fc_mu = nn.Linear(readout, latent_dim)
        self.fc_logvar = nn.Linear(readout, latent_dim)

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor, num_graphs: int) -> EncoderOutput:
        pool = global_add_pool if self.pooling == "sum" else global_mean_pool
        reverse_index = edge_index.flip(0)
        h = x
        pooled = [pool(h, batch, num_graphs)]
        for layer, conv in enumerate(self.convs):
            out = conv(h, edge_index)
            if self.bidirectional:
                out = out + self.reverse_convs[layer](h, reverse_index)
            h = out.relu()
            pooled.append(pool(h, batch, num_graphs))
        readout = torch.cat(pooled, dim=-1)
        return EncoderOutput(self.fc_mu(readout), self.fc_logvar(readout))

