"""The SearchSpace base class: its defaults (a space that builds no networks), GraphSpec, seeds and distinct samples,
on the tiny real space of the VAE tests, which also passes the whole contract."""

from __future__ import annotations

import random

import pytest
import torch

from latentnas.errors import InvalidArchitectureError, InvalidArgumentError
from latentnas.networks import Task, TaskError
from latentnas.spaces import GraphSpec, as_rng, distinct_samples
from latentnas.testing.spaces import SearchSpaceContract
from tests.vae.tiny_space import TinySpace


class TestTinySpaceContract(SearchSpaceContract):
    @pytest.fixture
    def space(self) -> TinySpace:
        return TinySpace()


def test_a_space_without_a_network_refuses_to_build_one() -> None:
    space = TinySpace()
    assert (space.network_cls, space.network_config_cls, space.task_kinds) == (None, None, ())
    with pytest.raises(TaskError, match="^space 'tiny' builds no networks$"):
        space.build(space.sample(0), Task("image", 3, 10))
    with pytest.raises(TaskError, match="^space 'tiny' builds no networks$"):
        space.network_spec(space.sample(0), Task("node", 3, 10))


@pytest.mark.parametrize(
    ("num_nodes", "node_types", "message"),
    [(1, ("a",), "num_nodes must be at least 2, got 1"),
     (3, ("a", "b", "a"), r"node_types must be distinct, got \('a', 'b', 'a'\)")],
)
def test_graph_spec_refuses_bad_shapes(num_nodes: int, node_types: tuple[str, ...], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        GraphSpec(num_nodes, node_types)
    assert GraphSpec(2, ("a", "b", "c")).num_types == 3


def test_as_rng_seeds_or_passes_a_generator_through() -> None:
    rng = random.Random(1)
    assert as_rng(rng) is rng
    assert as_rng(5).random() == random.Random(5).random()


def test_distinct_samples_skip_isomorphic_repeats_in_seed_order() -> None:
    space = TinySpace()
    drawn = list(zip(range(30), distinct_samples(space, first_seed=2)))
    archs = [arch for _, arch in drawn]
    keys = [space.canonical_key(arch) for arch in archs]
    assert len(set(keys)) == 30
    # The same as drawing seeds 2, 3, ... by hand and keeping the first of each class.
    expected, seen, seed = [], set(), 2
    while len(expected) < 30:
        arch = space.sample(seed)
        seed += 1
        if space.canonical_key(arch) not in seen:
            seen.add(space.canonical_key(arch))
            expected.append(arch)
    assert archs == expected


def test_mutate_without_neighbours_is_an_invalid_architecture_error(monkeypatch: pytest.MonkeyPatch) -> None:
    space = TinySpace()
    monkeypatch.setattr(space, "neighbours", lambda arch: [])
    with pytest.raises(InvalidArchitectureError, match="^ab:100111 has no neighbours in tiny$"):
        space.mutate(space.from_string("ab:100111"), 0)


def test_infinite_defaults() -> None:
    space = TinySpace()
    # TinySpace is finite; the base class's defaults are for spaces that are not.
    assert (space.is_finite, space.size()) == (True, 90)
    with pytest.raises(NotImplementedError, match="space 'tiny' is too large to enumerate"):
        next(super(TinySpace, space).enumerate())
    assert super(TinySpace, space).size() is None


def test_to_data_is_the_one_hot_graph_form() -> None:
    space = TinySpace()
    data = space.to_data(space.from_string("ab:100111"))  # edges 0->1, 1->2, 1->3, 2->3
    assert data.node_type.tolist() == [0, 2, 3, 1]
    assert data.edge_index.tolist() == [[0, 1, 1, 2], [1, 2, 3, 3]]
    assert torch.equal(data.x, torch.eye(5)[[0, 2, 3, 1]])
    assert data.adj.sum().item() == 4.0 and data.num_nodes == 4
