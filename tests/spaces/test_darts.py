from __future__ import annotations

import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latentnas.errors import InvalidArchitectureError
from latentnas.networks.darts import DartsConfig
from latentnas.spaces.darts import OPS, DartsSpace, Genotype, from_naslib_compact, load_darts_subset
from latentnas.testing.spaces import SearchSpaceContract

SPACE = DartsSpace()

# DARTS_V2 from the DARTS repository's genotypes.py, in its own repr.
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


def swap_nodes(arch: Genotype, swaps: list[bool]) -> Genotype:
    """``arch`` with the two pairs of node ``i`` swapped where ``swaps[i]`` (normal nodes 0-3, then reduce)."""

    def swap(pairs: tuple[tuple[str, int], ...], flags: list[bool]) -> tuple[tuple[str, int], ...]:
        out: list[tuple[str, int]] = []
        for j, flag in enumerate(flags):
            node = [pairs[2 * j], pairs[2 * j + 1]]
            out += node[::-1] if flag else node
        return tuple(out)

    return Genotype(swap(arch.normal, swaps[:4]), swap(arch.reduce, swaps[4:]))


class TestDartsContract(SearchSpaceContract):
    network_config = DartsConfig(channels=4, layers=3)

    @pytest.fixture
    def space(self) -> DartsSpace:
        return DartsSpace()


def test_subset_parses_and_validates() -> None:
    subset = load_darts_subset()
    assert len(subset) == 725
    for arch, _ in subset:
        SPACE.validate(arch)
    assert len({SPACE.canonical_key(arch) for arch, _ in subset}) == 725
    first, accuracy = subset[0]
    assert first.normal[:3] == (("max_pool_3x3", 0), ("dil_conv_3x3", 1), ("avg_pool_3x3", 1))
    assert first.reduce[-1] == ("dil_conv_5x5", 3)
    assert accuracy == pytest.approx(93.32119084207302)
    assert round(min(acc for _, acc in subset), 2) == 91.24 and round(max(acc for _, acc in subset), 2) == 94.49


def test_naslib_compact_refuses_garbage() -> None:
    with pytest.raises(InvalidArchitectureError, match="compact"):
        from_naslib_compact("[[(0, 9)]]")


def test_darts_repr_round_trips_exactly() -> None:
    arch = SPACE.from_string(DARTS_V2)
    assert arch.normal[7] == ("dil_conv_3x3", 2)
    assert SPACE.to_string(arch) == DARTS_V2
    search_repr = DARTS_V2.replace("[2, 3, 4, 5]", "range(2, 6)").replace("'", '"')
    assert SPACE.from_string(search_repr) == arch


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("('dil_conv_3x3', 2)", "('dil_conv_3x3', 0)", "normal node 3 reads input 0 twice"),
        ("normal=[('sep_conv_3x3', 0)", "normal=[('sep_conv_3x3', 2)", "input 2 of normal node 0 must be in 0..1"),
        ("('skip_connect', 2), ('skip_connect', 2)", "('none', 2), ('skip_connect', 2)", "unknown op of reduce node 2"),
        ("reduce_concat=[2, 3, 4, 5]", "reduce_concat=[4, 5]", "concat must be"),
        (", ('max_pool_3x3', 1)], reduce_concat", "], reduce_concat", "reduce cell needs 8"),
        ("Genotype(", "Genotype (", "expected a DARTS"),
    ],
)
def test_malformed_genotypes_name_what_is_wrong(old: str, new: str, message: str) -> None:
    assert old in DARTS_V2
    with pytest.raises(InvalidArchitectureError, match=message):
        SPACE.from_string(DARTS_V2.replace(old, new, 1))


def test_params() -> None:
    dists = SPACE.distributions()
    assert len(dists) == 32
    assert list(dists)[:4] == ["normal_n0_in0", "normal_n0_op0", "normal_n0_in1", "normal_n0_op1"]
    assert dists["reduce_n3_in1"].choices == (0, 1, 2, 3, 4)  # type: ignore[attr-defined]
    assert dists["normal_n0_op0"].choices == OPS  # type: ignore[attr-defined]
    arch = SPACE.from_string(DARTS_V2)
    params = SPACE.to_params(arch)
    assert (params["normal_n3_in1"], params["normal_n3_op1"]) == (2, "dil_conv_3x3")
    assert SPACE.from_params(params) == arch
    with pytest.raises(InvalidArchitectureError, match="normal node 0 reads input 1 twice"):
        SPACE.from_params({**params, "normal_n0_in0": 1})


def test_neighbours_count() -> None:
    arch = SPACE.from_string(DARTS_V2)
    # per cell: 8 pairs x 6 other ops, plus j other inputs for each of the 2 pairs of node j (j + 2 minus 2 taken)
    assert len(SPACE.neighbours(arch)) == 2 * (8 * 6 + 2 * (0 + 1 + 2 + 3))


def test_graph_form_layout() -> None:
    types, adj = SPACE.to_dense(SPACE.from_string(DARTS_V2))
    names = SPACE.graph_spec.node_types
    assert [names[t] for t in types[:3]] == ["input", "input_1", "sep_conv_3x3"]
    assert [names[t] for t in (types[10], types[19])] == ["concat", "output"]
    # normal node 3's second pair reads intermediate node 0, i.e. op nodes 2 and 3
    assert names[types[9]] == "dil_conv_3x3" and adj[2][9] == adj[3][9] == 1
    assert adj[1][11] == 1 and adj[10][12] == 1  # the reduction cell reads c_{k-2} = node 1 and c_{k-1} = node 10
    assert sum(map(sum, adj)) == (7 + 2 * 1 + 8) + (5 + 2 * 3 + 8)


def test_from_logits_constrained_argmax() -> None:
    zeros = SPACE.from_logits(torch.zeros(20, 11), torch.zeros(20, 20))
    assert zeros.normal == zeros.reduce == (("max_pool_3x3", 0), ("max_pool_3x3", 1)) * 4
    # one edge logit points both pairs of normal node 1 at input 1: the duplicate is repaired to the next best input
    adj = torch.zeros(20, 20)
    adj[1, 4] = adj[1, 5] = 3.0
    adj[2, 5] = adj[3, 5] = 1.0  # node 5's next best input: intermediate node 0 (op nodes 2, 3)
    repaired = SPACE.from_logits(torch.zeros(20, 11), adj)
    assert repaired.normal[2:4] == (("max_pool_3x3", 1), ("max_pool_3x3", 2))


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), swaps=st.lists(st.booleans(), min_size=8, max_size=8))
def test_string_round_trip_and_key_ignores_pair_order(seed: int, swaps: list[bool]) -> None:
    arch = SPACE.sample(random.Random(seed))
    assert SPACE.from_string(SPACE.to_string(arch)) == arch
    swapped = swap_nodes(arch, swaps)
    SPACE.validate(swapped)
    assert SPACE.canonical_key(swapped) == SPACE.canonical_key(arch)
    assert SPACE.canonicalize(swapped) == SPACE.canonicalize(arch)
    assert (swapped == arch) == (not any(swaps))
