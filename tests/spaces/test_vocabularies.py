"""Each op vocabulary is defined once: in the standalone network module that implements the ops. Every registered
space holds that very tuple (``is``, not ``==``) and builds its networks from that module, so the space's ops, its
graph form and its networks cannot drift apart."""

from __future__ import annotations

from types import ModuleType

import pytest
from nas_bench_graph import gnn_list, gnn_list_proteins

import latentnas.networks.darts as darts_net
import latentnas.networks.nasbench101 as nb101_net
import latentnas.networks.nasbench201 as nb201_net
import latentnas.networks.nasbench_graph as graph_net
import latentnas.spaces.darts as darts_space
import latentnas.spaces.nasbench101 as nb101_space
import latentnas.spaces.nasbench201 as nb201_space
import latentnas.spaces.nasbench_graph as graph_space
from latentnas.spaces import SPACES, get_space

#: Every registered space: its network module and the op tuple of that module it holds.
VOCABULARIES: dict[str, tuple[ModuleType, tuple[str, ...]]] = {
    "nasbench-graph": (graph_net, graph_net.OPS),
    "nasbench-graph-proteins": (graph_net, graph_net.PROTEINS_OPS),
    "nasbench201": (nb201_net, nb201_net.OPS),
    "nasbench101": (nb101_net, nb101_net.OPS),
    "darts": (darts_net, darts_net.OPS),
}


def test_every_registered_space_is_listed() -> None:
    assert set(SPACES) == set(VOCABULARIES)


@pytest.mark.parametrize("name", list(VOCABULARIES))
def test_space_ops_are_the_network_modules_tuple(name: str) -> None:
    module, ops = VOCABULARIES[name]
    space = get_space(name)
    assert space.ops is ops
    assert space.network_cls is not None and space.network_cls.__module__ == module.__name__
    types = space.graph_spec.node_types  # the ops are one run of the graph form's node types, in order
    start = types.index(ops[0])
    assert types[start : start + len(ops)] == ops


def test_space_modules_reexport_the_network_modules_tuples() -> None:
    assert graph_space.OPS is graph_net.OPS and graph_space.PROTEINS_OPS is graph_net.PROTEINS_OPS
    assert nb201_space.OPS is nb201_net.OPS
    assert nb101_space.OPS is nb101_net.OPS
    assert darts_space.OPS is darts_net.OPS


def test_nasbench_graph_vocabularies_follow_the_benchmark_package() -> None:
    # The package's valid_hash and its tables are keyed by these names, in this order.
    assert graph_net.OPS == tuple(gnn_list)
    assert graph_net.PROTEINS_OPS == tuple(gnn_list_proteins)


def test_a_reordered_benchmark_vocabulary_is_still_the_shared_tuple() -> None:
    assert graph_space.NasBenchGraphSpace(ops=tuple(reversed(graph_net.PROTEINS_OPS))).ops is graph_net.PROTEINS_OPS
    custom = graph_space.NasBenchGraphSpace(ops=("gcn", "gat"))
    assert custom.ops == ("gat", "gcn") and custom.ops is not graph_net.OPS
