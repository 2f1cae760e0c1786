from __future__ import annotations

import random
from collections import defaultdict

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latentnas.errors import InvalidArchitectureError
from latentnas.networks.nasbench101 import NB101Config
from latentnas.spaces.nasbench101 import Cell101, NasBench101Space, from_naslib_key, load_nasbench101_subset
from latentnas.testing.spaces import SearchSpaceContract

C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
SPACE = NasBench101Space()

# NB101's README example: an Inception-like cell (9 edges, nothing to prune).
INCEPTION = Cell101(
    (
        (0, 1, 1, 1, 0, 1, 0),
        (0, 0, 0, 0, 0, 0, 1),
        (0, 0, 0, 0, 0, 0, 1),
        (0, 0, 0, 0, 1, 0, 0),
        (0, 0, 0, 0, 0, 0, 1),
        (0, 0, 0, 0, 0, 0, 1),
        (0, 0, 0, 0, 0, 0, 0),
    ),
    ("input", C1, C3, C3, C3, MP, "output"),
)


def cell(rows: list[str], ops: list[str]) -> Cell101:
    return Cell101(tuple(tuple(int(v) for v in row) for row in rows), ("input", *ops, "output"))


def relabel(arch: Cell101, order: list[int]) -> Cell101:
    return Cell101(tuple(tuple(arch.matrix[i][j] for j in order) for i in order), tuple(arch.ops[i] for i in order))


class TestNasBench101Contract(SearchSpaceContract):
    network_config = NB101Config(stem_channels=4)

    @pytest.fixture
    def space(self) -> NasBench101Space:
        return NasBench101Space()


def test_subset_parses_validates_and_keys_agree_with_nb101_repeats() -> None:
    subset = load_nasbench101_subset()
    assert len(subset) == 500
    assert all(len(arch.ops) == 7 for arch, _ in subset)
    for arch, _ in subset:
        SPACE.validate(arch)
    assert round(min(acc for _, acc in subset), 2) == 73.38
    assert round(max(acc for _, acc in subset), 2) == 94.71
    accuracies: dict[str, set[float]] = defaultdict(set)
    for arch, acc in subset:
        accuracies[SPACE.canonical_key(arch)].add(acc)
    # NASLib sampled raw 7-node specs: after pruning only 292 cells are distinct (55 are input -> output alone).
    assert len(accuracies) == 292
    assert len({SPACE.canonicalize(arch) for arch, _ in subset}) == 292
    # val_accuracy is one of NB101's 3 training repeats, so one cell never shows more than 3 values.
    assert max(len(values) for values in accuracies.values()) == 3
    trivial = SPACE.canonical_key(cell(["01", "00"], []))
    assert sum(SPACE.canonical_key(arch) == trivial for arch, _ in subset) == 55


def test_naslib_key() -> None:
    key = "(" + ", ".join(map(str, [int(v) for row in INCEPTION.matrix for v in row] + [0, 3, 4, 4, 4, 2, 1])) + ")"
    assert from_naslib_key(key) == INCEPTION
    with pytest.raises(InvalidArchitectureError, match="56 ints"):
        from_naslib_key("(0, 1, 2)")


def test_pruning_in_canonicalize_keeps_the_encoding() -> None:
    # node 1 is a dead end, node 2 is unreachable; 0 -> 3 -> 4 -> 5 -> 6 is the live chain.
    raw = cell(["0101000", "0000000", "0000001", "0000100", "0000010", "0000001", "0000000"], [MP, C1, C3, C1, MP])
    SPACE.validate(raw)
    assert SPACE.to_params(raw)["op1"] == MP
    assert SPACE.canonicalize(raw) == cell(["01000", "00100", "00010", "00001", "00000"], [C3, C1, MP])
    assert SPACE.canonical_key(raw) == SPACE.canonical_key(SPACE.canonicalize(raw))
    # the 2-node branch comes first (smallest row 0), then the ties ordered by op index
    assert SPACE.canonicalize(INCEPTION).ops == ("input", C3, C3, C3, C1, MP, "output")


@pytest.mark.parametrize(
    ("arch", "message"),
    [
        (cell(["010", "000", "000"], [C3]), "no path from input to output"),
        (cell(["0111111", "0011111", "0000001", "0000001", "0000001", "0000001", "0000000"], [C3] * 5), "15 edges"),
        (cell(["0" * 8] * 8, [C3] * 6), "2 to 7 nodes, got 8"),
        (Cell101(((0, 1, 0), (0, 0, 1), (1, 0, 0)), ("input", C3, "output")), "not upper triangular: edge 2->0"),
        (cell(["011", "001", "000"], ["conv5x5"]), "unknown op of node 1 'conv5x5'.*choices"),
        (Cell101(((0, 1), (0, 0)), ("output", "input")), "must start with 'input'"),
        (Cell101(((0, 2), (0, 0)), ("input", "output")), "0 or 1"),
    ],
)
def test_invalid_cells_name_what_is_wrong(arch: Cell101, message: str) -> None:
    with pytest.raises(InvalidArchitectureError, match=message):
        SPACE.validate(arch)


def test_pruned_edges_do_not_count() -> None:
    # 12 raw edges, but node 5 is a dead end: 8 live edges remain, as in NB101's own check.
    raw = cell(["0111110", "0000011", "0000011", "0000011", "0000001", "0000000", "0000000"], [C3, C3, C3, C3, C3])
    assert raw.num_edges == 12
    SPACE.validate(raw)
    assert SPACE.canonicalize(raw).num_edges == 8


def test_string_format_is_exact() -> None:
    arch = cell(["0110", "0001", "0001", "0000"], [C3, MP])
    text = "matrix=0110/0001/0001/0000;ops=input,conv3x3-bn-relu,maxpool3x3,output"
    assert SPACE.to_string(arch) == text
    assert SPACE.from_string(text) == arch
    for bad in ["matrix=011/001;ops=input,output", "matrix=01/00;ops=input,conv3x3-bn-relu,output", "matrix=01/00"]:
        with pytest.raises(InvalidArchitectureError):
            SPACE.from_string(bad)


def test_params_names_padding_and_refusal() -> None:
    dists = SPACE.distributions()
    assert len(dists) == 26
    assert [k for k in dists if k.startswith("e")][:7] == ["e0-1", "e0-2", "e0-3", "e0-4", "e0-5", "e0-6", "e1-2"]
    assert [k for k in dists if k.startswith("op")] == ["op1", "op2", "op3", "op4", "op5"]
    small = cell(["011", "001", "000"], [C1])
    params = SPACE.to_params(small)
    assert [k for k, v in params.items() if k.startswith("e") and v] == ["e0-1", "e0-6", "e1-6"]
    assert [params[f"op{v}"] for v in range(1, 6)] == [C1, C3, C3, C3, C3]
    padded = SPACE.from_params(params)
    assert len(padded.ops) == 7 and SPACE.canonicalize(padded) == small
    with pytest.raises(InvalidArchitectureError, match="no path"):
        SPACE.from_params({**params, "e0-1": 0, "e0-6": 0})
    with pytest.raises(InvalidArchitectureError, match="missing params op5"):
        SPACE.from_params({k: v for k, v in params.items() if k != "op5"})


def test_neighbours_work_on_the_padded_cell() -> None:
    # input -> output alone: removing its edge disconnects, and any single added edge hangs on a dead node.
    assert SPACE.neighbours(cell(["01", "00"], [])) == []
    one = cell(["011", "001", "000"], [C3])
    keys = {SPACE.canonical_key(n) for n in SPACE.neighbours(one)}
    assert len(keys) == len(SPACE.neighbours(one))
    assert SPACE.canonical_key(cell(["011", "001", "000"], [MP])) in keys
    assert SPACE.canonical_key(cell(["001", "001", "000"], [C3])) in keys


def test_op_change_on_a_live_node_changes_the_key() -> None:
    changed = Cell101(INCEPTION.matrix, ("input", C3, C3, C3, C3, MP, "output"))
    assert SPACE.canonical_key(changed) != SPACE.canonical_key(INCEPTION)


def test_graph_form_pads_before_the_output() -> None:
    types, adj = SPACE.to_dense(cell(["011", "001", "000"], [MP]))
    names = SPACE.graph_spec.node_types
    assert [names[t] for t in types] == ["input", MP, "none", "none", "none", "none", "output"]
    assert [(i, j) for i in range(7) for j in range(7) if adj[i][j]] == [(0, 1), (0, 6), (1, 6)]


def test_from_logits_repairs() -> None:
    assert SPACE.from_logits(torch.zeros(7, 6), torch.zeros(7, 7)) == cell(["01", "00"], [])
    # every edge likely, INCEPTION's 9 edges the most likely: the 12 others are dropped first
    types, adj = SPACE.to_dense(INCEPTION)
    type_logits = torch.nn.functional.one_hot(torch.tensor(types), 6).float()
    dense = SPACE.from_logits(type_logits, torch.tensor(adj).float() * 5 + 1)
    assert SPACE.canonical_key(dense) == SPACE.canonical_key(INCEPTION)
    assert SPACE.from_logits(type_logits, torch.full((7, 7), 10.0)).num_edges <= 9
    nan = SPACE.from_logits(torch.full((7, 6), float("nan")), torch.full((7, 7), float("nan")))
    SPACE.validate(nan)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_isomorphic_relabellings_share_key_and_canonical_form(seed: int, data: st.DataObject) -> None:
    arch = SPACE.sample(random.Random(seed))
    n = len(arch.ops)
    order, placed = [0], {0}
    while len(order) < n - 1:  # a random topological order of the interior nodes (Kahn's algorithm)
        ready = [
            v for v in range(1, n - 1) if v not in placed and all(u in placed for u in range(n) if arch.matrix[u][v])
        ]
        order.append(data.draw(st.sampled_from(ready)))
        placed.add(order[-1])
    other = relabel(arch, [*order, n - 1])
    SPACE.validate(other)
    assert SPACE.canonical_key(other) == SPACE.canonical_key(arch)
    assert SPACE.canonicalize(other) == SPACE.canonicalize(arch)
