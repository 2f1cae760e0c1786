from __future__ import annotations

import pytest
import torch
from nas_bench_graph import Arch, light_read

from latentnas.networks import Task, TaskError, count_parameters
from latentnas.networks.nasbench_graph import GNNConfig, NasBenchGraphNet
from latentnas.spaces import get_space

CORA = Task("node", in_channels=1433, num_classes=7)


@pytest.fixture(scope="module")
def space():  # type: ignore[no-untyped-def]
    return get_space("nasbench-graph")


def _graph(n: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, 5, generator=torch.Generator().manual_seed(0))
    ring = torch.arange(n)
    edge_index = torch.stack([torch.cat([ring, (ring + 1) % n]), torch.cat([(ring + 1) % n, ring])])
    return x, edge_index


def test_node_and_graph_outputs(space) -> None:  # type: ignore[no-untyped-def]
    arch = space.from_string("[0,0,1,2] [gat,gcn,gin,cheb]")
    x, edge_index = _graph()
    node = space.build(arch, Task("node", 5, 3), config=GNNConfig(hidden=8))
    assert node(x, edge_index).shape == (6, 3)
    graph = space.build(arch, Task("graph", 5, 2), config=GNNConfig(hidden=8))
    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    assert graph(x, edge_index, batch).shape == (2, 2)


def test_every_op_builds_and_runs(space) -> None:  # type: ignore[no-untyped-def]
    x, edge_index = _graph()
    for op in space.ops:
        ops = ("fc", "fc", "fc", op)
        net = space.build(space.from_string(f"[0,1,2,3] [{','.join(ops)}]"), Task("node", 5, 3),
                          config=GNNConfig(hidden=8))
        assert net(x, edge_index).shape == (6, 3), op


def test_param_count_of_a_known_arch(space) -> None:  # type: ignore[no-untyped-def]
    # skip, skip, skip, gcn: GCN 1433->256 (367,104) + post 256->256 (65,792) + classifier 256->7 (1,799).
    net = space.build(space.from_string("[0,1,2,3] [skip,skip,skip,gcn]"), CORA)
    assert count_parameters(net) == 434_695


def test_op_sizes_match_the_benchmark_table(space) -> None:  # type: ignore[no-untyped-def]
    # The table's `para` (millions) differs between one-op cells exactly as our ops' parameter counts do.
    table = light_read("cora")

    def para(op: str) -> int:
        return round(table[Arch([0, 1, 2, 3], ["skip", "skip", "skip", op]).valid_hash()]["para"] * 1e6)

    def ours(op: str) -> int:
        return count_parameters(space.build(space.from_string(f"[0,1,2,3] [skip,skip,skip,{op}]"), CORA))

    for op in ("gat", "gin", "cheb", "sage", "arma", "graph", "fc"):
        assert ours(op) - ours("gcn") == para(op) - para("gcn"), op


def test_skip_leaf_from_the_input_is_projected(space) -> None:  # type: ignore[no-untyped-def]
    net = space.build(space.from_string("[0,0,0,0] [skip,gcn,gcn,gcn]"), Task("node", 5, 3),
                      config=GNNConfig(hidden=8))
    assert set(net.project) == {"1"}
    x, edge_index = _graph()
    assert net(x, edge_index).shape == (6, 3)


def test_refuses_image_tasks_and_bad_links(space) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TaskError, match="node or graph"):
        space.build(space.sample(0), Task("image", 3, 10))
    with pytest.raises(ValueError, match="link"):
        NasBenchGraphNet((0, 2, 0, 0), ("gcn",) * 4, in_channels=5, num_classes=2)
    with pytest.raises(ValueError, match="hidden"):
        GNNConfig(hidden=7)
