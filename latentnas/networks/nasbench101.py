"""The NAS-Bench-101 network: a stem, stacks of cells with max-pooling between them.

From Ying et al., "NAS-Bench-101: Towards Reproducible Neural Architecture Search" (ICML 2019); the cell's channel
arithmetic follows the benchmark's ``model_builder.py``. NOTE: this module imports only torch, so that
``latentnas export`` can copy its source into a standalone file; for the same reason its errors are plain
``ValueError``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

#: The ops of an interior vertex, in NB101's order (the index is the op label of NB101's graph hash; the single
#: definition: the NB101 space takes this tuple).
OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")


@dataclass(frozen=True)
class NB101Config:
    """Sizes of an NB101 network (the benchmark's: 128 stem channels, 3 stacks of 3 cells; smaller by default).

    Args:
        stem_channels: Channels of the stem and the first stack (doubled at each later stack).
        num_stacks: Stacks of cells, separated by ``2x2`` max-pooling.
        cells_per_stack: Cells in each stack.
    """

    stem_channels: int = 16
    num_stacks: int = 3
    cells_per_stack: int = 1

    def __post_init__(self) -> None:
        if min(self.stem_channels, self.num_stacks, self.cells_per_stack) < 1:
            raise ValueError(f"every size must be positive, got {self}")


class ConvBNReLU(nn.Sequential):
    """Convolution without bias, batch norm, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=False),
        )


def vertex_channels(in_channels: int, out_channels: int, matrix: Sequence[Sequence[int]]) -> list[int]:
    """The channels of each vertex: the output's are split among the vertices feeding it; the others take the
    largest of their successors'."""
    n = len(matrix)
    channels = [0] * n
    channels[0], channels[-1] = in_channels, out_channels
    if n == 2:
        return channels
    fan_in = sum(matrix[v][n - 1] for v in range(1, n))
    interior, correction = divmod(out_channels, fan_in)
    for v in range(1, n - 1):
        if matrix[v][n - 1]:
            channels[v] = interior + (1 if correction > 0 else 0)
            correction -= 1
    for v in range(n - 3, 0, -1):
        if not matrix[v][n - 1]:
            for dst in range(v + 1, n - 1):
                if matrix[v][dst]:
                    channels[v] = max(channels[v], channels[dst])
    return channels


class Cell101(nn.Module):
    r"""One NB101 cell (a pruned DAG of up to 7 vertices).

    Vertices feeding the output are concatenated; an edge input -> output adds a ``1x1`` projection of the input.

    Shapes:
        - **input:** :math:`(N, C_{in}, H, W)`
        - **output:** :math:`(N, C_{out}, H, W)`
    """

    def __init__(self, matrix: Sequence[Sequence[int]], ops: Sequence[str], in_channels: int, out_channels: int):
        super().__init__()
        self.matrix = tuple(tuple(int(a) for a in row) for row in matrix)
        n = len(self.matrix)
        self.channels = vertex_channels(in_channels, out_channels, self.matrix)
        self.vertex_ops = nn.ModuleList([nn.Identity()])
        self.projections = nn.ModuleList([nn.Identity()])
        for v in range(1, n):
            c = self.channels[v]
            project = self.matrix[0][v] and (v < n - 1 or self.channels[v] > 0)
            self.projections.append(ConvBNReLU(in_channels, c, 1) if project else nn.Identity())
            if v == n - 1:
                self.vertex_ops.append(nn.Identity())
            elif ops[v] == "maxpool3x3":
                self.vertex_ops.append(nn.MaxPool2d(3, stride=1, padding=1))
            elif ops[v] in ("conv3x3-bn-relu", "conv1x1-bn-relu"):
                self.vertex_ops.append(ConvBNReLU(c, c, 3 if ops[v] == "conv3x3-bn-relu" else 1))
            else:
                raise ValueError(f"unknown op '{ops[v]}'; choices: {', '.join(OPS)}")

    def forward(self, x: Tensor) -> Tensor:
        n = len(self.matrix)
        states = [x]
        concat: list[Tensor] = []
        for v in range(1, n - 1):
            inputs = [states[u][:, : self.channels[v]] for u in range(1, v) if self.matrix[u][v]]
            if self.matrix[0][v]:
                inputs.append(self.projections[v](x))
            h = inputs[0]
            for other in inputs[1:]:
                h = h + other
            states.append(self.vertex_ops[v](h))
            if self.matrix[v][n - 1]:
                concat.append(states[v])
        if not concat:
            return self.projections[n - 1](x)
        out = torch.cat(concat, dim=1) if len(concat) > 1 else concat[0]
        if self.matrix[0][n - 1]:
            out = out + self.projections[n - 1](x)
        return out


def prune(matrix: Sequence[Sequence[int]], ops: Sequence[str]) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
    """The cell without the vertices that are not on a path input -> output (NB101's ``ModelSpec`` pruning)."""
    n = len(matrix)
    forward, backward = {0}, {n - 1}
    for v in range(1, n):
        if any(matrix[u][v] and u in forward for u in range(v)):
            forward.add(v)
    for v in range(n - 2, -1, -1):
        if any(matrix[v][w] and w in backward for w in range(v + 1, n)):
            backward.add(v)
    keep = sorted(forward & backward)
    if n - 1 not in forward:
        raise ValueError("the cell has no path from input to output")
    return tuple(tuple(int(matrix[i][j]) for j in keep) for i in keep), tuple(ops[i] for i in keep)


class NasBench101Net(nn.Module):
    r"""The NB101 network: ``3x3`` conv-BN-ReLU stem, ``num_stacks`` stacks of cells (channels doubling after each
    ``2x2`` max-pool), global average pooling, linear classifier.

    Args:
        matrix: The cell's adjacency matrix, ``matrix[i][j] == 1`` for an edge ``i -> j`` (pruned here).
        ops: One op per vertex: ``"input"``, interior ops of :data:`OPS`, ``"output"``.
        in_channels: Image channels.
        num_classes: Number of classes.
        config: Sizes.

    Shapes:
        - **input:** images :math:`(N, C_{in}, H, W)`
        - **output:** logits :math:`(N, C)`
    """

    def __init__(
        self,
        matrix: Sequence[Sequence[int]],
        ops: Sequence[str],
        *,
        in_channels: int,
        num_classes: int,
        config: NB101Config | None = None,
    ) -> None:
        super().__init__()
        if len(ops) != len(matrix):
            raise ValueError(f"expected one op per vertex ({len(matrix)}), got {len(ops)}")
        self.config = config = config or NB101Config()
        matrix, ops = prune(matrix, ops)
        c = config.stem_channels
        layers: list[nn.Module] = [ConvBNReLU(in_channels, c, 3)]
        c_in = c
        for stack in range(config.num_stacks):
            if stack:
                layers.append(nn.MaxPool2d(2, stride=2))
                c *= 2
            for _ in range(config.cells_per_stack):
                layers.append(Cell101(matrix, ops, c_in, c))
                c_in = c
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))
