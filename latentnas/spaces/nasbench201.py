"""The NAS-Bench-201 cell space (Dong & Yang, ICLR 2020; the NATS-Bench topology space).

A cell is a DAG of 4 nodes (0 the input, 3 the output) with an op on each of its 6 edges ``j<-i`` (``i < j``); a node
sums its incoming edges. 5 ops on 6 edges give 15,625 encodings, all valid, 6,466 of them distinct under the
benchmark's canonical form (see :meth:`NasBench201Space.canonical_key`).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import torch
from optuna.distributions import BaseDistribution

from latentnas.errors import InvalidArchitectureError
from latentnas.networks.nasbench201 import OPS, NasBench201Net, NB201Config
from latentnas.networks.task import Task
from latentnas.spaces.base import GraphSpec, SearchSpace, Seed, as_rng

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: The 6 edges as ``(target, source)``, in NB201's string order.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
#: Optuna param names, one per edge: ``"1<-0"``, ``"2<-0"``, ...
EDGE_NAMES: tuple[str, ...] = tuple(f"{j}<-{i}" for j, i in EDGES)
#: The vendored NB201 table (see ``benchmarks/data/NB201_PROVENANCE.md``); its row order is the NB201 index.
DATA_FILE: Traversable = resources.files("latentnas").joinpath("benchmarks", "data", "nb201.csv.gz")

_NODE_TYPES = ("input", "output", *OPS)
_NUM_CELL_NODES = 4
# Graph form: node 0 input, node k + 1 the op of edge k, node 7 output (as arch2vec encodes NB201).
_ADJACENCY: tuple[tuple[int, ...], ...] = tuple(
    tuple(
        int(
            (u == 0 and 1 <= v <= 6 and EDGES[v - 1][1] == 0)
            or (1 <= u <= 6 and 1 <= v <= 6 and EDGES[v - 1][1] == EDGES[u - 1][0])
            or (1 <= u <= 6 and v == 7 and EDGES[u - 1][0] == _NUM_CELL_NODES - 1)
        )
        for v in range(8)
    )
    for u in range(8)
)


@dataclass(frozen=True)
class Cell201:
    """One NB201 cell: the op of each edge, in :data:`EDGES` order (``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2``)."""

    ops: tuple[str, ...]


@cache
def _index_order() -> tuple[Cell201, ...]:
    """Every cell in NB201 index order, read from the ``arch`` column of the vendored table."""
    with gzip.open(io.BytesIO(DATA_FILE.read_bytes()), "rt", newline="") as handle:
        return tuple(_parse(row["arch"]) for row in csv.DictReader(handle))


@cache
def _indices() -> dict[Cell201, int]:
    return {cell: index for index, cell in enumerate(_index_order())}


@cache
def _representatives() -> dict[str, Cell201]:
    """The lowest-index encoding of every canonical class."""
    reps: dict[str, Cell201] = {}
    for cell in _index_order():
        reps.setdefault(_expression(cell), cell)
    return reps


def _expression(cell: Cell201) -> str:
    """The canonical form of NATS-Bench's ``get_unique_str`` (with zeros considered); see ``canonical_key``."""
    exprs = ["0"]
    for node in range(1, _NUM_CELL_NODES):
        terms = []
        for k, (target, source) in enumerate(EDGES):
            if target != node:
                continue
            op, inner = cell.ops[k], exprs[source]
            if op == "none" or inner == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(inner)
            else:
                terms.append(f"({inner})@{op}")
        exprs.append("+".join(sorted(terms)))
    return exprs[-1]


def _parse(text: str) -> Cell201:
    """Parses an NB201 string without checking op names (the space does that)."""
    if len(text) < 2 or not (text.startswith("|") and text.endswith("|")):
        raise InvalidArchitectureError(f"unparsable NB201 string {text!r}; expected '|op~0|+|op~0|op~1|+|...|'")
    nodes = text[1:-1].split("|+|")
    if len(nodes) != _NUM_CELL_NODES - 1:
        raise InvalidArchitectureError(f"NB201 string {text!r} has {len(nodes)} nodes, expected 3")
    ops: list[str] = []
    for target, node in enumerate(nodes, start=1):
        tokens = node.split("|")
        if len(tokens) != target:
            raise InvalidArchitectureError(
                f"node {target} of NB201 string {text!r} has {len(tokens)} edges, expected {target}"
            )
        for source, token in enumerate(tokens):
            op, sep, index = token.partition("~")
            if not sep or index != str(source):
                raise InvalidArchitectureError(
                    f"edge {token!r} of node {target} in {text!r} must read 'op~{source}' (its input node)"
                )
            ops.append(op)
    return Cell201(tuple(ops))


class NasBench201Space(SearchSpace[Cell201]):
    """The NAS-Bench-201 cell space: 6 edges, 5 ops each, 15,625 encodings, all valid.

    Its ops are :data:`latentnas.networks.nasbench201.OPS`, in NB201's order; its networks are
    :class:`~latentnas.networks.nasbench201.NasBench201Net` for image tasks.
    """

    name = "nasbench201"
    ops = OPS
    network_cls = NasBench201Net
    network_config_cls = NB201Config
    task_kinds = ("image",)

    # ----------------------------------------------------------------------------------------------- membership
    def validate(self, arch: Cell201) -> None:
        if not isinstance(arch, Cell201):
            raise InvalidArchitectureError(f"expected a Cell201, got {type(arch).__name__}")
        if not isinstance(arch.ops, tuple) or len(arch.ops) != len(EDGES):
            raise InvalidArchitectureError(f"a Cell201 needs a tuple of {len(EDGES)} ops, got {arch.ops!r}")
        for name, op in zip(EDGE_NAMES, arch.ops, strict=True):
            self.check_op(op, where=f"op of edge {name}")

    def canonical_key(self, arch: Cell201) -> str:
        """The cell's output as an expression in the input ``0``, NATS-Bench's ``get_unique_str`` form.

        A node is the ``+``-join of its sorted terms; an edge contributes ``#`` if its op is ``none`` or its source
        is exactly ``#``, its source's expression if ``skip_connect``, else ``(source)@op``. So edges off every path
        from input to output, and the order of equal terms in a sum, do not matter, and keys equal the table's
        ``canonical`` column (6,466 classes).

        NOTE: the form keeps ``#`` terms in sums, so it is finer than graph isomorphism: swapping the two
        intermediate nodes of a cell without edge ``2<-1`` gives an isomorphic cell that usually has another key
        (and its own row in the table). We follow the table, whose rows are keyed this way.
        """
        self.validate(arch)
        return _expression(arch)

    def canonicalize(self, arch: Cell201) -> Cell201:
        """The lowest NB201 index encoding of ``arch``'s class."""
        return _representatives()[self.canonical_key(arch)]

    # ----------------------------------------------------------------------------------------------- strings
    def to_string(self, arch: Cell201) -> str:
        self.validate(arch)
        nodes = (
            "|".join(f"{op}~{source}" for op, (target, source) in zip(arch.ops, EDGES, strict=True) if target == node)
            for node in range(1, _NUM_CELL_NODES)
        )
        return "|" + "|+|".join(nodes) + "|"

    def from_string(self, text: str) -> Cell201:
        cell = _parse(text)
        self.validate(cell)
        return cell

    # ----------------------------------------------------------------------------------------------- sampling
    def sample(self, seed: Seed = None) -> Cell201:
        rng = as_rng(seed)
        return Cell201(tuple(rng.choice(OPS) for _ in EDGES))

    def neighbours(self, arch: Cell201) -> list[Cell201]:
        """Every cell with one edge's op changed, except those that share ``arch``'s canonical key."""
        key = self.canonical_key(arch)
        result = []
        for k, current in enumerate(arch.ops):
            for op in OPS:
                if op != current:
                    other = Cell201(arch.ops[:k] + (op,) + arch.ops[k + 1 :])
                    if _expression(other) != key:
                        result.append(other)
        return result

    @property
    def is_finite(self) -> bool:
        return True

    def enumerate(self) -> Iterator[Cell201]:
        """Every cell in NB201 index order (a fixed shuffle, read from the vendored table)."""
        return iter(_index_order())

    def size(self) -> int:
        return len(OPS) ** len(EDGES)

    def index(self, arch: Cell201) -> int:
        """The cell's NB201 architecture index (its row in the benchmark's table)."""
        self.validate(arch)
        return _indices()[arch]

    # ----------------------------------------------------------------------------------------------- Optuna
    def distributions(self) -> dict[str, BaseDistribution]:
        return {name: self.categorical(OPS) for name in EDGE_NAMES}

    def to_params(self, arch: Cell201) -> dict[str, Any]:
        self.validate(arch)
        return dict(zip(EDGE_NAMES, arch.ops, strict=True))

    def from_params(self, params: Mapping[str, Any]) -> Cell201:
        missing = [name for name in EDGE_NAMES if name not in params]
        extra = sorted(str(name) for name in params if name not in EDGE_NAMES)
        if missing or extra:
            raise InvalidArchitectureError(
                f"params must be exactly {', '.join(EDGE_NAMES)}; missing: {missing}, unexpected: {extra}"
            )
        ops = tuple(params[name] for name in EDGE_NAMES)
        for name, op in zip(EDGE_NAMES, ops, strict=True):
            self.check_op(op, where=f"op of edge {name}")
        return Cell201(ops)

    # ----------------------------------------------------------------------------------------------- graphs
    @property
    def graph_spec(self) -> GraphSpec:
        """8 nodes: input, the 6 edge ops as op nodes (``none`` included), output; the adjacency is fixed."""
        return GraphSpec(num_nodes=len(_ADJACENCY), node_types=_NODE_TYPES)

    def to_dense(self, arch: Cell201) -> tuple[list[int], list[list[int]]]:
        self.validate(arch)
        types = [0, *(_NODE_TYPES.index(op) for op in arch.ops), 1]
        return types, [list(row) for row in _ADJACENCY]

    def from_logits(self, type_logits: torch.Tensor, adj_logits: torch.Tensor) -> Cell201:
        """The argmax op of each op node (rows 1..6); the adjacency is fixed, so ``adj_logits`` is ignored.

        Args:
            type_logits: An ``8 x 7`` tensor of node-type logits (columns as ``graph_spec.node_types``).
            adj_logits: An ``8 x 8`` tensor, unused.
        """
        first_op = len(_NODE_TYPES) - len(OPS)
        logits = torch.nan_to_num(type_logits[1 : len(EDGES) + 1, first_op:].detach().float(), nan=0.0)
        return Cell201(tuple(OPS[i] for i in logits.argmax(dim=1).tolist()))

    # ----------------------------------------------------------------------------------------------- networks
    def network_kwargs(self, arch: Cell201, task: Task) -> dict[str, Any]:
        """``ops``: the op of each edge, in :data:`EDGES` order."""
        return {"ops": tuple(arch.ops)}
