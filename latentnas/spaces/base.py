"""The SearchSpace interface: the single source of truth about a space's architectures.

A space owns its op vocabulary, validity, canonical form, sampling, mutation, enumeration (finite spaces), the mapping
to and from Optuna params and strings, the conversion to and from the graph form encoders see, and its network: the
class it builds (from a standalone module of :mod:`latentnas.networks`), the task kinds that serves, and the plain
constructor arguments of an architecture (:meth:`SearchSpace.network_spec`, :meth:`SearchSpace.build`).

The graph form is the same for every space: a DAG of exactly ``graph_spec.num_nodes`` nodes in topological order,
node ``0`` the input and node ``num_nodes - 1`` the output, each node labelled by one token of
``graph_spec.node_types`` (ops plus special tokens such as ``input``, ``output`` or ``none`` for padding), edges only
from lower to higher index. Decoders produce logits over that form; :meth:`SearchSpace.from_logits` turns any logits
into the most likely *valid* architecture (constrained decoding or repair, never an exception).
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any, ClassVar, Generic, TypeVar

import optuna
import torch
from optuna.distributions import BaseDistribution, CategoricalDistribution
from torch_geometric.data import Data

from latentnas.errors import InvalidArchitectureError, InvalidArgumentError
from latentnas.networks.spec import NetworkSpec
from latentnas.networks.task import Task, TaskError, require_kind

A = TypeVar("A", bound=Hashable)

Seed = int | random.Random | None


def as_rng(seed: Seed) -> random.Random:
    """Returns a :class:`random.Random` for ``seed`` (an int, ``None`` or an existing generator, used as is)."""
    if isinstance(seed, random.Random):
        return seed
    return random.Random(seed)


def distinct_samples(space: SearchSpace[A], *, first_seed: int = 0) -> Iterator[A]:
    """Samples of ``space`` drawn with seeds ``first_seed, first_seed + 1, ...``, skipping any isomorphic to one
    already yielded (an endless generator: take what you need)."""
    seen: set[str] = set()
    draw = first_seed
    while True:
        arch = space.sample(draw)
        draw += 1
        key = space.canonical_key(arch)
        if key not in seen:
            seen.add(key)
            yield arch


@dataclass(frozen=True)
class GraphSpec:
    """The fixed shape of a space's graph form.

    Args:
        num_nodes: Number of nodes of every graph (padded where an architecture has fewer).
        node_types: The node vocabulary, one token per one-hot column.
    """

    num_nodes: int
    node_types: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.num_nodes < 2:
            raise InvalidArgumentError(f"num_nodes must be at least 2, got {self.num_nodes}")
        if len(set(self.node_types)) != len(self.node_types):
            raise InvalidArgumentError(f"node_types must be distinct, got {self.node_types}")

    @property
    def num_types(self) -> int:
        return len(self.node_types)


class SearchSpace(ABC, Generic[A]):
    """A search space of architectures of type ``A`` (a frozen, hashable value).

    Subclasses set ``name`` and ``ops`` and implement the abstract methods. Architectures are values: two equal
    objects are the same encoding; two isomorphic encodings share one :meth:`canonical_key`. A space that builds
    networks also sets ``network_cls``, ``network_config_cls`` and ``task_kinds`` and implements
    :meth:`network_kwargs`.
    """

    #: Registry name, e.g. ``"nasbench201"``.
    name: str
    #: The op vocabulary (without special graph tokens).
    ops: tuple[str, ...]
    #: The network class an architecture becomes, from a module that imports only torch and torch_geometric (so that
    #: ``latentnas export`` can copy it); ``None`` for a space that builds no networks.
    network_cls: ClassVar[type[torch.nn.Module] | None] = None
    #: The frozen dataclass of that network's sizes, passed as ``config=``; ``config_cls()`` holds the defaults.
    network_config_cls: ClassVar[type[Any] | None] = None
    #: The :class:`~latentnas.networks.Task` kinds the network serves (``"node"``, ``"graph"``, ``"image"``).
    task_kinds: ClassVar[tuple[str, ...]] = ()

    # ----------------------------------------------------------------------------------------------- membership
    @abstractmethod
    def validate(self, arch: A) -> None:
        """Raises :class:`InvalidArchitectureError` naming what is wrong if ``arch`` is not in the space."""

    def is_valid(self, arch: A) -> bool:
        try:
            self.validate(arch)
        except InvalidArchitectureError:
            return False
        return True

    @abstractmethod
    def canonical_key(self, arch: A) -> str:
        """A string shared by exactly the encodings that are isomorphic to ``arch`` (and so perform the same)."""

    def canonicalize(self, arch: A) -> A:
        """One representative encoding of ``arch``'s isomorphism class (default: ``arch`` itself)."""
        return arch

    # ----------------------------------------------------------------------------------------------- strings
    @abstractmethod
    def to_string(self, arch: A) -> str:
        """The architecture in its benchmark's own string format."""

    @abstractmethod
    def from_string(self, text: str) -> A:
        """Parses and validates :meth:`to_string`'s format; raises :class:`InvalidArchitectureError`."""

    # ----------------------------------------------------------------------------------------------- sampling
    @abstractmethod
    def sample(self, seed: Seed = None) -> A:
        """A uniformly random valid architecture (uniform over encodings)."""

    @abstractmethod
    def neighbours(self, arch: A) -> list[A]:
        """All valid architectures one edit away (one op or one edge changed), none isomorphic to ``arch``."""

    def mutate(self, arch: A, seed: Seed = None) -> A:
        """A random neighbour of ``arch`` (one edit away, not isomorphic to it)."""
        rng = as_rng(seed)
        choices = self.neighbours(arch)
        if not choices:
            raise InvalidArchitectureError(f"{self.to_string(arch)} has no neighbours in {self.name}")
        return rng.choice(choices)

    @property
    def checkpoint_name(self) -> str:
        """The file stem of this space's shipped pretrained encoder (``checkpoints/<stem>.pt``): the name, unless
        the op vocabulary differs from the registered space's."""
        return self.name

    @property
    def is_finite(self) -> bool:
        """Whether :meth:`enumerate` is available."""
        return False

    def enumerate(self) -> Iterator[A]:
        """Every encoding of a finite space, in a fixed order."""
        raise NotImplementedError(f"space '{self.name}' is too large to enumerate")

    def size(self) -> int | None:
        """Number of encodings of a finite space, ``None`` otherwise."""
        return None

    def pretraining_archs(self, *, samples: int = 50_000, seed: int = 0) -> list[A]:
        """What an encoder of this space is pretrained on, and what a finite space's pool of candidates is: one
        representative per canonical class of a finite space (its canonical form, in enumeration order), else
        ``samples`` distinct seeded samples (distinct by canonical key, canonical form).

        Args:
            samples: Architectures to draw from an infinite space (stops early when ``20 * samples`` draws find no
                more classes).
            seed: Seed of the draws.
        """
        if self.is_finite:
            # NOTE: the first encoding of each class, canonicalized once: on NAS-Bench-Graph 26,206 canonicalizations
            # instead of 59,040, for the same list.
            first: dict[str, A] = {}
            for arch in self.enumerate():
                first.setdefault(self.canonical_key(arch), arch)
            return [self.canonicalize(arch) for arch in first.values()]
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
            raise InvalidArgumentError(f"samples must be at least 2, got {samples}")
        rng = as_rng(seed)
        drawn: dict[str, A] = {}
        for _ in range(20 * samples):
            arch = self.sample(rng)
            drawn.setdefault(self.canonical_key(arch), self.canonicalize(arch))
            if len(drawn) >= samples:
                break
        return list(drawn.values())

    # ----------------------------------------------------------------------------------------------- Optuna
    @abstractmethod
    def distributions(self) -> dict[str, BaseDistribution]:
        """The Optuna search space: one human-readable categorical param per architectural choice."""

    @abstractmethod
    def to_params(self, arch: A) -> dict[str, Any]:
        """The Optuna params of ``arch`` (keys and values as in :meth:`distributions`)."""

    @abstractmethod
    def from_params(self, params: Mapping[str, Any]) -> A:
        """Inverse of :meth:`to_params`; raises :class:`InvalidArchitectureError` on an invalid combination."""

    def suggest(self, trial: optuna.trial.BaseTrial) -> A:
        """Suggests this space's params on ``trial`` (named as in :meth:`distributions`) and returns the architecture.

        The way to search one of our spaces in your own objective, beside any other params::

            def objective(trial):
                arch = space.suggest(trial)
                lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
                ...

        Our samplers propose the whole architecture (always valid) and leave other params to an independent
        sampler. Raises :class:`InvalidArchitectureError` when another sampler's choices form no valid architecture.
        """
        params = {}
        for name, dist in self.distributions().items():
            if not isinstance(dist, CategoricalDistribution):
                raise TypeError(f"space '{self.name}' param '{name}' is not categorical: {dist}")
            params[name] = trial.suggest_categorical(name, dist.choices)
        return self.from_params(params)

    # ----------------------------------------------------------------------------------------------- graphs
    @property
    @abstractmethod
    def graph_spec(self) -> GraphSpec:
        """The fixed shape of the graph form (node count and node vocabulary)."""

    @abstractmethod
    def to_dense(self, arch: A) -> tuple[list[int], list[list[int]]]:
        """The graph form as ``(node_types, adjacency)``.

        Returns:
            ``node_types``, a list of ``num_nodes`` indices into ``graph_spec.node_types``, and ``adjacency``, a
            ``num_nodes x num_nodes`` 0/1 matrix, strictly upper triangular (edges go from lower to higher index).
        """

    @abstractmethod
    def from_logits(self, type_logits: torch.Tensor, adj_logits: torch.Tensor) -> A:
        """The most likely valid architecture under a decoder's logits (constrained decoding or repair).

        Never raises for finite inputs: every point of a latent space must decode to a valid architecture.

        Args:
            type_logits: A ``num_nodes x num_types`` tensor of node-type logits.
            adj_logits: A ``num_nodes x num_nodes`` tensor of edge logits (only the strict upper triangle is read).
        """

    def to_data(self, arch: A) -> Data:
        """The graph form as a PyG ``Data``.

        Returns:
            ``Data`` with ``x`` (``num_nodes x num_types`` one-hot float), ``edge_index`` (``2 x E`` long),
            ``node_type`` (``num_nodes`` long) and ``adj`` (``num_nodes x num_nodes`` float; PyG batching stacks it
            to ``(B * num_nodes) x num_nodes``).
        """
        types, adj = self.to_dense(arch)
        spec = self.graph_spec
        node_type = torch.tensor(types, dtype=torch.long)
        adj_t = torch.tensor(adj, dtype=torch.float32)
        x = torch.nn.functional.one_hot(node_type, spec.num_types).to(torch.float32)
        edge_index = adj_t.nonzero().t().contiguous()
        return Data(x=x, edge_index=edge_index, node_type=node_type, adj=adj_t, num_nodes=spec.num_nodes)

    # ----------------------------------------------------------------------------------------------- networks
    def network_kwargs(self, arch: A, task: Task) -> dict[str, Any]:
        """The constructor arguments of ``network_cls`` for ``arch`` (validated) and ``task``, besides
        ``in_channels``, ``num_classes`` and ``config``: plain values only (tuples, ints, floats, strings, bools), so
        that an export can write them into a standalone ``model.py``."""
        raise TaskError(f"space '{self.name}' builds no networks")

    def network_spec(self, arch: A, task: Task, *, config: Any = None) -> NetworkSpec:
        """How to construct ``arch``'s network for ``task``: module, class, plain arguments and config, as
        ``latentnas export`` writes them out.

        Args:
            arch: An architecture of the space.
            task: What the network is for; the space must serve its kind.
            config: An instance of ``network_config_cls`` (default: its defaults).

        Raises:
            TaskError: If the space builds no networks, does not serve ``task.kind``, or ``config`` is of another
                class.
            InvalidArchitectureError: If ``arch`` is not in the space.
        """
        network_cls, config_cls = self.network_cls, self.network_config_cls
        if network_cls is None or config_cls is None:
            raise TaskError(f"space '{self.name}' builds no networks")
        require_kind(task, self.task_kinds, space=self.name)
        self.validate(arch)
        if config is None:
            config = config_cls()
        elif not isinstance(config, config_cls):
            raise TaskError(f"space '{self.name}' takes a {config_cls.__name__}, got {type(config).__name__}")
        if not is_dataclass(config) or isinstance(config, type):
            raise TaskError(f"{config_cls.__name__} of space '{self.name}' must be a dataclass")
        # A regression head is the same linear layer, as wide as the number of targets (``task.out_channels``).
        kwargs = {**self.network_kwargs(arch, task), "in_channels": task.in_channels, "num_classes": task.out_channels}
        return NetworkSpec(network_cls.__module__, network_cls.__qualname__, config_cls.__qualname__, kwargs,
                           asdict(config))

    def build(self, arch: A, task: Task, *, config: Any = None) -> torch.nn.Module:
        """``arch`` as a plain, freshly initialized ``nn.Module`` for ``task`` (from the global torch generator, as any
        module); ``config`` sets its sizes. Raises as :meth:`network_spec`."""
        return self.network_spec(arch, task, config=config).instantiate()

    # ----------------------------------------------------------------------------------------------- helpers
    def check_op(self, op: str, *, where: str = "op", choices: Sequence[str] | None = None) -> str:
        """Raises a clear error if ``op`` is not in ``choices`` (default: the space's ops)."""
        allowed = tuple(self.ops if choices is None else choices)
        if op not in allowed:
            raise InvalidArchitectureError(
                f"unknown {where} '{op}' in space '{self.name}'; choices: {', '.join(allowed)}"
            )
        return op

    def categorical(self, choices: Sequence[Any]) -> CategoricalDistribution:
        return CategoricalDistribution(tuple(choices))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
