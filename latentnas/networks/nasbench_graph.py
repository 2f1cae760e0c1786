"""The NAS-Bench-Graph network: a one-input-per-node GNN cell between pre- and post-processing layers.

From Qin et al., "NAS-Bench-Graph: Benchmarking Graph Neural Architecture Search" (NeurIPS 2022 Datasets and
Benchmarks). NOTE: this module imports only torch and torch_geometric, so that ``latentnas export`` can copy its
source into a standalone file; for the same reason its errors are plain ``ValueError``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import (
    ARMAConv,
    ChebConv,
    GATConv,
    GCNConv,
    GINConv,
    GraphConv,
    SAGEConv,
    global_add_pool,
    global_max_pool,
    global_mean_pool,
)

#: The ops this module builds: NAS-Bench-Graph's nine, in the ``nas_bench_graph`` package's order (its ``gnn_list``).
#: The single definition of the vocabulary: :class:`~latentnas.spaces.nasbench_graph.NasBenchGraphSpace` takes it.
OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
#: The five ops NAS-Bench-Graph evaluated on ``proteins``, in the same order (the package's ``gnn_list_proteins``).
PROTEINS_OPS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
_POOLS = {"mean": global_mean_pool, "add": global_add_pool, "max": global_max_pool}


@dataclass(frozen=True)
class GNNConfig:
    """Sizes of a NAS-Bench-Graph network (the benchmark's Cora setting by default: 256 channels, no
    pre-processing layer, one post-processing layer).

    Args:
        hidden: Width of every op's output (even: ``gat`` concatenates two heads of ``hidden // 2``).
        dropout: Dropout before every op and every post-processing layer.
        num_pre: Linear pre-processing layers before the cell.
        num_post: Linear post-processing layers after the cell (and after pooling, for graph tasks).
        gin_layers: Depth of the MLP inside ``gin`` (1, the benchmark's, or more).
        pool: Readout of graph tasks: ``"mean"``, ``"add"`` or ``"max"``.
    """

    hidden: int = 256
    dropout: float = 0.5
    num_pre: int = 0
    num_post: int = 1
    gin_layers: int = 1
    pool: str = "mean"

    def __post_init__(self) -> None:
        if self.hidden < 2 or self.hidden % 2:
            raise ValueError(f"hidden must be even and at least 2, got {self.hidden}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.num_pre < 0 or self.num_post < 0 or self.gin_layers < 1:
            raise ValueError(f"num_pre and num_post must be >= 0 and gin_layers >= 1, got {self}")
        if self.pool not in _POOLS:
            raise ValueError(f"unknown pool '{self.pool}'; choices: {', '.join(_POOLS)}")


class Dense(nn.Module):
    """The ``fc`` op: a linear layer that ignores the edges."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return self.lin(x)


def make_gnn_op(op: str, in_channels: int, out_channels: int, *, gin_layers: int = 1) -> nn.Module:
    """One op of :data:`OPS` from ``in_channels`` to ``out_channels`` features (``skip``: identity)."""
    if op == "gcn":
        return GCNConv(in_channels, out_channels)
    if op == "gat":  # NOTE: two concatenated heads, as the benchmark's parameter counts show.
        return GATConv(in_channels, out_channels // 2, heads=2)
    if op == "gin":
        layers: list[nn.Module] = [nn.Linear(in_channels, out_channels)]
        for _ in range(gin_layers - 1):
            layers += [nn.ReLU(), nn.Linear(out_channels, out_channels)]
        return GINConv(nn.Sequential(*layers))
    if op == "cheb":
        return ChebConv(in_channels, out_channels, K=2)
    if op == "sage":
        return SAGEConv(in_channels, out_channels)
    if op == "arma":
        return ARMAConv(in_channels, out_channels)
    if op == "graph":
        return GraphConv(in_channels, out_channels)
    if op == "fc":
        return Dense(in_channels, out_channels)
    if op == "skip":
        return nn.Identity()
    raise ValueError(f"unknown op '{op}'; choices: {', '.join(OPS)}")


class NasBenchGraphNet(nn.Module):
    r"""A NAS-Bench-Graph architecture as a network.

    Computing node ``i + 1`` applies ``ops[i]`` (then ReLU) to the output of node ``link[i]`` (``0`` is the
    pre-processed input); the leaves (nodes no other node reads) are summed, pooled for graph tasks, and passed
    through ``num_post`` linear layers and a linear classifier.

    NOTE: with ``num_pre = 0`` a leaf reached from the input through ``skip`` ops only still has the input's width;
    it is projected to ``hidden`` by a bias-free linear layer.

    Args:
        link: ``link[i]`` in ``0..i``, the input of computing node ``i + 1``.
        ops: The op of each computing node, from :data:`OPS`.
        in_channels: Node feature size.
        num_classes: Number of classes.
        graph_level: Pool node states into one prediction per graph.
        config: Sizes and dropout.

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})`, edge indices :math:`(2, |\mathcal{E}|)`,
          batch vector :math:`(|\mathcal{V}|)` *(optional, graph tasks)*
        - **output:** logits :math:`(|\mathcal{V}|, C)` or :math:`(B, C)` for graph tasks
    """

    def __init__(
        self,
        link: Sequence[int],
        ops: Sequence[str],
        *,
        in_channels: int,
        num_classes: int,
        graph_level: bool = False,
        config: GNNConfig | None = None,
    ) -> None:
        super().__init__()
        self.config = config = config or GNNConfig()
        if len(link) != len(ops) or any(not 0 <= src <= i for i, src in enumerate(link)):
            raise ValueError(f"link must have one entry per op with link[i] in 0..i, got {list(link)} for {list(ops)}")
        self.link, self.ops, self.graph_level = tuple(link), tuple(ops), graph_level
        hidden = config.hidden
        self.pre = nn.ModuleList(nn.Linear(in_channels if i == 0 else hidden, hidden) for i in range(config.num_pre))
        widths = [hidden if config.num_pre else in_channels]
        self.cell = nn.ModuleList()
        for src, op in zip(self.link, self.ops):
            self.cell.append(make_gnn_op(op, widths[src], hidden, gin_layers=config.gin_layers))
            widths.append(widths[src] if op == "skip" else hidden)
        self.leaves = tuple(node for node in range(1, len(ops) + 1) if node not in self.link)
        self.project = nn.ModuleDict(
            {str(leaf): nn.Linear(widths[leaf], hidden, bias=False) for leaf in self.leaves if widths[leaf] != hidden}
        )
        self.post = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(config.num_post))
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None) -> Tensor:
        p = self.config.dropout
        for layer in self.pre:
            x = F.relu(layer(F.dropout(x, p, self.training)))
        states = [x]
        for src, op, layer in zip(self.link, self.ops, self.cell):
            h = states[src]
            if op != "skip":
                h = F.relu(layer(F.dropout(h, p, self.training), edge_index))
            states.append(h)
        out: Tensor | None = None
        for leaf in self.leaves:
            h = states[leaf]
            if str(leaf) in self.project:
                h = self.project[str(leaf)](h)
            out = h if out is None else out + h
        assert out is not None  # a cell has at least one leaf
        if self.graph_level:
            out = _POOLS[self.config.pool](out, batch)
        for layer in self.post:
            out = F.relu(layer(F.dropout(out, p, self.training)))
        return self.classifier(F.dropout(out, p, self.training))
