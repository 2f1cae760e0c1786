from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest
import torch

from latentnas.networks import Task, TaskError, count_parameters
from latentnas.networks.darts import DartsConfig
from latentnas.networks.nasbench101 import NB101Config
from latentnas.networks.nasbench201 import NB201Config
from latentnas.spaces import get_space

CIFAR = Task("image", in_channels=3, num_classes=10)


def test_nb201_param_counts_match_the_table() -> None:
    # params_m of NB201 rows 0 and 1 (CIFAR-10, C=16, N=5).
    space = get_space("nasbench201")
    rows = {
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|": 129_306,
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|": 802_426,
    }
    for text, params in rows.items():
        assert count_parameters(space.build(space.from_string(text), CIFAR)) == params


def test_nb101_param_counts_match_the_vendored_subset() -> None:
    from latentnas.spaces.nasbench101 import from_naslib_key

    space = get_space("nasbench101")
    raw = resources.files("latentnas").joinpath("data/nasbench101_500.json.gz").read_bytes()
    table = json.loads(gzip.decompress(raw))["nasbench101"]["cifar10"]
    config = NB101Config(stem_channels=128, num_stacks=3, cells_per_stack=3)  # the benchmark's network
    for key, row in list(table.items())[:4]:
        net = space.build(from_naslib_key(key), CIFAR, config=config)
        assert count_parameters(net) == round(row["params"] * 1e6)


@pytest.mark.parametrize(
    ("name", "config"),
    [("nasbench201", NB201Config(channels=4, cells_per_stage=1)),
     ("nasbench101", NB101Config(stem_channels=4)),
     ("darts", DartsConfig(channels=4, layers=3))],
)
@pytest.mark.parametrize("size", [8, 7])
def test_image_outputs(name: str, config: object, size: int) -> None:
    space = get_space(name)
    net = space.build(space.sample(0), Task("image", 1, 10), config=config)
    assert net(torch.randn(3, 1, size, size)).shape == (3, 10)


def test_refuses_graph_tasks_and_foreign_configs() -> None:
    space = get_space("darts")
    with pytest.raises(TaskError, match="image"):
        space.build(space.sample(0), Task("node", 5, 3))
    with pytest.raises(TaskError, match="DartsConfig"):
        space.build(space.sample(0), CIFAR, config=NB201Config())
