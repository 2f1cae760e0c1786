from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest
import torch

from latentnas.networks import Task, count_parameters
from latentnas.networks.nasbench101 import NasBench101Net, NB101Config, prune, vertex_channels
from latentnas.spaces import get_space
from latentnas.spaces.nasbench101 import from_naslib_key

CIFAR = Task("image", in_channels=3, num_classes=10)
C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"


def test_param_counts_match_the_vendored_subset() -> None:
    space = get_space("nasbench101")
    raw = resources.files("latentnas").joinpath("data/nasbench101_500.json.gz").read_bytes()
    table = json.loads(gzip.decompress(raw))["nasbench101"]["cifar10"]
    config = NB101Config(stem_channels=128, num_stacks=3, cells_per_stack=3)  # the benchmark's network
    for key, row in list(table.items())[:4]:
        net = space.build(from_naslib_key(key), CIFAR, config=config)
        assert count_parameters(net) == round(row["params"] * 1e6)


def test_output_channels_are_split_among_the_vertices_feeding_the_output() -> None:
    # Input -> 1, 2, 3 -> output: 128 channels split 43, 43, 42 (NB101's rounding).
    matrix = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0] * 5]
    assert vertex_channels(16, 128, matrix) == [16, 43, 43, 42, 128]
    # A vertex not feeding the output takes its widest successor's channels: 0 -> 1 -> 2 -> output.
    assert vertex_channels(16, 64, [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0] * 4]) == [16, 64, 64, 64]


def test_prune_drops_vertices_off_every_path() -> None:
    # Vertex 2 is a dead end (no path to the output); pruning leaves input -> 1 -> output.
    matrix = [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert prune(matrix, ("input", C3, MP, "output")) == (((0, 1, 0), (0, 0, 1), (0, 0, 0)), ("input", C3, "output"))
    with pytest.raises(ValueError, match="no path from input to output"):
        prune([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ("input", C3, "output"))


def test_the_network_prunes_its_cell() -> None:
    config = NB101Config(stem_channels=4)
    dead_end = NasBench101Net([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]], ("input", C3, C1, "output"),
                              in_channels=1, num_classes=10, config=config)
    pruned = NasBench101Net([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ("input", C3, "output"), in_channels=1,
                            num_classes=10, config=config)
    assert count_parameters(dead_end) == count_parameters(pruned)
    assert dead_end(torch.randn(2, 1, 7, 7)).shape == (2, 10)


def test_refusals() -> None:
    with pytest.raises(ValueError, match=r"expected one op per vertex \(3\), got 2"):
        NasBench101Net([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ("input", "output"), in_channels=1, num_classes=2)
    with pytest.raises(ValueError, match="unknown op 'conv5x5'; choices: conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3"):
        NasBench101Net([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ("input", "conv5x5", "output"), in_channels=1,
                       num_classes=2)
    with pytest.raises(ValueError, match="every size must be positive"):
        NB101Config(num_stacks=0)
