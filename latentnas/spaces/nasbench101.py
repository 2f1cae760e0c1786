"""NAS-Bench-101's cell space (Ying et al., 2019, "NAS-Bench-101: Towards Reproducible Neural Architecture Search").

A cell is a DAG of at most 7 nodes (input first, output last) with at most 9 edges, given like NB101's ``ModelSpec``
as an upper-triangular adjacency matrix plus one op per node. Nodes not on a path from input to output are pruned
before the limits are checked, as NB101 does; the canonical key is NB101's own graph hash of the pruned cell.

Encodings of fewer than 7 nodes are padded for Optuna params: unconnected ``conv3x3-bn-relu`` nodes go just before
the output, and pruning removes them again, so the padded encoding is isomorphic to the original.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import torch
from optuna.distributions import BaseDistribution

from latentnas.errors import InvalidArchitectureError
from latentnas.networks.nasbench101 import OPS, NasBench101Net, NB101Config
from latentnas.networks.task import Task
from latentnas.spaces.base import GraphSpec, SearchSpace, Seed, as_rng

INPUT = "input"
OUTPUT = "output"
MAX_NODES = 7
MAX_EDGES = 9
#: Op order of NASLib's compact tuples (``convert_spec_to_tuple``), used by the vendored subset's keys.
NASLIB_OPS = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")

_EDGES = tuple((i, j) for i in range(MAX_NODES) for j in range(i + 1, MAX_NODES))
_STRING = re.compile(r"matrix=([01]+(?:/[01]+)*);ops=([a-z0-9-]+(?:,[a-z0-9-]+)*)")

Matrix = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Cell101:
    """A NAS-Bench-101 cell as NB101's ``ModelSpec``: ``matrix[i][j] == 1`` is an edge ``i -> j``.

    Args:
        matrix: The ``n x n`` 0/1 adjacency matrix, upper triangular.
        ops: One op per node: ``"input"``, ``n - 2`` ops of :data:`OPS`, ``"output"``.
    """

    matrix: Matrix
    ops: tuple[str, ...]

    @property
    def num_edges(self) -> int:
        return sum(map(sum, self.matrix))


def _reach(start: int, step: Callable[[int], Iterable[int]]) -> set[int]:
    seen, frontier = {start}, [start]
    while frontier:
        for w in step(frontier.pop()):
            if w not in seen:
                seen.add(w)
                frontier.append(w)
    return seen


def _live_nodes(matrix: Matrix) -> list[int]:
    """Nodes on a path input -> output (NB101's pruning); empty if the output is unreachable."""
    n = len(matrix)
    forward = _reach(0, lambda v: (w for w in range(n) if matrix[v][w]))
    backward = _reach(n - 1, lambda v: (u for u in range(n) if matrix[u][v]))
    return sorted(forward & backward) if n - 1 in forward else []


def _subcell(cell: Cell101, order: list[int]) -> Cell101:
    return Cell101(tuple(tuple(cell.matrix[i][j] for j in order) for i in order), tuple(cell.ops[i] for i in order))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _graph_hash(matrix: Matrix, labels: list[int]) -> str:
    """NB101's ``graph_util.hash_module``: iterated hashing of (out-degree, in-degree, label) neighbourhoods."""
    n = len(labels)
    hashes = [_md5(str((sum(matrix[v]), sum(row[v] for row in matrix), labels[v]))) for v in range(n)]
    for _ in range(n):
        hashes = [
            _md5(
                "".join(sorted(hashes[w] for w in range(n) if matrix[w][v]))
                + "|"
                + "".join(sorted(hashes[w] for w in range(n) if matrix[v][w]))
                + "|"
                + hashes[v]
            )
            for v in range(n)
        ]
    return _md5(str(sorted(hashes)))


def _pad(cell: Cell101) -> Cell101:
    """The 7-node encoding of ``cell``: unconnected nodes inserted just before the output."""
    extra = MAX_NODES - len(cell.ops)
    rows = [(*row[:-1], *(0,) * extra, row[-1]) for row in cell.matrix[:-1]]
    rows += [(0,) * MAX_NODES] * (extra + 1)
    return Cell101(tuple(rows), (*cell.ops[:-1], *(OPS[0],) * extra, OUTPUT))


def _from_edges(edges: Iterable[tuple[int, int]], ops: tuple[str, ...]) -> Cell101:
    chosen = set(edges)
    rows = tuple(tuple(int((i, j) in chosen) for j in range(len(ops))) for i in range(len(ops)))
    return Cell101(rows, ops)


def from_naslib_key(key: str) -> Cell101:
    """Parses NASLib's compact NB101 key: ``str(tuple)`` of 49 adjacency ints then 7 indices into NASLIB_OPS."""
    try:
        values = [int(v) for v in key.strip().removeprefix("(").removesuffix(")").split(",")]
        ops = tuple(NASLIB_OPS[i] for i in values[49:])
    except (ValueError, IndexError) as err:
        raise InvalidArchitectureError(f"malformed NASLib NB101 key {key!r}: {err}") from None
    if len(values) != 56:
        raise InvalidArchitectureError(f"NASLib NB101 key must hold 56 ints, got {len(values)}")
    return Cell101(tuple(tuple(values[7 * i : 7 * i + 7]) for i in range(7)), ops)


def load_nasbench101_subset() -> list[tuple[Cell101, float]]:
    """The vendored 500-cell NB101 subset (see ``latentnas/data/PROVENANCE.md``).

    Returns:
        ``(cell, val_accuracy)`` pairs in file order; cells are NB101's unpruned 7-node encodings, accuracy in percent.
    """
    raw = resources.files("latentnas").joinpath("data/nasbench101_500.json.gz").read_bytes()
    table = json.loads(gzip.decompress(raw))["nasbench101"]["cifar10"]
    return [(from_naslib_key(key), float(row["val_accuracy"])) for key, row in table.items()]


class NasBench101Space(SearchSpace[Cell101]):
    """NAS-Bench-101 cells (423,624 canonical cells; not enumerable here).

    Optuna params: the 21 edge bits ``e<i>-<j>`` (``0 <= i < j <= 6``, choices ``0, 1``) and ``op1`` .. ``op5``.
    String form: ``matrix=0110/0001/0001/0000;ops=input,conv3x3-bn-relu,maxpool3x3,output`` (rows of the
    adjacency matrix separated by ``/``). Graph form: 7 nodes, the pruned cell with its output moved to node 6 and
    ``"none"`` nodes (no edges) in between.
    """

    name = "nasbench101"
    #: :data:`latentnas.networks.nasbench101.OPS`, in NB101's order (the index is the op label of the graph hash).
    ops = OPS
    network_cls = NasBench101Net
    network_config_cls = NB101Config
    task_kinds = ("image",)

    # ----------------------------------------------------------------------------------------------- membership
    def _check_structure(self, arch: Cell101) -> None:
        n, m = len(arch.ops), arch.matrix
        if not 2 <= n <= MAX_NODES:
            raise InvalidArchitectureError(f"a NB101 cell has 2 to {MAX_NODES} nodes, got {n}")
        if len(m) != n or any(len(row) != n for row in m):
            raise InvalidArchitectureError(f"matrix must be {n} x {n} for {n} ops, got {[len(row) for row in m]}")
        if any(v not in (0, 1) or isinstance(v, bool) for row in m for v in row):
            raise InvalidArchitectureError(f"matrix entries must be the ints 0 or 1, got {m}")
        bad = [(i, j) for i in range(n) for j in range(i + 1) if m[i][j]]
        if bad:
            raise InvalidArchitectureError(f"matrix is not upper triangular: edge {bad[0][0]}->{bad[0][1]}")
        if arch.ops[0] != INPUT or arch.ops[-1] != OUTPUT:
            raise InvalidArchitectureError(f"ops must start with 'input' and end with 'output', got {arch.ops}")
        for v, op in enumerate(arch.ops[1:-1], start=1):
            self.check_op(op, where=f"op of node {v}")

    def validate(self, arch: Cell101) -> None:
        self._check_structure(arch)
        live = _live_nodes(arch.matrix)
        if not live:
            raise InvalidArchitectureError("no path from input to output")
        edges = _subcell(arch, live).num_edges
        if edges > MAX_EDGES:
            raise InvalidArchitectureError(f"cell has {edges} edges after pruning; at most {MAX_EDGES}")

    def canonical_key(self, arch: Cell101) -> str:
        self.validate(arch)
        cell = _subcell(arch, _live_nodes(arch.matrix))
        return _graph_hash(cell.matrix, [-1, *(OPS.index(op) for op in cell.ops[1:-1]), -2])

    def canonicalize(self, arch: Cell101) -> Cell101:
        """The pruned cell, interior nodes relabelled to the smallest (matrix, ops) among topological orders.

        NOTE: so isomorphic cells share one canonical encoding, not just one key (at most 5! relabellings).
        """
        self.validate(arch)
        cell = _subcell(arch, _live_nodes(arch.matrix))
        n = len(cell.ops)
        relabelled = (_subcell(cell, [0, *perm, n - 1]) for perm in itertools.permutations(range(1, n - 1)))
        topological = [c for c in relabelled if not any(c.matrix[i][j] for i in range(n) for j in range(i + 1))]
        return min(topological, key=lambda c: (c.matrix, [OPS.index(op) for op in c.ops[1:-1]]))

    # ----------------------------------------------------------------------------------------------- strings
    def to_string(self, arch: Cell101) -> str:
        rows = "/".join("".join(str(v) for v in row) for row in arch.matrix)
        return f"matrix={rows};ops={','.join(arch.ops)}"

    def from_string(self, text: str) -> Cell101:
        match = _STRING.fullmatch(text)
        if match is None:
            raise InvalidArchitectureError(f"expected 'matrix=<rows of 0/1 joined by />;ops=<op,...>', got {text!r}")
        rows, ops = match[1].split("/"), tuple(match[2].split(","))
        if any(len(row) != len(rows) for row in rows) or len(ops) != len(rows):
            raise InvalidArchitectureError(f"{text!r}: matrix must be square with one op per row")
        cell = Cell101(tuple(tuple(int(v) for v in row) for row in rows), ops)
        self.validate(cell)
        return cell

    # ----------------------------------------------------------------------------------------------- sampling
    def sample(self, seed: Seed = None) -> Cell101:
        """NB101's random sampling: random 7-node matrix and ops, rejected until valid (7-node encodings)."""
        rng = as_rng(seed)
        while True:
            edges = [edge for edge in _EDGES if rng.randint(0, 1)]
            cell = _from_edges(edges, (INPUT, *(rng.choice(OPS) for _ in range(MAX_NODES - 2)), OUTPUT))
            if self.is_valid(cell):
                return cell

    def neighbours(self, arch: Cell101) -> list[Cell101]:
        """Valid cells one edge flip or one op change away from the 7-node padding of ``arch``, one per key."""
        seen = {self.canonical_key(arch)}
        padded, result = _pad(arch), []
        edges = {(i, j) for i, j in _EDGES if padded.matrix[i][j]}
        candidates = [_from_edges(edges ^ {edge}, padded.ops) for edge in _EDGES]
        for v in range(1, MAX_NODES - 1):
            ops = [(*padded.ops[:v], op, *padded.ops[v + 1 :]) for op in OPS if op != padded.ops[v]]
            candidates += [Cell101(padded.matrix, op_tuple) for op_tuple in ops]
        for cell in candidates:
            if self.is_valid(cell) and (key := self.canonical_key(cell)) not in seen:
                seen.add(key)
                result.append(cell)
        return result

    # ----------------------------------------------------------------------------------------------- Optuna
    def distributions(self) -> dict[str, BaseDistribution]:
        dists: dict[str, BaseDistribution] = {f"e{i}-{j}": self.categorical((0, 1)) for i, j in _EDGES}
        dists.update({f"op{v}": self.categorical(OPS) for v in range(1, MAX_NODES - 1)})
        return dists

    def to_params(self, arch: Cell101) -> dict[str, Any]:
        self.validate(arch)
        cell = _pad(arch)
        params: dict[str, Any] = {f"e{i}-{j}": cell.matrix[i][j] for i, j in _EDGES}
        params.update({f"op{v}": cell.ops[v] for v in range(1, MAX_NODES - 1)})
        return params

    def from_params(self, params: Mapping[str, Any]) -> Cell101:
        missing = sorted(set(self.distributions()) - set(params))
        if missing:
            raise InvalidArchitectureError(f"missing params {', '.join(missing)}")
        bits = {f"e{i}-{j}": params[f"e{i}-{j}"] for i, j in _EDGES}
        wrong = {key: value for key, value in bits.items() if value not in (0, 1) or isinstance(value, bool)}
        if wrong:
            raise InvalidArchitectureError(f"edge params must be 0 or 1, got {wrong}")
        ops = tuple(str(params[f"op{v}"]) for v in range(1, MAX_NODES - 1))
        cell = _from_edges([edge for edge in _EDGES if bits[f"e{edge[0]}-{edge[1]}"]], (INPUT, *ops, OUTPUT))
        self.validate(cell)
        return cell

    # ----------------------------------------------------------------------------------------------- graphs
    @property
    def graph_spec(self) -> GraphSpec:
        return GraphSpec(MAX_NODES, (INPUT, OUTPUT, *OPS, "none"))

    def to_dense(self, arch: Cell101) -> tuple[list[int], list[list[int]]]:
        cell = self.canonicalize(arch)
        n, types = len(cell.ops), self.graph_spec.node_types
        where = [*range(n - 1), MAX_NODES - 1]
        node_types = [types.index("none")] * MAX_NODES
        adj = [[0] * MAX_NODES for _ in range(MAX_NODES)]
        for v, op in enumerate(cell.ops):
            node_types[where[v]] = types.index(op)
            for w in range(n):
                adj[where[v]][where[w]] = cell.matrix[v][w]
        return node_types, adj

    def from_logits(self, type_logits: torch.Tensor, adj_logits: torch.Tensor) -> Cell101:
        """Argmax ops; edges with positive logit, plus the most likely input->output path if none connects, then
        the least likely live edges dropped (keeping a path) until at most 9 remain. Returns the canonical cell."""
        t = torch.nan_to_num(type_logits.detach().double().cpu()).tolist()
        logit = torch.nan_to_num(adj_logits.detach().double().cpu()).tolist()
        cols = [self.graph_spec.node_types.index(op) for op in (*OPS, "none")]
        best = [max(range(len(OPS)), key=lambda k: t[v][cols[k]]) for v in range(MAX_NODES)]
        ops = (INPUT, *(OPS[best[v]] for v in range(1, MAX_NODES - 1)), OUTPUT)
        present = [v for v in range(MAX_NODES) if v in (0, MAX_NODES - 1) or t[v][cols[-1]] <= t[v][cols[best[v]]]]
        chosen = {(i, j) for i, j in _EDGES if i in present and j in present and logit[i][j] > 0}
        if not _live_nodes(_from_edges(chosen, ops).matrix):
            chosen |= self._best_path(logit, present)
        for _ in range(len(_EDGES)):
            live = set(_live_nodes(_from_edges(chosen, ops).matrix))
            live_edges = sorted((e for e in chosen if e[0] in live and e[1] in live), key=lambda e: logit[e[0]][e[1]])
            if len(live_edges) <= MAX_EDGES:
                break
            chosen.remove(next(e for e in live_edges if _live_nodes(_from_edges(chosen - {e}, ops).matrix)))
        return self.canonicalize(_from_edges(chosen, ops))

    @staticmethod
    def _best_path(logit: list[list[float]], present: list[int]) -> set[tuple[int, int]]:
        """The input->output path through ``present`` nodes with the largest sum of edge log-probabilities."""

        def logp(x: float) -> float:  # log(sigmoid(x)), stable for large |x|
            return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))

        score: dict[int, tuple[float, list[int]]] = {0: (0.0, [0])}
        for j in present[1:]:
            score[j] = max(((score[i][0] + logp(logit[i][j]), [*score[i][1], j]) for i in score), key=lambda s: s[0])
        path = score[MAX_NODES - 1][1]
        return set(itertools.pairwise(path))

    # ----------------------------------------------------------------------------------------------- networks
    def network_kwargs(self, arch: Cell101, task: Task) -> dict[str, Any]:
        """``matrix`` and ``ops`` as given (the network prunes them).

        NOTE: not canonicalized: NB101 splits channels by vertex order, so relabelling changes the network.
        """
        return {"matrix": tuple(tuple(row) for row in arch.matrix), "ops": tuple(arch.ops)}
