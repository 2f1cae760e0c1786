"""The DARTS cell space (Liu et al., 2019, "DARTS: Differentiable Architecture Search"), as NAS-Bench-301 samples it.

A genotype is a normal and a reduction cell. Each cell has 4 intermediate nodes; node ``j`` sums two ``(op, input)``
pairs whose inputs are distinct and drawn from ``0 .. j + 1`` (``0``, ``1`` = the cell inputs ``c_{k-2}``,
``c_{k-1}``; ``2 ..`` = earlier intermediate nodes). The cell output concatenates all 4 intermediate nodes.

Symmetry: the two pairs of a node are summed, so their order does not matter; :meth:`DartsSpace.canonicalize` sorts
them by ``(input, op)``. NOTE: reordering independent intermediate nodes only permutes the channels of the concat
(equivalent up to a permutation of the next cell's weights); like NB301 we keep such genotypes distinct.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import torch
from optuna.distributions import BaseDistribution

from latentnas.errors import InvalidArchitectureError
from latentnas.networks.darts import OPS, DartsConfig, DartsNet
from latentnas.networks.task import Task
from latentnas.spaces.base import GraphSpec, SearchSpace, Seed, as_rng

CELLS = ("normal", "reduce")
NUM_NODES = 4
CONCAT = "[2, 3, 4, 5]"

Pair = tuple[str, int]

_PAIR = r"\(\s*['\"](\w+)['\"]\s*,\s*(\d+)\s*\)"
_ANY_PAIR = r"\(\s*['\"]\w+['\"]\s*,\s*\d+\s*\)"
_LIST = rf"\[\s*(?:{_ANY_PAIR}(?:\s*,\s*{_ANY_PAIR})*)?\s*\]"
_CONCAT_ANY = r"\[[\d\s,]*\]|range\(\s*\d+\s*,\s*\d+\s*\)"
_GENOTYPE = re.compile(
    rf"Genotype\(\s*normal\s*=\s*({_LIST})\s*,\s*normal_concat\s*=\s*({_CONCAT_ANY})\s*,"
    rf"\s*reduce\s*=\s*({_LIST})\s*,\s*reduce_concat\s*=\s*({_CONCAT_ANY})\s*\)"
)

# Graph form: the two cells as consecutive cells of the network. Node 0 = c_{k-2}, node 1 = c_{k-1}; the normal
# cell reads (0, 1) and its 8 op nodes are 2..9, its output node 10; the reduction cell reads (1, 10) (its c_{k-2},
# c_{k-1}) and its op nodes are 11..18, its output (the DAG's) node 19.
_BASE = {"normal": 2, "reduce": 11}
_SOURCES = {"normal": (0, 1), "reduce": (1, 10)}
_SINK = {"normal": 10, "reduce": 19}


@dataclass(frozen=True)
class Genotype:
    """A DARTS genotype: 8 ``(op, input)`` pairs per cell, two consecutive pairs per intermediate node.

    Args:
        normal: The normal cell's pairs.
        reduce: The reduction cell's pairs.
    """

    normal: tuple[Pair, ...]
    reduce: tuple[Pair, ...]

    def cell(self, name: str) -> tuple[Pair, ...]:
        """The pairs of cell ``name`` (``"normal"`` or ``"reduce"``)."""
        return {"normal": self.normal, "reduce": self.reduce}[name]


def _parse_pairs(text: str) -> tuple[Pair, ...]:
    return tuple((op, int(index)) for op, index in re.findall(_PAIR, text))


def from_naslib_compact(key: str) -> Genotype:
    """Parses NASLib's compact genotype ``[[(input, op_index)] * 8, [(input, op_index)] * 8]`` (op indices into OPS)."""
    numbers = [(int(i), int(o)) for i, o in re.findall(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", key)]
    if len(numbers) != 16 or any(o >= len(OPS) for _, o in numbers):
        raise InvalidArchitectureError(f"malformed NASLib compact genotype {key!r}")
    pairs = [(OPS[o], i) for i, o in numbers]
    return Genotype(tuple(pairs[:8]), tuple(pairs[8:]))


def load_darts_subset() -> list[tuple[Genotype, float]]:
    """The vendored 725-genotype NB301 subset (see ``latentnas/data/PROVENANCE.md``).

    Returns:
        ``(genotype, val_accuracy)`` pairs in file order, CIFAR-10 validation accuracy in percent.
    """
    raw = resources.files("latentnas").joinpath("data/nasbench301_725.json.gz").read_bytes()
    table = json.loads(gzip.decompress(raw))["cifar10"]
    return [(from_naslib_compact(key), float(row["val_accuracy"])) for key, row in table.items()]


class DartsSpace(SearchSpace[Genotype]):
    """The DARTS / NAS-Bench-301 space (about 10^18 cells; not enumerable).

    Optuna params: ``<cell>_n<j>_in<k>`` (categorical over ``0 .. j + 1``) and ``<cell>_n<j>_op<k>`` (over OPS) for
    cell in ``normal``, ``reduce``, node ``j`` in ``0 .. 3`` and pair ``k`` in ``0, 1``. String form: the DARTS
    ``Genotype`` repr (parsed without ``eval``; ``range(2, 6)`` is accepted for a concat). Graph form: 20 nodes,
    the normal then the reduction cell as two consecutive cells, one node per (op, input) pair.
    """

    name = "darts"
    #: :data:`latentnas.networks.darts.OPS`: the primitives without ``none``, in NASLib/NB301 order.
    ops = OPS
    network_cls = DartsNet
    network_config_cls = DartsConfig
    task_kinds = ("image",)

    # ----------------------------------------------------------------------------------------------- membership
    def validate(self, arch: Genotype) -> None:
        for cell in CELLS:
            pairs = arch.cell(cell)
            if len(pairs) != 2 * NUM_NODES:
                raise InvalidArchitectureError(f"{cell} cell needs {2 * NUM_NODES} (op, input) pairs, got {len(pairs)}")
            for p, pair in enumerate(pairs):
                j = p // 2
                if not isinstance(pair, tuple) or len(pair) != 2 or type(pair[1]) is not int:
                    raise InvalidArchitectureError(f"{cell} pair {p} must be (op, input index), got {pair!r}")
                self.check_op(pair[0], where=f"op of {cell} node {j}")
                if not 0 <= pair[1] < j + 2:
                    raise InvalidArchitectureError(f"input {pair[1]} of {cell} node {j} must be in 0..{j + 1}")
                if p % 2 and pair[1] == pairs[p - 1][1]:
                    raise InvalidArchitectureError(f"{cell} node {j} reads input {pair[1]} twice")

    def canonical_key(self, arch: Genotype) -> str:
        return self.to_string(self.canonicalize(arch))

    def canonicalize(self, arch: Genotype) -> Genotype:
        """``arch`` with the two pairs of each node sorted by ``(input, op)``."""
        self.validate(arch)

        def sort(pairs: tuple[Pair, ...]) -> tuple[Pair, ...]:
            nodes = [sorted(pairs[2 * j : 2 * j + 2], key=lambda pair: (pair[1], OPS.index(pair[0]))) for j in range(4)]
            return tuple(pair for node in nodes for pair in node)

        return Genotype(sort(arch.normal), sort(arch.reduce))

    # ----------------------------------------------------------------------------------------------- strings
    def to_string(self, arch: Genotype) -> str:
        normal, reduce = (", ".join(f"('{op}', {i})" for op, i in arch.cell(c)) for c in CELLS)
        return f"Genotype(normal=[{normal}], normal_concat={CONCAT}, reduce=[{reduce}], reduce_concat={CONCAT})"

    def from_string(self, text: str) -> Genotype:
        match = _GENOTYPE.fullmatch(text)
        if match is None:
            raise InvalidArchitectureError(f"expected a DARTS 'Genotype(normal=[...], ...)' repr, got {text!r}")
        for group in (2, 4):
            if re.sub(r"\s", "", match[group]) not in ("[2,3,4,5]", "range(2,6)"):
                raise InvalidArchitectureError(f"concat must be {CONCAT} (every intermediate node), got {match[group]}")
        arch = Genotype(_parse_pairs(match[1]), _parse_pairs(match[3]))
        self.validate(arch)
        return arch

    # ----------------------------------------------------------------------------------------------- sampling
    def sample(self, seed: Seed = None) -> Genotype:
        """Uniform over encodings: per node two distinct inputs (in order) and two ops, as NB301 samples."""
        rng = as_rng(seed)
        cells = []
        for _ in CELLS:
            pairs: list[Pair] = []
            for j in range(NUM_NODES):
                pairs += [(rng.choice(OPS), i) for i in rng.sample(range(j + 2), 2)]
            cells.append(tuple(pairs))
        return Genotype(*cells)

    def neighbours(self, arch: Genotype) -> list[Genotype]:
        """Every genotype with one op or one input changed, one per canonical key."""
        seen, result = {self.canonical_key(arch)}, []
        for cell in CELLS:
            pairs = arch.cell(cell)
            for p, (op, index) in enumerate(pairs):
                other = pairs[p ^ 1][1]
                edits = [(new, index) for new in OPS if new != op]
                edits += [(op, new) for new in range(p // 2 + 2) if new not in (index, other)]
                for edit in edits:
                    changed = (*pairs[:p], edit, *pairs[p + 1 :])
                    candidate = Genotype(changed, arch.reduce) if cell == "normal" else Genotype(arch.normal, changed)
                    if (key := self.canonical_key(candidate)) not in seen:
                        seen.add(key)
                        result.append(candidate)
        return result

    # ----------------------------------------------------------------------------------------------- Optuna
    def distributions(self) -> dict[str, BaseDistribution]:
        dists: dict[str, BaseDistribution] = {}
        for cell in CELLS:
            for j in range(NUM_NODES):
                for k in range(2):
                    dists[f"{cell}_n{j}_in{k}"] = self.categorical(range(j + 2))
                    dists[f"{cell}_n{j}_op{k}"] = self.categorical(OPS)
        return dists

    def to_params(self, arch: Genotype) -> dict[str, Any]:
        self.validate(arch)
        params: dict[str, Any] = {}
        for cell in CELLS:
            for p, (op, index) in enumerate(arch.cell(cell)):
                params[f"{cell}_n{p // 2}_in{p % 2}"] = index
                params[f"{cell}_n{p // 2}_op{p % 2}"] = op
        return params

    def from_params(self, params: Mapping[str, Any]) -> Genotype:
        missing = sorted(set(self.distributions()) - set(params))
        if missing:
            raise InvalidArchitectureError(f"missing params {', '.join(missing)}")
        cells = [
            tuple((params[f"{c}_n{p // 2}_op{p % 2}"], params[f"{c}_n{p // 2}_in{p % 2}"]) for p in range(8))
            for c in CELLS
        ]
        arch = Genotype(*cells)
        self.validate(arch)
        return arch

    # ----------------------------------------------------------------------------------------------- graphs
    @property
    def graph_spec(self) -> GraphSpec:
        return GraphSpec(20, ("input", "input_1", *OPS, "concat", "output"))

    def _sources(self, cell: str, index: int) -> list[int]:
        """Graph nodes feeding an op node whose input is ``index``: a cell input, or an earlier node's 2 op nodes."""
        if index < 2:
            return [_SOURCES[cell][index]]
        return [_BASE[cell] + 2 * (index - 2), _BASE[cell] + 2 * (index - 2) + 1]

    def to_dense(self, arch: Genotype) -> tuple[list[int], list[list[int]]]:
        arch, types = self.canonicalize(arch), self.graph_spec.node_types
        node_types = [types.index("input"), types.index("input_1"), *[0] * 8, types.index("concat")]
        node_types += [0] * 8 + [types.index("output")]
        adj = [[0] * 20 for _ in range(20)]
        for cell in CELLS:
            for p, (op, index) in enumerate(arch.cell(cell)):
                node = _BASE[cell] + p
                node_types[node] = types.index(op)
                adj[node][_SINK[cell]] = 1
                for source in self._sources(cell, index):
                    adj[source][node] = 1
        return node_types, adj

    def from_logits(self, type_logits: torch.Tensor, adj_logits: torch.Tensor) -> Genotype:
        """Per op node the argmax op; per intermediate node the pair of distinct inputs with the largest summed edge
        logit (an earlier node's score is the mean over its two op nodes). Returns the canonical genotype."""
        t = torch.nan_to_num(type_logits.detach().double().cpu())
        a = torch.nan_to_num(adj_logits.detach().double().cpu())
        op_cols = [self.graph_spec.node_types.index(op) for op in OPS]
        cells = []
        for cell in CELLS:
            pairs: list[Pair] = []
            for j in range(NUM_NODES):
                nodes = (_BASE[cell] + 2 * j, _BASE[cell] + 2 * j + 1)
                score = [[float(a[self._sources(cell, i), node].mean()) for i in range(j + 2)] for node in nodes]
                inputs = [(x, y) for x in range(j + 2) for y in range(j + 2) if x != y]
                x, y = max(inputs, key=lambda xy: score[0][xy[0]] + score[1][xy[1]])
                pairs += [(OPS[int(t[node, op_cols].argmax())], i) for node, i in zip(nodes, (x, y))]
            cells.append(tuple(pairs))
        return self.canonicalize(Genotype(*cells))

    # ----------------------------------------------------------------------------------------------- networks
    def network_kwargs(self, arch: Genotype, task: Task) -> dict[str, Any]:
        """``normal`` and ``reduce``: the two cells' ``(op, input)`` pairs."""
        return {"normal": tuple(arch.normal), "reduce": tuple(arch.reduce)}
