from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from torch_geometric.data import Data

from latentnas.datasets import GraphSplits, load_digits, load_tudataset, split_graphs
from latentnas.networks import Task, TaskError
from latentnas.spaces import get_space

MUTAG = Path(__file__).parents[1] / "data" / "tudataset" / "MUTAG"


@pytest.fixture(scope="module")
def mutag(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("tu")
    shutil.copytree(MUTAG, root / "MUTAG")
    return load_tudataset("MUTAG", root=root)[0]


def path_graph(n: int = 5, **attrs: Any) -> Data:
    edge_index = torch.tensor([list(range(n - 1)) + list(range(1, n)), list(range(1, n)) + list(range(n - 1))])
    return Data(edge_index=edge_index, num_nodes=n, **attrs)


def test_classification_keeps_its_three_keys_and_regression_round_trips() -> None:
    cora = Task("node", 1433, 7)
    assert cora.to_dict() == {"kind": "node", "in_channels": 1433, "num_classes": 7}
    assert Task.from_dict(cora.to_dict()) == cora and cora.out_channels == 7 and not cora.is_regression
    reg = Task.regression("graph", 7, num_targets=3)
    assert reg.to_dict() == {"kind": "graph", "in_channels": 7, "target": "regression", "num_targets": 3}
    assert Task.from_dict(reg.to_dict()) == reg and reg.out_channels == 3 and reg.is_regression
    assert reg == Task("graph", 7, target="regression", num_targets=3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"num_classes": 1}, "num_classes must be at least 2, got 1"),
    ({"num_classes": 3, "num_targets": 2}, "num_targets is for regression"),
    ({"target": "regression"}, "num_targets >= 1, got 0"),
    ({"target": "regression", "num_targets": 1, "num_classes": 2}, "has num_targets, not num_classes"),
    ({"target": "ranking", "num_classes": 2}, "unknown task target 'ranking'; choices: classification, regression"),
])
def test_malformed_tasks_name_the_field(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TaskError, match=message):
        Task("node", 4, **kwargs)


def test_from_dict_names_missing_keys() -> None:
    with pytest.raises(TaskError, match=r"a regression task needs num_targets, got keys \['in_channels', 'kind', "):
        Task.from_dict({"kind": "node", "in_channels": 4, "target": "regression"})


def test_node_tasks_from_one_graph() -> None:
    x = torch.randn(5, 3)
    assert Task.from_data(path_graph(x=x, y=torch.tensor([0, 2, 1, 0, 2]))) == Task("node", 3, 3)
    assert Task.from_data(path_graph(x=x, y=x.sum(1))) == Task.regression("node", 3, 1)
    assert Task.from_data(path_graph(x=x, y=x[:, :2])) == Task.regression("node", 3, 2)
    # A dataset of one graph with one label per node (as Planetoid's) is a node task.
    assert Task.from_data([path_graph(x=x, y=torch.tensor([0, 1, 1, 0, 1]))]) == Task("node", 3, 2)


def test_graph_tasks_from_mutag(mutag: Any) -> None:
    task = Task("graph", 7, 2)
    assert Task.from_data(mutag) == task
    assert Task.from_data(list(mutag)[:10]) == task
    assert Task.from_data(split_graphs(mutag, seed=0)) == task
    graphs = list(mutag)[:12]
    one = [Data(x=g.x, edge_index=g.edge_index, y=g.x[:, 0].mean().reshape(1)) for g in graphs]
    assert Task.from_data(one) == Task.regression("graph", 7, 1)
    three = [Data(x=g.x, edge_index=g.edge_index, y=g.x[:, :3].mean(0, keepdim=True)) for g in graphs]
    assert Task.from_data(GraphSplits(three[:8], three[8:10], three[10:])) == Task.regression("graph", 7, 3)


def test_image_task_from_digits() -> None:
    splits, task = load_digits(seed=0)
    assert Task.from_data(splits) == task == Task("image", 1, 10)


def test_regression_head_is_as_wide_as_the_targets() -> None:
    space = get_space("nasbench-graph")
    arch = space.from_string("[0,0,1,2] [gin,sage,gat,fc]")
    x = torch.randn(5, 3)
    graph = path_graph(x=x)
    for task, width in ((Task.regression("node", 3, 2), 2), (Task("node", 3, 4), 4)):
        assert space.build(arch, task).eval()(graph.x, graph.edge_index).shape == (5, width)
    pooled = space.build(arch, Task.regression("graph", 3, 1)).eval()
    assert pooled(graph.x, graph.edge_index, torch.zeros(5, dtype=torch.long)).shape == (1, 1)


@pytest.mark.parametrize(("data", "message"), [
    (path_graph(y=torch.zeros(5, dtype=torch.long)), "has no node features x; add some, e.g. with "
                                                     "torch_geometric.transforms.OneHotDegree"),
    (path_graph(x=torch.ones(5, 3, dtype=torch.long), y=torch.tensor([0, 1, 0, 1, 0])),
     r"x must be a float matrix .* got torch.int64 of shape \(5, 3\)"),
    (path_graph(x=torch.randn(5, 3)), "has no targets y"),
    (path_graph(x=torch.randn(5, 3), y=torch.tensor([1])), "y has 1 rows but the graph has 5 nodes; .* pass a list"),
    (path_graph(x=torch.randn(5, 3), y=torch.zeros(5, 2, dtype=torch.long)),
     r"one label per node \(1-D\), got shape \(5, 2\)"),
    (path_graph(x=torch.randn(5, 3), y=torch.zeros(5, dtype=torch.int32)), "y is torch.int32: class labels must be"),
    (path_graph(x=torch.randn(5, 3), y=torch.ones(5, dtype=torch.long)), "y holds a single class"),
    (path_graph(x=torch.randn(5, 3), y=torch.tensor([0, 1, -1, 0, 1])), "class labels must be 0 .. C-1, got -1"),
    (path_graph(x=torch.randn(5, 3), y=torch.tensor([0.0, 1.0, float("nan"), 0.0, 1.0])), "NaN or infinite"),
    ([path_graph(x=torch.randn(5, 3), y=torch.tensor([0])), path_graph(x=torch.randn(5, 4), y=torch.tensor([1]))],
     r"different widths: \[3, 4\]"),
    ([path_graph(x=torch.randn(5, 3), y=torch.tensor([0])), path_graph(x=torch.randn(5, 3), y=torch.zeros(5).long())],
     "graph 1 has a y of shape .* node targets on several graphs are not supported"),
    ([], "empty collection"),
    (torch.zeros(3), "cannot infer a task from a Tensor"),
    ([torch.zeros(3)], "must hold torch_geometric Data objects, got Tensor"),
])
def test_tasks_that_cannot_be_inferred_say_why(data: Any, message: str) -> None:
    with pytest.raises(TaskError, match=message):
        Task.from_data(data)
