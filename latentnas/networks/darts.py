"""The DARTS evaluation network: a stem and a stack of normal cells with reduction cells at 1/3 and 2/3 depth.

From Liu et al., "DARTS: Differentiable Architecture Search" (ICLR 2019), the ``NetworkCIFAR`` of its code without
the auxiliary head and drop-path. NOTE: this module imports only torch, so that ``latentnas export`` can copy its
source into a standalone file; for the same reason its errors are plain ``ValueError``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: The ops of a DARTS cell edge: the primitives without ``none``, in NASLib/NB301 order (the compact genotype's op
#: indices; the single definition: the DARTS space takes this tuple).
OPS: tuple[str, ...] = (
    "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
)
Pair = tuple[str, int]


@dataclass(frozen=True)
class DartsConfig:
    """Sizes of a DARTS network (the paper's CIFAR-10 network is ``channels=36, layers=20``; smaller by default).

    Args:
        channels: Channels of the first cells (doubled at each reduction cell).
        layers: Number of cells (at least 3).
        stem_multiplier: The stem has ``stem_multiplier * channels`` channels.
    """

    channels: int = 16
    layers: int = 8
    stem_multiplier: int = 3

    def __post_init__(self) -> None:
        if self.channels < 2 or self.channels % 2 or self.layers < 3 or self.stem_multiplier < 1:
            raise ValueError(f"channels must be even and >= 2, layers >= 3, stem_multiplier >= 1; got {self}")


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int) -> None:
        super().__init__(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, kernel_size, stride, padding, bias=False),
                         nn.BatchNorm2d(c_out))


class DilConv(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int, dilation: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel_size, stride, padding, dilation=dilation, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )


class SepConv(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel_size, stride, padding, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_in, 1, bias=False),
            nn.BatchNorm2d(c_in),
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel_size, 1, padding, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )


class FactorizedReduce(nn.Module):
    """Halves the resolution with two strided ``1x1`` convs, one shifted by a pixel (padded for odd sizes)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


def make_cell_op(op: str, channels: int, stride: int) -> nn.Module:
    """One DARTS edge op on ``channels`` channels."""
    if op == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if op == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(channels, channels)
    if op in ("sep_conv_3x3", "sep_conv_5x5"):
        k = 3 if op == "sep_conv_3x3" else 5
        return SepConv(channels, channels, k, stride, k // 2)
    if op in ("dil_conv_3x3", "dil_conv_5x5"):
        k = 3 if op == "dil_conv_3x3" else 5
        return DilConv(channels, channels, k, stride, k - 1, 2)
    raise ValueError(f"unknown op '{op}'; choices: {', '.join(OPS)}")


class DartsCell(nn.Module):
    r"""One DARTS cell: intermediate node ``k`` sums two ``(op, input)`` pairs; nodes 2-5 are concatenated.

    Shapes:
        - **input:** the two previous cells' outputs :math:`(N, C_{pp}, H', W')`, :math:`(N, C_{p}, H, W)`
        - **output:** :math:`(N, 4C, H, W)`, or :math:`(N, 4C, H/2, W/2)` for a reduction cell
    """

    def __init__(self, pairs: Sequence[Pair], c_pp: int, c_p: int, c: int, *, reduction: bool, reduction_prev: bool):
        super().__init__()
        if len(pairs) != 8:
            raise ValueError(f"expected 8 (op, input) pairs, got {len(pairs)}")
        self.preprocess0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(c_p, c, 1, 1, 0)
        self.inputs = tuple(int(index) for _, index in pairs)
        self.edges = nn.ModuleList(
            make_cell_op(op, c, 2 if reduction and index < 2 else 1) for op, index in pairs
        )

    def forward(self, s0: Tensor, s1: Tensor) -> Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k in range(4):
            a, b = 2 * k, 2 * k + 1
            states.append(self.edges[a](states[self.inputs[a]]) + self.edges[b](states[self.inputs[b]]))
        return torch.cat(states[2:], dim=1)


class DartsNet(nn.Module):
    r"""A DARTS genotype as a network (``NetworkCIFAR`` without auxiliary head).

    Args:
        normal: The normal cell's 8 ``(op, input)`` pairs.
        reduce: The reduction cell's 8 pairs.
        in_channels: Image channels.
        num_classes: Number of classes.
        config: Sizes.

    Shapes:
        - **input:** images :math:`(N, C_{in}, H, W)`
        - **output:** logits :math:`(N, C)`
    """

    def __init__(
        self,
        normal: Sequence[Pair],
        reduce: Sequence[Pair],
        *,
        in_channels: int,
        num_classes: int,
        config: DartsConfig | None = None,
    ) -> None:
        super().__init__()
        self.config = config = config or DartsConfig()
        c_curr = config.stem_multiplier * config.channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_pp, c_p, c_curr = c_curr, c_curr, config.channels
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(config.layers):
            reduction = i in (config.layers // 3, 2 * config.layers // 3)
            if reduction:
                c_curr *= 2
            pairs = reduce if reduction else normal
            self.cells.append(DartsCell(pairs, c_pp, c_p, c_curr, reduction=reduction, reduction_prev=reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, 4 * c_curr
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_p, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1))
