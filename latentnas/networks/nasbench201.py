"""The NAS-Bench-201 network: a stem, three stages of identical cells, residual reduction blocks.

From Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search" (ICLR 2020).
NOTE: this module imports only torch, so that ``latentnas export`` can copy its source into a standalone file; for
the same reason its errors are plain ``ValueError``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from torch import Tensor, nn

#: The ops of a cell edge, in NB201's order (the single definition: the NB201 space takes this tuple).
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: The 6 edges ``(target, source)`` in NB201's string order.
CELL_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))


@dataclass(frozen=True)
class NB201Config:
    """Sizes of an NB201 network (the benchmark's: ``C = 16``, ``N = 5``).

    Args:
        channels: Channels of the first stage (doubled at each reduction).
        cells_per_stage: Cells in each of the three stages.
    """

    channels: int = 16
    cells_per_stage: int = 5

    def __post_init__(self) -> None:
        if self.channels < 1 or self.cells_per_stage < 1:
            raise ValueError(f"channels and cells_per_stage must be positive, got {self}")


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias, batch norm (NB201's ``nor_conv`` ops)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(out_channels),
        )


class ResidualReduction(nn.Module):
    """NB201's reduction block: two ``3x3`` ReLU-conv-BN (the first strided) plus an average-pooled, ``1x1``
    projected shortcut."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(in_channels, out_channels, 3, 2, 1)
        self.conv_b = ReLUConvBN(out_channels, out_channels, 3, 1, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=True),  # NOTE: ceil: odd sizes too
            nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


def make_cell_op(op: str, channels: int) -> nn.Module:
    """One NB201 edge op on ``channels`` channels (``none`` is built as identity and never called)."""
    if op == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if op == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, 1)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    if op in ("skip_connect", "none"):
        return nn.Identity()
    raise ValueError(f"unknown op '{op}'; choices: {', '.join(OPS)}")


class Cell201(nn.Module):
    r"""One NB201 cell: node ``j`` sums ``op(j<-i)`` over ``i < j``; node 3 is the output.

    NOTE: ``none`` edges are left out of the sums (NB201 multiplies by zero); a node with only ``none`` inputs is 0.

    Shapes:
        - **input:** :math:`(N, C, H, W)`
        - **output:** :math:`(N, C, H, W)`
    """

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        if len(ops) != len(CELL_EDGES):
            raise ValueError(f"expected {len(CELL_EDGES)} ops, got {len(ops)}")
        self.ops = tuple(ops)
        self.edges = nn.ModuleList(make_cell_op(op, channels) for op in self.ops)

    def forward(self, x: Tensor) -> Tensor:
        nodes = [x]
        for target in range(1, 4):
            total: Tensor | None = None
            for (j, i), op, layer in zip(CELL_EDGES, self.ops, self.edges):
                if j == target and op != "none":
                    h = layer(nodes[i])
                    total = h if total is None else total + h
            nodes.append(x.mul(0.0) if total is None else total)
        return nodes[3]


class NasBench201Net(nn.Module):
    r"""The NB201 network: ``3x3`` conv-BN stem, three stages of ``N`` cells with :class:`ResidualReduction`
    between them (channels ``C, 2C, 4C``), BN-ReLU, global average pooling, linear classifier.

    Args:
        ops: The op of each of the six edges (``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2``).
        in_channels: Image channels.
        num_classes: Number of classes.
        config: Channels and cells per stage.

    Shapes:
        - **input:** images :math:`(N, C_{in}, H, W)`
        - **output:** logits :math:`(N, C)`
    """

    def __init__(
        self, ops: Sequence[str], *, in_channels: int, num_classes: int, config: NB201Config | None = None
    ) -> None:
        super().__init__()
        self.config = config = config or NB201Config()
        c = config.channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers: list[nn.Module] = []
        for stage in range(3):
            if stage:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            layers += [Cell201(ops, c) for _ in range(config.cells_per_stage)]
        self.cells = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.head(self.cells(self.stem(x))))
