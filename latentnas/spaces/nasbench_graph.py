"""The NAS-Bench-Graph search space (Qin et al., "NAS-Bench-Graph: Benchmarking Graph Neural Architecture Search",
NeurIPS 2022 Datasets and Benchmarks).

A cell has four computing nodes; computing node ``i + 1`` reads exactly one earlier node ``link[i]`` (``0`` is the
graph input) and applies one GNN op. Every computing node that no other node reads (a leaf) is summed into the output.
Encodings use the benchmark's nine canonical link patterns; the patterns and the isomorphism hash (``Arch.valid_hash``,
which also folds ``skip`` ops away) come from the ``nas_bench_graph`` package, the op vocabularies from the network
module :mod:`latentnas.networks.nasbench_graph` (which lists them in the package's order).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from nas_bench_graph import Arch, link_list
from optuna.distributions import BaseDistribution

from latentnas.errors import InvalidArchitectureError, InvalidArgumentError, UnknownNameError
from latentnas.networks.nasbench_graph import OPS, PROTEINS_OPS, GNNConfig, NasBenchGraphNet
from latentnas.networks.task import Task
from latentnas.spaces.base import GraphSpec, SearchSpace, Seed, as_rng

#: The vocabularies the benchmark has tables for (all nine ops; the five of ``proteins``): a space with one of them
#: holds that very tuple as its ``ops``.
VOCABULARIES: tuple[tuple[str, ...], ...] = (OPS, PROTEINS_OPS)
#: The nine canonical link patterns: ``link[i]`` is the input of computing node ``i + 1``.
LINK_PATTERNS: tuple[tuple[int, ...], ...] = tuple(tuple(link) for link in link_list)
NUM_COMPUTING = 4

_SKIP = "skip"
_STRING = re.compile(r"\[([^\[\]]*)\] \[([^\[\]]*)\]")
_EXAMPLE = "[0,0,1,2] [gcn,gat,skip,fc]"


def _join(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


@dataclass(frozen=True)
class GraphArch:
    """One NAS-Bench-Graph encoding (lists are accepted and stored as tuples).

    Args:
        link: ``link[i]`` is the input of computing node ``i + 1`` (``0`` = the graph input, ``j`` = computing node
            ``j``); one of the nine link patterns.
        ops: The op of each computing node.
    """

    link: tuple[int, ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "link", tuple(self.link))
        object.__setattr__(self, "ops", tuple(self.ops))


class NasBenchGraphSpace(SearchSpace[GraphArch]):
    """The NAS-Bench-Graph space: 9 link patterns x ``len(ops) ** 4`` op choices, minus the all-``skip`` cells.

    With the nine ops that is 59,040 encodings and 26,206 canonical architectures; with the five ``proteins`` ops,
    5,616 encodings and 2,021 canonical architectures.

    Networks are :class:`~latentnas.networks.nasbench_graph.NasBenchGraphNet` for node and graph classification.

    Args:
        ops: The op vocabulary, a subset of :data:`OPS` with at least two ops (default: all nine). NOTE: kept in the
            package's order whatever order is given, so that equal vocabularies give equal graph forms.
    """

    name = "nasbench-graph"
    network_cls = NasBenchGraphNet
    network_config_cls = GNNConfig
    task_kinds = ("node", "graph")

    def __init__(self, *, ops: Sequence[str] | None = None) -> None:
        chosen = OPS if ops is None else tuple(ops)
        for op in chosen:
            if op not in OPS:
                raise UnknownNameError(f"unknown op '{op}' for space '{self.name}'; choices: {', '.join(OPS)}")
        if len(set(chosen)) != len(chosen) or len(chosen) < 2:
            raise InvalidArgumentError(f"ops must be at least two distinct ops, got {chosen}")
        ordered = tuple(op for op in OPS if op in chosen)
        self.ops = next((known for known in VOCABULARIES if known == ordered), ordered)
        self._spec = GraphSpec(num_nodes=NUM_COMPUTING + 2, node_types=("input", "output", *self.ops))

    @property
    def checkpoint_name(self) -> str:
        """``nasbench-graph``, ``nasbench-graph-proteins`` for the five proteins ops, else the ops joined."""
        if self.ops == OPS:
            return self.name
        if self.ops == PROTEINS_OPS:
            return f"{self.name}-proteins"
        return "-".join((self.name, *self.ops))

    # ----------------------------------------------------------------------------------------------- membership
    def validate(self, arch: GraphArch) -> None:
        if not isinstance(arch, GraphArch):
            raise InvalidArchitectureError(f"expected a GraphArch, got {type(arch).__name__}")
        self._check_ops(arch.ops)
        if arch.link not in LINK_PATTERNS:
            choices = ", ".join(f"[{_join(p)}]" for p in LINK_PATTERNS)
            raise InvalidArchitectureError(f"link [{_join(arch.link)}] is not a link pattern; choices: {choices}")

    def _check_ops(self, ops: Sequence[str]) -> None:
        if len(ops) != NUM_COMPUTING:
            raise InvalidArchitectureError(f"expected {NUM_COMPUTING} ops, got {len(ops)}: [{_join(ops)}]")
        for i, op in enumerate(ops):
            self.check_op(op, where=f"op{i}")
        if all(op == _SKIP for op in ops):
            raise InvalidArchitectureError("all four ops are 'skip': the cell computes nothing (not in the benchmark)")

    def canonical_key(self, arch: GraphArch) -> str:
        """The package's ``Arch(link, ops).valid_hash()`` as a string: the benchmark's own row key."""
        self.validate(arch)
        return str(Arch(list(arch.link), list(arch.ops)).valid_hash())

    def canonicalize(self, arch: GraphArch) -> GraphArch:
        """The encoding ``valid_hash`` reduces ``arch`` to (skips moved first, equivalent branches sorted)."""
        self.validate(arch)
        reduced = Arch(list(arch.link), list(arch.ops)).regularize()
        reduced.move_skip_op()
        reduced.equalpart_sort()
        return GraphArch(reduced.link, reduced.ops)

    def from_dag(self, link: Sequence[int], ops: Sequence[str]) -> GraphArch:
        """The encoding of any one-input DAG, its computing nodes relabelled to one of the nine link patterns.

        Args:
            link: ``link[i]`` in ``0..i``, the input of computing node ``i + 1`` (any of the 24 such DAGs).
            ops: The op of each computing node; permuted along with the nodes.
        """
        if len(link) != NUM_COMPUTING or any(not (isinstance(p, int) and 0 <= p <= i) for i, p in enumerate(link)):
            raise InvalidArchitectureError(
                f"link [{_join(link)}] must have {NUM_COMPUTING} entries with link[i] in 0..i"
            )
        self._check_ops(ops)
        relabelled = Arch(list(link), list(ops)).regularize()
        return GraphArch(relabelled.link, relabelled.ops)

    # ----------------------------------------------------------------------------------------------- strings
    def to_string(self, arch: GraphArch) -> str:
        """``[link] [ops]``, e.g. ``[0,0,1,2] [gcn,gat,skip,fc]``."""
        return f"[{_join(arch.link)}] [{_join(arch.ops)}]"

    def from_string(self, text: str) -> GraphArch:
        match = _STRING.fullmatch(text)
        if match is None:
            raise InvalidArchitectureError(f"cannot parse {text!r}; expected '[link] [ops]', e.g. '{_EXAMPLE}'")
        items = [item.strip() for item in match.group(1).split(",")]
        if len(items) != NUM_COMPUTING or not all(re.fullmatch(r"\d", item) for item in items):
            raise InvalidArchitectureError(f"link [{match.group(1)}] in {text!r} must be {NUM_COMPUTING} digits")
        arch = GraphArch(tuple(int(item) for item in items), tuple(op.strip() for op in match.group(2).split(",")))
        self.validate(arch)
        return arch

    # ----------------------------------------------------------------------------------------------- sampling
    def sample(self, seed: Seed = None) -> GraphArch:
        rng = as_rng(seed)
        while True:  # rejection keeps it uniform over encodings; only 1 in len(ops) ** 4 draws is all-skip
            ops = tuple(rng.choice(self.ops) for _ in range(NUM_COMPUTING))
            link = rng.choice(LINK_PATTERNS)
            if not all(op == _SKIP for op in ops):
                return GraphArch(link, ops)

    def neighbours(self, arch: GraphArch) -> list[GraphArch]:
        key = self.canonical_key(arch)
        candidates = [
            GraphArch(arch.link, arch.ops[:i] + (op,) + arch.ops[i + 1 :])
            for i in range(NUM_COMPUTING)
            for op in self.ops
            if op != arch.ops[i]
        ]
        candidates += [GraphArch(link, arch.ops) for link in LINK_PATTERNS if link != arch.link]
        return [c for c in candidates if self.is_valid(c) and self.canonical_key(c) != key]

    @property
    def is_finite(self) -> bool:
        return True

    def enumerate(self) -> Iterator[GraphArch]:
        """Every encoding: link patterns in the package's order, then ops in ``itertools.product`` order."""
        for link in LINK_PATTERNS:
            for ops in itertools.product(self.ops, repeat=NUM_COMPUTING):
                if not all(op == _SKIP for op in ops):
                    yield GraphArch(link, ops)

    def size(self) -> int:
        return len(LINK_PATTERNS) * (len(self.ops) ** NUM_COMPUTING - (_SKIP in self.ops))

    # ----------------------------------------------------------------------------------------------- Optuna
    def distributions(self) -> dict[str, BaseDistribution]:
        """``link`` over the patterns as strings (``"0,0,1,2"``) and ``op0`` .. ``op3`` over the ops."""
        dists: dict[str, BaseDistribution] = {"link": self.categorical([_join(p) for p in LINK_PATTERNS])}
        dists.update({f"op{i}": self.categorical(self.ops) for i in range(NUM_COMPUTING)})
        return dists

    def to_params(self, arch: GraphArch) -> dict[str, Any]:
        params: dict[str, Any] = {"link": _join(arch.link)}
        params.update({f"op{i}": op for i, op in enumerate(arch.ops)})
        return params

    def from_params(self, params: Mapping[str, Any]) -> GraphArch:
        """Inverse of :meth:`to_params`; params other than ``link`` and ``op0`` .. ``op3`` are ignored."""
        names = ["link", *(f"op{i}" for i in range(NUM_COMPUTING))]
        missing = [name for name in names if name not in params]
        if missing:
            raise InvalidArchitectureError(f"missing params {', '.join(missing)}; expected {', '.join(names)}")
        patterns = {_join(p): p for p in LINK_PATTERNS}
        if params["link"] not in patterns:
            raise InvalidArchitectureError(f"unknown link '{params['link']}'; choices: {' | '.join(patterns)}")
        arch = GraphArch(patterns[params["link"]], tuple(params[name] for name in names[1:]))
        self.validate(arch)
        return arch

    # ----------------------------------------------------------------------------------------------- graphs
    @property
    def graph_spec(self) -> GraphSpec:
        """Six nodes: the input, the four computing nodes in order, the output; types ``input, output, *ops``."""
        return self._spec

    def to_dense(self, arch: GraphArch) -> tuple[list[int], list[list[int]]]:
        """Edges ``link[i] -> i + 1`` and ``leaf -> output`` for every computing node no other node reads."""
        n = self._spec.num_nodes
        types = [0, *(2 + self.ops.index(op) for op in arch.ops), 1]
        adj = [[0] * n for _ in range(n)]
        for i, source in enumerate(arch.link):
            adj[source][i + 1] = 1
        for node in range(1, NUM_COMPUTING + 1):
            if node not in arch.link:
                adj[node][n - 1] = 1
        return types, adj

    def from_logits(self, type_logits: torch.Tensor, adj_logits: torch.Tensor) -> GraphArch:
        """Per computing node, the most likely op and the most likely earlier node as its input; relabelled to a
        link pattern. An all-``skip`` cell gets, on one node, its next most likely op (the smallest drop in logit).

        NOTE: the edges into the output are implied by the links (the leaves), so their logits are not read.
        """
        spec = self._spec
        if tuple(type_logits.shape) != (spec.num_nodes, spec.num_types):
            raise InvalidArgumentError(
                f"type_logits must be {spec.num_nodes} x {spec.num_types}, got {tuple(type_logits.shape)}"
            )
        if tuple(adj_logits.shape) != (spec.num_nodes, spec.num_nodes):
            raise InvalidArgumentError(
                f"adj_logits must be {spec.num_nodes} x {spec.num_nodes}, got {tuple(adj_logits.shape)}"
            )
        op_logits = torch.nan_to_num(type_logits.detach().double().cpu()[1 : NUM_COMPUTING + 1, 2:])
        adj = torch.nan_to_num(adj_logits.detach().double().cpu())
        ranked = torch.sort(op_logits, dim=1, descending=True, stable=True).indices
        ops = [self.ops[int(ranked[i, 0])] for i in range(NUM_COMPUTING)]
        link = [int(adj[: i + 1, i + 1].argmax()) for i in range(NUM_COMPUTING)]
        if all(op == _SKIP for op in ops):
            drops = [float(op_logits[i, ranked[i, 0]] - op_logits[i, ranked[i, 1]]) for i in range(NUM_COMPUTING)]
            node = drops.index(min(drops))
            ops[node] = self.ops[int(ranked[node, 1])]
        return self.from_dag(link, ops)

    # ----------------------------------------------------------------------------------------------- networks
    def network_kwargs(self, arch: GraphArch, task: Task) -> dict[str, Any]:
        """``link`` and ``ops`` as encoded, and ``graph_level`` (pool to one prediction per graph) for graph tasks."""
        return {"link": tuple(arch.link), "ops": tuple(arch.ops), "graph_level": task.kind == "graph"}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if self.ops == OPS else f"{type(self).__name__}(ops={self.ops})"


def proteins_space() -> NasBenchGraphSpace:
    """The space NAS-Bench-Graph evaluated on ``proteins``: its five ops (registered as ``nasbench-graph-proteins``,
    so that an encoder can be pretrained for it by name)."""
    return NasBenchGraphSpace(ops=PROTEINS_OPS)
