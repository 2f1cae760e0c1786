from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from latentnas.errors import InvalidArchitectureError, UnknownNameError
from latentnas.networks.nasbench_graph import GNNConfig
from latentnas.spaces.nasbench_graph import LINK_PATTERNS, OPS, PROTEINS_OPS, GraphArch, NasBenchGraphSpace
from latentnas.testing.spaces import SearchSpaceContract

SPACE = NasBenchGraphSpace()
EXAMPLE = GraphArch((0, 0, 1, 2), ("gcn", "gat", "skip", "fc"))


class TestNasBenchGraphContract(SearchSpaceContract):
    network_config = GNNConfig(hidden=8)

    @pytest.fixture(params=[OPS, PROTEINS_OPS], ids=["9-ops", "proteins-ops"])
    def space(self, request: pytest.FixtureRequest) -> NasBenchGraphSpace:
        return NasBenchGraphSpace(ops=request.param)


def tree_form(link: tuple[int, ...], ops: tuple[str, ...], node: int = 0) -> tuple[Any, ...]:
    """The cell as a rooted, labelled, unordered tree: equal exactly for relabellings of one DAG (independent of
    the package's hash)."""
    children = sorted(tree_form(link, ops, i + 1) for i, parent in enumerate(link) if parent == node)
    return ("input" if node == 0 else ops[node - 1], tuple(children))


def relabel(link: tuple[int, ...], ops: tuple[str, ...], order: list[int]) -> tuple[list[int], list[str]]:
    """The same DAG with computing node ``order[k]`` renamed ``k + 1``."""
    new = {0: 0, **{old: k + 1 for k, old in enumerate(order)}}
    new_link, new_ops = [0] * 4, [""] * 4
    for i, parent in enumerate(link):
        new_link[new[i + 1] - 1] = new[parent]
        new_ops[new[i + 1] - 1] = ops[i]
    return new_link, new_ops


@st.composite
def archs(draw: st.DrawFn, ops: tuple[str, ...] = OPS) -> GraphArch:
    link = draw(st.sampled_from(LINK_PATTERNS))
    chosen = draw(st.tuples(*[st.sampled_from(ops)] * 4).filter(lambda o: set(o) != {"skip"}))
    return GraphArch(link, chosen)


# ------------------------------------------------------------------------------------------------- construction
def test_vocabulary_and_size() -> None:
    assert SPACE.name == "nasbench-graph"
    assert SPACE.ops == ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
    assert SPACE.size() == 59_040
    proteins = NasBenchGraphSpace(ops=PROTEINS_OPS)
    assert proteins.ops == ("gcn", "sage", "arma", "fc", "skip")
    assert proteins.size() == 5_616
    assert NasBenchGraphSpace(ops=["gcn", "gat"]).size() == 9 * 16
    assert sum(1 for _ in proteins.enumerate()) == 5_616


def test_ops_keep_the_package_order() -> None:
    assert NasBenchGraphSpace(ops=["skip", "fc", "gcn"]).ops == ("gcn", "fc", "skip")


def test_bad_vocabularies_are_refused() -> None:
    with pytest.raises(UnknownNameError, match="unknown op 'mlp'.*choices: gat, gcn"):
        NasBenchGraphSpace(ops=["gcn", "mlp"])
    with pytest.raises(ValueError, match="at least two distinct ops"):
        NasBenchGraphSpace(ops=["gcn"])
    with pytest.raises(ValueError, match="at least two distinct ops"):
        NasBenchGraphSpace(ops=["gcn", "gcn"])


# ------------------------------------------------------------------------------------------------- validity
@pytest.mark.parametrize(
    ("arch", "message"),
    [
        (GraphArch((0, 1, 0, 0), ("gcn",) * 4), r"link \[0,1,0,0\] is not a link pattern; choices: \[0,0,0,0\]"),
        (GraphArch((0, 0, 1), ("gcn",) * 4), r"link \[0,0,1\] is not a link pattern"),
        (GraphArch((0, 0, 1, 2), ("gcn",) * 3), "expected 4 ops, got 3"),
        (GraphArch((0, 0, 1, 2), ("gcn", "gcn", "mlp", "gcn")), "unknown op2 'mlp'.*choices: gat, gcn"),
        (GraphArch((0, 0, 1, 2), ("skip",) * 4), "all four ops are 'skip'"),
    ],
)
def test_invalid_architectures_are_named(arch: GraphArch, message: str) -> None:
    assert not SPACE.is_valid(arch)
    with pytest.raises(InvalidArchitectureError, match=message):
        SPACE.validate(arch)


def test_proteins_space_refuses_other_ops() -> None:
    with pytest.raises(InvalidArchitectureError, match="unknown op0 'gat'.*choices: gcn, sage, arma, fc, skip"):
        NasBenchGraphSpace(ops=PROTEINS_OPS).validate(GraphArch((0, 0, 0, 0), ("gat", "gcn", "gcn", "gcn")))


# ------------------------------------------------------------------------------------------------- canonical form
@pytest.mark.parametrize(
    ("a", "b", "key"),
    [
        # siblings of the input commute
        (
            GraphArch((0, 0, 0, 0), ("gcn", "gat", "sage", "gin")),
            GraphArch((0, 0, 0, 0), ("gin", "sage", "gat", "gcn")),
            "124",
        ),
        # two parallel chains swap
        (
            GraphArch((0, 0, 1, 2), ("gcn", "gat", "sage", "gin")),
            GraphArch((0, 0, 1, 2), ("gat", "gcn", "gin", "sage")),
            "30124",
        ),
        # the two children of node 1 commute
        (
            GraphArch((0, 0, 1, 1), ("gcn", "gat", "sage", "gin")),
            GraphArch((0, 0, 1, 1), ("gcn", "gat", "gin", "sage")),
            "21024",
        ),
        # a skip anywhere in a chain is the identity
        (
            GraphArch((0, 1, 2, 3), ("skip", "gcn", "gat", "sage")),
            GraphArch((0, 1, 2, 3), ("gcn", "skip", "gat", "sage")),
            "88104",
        ),
    ],
)
def test_isomorphic_encodings_share_the_package_key(a: GraphArch, b: GraphArch, key: str) -> None:
    assert SPACE.canonical_key(a) == SPACE.canonical_key(b) == key
    assert SPACE.canonicalize(a) == SPACE.canonicalize(b)


def test_known_keys() -> None:
    assert SPACE.canonical_key(GraphArch((0, 0, 0, 0), ("gat",) * 4)) == "0"
    # node 1 has a child, node 2 has none: not interchangeable
    assert SPACE.canonical_key(GraphArch((0, 0, 0, 1), ("gcn", "gat", "sage", "gin"))) == "11042"
    assert SPACE.canonical_key(GraphArch((0, 0, 0, 1), ("gat", "gcn", "sage", "gin"))) == "10142"


def check_keys(space: NasBenchGraphSpace) -> set[str]:
    """Checks canonicalize and, for skip-free cells, that keys are exactly the DAG isomorphism classes."""
    keys: set[str] = set()
    tree_of_key: dict[str, tuple[Any, ...]] = {}
    trees: set[tuple[Any, ...]] = set()
    for arch in space.enumerate():
        key = space.canonical_key(arch)
        keys.add(key)
        canon = space.canonicalize(arch)
        assert canon.link in LINK_PATTERNS and space.canonical_key(canon) == key and space.canonicalize(canon) == canon
        if "skip" not in arch.ops:
            tree = tree_form(arch.link, arch.ops)
            assert tree_of_key.setdefault(key, tree) == tree
            trees.add(tree)
    assert len(trees) == len(tree_of_key)
    return keys


def test_proteins_encodings_give_the_table_keys() -> None:
    keys = check_keys(NasBenchGraphSpace(ops=PROTEINS_OPS))
    assert len(keys) == 2_021


@pytest.mark.slow
def test_all_encodings_give_26206_keys() -> None:
    assert sum(1 for _ in SPACE.enumerate()) == 59_040
    assert len(check_keys(SPACE)) == 26_206


@given(archs(), st.randoms(use_true_random=False))
def test_key_is_invariant_under_relabelling(arch: GraphArch, rng: random.Random) -> None:
    order: list[int] = []
    while len(order) < 4:  # a random topological order of the computing nodes
        ready = [n for n in range(1, 5) if n not in order and (arch.link[n - 1] == 0 or arch.link[n - 1] in order)]
        order.append(rng.choice(ready))
    link, ops = relabel(arch.link, arch.ops, order)
    assert tree_form(tuple(link), tuple(ops)) == tree_form(arch.link, arch.ops)
    relabelled = SPACE.from_dag(link, ops)
    assert relabelled.link in LINK_PATTERNS
    assert tree_form(relabelled.link, relabelled.ops) == tree_form(arch.link, arch.ops)
    assert SPACE.canonical_key(relabelled) == SPACE.canonical_key(arch)


def test_from_dag_relabels_all_24_dags() -> None:
    ops = ("gat", "gcn", "gin", "cheb")
    dags = list(itertools.product(range(1), range(2), range(3), range(4)))
    assert len(dags) == 24
    for link in dags:
        arch = SPACE.from_dag(link, ops)
        assert arch.link in LINK_PATTERNS
        assert tree_form(arch.link, arch.ops) == tree_form(link, ops)
    with pytest.raises(InvalidArchitectureError, match=r"link \[0,2,0,0\] must have 4 entries with link\[i\] in 0..i"):
        SPACE.from_dag([0, 2, 0, 0], ops)


# ------------------------------------------------------------------------------------------------- strings
def test_string_format() -> None:
    assert SPACE.to_string(EXAMPLE) == "[0,0,1,2] [gcn,gat,skip,fc]"
    assert SPACE.from_string("[0,0,1,2] [gcn,gat,skip,fc]") == EXAMPLE


@given(archs())
def test_string_round_trip(arch: GraphArch) -> None:
    assert SPACE.from_string(SPACE.to_string(arch)) == arch


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,0,1,2 gcn,gat,skip,fc", "cannot parse '0,0,1,2 gcn,gat,skip,fc'; expected '\\[link\\] \\[ops\\]'"),
        ("[0,0,1,2] [gcn,gat,skip,fc] ", "cannot parse"),
        ("[0,0,1] [gcn,gat,skip,fc]", r"link \[0,0,1\] in .* must be 4 digits"),
        ("[0,0,a,2] [gcn,gat,skip,fc]", r"link \[0,0,a,2\] in .* must be 4 digits"),
        ("[0,1,0,0] [gcn,gat,skip,fc]", r"link \[0,1,0,0\] is not a link pattern; choices"),
        ("[0,0,1,2] [gcn,gat,skip]", "expected 4 ops, got 3"),
        ("[0,0,1,2] [gcn,gat,skip,mlp]", "unknown op3 'mlp'.*choices"),
        ("[0,0,1,2] [skip,skip,skip,skip]", "all four ops are 'skip'"),
    ],
)
def test_malformed_strings_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(InvalidArchitectureError, match=message):
        SPACE.from_string(text)


# ------------------------------------------------------------------------------------------------- Optuna params
def test_params() -> None:
    dists = SPACE.distributions()
    assert list(dists) == ["link", "op0", "op1", "op2", "op3"]
    assert dists["link"].choices == tuple(",".join(map(str, p)) for p in LINK_PATTERNS)  # type: ignore[attr-defined]
    assert dists["link"].choices[3] == "0,0,1,2"  # type: ignore[attr-defined]
    assert dists["op2"].choices == OPS  # type: ignore[attr-defined]
    params = {"link": "0,0,1,2", "op0": "gcn", "op1": "gat", "op2": "skip", "op3": "fc"}
    assert SPACE.to_params(EXAMPLE) == params
    assert SPACE.from_params({**params, "lr": 0.01}) == EXAMPLE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op2": None}, "missing params op2; expected link, op0, op1, op2, op3"),
        ({"link": "0,1,0,0"}, "unknown link '0,1,0,0'; choices: 0,0,0,0 | 0,0,0,1"),
        ({"op1": "mlp"}, "unknown op1 'mlp'"),
        ({"op0": "skip", "op1": "skip", "op3": "skip"}, "all four ops are 'skip'"),
    ],
)
def test_bad_params_are_refused(change: dict[str, Any], message: str) -> None:
    params = {"link": "0,0,1,2", "op0": "gcn", "op1": "gat", "op2": "skip", "op3": "fc", **change}
    with pytest.raises(InvalidArchitectureError, match=message):
        SPACE.from_params({k: v for k, v in params.items() if v is not None})


# ------------------------------------------------------------------------------------------------- sampling
def test_sample_is_uniform_over_valid_encodings() -> None:
    space = NasBenchGraphSpace(ops=["gcn", "skip"])
    rng = random.Random(0)
    seen = {space.sample(rng) for _ in range(4_000)}
    assert seen == set(space.enumerate())
    assert len(seen) == 9 * 15


def test_neighbours() -> None:
    chain = GraphArch((0, 1, 2, 3), ("graph", "graph", "gat", "sage"))
    assert len(SPACE.neighbours(chain)) == 4 * 8 + 8
    # reading a skip node reads the input, so three link changes give the same key
    star = GraphArch((0, 0, 0, 0), ("skip", "gcn", "gcn", "gcn"))
    neighbours = SPACE.neighbours(star)
    assert len(neighbours) == 4 * 8 + 8 - 3
    assert GraphArch((0, 0, 0, 1), star.ops) not in neighbours
    assert GraphArch((0, 0, 1, 2), star.ops) in neighbours


# ------------------------------------------------------------------------------------------------- graph form
def test_graph_form() -> None:
    assert SPACE.graph_spec.num_nodes == 6
    assert SPACE.graph_spec.node_types == ("input", "output", *OPS)
    types, adj = SPACE.to_dense(EXAMPLE)
    assert types == [0, 3, 2, 10, 9, 1]
    edges = {(i, j) for i in range(6) for j in range(6) if adj[i][j]}
    assert edges == {(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 5)}


def one_hot_logits(space: NasBenchGraphSpace, link: list[int], ops: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    types = torch.full((6, space.graph_spec.num_types), -5.0)
    adj = torch.full((6, 6), -5.0)
    for i, (parent, op) in enumerate(zip(link, ops)):
        types[i + 1, 2 + space.ops.index(op)] = 5.0
        adj[parent, i + 1] = 5.0
    return types, adj


def test_from_logits_relabels_any_dag() -> None:
    types, adj = one_hot_logits(SPACE, [0, 1, 0, 0], ["gat", "gcn", "gin", "cheb"])
    assert SPACE.from_logits(types, adj) == GraphArch((0, 0, 0, 1), ("gat", "gin", "cheb", "gcn"))


def test_from_logits_repairs_all_skip_with_the_next_most_likely_op() -> None:
    types, adj = one_hot_logits(SPACE, [0, 1, 2, 3], ["skip"] * 4)
    types[3, 2 + OPS.index("gin")] = 4.0  # node 3's second choice is the closest to its first
    types[1, 2 + OPS.index("gat")] = 3.0
    assert SPACE.from_logits(types, adj) == GraphArch((0, 1, 2, 3), ("skip", "skip", "gin", "skip"))


def test_from_logits_reads_only_op_columns_and_earlier_nodes() -> None:
    types = torch.zeros(6, 11)
    types[1:5, :2] = 100.0  # input/output tokens are never an op
    types[1:5, 2 + OPS.index("sage")] = 1.0
    adj = torch.zeros(6, 6)
    adj[4, 1] = adj[5, 2] = 100.0  # below the diagonal or into the output: ignored
    adj[0, 2] = adj[1, 3] = adj[0, 4] = 1.0
    assert SPACE.from_logits(types, adj) == SPACE.from_dag([0, 0, 1, 0], ["sage"] * 4)
    nan = SPACE.from_logits(torch.full((6, 11), float("nan")), torch.full((6, 6), float("nan")))
    SPACE.validate(nan)
    with pytest.raises(ValueError, match="type_logits must be 6 x 11, got \\(6, 7\\)"):
        SPACE.from_logits(torch.zeros(6, 7), adj)


def test_distinct_samples_skip_isomorphic_draws_in_seed_order() -> None:
    from itertools import islice

    from latentnas.spaces import distinct_samples

    space = NasBenchGraphSpace()
    drawn = list(islice(distinct_samples(space, first_seed=0), 200))
    keys = [space.canonical_key(a) for a in drawn]
    assert len(set(keys)) == 200
    assert drawn[:3] == [space.sample(0), space.sample(1), space.sample(2)]
    expected, seen, seed = [], set(), 0
    while len(expected) < 200:
        arch, seed = space.sample(seed), seed + 1
        if space.canonical_key(arch) not in seen:
            seen.add(space.canonical_key(arch))
            expected.append(arch)
    assert drawn == expected
