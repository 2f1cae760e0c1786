"""The contract every :class:`~latentnas.spaces.SearchSpace` passes, as a pytest base class.

A test module subclasses :class:`SearchSpaceContract` and provides the ``space`` fixture; pytest then runs every
``test_*`` method below against it::

    class TestMySpace(SearchSpaceContract):
        network_config = MyNetConfig(width=4)  # small, so that the network tests stay fast

        @pytest.fixture
        def space(self) -> MySpace:
            return MySpace()
"""

from __future__ import annotations

import ast
import inspect
import random
import sys
from dataclasses import dataclass, is_dataclass
from typing import Any

import pytest
import torch
from torch import nn

from latentnas.errors import InvalidArchitectureError
from latentnas.networks.task import KINDS, Task, TaskError
from latentnas.spaces import SearchSpace

#: What an exported network module may import besides the standard library.
STANDALONE_IMPORTS = frozenset({"torch", "torch_geometric"})
_PLAIN = (bool, int, float, str, type(None))


@dataclass(frozen=True)
class _ForeignConfig:
    """A config no space's network takes."""

    width: int = 1


def is_plain(value: Any) -> bool:
    """Whether ``value`` is built only from tuples, lists, dicts with string keys, bools, ints, floats, strings and
    ``None`` (what a standalone ``model.py`` can spell as a literal)."""
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, (tuple, list)):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False


def imported_roots(source: str) -> set[str]:
    """The top-level package of every ``import`` and ``from ... import`` in ``source`` (relative imports as ``.``)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add("." if node.level else (node.module or "").split(".")[0])
    return roots


def task_inputs(task: Task, *, generator: torch.Generator) -> tuple[tuple[torch.Tensor, ...], int]:
    """Tiny inputs of ``task``'s kind and the number of predictions a network makes on them.

    Returns:
        ``(x, edge_index)`` on a 6-node ring (node: 6 predictions), ``(x, edge_index, batch)`` on two 3-node rings
        (graph: 2), or ``(x,)`` with two ``8 x 8`` images (image: 2).
    """
    if task.kind == "image":
        return (torch.randn(2, task.in_channels, 8, 8, generator=generator),), 2
    x = torch.randn(6, task.in_channels, generator=generator)
    ring = torch.arange(6)
    if task.kind == "node":
        nxt = (ring + 1) % 6
        return (x, torch.stack([torch.cat([ring, nxt]), torch.cat([nxt, ring])])), 6
    nxt = ring - ring % 3 + (ring + 1) % 3  # two rings: 0-1-2 and 3-4-5
    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    return (x, torch.stack([torch.cat([ring, nxt]), torch.cat([nxt, ring])]), batch), 2


class SearchSpaceContract:
    """Subclass with a ``space`` fixture returning the space under test.

    Attributes:
        n_samples: Architectures sampled by the tests that loop over samples.
        network_config: Passed as ``config=`` to the network tests (``None``: the network's defaults); set a small
            one to keep them fast.
    """

    n_samples = 50
    network_config: Any = None

    @pytest.fixture
    def space(self) -> SearchSpace[Any]:
        raise NotImplementedError("a SearchSpaceContract subclass provides the 'space' fixture")

    def samples(self, space: SearchSpace[Any], n: int | None = None, seed: int = 0) -> list[Any]:
        rng = random.Random(seed)
        return [space.sample(rng) for _ in range(n or self.n_samples)]

    # ----------------------------------------------------------------------------------------------- membership
    def test_name_and_ops(self, space: SearchSpace[Any]) -> None:
        assert isinstance(space.name, str) and space.name
        assert isinstance(space.ops, tuple) and all(isinstance(op, str) for op in space.ops)
        assert len(space.ops) == len(set(space.ops)) > 1

    def test_sample_is_seeded_and_valid(self, space: SearchSpace[Any]) -> None:
        first = self.samples(space, seed=3)
        assert first == self.samples(space, seed=3)
        assert first != self.samples(space, seed=4)
        for arch in first:
            space.validate(arch)
            assert space.is_valid(arch)

    def test_unknown_op_is_refused_with_choices(self, space: SearchSpace[Any]) -> None:
        with pytest.raises(InvalidArchitectureError, match="choices"):
            space.check_op("not_an_op")

    def test_canonical_key_is_stable_and_shared_by_canonical_form(self, space: SearchSpace[Any]) -> None:
        for arch in self.samples(space):
            key = space.canonical_key(arch)
            assert key == space.canonical_key(arch)
            canon = space.canonicalize(arch)
            space.validate(canon)
            assert space.canonical_key(canon) == key

    # ----------------------------------------------------------------------------------------------- strings
    def test_string_round_trip(self, space: SearchSpace[Any]) -> None:
        for arch in self.samples(space):
            text = space.to_string(arch)
            assert isinstance(text, str)
            assert space.from_string(text) == arch

    def test_malformed_strings_are_refused(self, space: SearchSpace[Any]) -> None:
        for text in ["", "garbage", "|x~0|", "[[", space.to_string(space.sample(0)) + "x"]:
            with pytest.raises(InvalidArchitectureError):
                space.from_string(text)

    # ----------------------------------------------------------------------------------------------- sampling
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

    def test_enumeration_matches_size(self, space: SearchSpace[Any]) -> None:
        if not space.is_finite:
            assert space.size() is None
            with pytest.raises(NotImplementedError):
                next(iter(space.enumerate()))
            return
        size = space.size()
        assert size is not None and size > 0
        first = []
        count = 0
        for count, arch in enumerate(space.enumerate(), start=1):
            if count <= 200:
                first.append(arch)
        assert count == size
        for arch in first:
            space.validate(arch)

    # ----------------------------------------------------------------------------------------------- Optuna
    def test_params_round_trip_within_distributions(self, space: SearchSpace[Any]) -> None:
        dists = space.distributions()
        for arch in self.samples(space):
            params = space.to_params(arch)
            assert set(params) == set(dists)
            for key, value in params.items():
                assert value in dists[key].choices  # type: ignore[attr-defined]
            assert space.from_params(params) == arch

    # ----------------------------------------------------------------------------------------------- graphs
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

    # ----------------------------------------------------------------------------------------------- networks
    def test_network_is_declared_or_refused(self, space: SearchSpace[Any]) -> None:
        arch = space.sample(0)
        if space.network_cls is None:
            for kind in KINDS:
                with pytest.raises(TaskError, match=f"space '{space.name}' builds no networks"):
                    space.build(arch, Task(kind, 3, 2))
                with pytest.raises(TaskError, match=f"space '{space.name}' builds no networks"):
                    space.network_spec(arch, Task(kind, 3, 2))
            return
        assert issubclass(space.network_cls, nn.Module)
        assert space.network_config_cls is not None and is_dataclass(space.network_config_cls)
        assert space.task_kinds and set(space.task_kinds) <= set(KINDS)

    def test_network_spec_is_plain_and_builds_the_network(self, space: SearchSpace[Any]) -> None:
        if space.network_cls is None:
            pytest.skip(f"space '{space.name}' builds no networks")
        for kind in space.task_kinds:
            task = Task(kind, 3, 4)
            for arch in self.samples(space, 2):
                spec = space.network_spec(arch, task, config=self.network_config)
                assert (spec.module, spec.cls) == (space.network_cls.__module__, space.network_cls.__qualname__)
                assert (spec.kwargs["in_channels"], spec.kwargs["num_classes"]) == (3, 4)
                assert is_plain(spec.kwargs) and is_plain(spec.config)
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(0)
                    built = space.build(arch, task, config=self.network_config)
                    torch.manual_seed(0)
                    instantiated = spec.instantiate()
                assert type(built) is space.network_cls
                assert built.state_dict().keys() == instantiated.state_dict().keys()
                for name, value in built.state_dict().items():
                    assert torch.equal(value, instantiated.state_dict()[name]), name

    def test_network_maps_task_inputs_to_class_logits(self, space: SearchSpace[Any]) -> None:
        if space.network_cls is None:
            pytest.skip(f"space '{space.name}' builds no networks")
        generator = torch.Generator().manual_seed(0)
        for kind in space.task_kinds:
            task = Task(kind, 3, 4)
            inputs, predictions = task_inputs(task, generator=generator)
            for arch in self.samples(space, 2):
                net = space.build(arch, task, config=self.network_config).eval()
                with torch.no_grad():
                    logits = net(*inputs)
                assert logits.shape == (predictions, 4)
                assert bool(torch.isfinite(logits).all())

    def test_network_module_is_standalone(self, space: SearchSpace[Any]) -> None:
        if space.network_cls is None:
            pytest.skip(f"space '{space.name}' builds no networks")
        source = inspect.getsource(sys.modules[space.network_cls.__module__])
        assert imported_roots(source) - set(sys.stdlib_module_names) <= STANDALONE_IMPORTS

    def test_network_refuses_other_tasks_and_configs(self, space: SearchSpace[Any]) -> None:
        if space.network_cls is None:
            pytest.skip(f"space '{space.name}' builds no networks")
        arch = space.sample(0)
        for kind in set(KINDS) - set(space.task_kinds):
            with pytest.raises(TaskError, match=f"space '{space.name}' builds networks for .*got a '{kind}' task"):
                space.build(arch, Task(kind, 3, 4))
        assert space.network_config_cls is not None
        with pytest.raises(TaskError, match=f"takes a {space.network_config_cls.__name__}, got _ForeignConfig"):
            space.build(arch, Task(space.task_kinds[0], 3, 4), config=_ForeignConfig())
