from __future__ import annotations

import pytest
import torch

from latentnas.networks import Task, TaskError
from latentnas.networks.darts import OPS, DartsCell, DartsConfig, DartsNet, FactorizedReduce, make_cell_op
from latentnas.networks.nasbench201 import NB201Config
from latentnas.spaces import get_space

CIFAR = Task("image", in_channels=3, num_classes=10)
NORMAL = (("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("skip_connect", 0), ("dil_conv_3x3", 2),
          ("max_pool_3x3", 1), ("avg_pool_3x3", 3), ("sep_conv_5x5", 0), ("dil_conv_5x5", 4))


@pytest.mark.parametrize("size", [8, 7])
def test_outputs_for_even_and_odd_image_sizes(size: int) -> None:
    net = DartsNet(NORMAL, NORMAL, in_channels=1, num_classes=10, config=DartsConfig(channels=4, layers=3))
    assert net(torch.randn(3, 1, size, size)).shape == (3, 10)


def test_reduction_cells_sit_at_one_and_two_thirds() -> None:
    net = DartsNet(NORMAL, NORMAL, in_channels=3, num_classes=10, config=DartsConfig(channels=4, layers=6))
    reductions = [i for i, cell in enumerate(net.cells) if isinstance(cell.preprocess0, FactorizedReduce)]
    assert reductions == [3, 5]  # the cells after each reduction cell (2, 4) read a reduced c_{k-2}
    assert net.classifier.in_features == 4 * 4 * 4  # four nodes concatenated, channels doubled twice


def test_every_op_keeps_or_halves_the_resolution() -> None:
    x = torch.randn(1, 4, 7, 7)
    for op in OPS:
        assert make_cell_op(op, 4, 1)(x).shape == (1, 4, 7, 7), op
        assert make_cell_op(op, 4, 2)(x).shape == (1, 4, 4, 4), op
    with pytest.raises(ValueError, match="unknown op 'none'; choices: max_pool_3x3"):
        make_cell_op("none", 4, 1)


def test_a_cell_concatenates_its_four_nodes() -> None:
    cell = DartsCell(NORMAL, 6, 6, 4, reduction=False, reduction_prev=False)
    assert cell(torch.randn(2, 6, 5, 5), torch.randn(2, 6, 5, 5)).shape == (2, 16, 5, 5)
    with pytest.raises(ValueError, match="expected 8 \\(op, input\\) pairs, got 2"):
        DartsCell(NORMAL[:2], 6, 6, 4, reduction=False, reduction_prev=False)


def test_refuses_graph_tasks_foreign_configs_and_bad_sizes() -> None:
    space = get_space("darts")
    with pytest.raises(TaskError, match="space 'darts' builds networks for image tasks, got a 'node' task"):
        space.build(space.sample(0), Task("node", 5, 3))
    with pytest.raises(TaskError, match="space 'darts' takes a DartsConfig, got NB201Config"):
        space.build(space.sample(0), CIFAR, config=NB201Config())
    with pytest.raises(ValueError, match="channels must be even"):
        DartsConfig(channels=5)
