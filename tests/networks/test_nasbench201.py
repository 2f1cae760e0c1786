from __future__ import annotations

import pytest
import torch

from latentnas.networks import Task, count_parameters
from latentnas.networks.nasbench201 import OPS, Cell201, NasBench201Net, NB201Config, ResidualReduction, make_cell_op
from latentnas.spaces import get_space

CIFAR = Task("image", in_channels=3, num_classes=10)


def test_param_counts_match_the_table() -> None:
    # params_m of NB201 rows 0 and 1 (CIFAR-10, C=16, N=5).
    space = get_space("nasbench201")
    rows = {
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|": 129_306,
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|": 802_426,
    }
    for text, params in rows.items():
        assert count_parameters(space.build(space.from_string(text), CIFAR)) == params


@pytest.mark.parametrize("size", [8, 7])
def test_outputs_for_even_and_odd_image_sizes(size: int) -> None:
    net = NasBench201Net(("nor_conv_3x3",) * 6, in_channels=1, num_classes=10, config=NB201Config(4, 1))
    assert net(torch.randn(3, 1, size, size)).shape == (3, 10)


def test_none_edges_are_left_out_of_the_sums() -> None:
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(Cell201(("none",) * 6, 4)(x), torch.zeros_like(x))
    # Only 3<-0 carries anything: the output is the input itself.
    assert torch.equal(Cell201(("none", "none", "none", "skip_connect", "none", "none"), 4)(x), x)
    # Two skips into node 3 (3<-0 and 3<-1 over 1<-0) sum to twice the input.
    assert torch.equal(Cell201(("skip_connect", "none", "none", "skip_connect", "skip_connect", "none"), 4)(x), 2 * x)


def test_reduction_halves_the_resolution_and_doubles_channels() -> None:
    assert ResidualReduction(4, 8)(torch.randn(2, 4, 7, 7)).shape == (2, 8, 4, 4)


def test_every_op_and_the_refusals() -> None:
    x = torch.randn(1, 4, 5, 5)
    for op in OPS:
        assert make_cell_op(op, 4)(x).shape == x.shape, op
    with pytest.raises(ValueError, match="unknown op 'conv'; choices: none, skip_connect, nor_conv_1x1"):
        make_cell_op("conv", 4)
    with pytest.raises(ValueError, match="expected 6 ops, got 5"):
        Cell201(("none",) * 5, 4)
    with pytest.raises(ValueError, match="channels and cells_per_stage must be positive"):
        NB201Config(channels=0)
