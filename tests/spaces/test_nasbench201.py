from __future__ import annotations

import csv
import gzip
import io
import itertools
from collections import defaultdict
from functools import cache

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from latentnas.errors import InvalidArchitectureError
from latentnas.networks.nasbench201 import NB201Config
from latentnas.spaces.nasbench201 import DATA_FILE, EDGE_NAMES, EDGES, OPS, Cell201, NasBench201Space
from latentnas.testing.spaces import SearchSpaceContract

SPACE = NasBench201Space()
ROW1 = Cell201(("nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_3x3", "skip_connect"))
ROW1_STRING = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
cells = st.tuples(*[st.sampled_from(OPS)] * 6).map(Cell201)
op_lists = st.lists(st.sampled_from(OPS), min_size=6, max_size=6)


@cache
def table() -> list[tuple[int, str, str]]:
    """``(index, arch, canonical)`` of every row of the vendored table."""
    with gzip.open(io.BytesIO(DATA_FILE.read_bytes()), "rt", newline="") as handle:
        return [(int(row["index"]), row["arch"], row["canonical"]) for row in csv.DictReader(handle)]


def with_ops(cell: Cell201, changes: dict[int, str]) -> Cell201:
    return Cell201(tuple(changes.get(k, op) for k, op in enumerate(cell.ops)))


def relabellings(cell: Cell201) -> list[Cell201]:
    """The cells isomorphic to ``cell`` under a relabelling of its DAG (none edges removed) other than the identity.

    Nodes 0 and 3 are fixed; the only other permutation swaps nodes 1 and 2, which keeps edges pointing forward iff
    edge 2<-1 is none.
    """
    perm = {0: 0, 1: 2, 2: 1, 3: 3}
    edges = [(j, i) for j, i in EDGES]
    if cell.ops[edges.index((2, 1))] != "none":
        return []
    moved = Cell201(tuple(cell.ops[edges.index((perm[j], perm[i]))] if (j, i) != (2, 1) else "none" for j, i in edges))
    return [moved] if moved != cell else []


def assert_same_partition(rows: list[tuple[int, str, str]]) -> None:
    keys = {index: SPACE.canonical_key(SPACE.from_string(arch)) for index, arch, _ in rows}
    for (i, _, canon_i), (j, _, canon_j) in itertools.combinations(rows, 2):
        assert (keys[i] == keys[j]) == (canon_i == canon_j), (i, j)


class TestNasBench201Contract(SearchSpaceContract):
    network_config = NB201Config(channels=4, cells_per_stage=1)

    @pytest.fixture
    def space(self) -> NasBench201Space:
        return NasBench201Space()


def test_vocabulary_size_and_param_names() -> None:
    assert SPACE.name == "nasbench201"
    assert SPACE.ops == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    assert SPACE.size() == 15_625
    assert list(SPACE.distributions()) == ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"]
    assert SPACE.to_params(ROW1) == dict(zip(EDGE_NAMES, ROW1.ops, strict=True))


def test_known_string_parses_to_edge_ops_in_nb201_order() -> None:
    assert SPACE.from_string(ROW1_STRING) == ROW1
    assert SPACE.to_string(ROW1) == ROW1_STRING


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "has 2 nodes, expected 3"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2 .* has 1 edges, expected 2"),
        (ROW1_STRING.replace("avg_pool_3x3", "max_pool_3x3"), "unknown op of edge 2<-1 'max_pool_3x3'.*choices: none"),
        (ROW1_STRING.replace("skip_connect~2", "skip_connect~1"), "must read 'op~2'"),
        (ROW1_STRING.replace("skip_connect~2", "skip_connect2"), "must read 'op~2'"),
        (ROW1_STRING[1:], "unparsable"),
        ("|", "unparsable"),
    ],
)
def test_malformed_strings_name_the_problem(text: str, reason: str) -> None:
    with pytest.raises(InvalidArchitectureError, match=reason):
        SPACE.from_string(text)


def test_invalid_cells_and_params_are_refused() -> None:
    with pytest.raises(InvalidArchitectureError, match="tuple of 6 ops"):
        SPACE.validate(Cell201(("none",) * 5))
    with pytest.raises(
        InvalidArchitectureError,
        match="unknown op of edge 3<-2 'conv' in space 'nasbench201'; choices: none, skip_connect",
    ):
        SPACE.validate(Cell201(("none",) * 5 + ("conv",)))
    params = SPACE.to_params(ROW1)
    del params["3<-2"]
    with pytest.raises(InvalidArchitectureError, match=r"missing: \['3<-2'\], unexpected: \['op0'\]"):
        SPACE.from_params({**params, "op0": "none"})


def test_enumeration_is_every_cell_in_nb201_index_order() -> None:
    cells_in_order = list(SPACE.enumerate())
    assert [SPACE.to_string(cell) for cell in cells_in_order] == [arch for _, arch, _ in table()]
    assert [index for index, _, _ in table()] == list(range(15_625))
    assert set(cells_in_order) == {Cell201(ops) for ops in itertools.product(OPS, repeat=6)}
    assert cells_in_order[1] == ROW1
    assert SPACE.index(ROW1) == 1


def test_canonical_partition_matches_table_on_sampled_rows() -> None:
    rows = table()
    by_class = defaultdict(list)
    for row in rows:
        by_class[row[2]].append(row)
    picked = [member for row in rows[:8] + [rows[55]] for member in by_class[row[2]][:5]]
    picked += rows[::625]
    assert len({canon for _, _, canon in picked}) == 33
    assert_same_partition(picked)
    for _, arch, canon in picked:
        assert SPACE.canonical_key(SPACE.from_string(arch)) == canon


@pytest.mark.slow
def test_canonical_partition_matches_table_on_all_rows() -> None:
    key_to_canon: dict[str, str] = {}
    canon_to_key: dict[str, str] = {}
    for _, arch, canon in table():
        key = SPACE.canonical_key(SPACE.from_string(arch))
        assert key_to_canon.setdefault(key, canon) == canon
        assert canon_to_key.setdefault(canon, key) == key
    assert len(key_to_canon) == len(canon_to_key) == 6_466


def test_canonicalize_returns_lowest_index_member() -> None:
    row_14483 = SPACE.from_string("|skip_connect~0|+|avg_pool_3x3~0|none~1|+|none~0|skip_connect~1|none~2|")
    representative = SPACE.canonicalize(row_14483)
    assert SPACE.to_string(representative) == (
        "|skip_connect~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|none~2|"
    )
    assert SPACE.index(representative) == 55
    assert SPACE.canonical_key(representative) == SPACE.canonical_key(row_14483) == "#+#+0"


def test_swapping_the_intermediate_nodes_is_not_merged_as_in_the_table() -> None:
    # Rows 3 and 14483 are isomorphic cells (nodes 1 and 2 swap roles; edge 2<-1 is none), but NATS' canonical form
    # keeps zero terms in sums, so the table files them under two classes, and so do we.
    row_3 = SPACE.from_string(table()[3][1])
    assert relabellings(row_3) == [SPACE.from_string(table()[14483][1])]
    swapped = relabellings(row_3)[0]
    assert SPACE.canonical_key(row_3) == "#+#+#+0"
    assert SPACE.canonical_key(swapped) == "#+#+0"


def test_neighbours_leave_out_isomorphic_edits() -> None:
    all_conv = Cell201(("nor_conv_3x3",) * 6)
    assert len(SPACE.neighbours(all_conv)) == 24
    empty = Cell201(("none",) * 6)
    # Only edges into the output matter when everything else is none: 2 of them x 4 other ops.
    assert [SPACE.index(cell) for cell in SPACE.neighbours(empty)] == [186, 3043, 6960, 4189, 9585, 8133, 14626, 105]
    row_3 = SPACE.from_string(table()[3][1])
    # Node 1 feeds nothing (2<-1 and 3<-1 are none), so its 4 edits of edge 1<-0 are left out.
    neighbours = SPACE.neighbours(row_3)
    assert len(neighbours) == 20
    assert all(cell.ops[0] == row_3.ops[0] for cell in neighbours)


def test_graph_form_is_fixed_with_ops_as_nodes() -> None:
    types, adj = SPACE.to_dense(ROW1)
    assert SPACE.graph_spec.node_types == ("input", "output", *OPS)
    assert types == [0, 5, 5, 6, 3, 5, 3, 1]
    assert adj == [
        [0, 1, 1, 0, 1, 0, 0, 0],  # input -> edges 1<-0, 2<-0, 3<-0
        [0, 0, 0, 1, 0, 1, 0, 0],  # 1<-0 -> 2<-1, 3<-1
        [0, 0, 0, 0, 0, 0, 1, 0],  # 2<-0 -> 3<-2
        [0, 0, 0, 0, 0, 0, 1, 0],  # 2<-1 -> 3<-2
        [0, 0, 0, 0, 0, 0, 0, 1],  # edges into node 3 -> output
        [0, 0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0, 0],
    ]
    assert SPACE.to_dense(Cell201(("none",) * 6))[1] == adj


def test_from_logits_takes_argmax_of_op_columns_and_ignores_adjacency() -> None:
    logits = torch.zeros(8, 7)
    logits[:, 0] = logits[:, 1] = 100.0  # input/output columns are never chosen for op nodes
    for k, op in enumerate(ROW1.ops):
        logits[k + 1, 2 + OPS.index(op)] = 1.0
    assert SPACE.from_logits(logits, torch.randn(8, 8)) == ROW1
    assert SPACE.from_logits(torch.full((8, 7), float("nan")), torch.zeros(8, 8)) == Cell201(("none",) * 6)


@given(cells)
def test_string_and_params_round_trip(cell: Cell201) -> None:
    assert SPACE.from_string(SPACE.to_string(cell)) == cell
    assert SPACE.from_params(SPACE.to_params(cell)) == cell
    assert SPACE.canonical_key(SPACE.canonicalize(cell)) == SPACE.canonical_key(cell)


@given(cells, op_lists)
def test_key_ignores_edges_off_every_path(cell: Cell201, other: list[str]) -> None:
    # Node 1 is zero: what leaves it does not matter.
    zero_1 = with_ops(cell, {0: "none"})
    assert SPACE.canonical_key(zero_1) == SPACE.canonical_key(with_ops(zero_1, {2: other[2], 4: other[4]}))
    # Node 1 feeds nothing: its input edge does not matter.
    dead_1 = with_ops(cell, {2: "none", 4: "none"})
    assert SPACE.canonical_key(dead_1) == SPACE.canonical_key(with_ops(dead_1, {0: other[0]}))
    # Node 2 feeds nothing: its input edges do not matter.
    dead_2 = with_ops(cell, {5: "none"})
    assert SPACE.canonical_key(dead_2) == SPACE.canonical_key(with_ops(dead_2, {1: other[1], 2: other[2]}))


@given(cells, st.booleans(), st.booleans())
def test_key_is_shared_by_relabellings_through_a_skip(cell: Cell201, swap_2: bool, swap_3: bool) -> None:
    # With 1<-0 a skip_connect node 1 equals the input, so edges from 0 and from 1 into one node commute.
    skip = with_ops(cell, {0: "skip_connect"})
    a, b, c, d, e, f = skip.ops
    relabelled = Cell201((a, *((c, b) if swap_2 else (b, c)), *((e, d) if swap_3 else (d, e)), f))
    assert SPACE.canonical_key(relabelled) == SPACE.canonical_key(skip)
    assert SPACE.canonicalize(relabelled) == SPACE.canonicalize(skip)


@given(cells)
def test_key_follows_the_table_under_dag_relabellings(cell: Cell201) -> None:
    canon = {arch: canonical for _, arch, canonical in table()}
    for other in relabellings(cell):
        assert SPACE.from_string(SPACE.to_string(other)) == other
        same_in_table = canon[SPACE.to_string(other)] == canon[SPACE.to_string(cell)]
        assert (SPACE.canonical_key(other) == SPACE.canonical_key(cell)) == same_in_table
