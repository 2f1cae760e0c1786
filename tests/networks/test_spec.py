from __future__ import annotations

import torch
from torch import nn

from latentnas.networks import NetworkSpec, Task, count_parameters
from latentnas.networks.nasbench201 import NasBench201Net, NB201Config
from latentnas.spaces import get_space

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_a_space_spec_names_the_module_class_and_plain_arguments() -> None:
    space = get_space("nasbench201")
    spec = space.network_spec(space.from_string(ARCH), Task("image", 1, 10), config=NB201Config(4, 1))
    assert spec == NetworkSpec(
        "latentnas.networks.nasbench201", "NasBench201Net", "NB201Config",
        {"ops": ("nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_3x3", "skip_connect"),
         "in_channels": 1, "num_classes": 10},
        {"channels": 4, "cells_per_stage": 1},
    )


def test_instantiate_builds_the_named_class_from_the_global_generator() -> None:
    spec = NetworkSpec("latentnas.networks.nasbench201", "NasBench201Net", "NB201Config",
                       {"ops": ("nor_conv_1x1",) * 6, "in_channels": 1, "num_classes": 3},
                       {"channels": 4, "cells_per_stage": 1})
    torch.manual_seed(0)
    first = spec.instantiate()
    torch.manual_seed(0)
    direct = NasBench201Net(("nor_conv_1x1",) * 6, in_channels=1, num_classes=3, config=NB201Config(4, 1))
    assert type(first) is NasBench201Net and first.config == NB201Config(4, 1)
    for (name, a), b in zip(first.state_dict().items(), direct.state_dict().values()):
        assert torch.equal(a, b), name


def test_count_parameters_counts_trainable_ones_only() -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))  # 8 + 4 parameters; BN's running stats are buffers
    assert count_parameters(net) == 12
    net[0].weight.requires_grad_(False)
    assert count_parameters(net) == 6
