"""The search-space contract's helpers, and that the contract fails spaces that break it."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from latentnas.networks import Task
from latentnas.networks.nasbench201 import NasBench201Net
from latentnas.spaces.nasbench201 import Cell201, NasBench201Space
from latentnas.testing.spaces import SearchSpaceContract, imported_roots, is_plain, task_inputs


def test_is_plain() -> None:
    assert is_plain({"ops": ("a", "b"), "matrix": ((0, 1), (0, 0)), "pairs": [("x", 0)], "p": 0.5, "f": None})
    assert not is_plain({"ops": {"a"}})  # a set
    assert not is_plain({1: "a"})  # a non-string key
    assert not is_plain((torch.zeros(1),))


def test_imported_roots() -> None:
    source = "import os.path\nimport torch.nn as nn\nfrom torch_geometric.nn import GCNConv\nfrom . import x\n"
    assert imported_roots(source) == {"os", "torch", "torch_geometric", "."}


@pytest.mark.parametrize(("kind", "predictions"), [("node", 6), ("graph", 2), ("image", 2)])
def test_task_inputs(kind: str, predictions: int) -> None:
    inputs, count = task_inputs(Task(kind, 3, 4), generator=torch.Generator().manual_seed(0))
    assert count == predictions and inputs[0].shape[:2] == ((2, 3) if kind == "image" else (6, 3))
    if kind == "graph":
        x, edge_index, batch = inputs
        assert bool((batch[edge_index[0]] == batch[edge_index[1]]).all())  # no edge joins the two graphs
        assert edge_index.size(1) == 12


class _NetworkHere(NasBench201Net):
    """A network defined in a module that imports latentnas and pytest: it could not be exported."""


class _UnexportableSpace(NasBench201Space):
    network_cls = _NetworkHere


class _SetKwargsSpace(NasBench201Space):
    def network_kwargs(self, arch: Cell201, task: Task) -> dict[str, Any]:
        return {"ops": list(arch.ops), "unused": {"a set"}}


def test_the_contract_fails_a_network_that_cannot_be_exported() -> None:
    with pytest.raises(AssertionError):
        SearchSpaceContract().test_network_module_is_standalone(_UnexportableSpace())
    SearchSpaceContract().test_network_module_is_standalone(NasBench201Space())


def test_the_contract_fails_arguments_that_are_not_plain() -> None:
    with pytest.raises(AssertionError):
        SearchSpaceContract().test_network_spec_is_plain_and_builds_the_network(_SetKwargsSpace())


def test_the_contract_fails_a_network_of_another_class() -> None:
    class _OtherNet(nn.Module):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__()

    class _Space(NasBench201Space):
        def build(self, arch: Cell201, task: Task, *, config: Any = None) -> nn.Module:
            return _OtherNet()

    with pytest.raises(AssertionError):
        SearchSpaceContract().test_network_spec_is_plain_and_builds_the_network(_Space())
