"""The contract every SearchSpace passes. A space's test module subclasses ``SearchSpaceContract`` and provides the
``space`` fixture; pytest then runs every test below against it."""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch

from latentnas.errors import InvalidArchitectureError
from latentnas.spaces import SearchSpace


class SearchSpaceContract:
    """Subclass with a ``space`` fixture returning the space under test."""

    n_samples = 50

    @pytest.fixture
    def space(self) -> SearchSpace[Any]:
        raise NotImplementedError

    def samples(self, space: SearchSpace[Any], n: int | None = None, seed: int = 0) -> list[Any]:
        rng = random.Random(seed)
        return [space.sample(rng) for _ in range(n or self.n_samples)]

    def test_name_and_ops(self, space: SearchSpace[Any]) -> None:
        assert isinstance(space.name, str) and space.name
        assert len(space.ops) == len(set(space.ops)) > 1

    def test_sample_is_seeded_and_valid(self, space: SearchSpace[Any]) -> None:
        first = self.samples(space, seed=3)
        assert first == self.samples(space, seed=3)
        assert first != self.samples(space, seed=4)
        for arch in first:
            space.validate(arch)
            assert space.is_valid(arch)

    def test_string_round_trip(self, space: SearchSpace[Any]) -> None:
        for arch in self.samples(space):
            text = space.to_string(arch)
            assert isinstance(text, str)
            assert space.from_string(text) == arch

    def test_malformed_strings_are_refused(self, space: SearchSpace[Any]) -> None:
        for text in ["", "garbage", "|x~0|", "[[", space.to_string(space.sample(0)) + "x"]:
            with pytest.raises(InvalidArchitectureError):
                space.from_string(text)

    def test_params_round_trip_within_distributions(self, space: SearchSpace[Any]) -> None:
        dists = space.distributions()
        for arch in self.samples(space):
            params = space.to_params(arch)
            assert set(params) == set(dists)
            for key, value in params.items():
                assert value in dists[key].choices  # type: ignore[attr-defined]
            assert space.from_params(params) == arch

    def test_canonical_key_is_stable_and_shared_by_canonical_form(self, space: SearchSpace[Any]) -> None:
        for arch in self.samples(space):
            key = space.canonical_key(arch)
            assert key == space.canonical_key(arch)
            canon = space.canonicalize(arch)
            space.validate(canon)
            assert space.canonical_key(canon) == key

    def test_neighbours_are_valid_and_distinct(self, space: SearchSpace[Any]) -> None:
        for arch in self.samples(space, 10):
            key = space.canonical_key(arch)
            neighbours = space.neighbours(arch)
            assert neighbours
            for other in neighbours:
                space.validate(other)
                assert space.canonical_key(other) != key
            mutant = space.mutate(arch, 1)
            assert mutant == space.mutate(arch, 1)
            assert mutant in neighbours

    def test_graph_form(self, space: SearchSpace[Any]) -> None:
        spec = space.graph_spec
        for arch in self.samples(space, 20):
            types, adj = space.to_dense(arch)
            assert len(types) == spec.num_nodes
            assert all(0 <= t < spec.num_types for t in types)
            a = torch.tensor(adj)
            assert a.shape == (spec.num_nodes, spec.num_nodes)
            assert torch.equal(a, torch.triu(a, diagonal=1))
            data = space.to_data(arch)
            assert data.num_nodes == spec.num_nodes
            assert data.x.shape == (spec.num_nodes, spec.num_types)
            assert torch.equal(data.x.argmax(1), torch.tensor(types))
            assert int(data.edge_index.size(1)) == int(a.sum())
            assert bool((data.edge_index[0] < data.edge_index[1]).all())

    def test_from_logits_inverts_graph_form(self, space: SearchSpace[Any]) -> None:
        spec = space.graph_spec
        for arch in self.samples(space, 20):
            types, adj = space.to_dense(arch)
            type_logits = torch.nn.functional.one_hot(torch.tensor(types), spec.num_types).float() * 10 - 5
            adj_logits = torch.tensor(adj, dtype=torch.float32) * 10 - 5
            decoded = space.from_logits(type_logits, adj_logits)
            assert space.canonical_key(decoded) == space.canonical_key(arch)

    def test_from_logits_always_valid(self, space: SearchSpace[Any]) -> None:
        spec = space.graph_spec
        gen = torch.Generator().manual_seed(0)
        for scale in (0.1, 1.0, 30.0):
            for _ in range(50):
                type_logits = torch.randn(spec.num_nodes, spec.num_types, generator=gen) * scale
                adj_logits = torch.randn(spec.num_nodes, spec.num_nodes, generator=gen) * scale
                space.validate(space.from_logits(type_logits, adj_logits))
        zeros = space.from_logits(torch.zeros(spec.num_nodes, spec.num_types), torch.zeros(spec.num_nodes, spec.num_nodes))
        space.validate(zeros)
        low = space.from_logits(
            torch.full((spec.num_nodes, spec.num_types), -50.0), torch.full((spec.num_nodes, spec.num_nodes), -50.0)
        )
        space.validate(low)

    def test_unknown_op_is_refused_with_choices(self, space: SearchSpace[Any]) -> None:
        with pytest.raises(InvalidArchitectureError, match="choices"):
            space.check_op("not_an_op")

    def test_enumeration_matches_size(self, space: SearchSpace[Any]) -> None:
        if not space.is_finite:
            assert space.size() is None
            with pytest.raises(NotImplementedError):
                next(iter(space.enumerate()))
            return
        size = space.size()
        assert size is not None and size > 0
        first = []
        for i, arch in enumerate(space.enumerate()):
            if i < 200:
                first.append(arch)
        assert i + 1 == size
        for arch in first:
            space.validate(arch)
