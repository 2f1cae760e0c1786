"""A tiny but real search space for the VAE tests: 4 nodes, 2 computing nodes with 3 ops, free edges.

An architecture is ``(ops, edges)``: the ops of nodes 1 and 2 and the 0/1 flags of the six possible edges
``0->1, 0->2, 0->3, 1->2, 1->3, 2->3``. It is valid when every node but the input has a predecessor and every node
but the output a successor. When ``1->2`` is absent, nodes 1 and 2 are interchangeable, so the canonical form sorts
them; the space has 90 encodings in 84 canonical classes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from optuna.distributions import BaseDistribution

from latentnas.errors import InvalidArchitectureError
from latentnas.spaces.base import GraphSpec, SearchSpace, Seed, as_rng

TinyArch = tuple[tuple[str, str], tuple[int, int, int, int, int, int]]
EDGES = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
OPS = ("a", "b", "c")
NODE_TYPES = ("input", "output", *OPS)


class TinySpace(SearchSpace[TinyArch]):
    name = "tiny"
    ops = OPS

    def validate(self, arch: TinyArch) -> None:
        ops, edges = arch
        if len(ops) != 2 or any(op not in OPS for op in ops) or len(edges) != 6 or set(edges) - {0, 1}:
            raise InvalidArchitectureError(f"malformed tiny architecture {arch!r}")
        present = [edge for edge, flag in zip(EDGES, edges, strict=True) if flag]
        for node in (1, 2, 3):
            if not any(dst == node for _, dst in present):
                raise InvalidArchitectureError(f"node {node} has no predecessor in {arch!r}")
        for node in (0, 1, 2):
            if not any(src == node for src, _ in present):
                raise InvalidArchitectureError(f"node {node} has no successor in {arch!r}")

    def canonicalize(self, arch: TinyArch) -> TinyArch:
        ops, e = arch
        if e[3]:  # 1 -> 2 fixes the order of nodes 1 and 2
            return arch
        swapped: TinyArch = ((ops[1], ops[0]), (e[1], e[0], e[2], 0, e[5], e[4]))
        return min(arch, swapped)

    def canonical_key(self, arch: TinyArch) -> str:
        return self.to_string(self.canonicalize(arch))

    def to_string(self, arch: TinyArch) -> str:
        return f"{arch[0][0]}{arch[0][1]}:{''.join(map(str, arch[1]))}"

    def from_string(self, text: str) -> TinyArch:
        head, _, tail = text.partition(":")
        if len(head) != 2 or len(tail) != 6 or set(tail) - {"0", "1"}:
            raise InvalidArchitectureError(f"cannot parse tiny architecture {text!r}")
        arch: TinyArch = ((head[0], head[1]), tuple(int(c) for c in tail))  # type: ignore[assignment]
        self.validate(arch)
        return arch

    def sample(self, seed: Seed = None) -> TinyArch:
        rng = as_rng(seed)
        return rng.choice(list(self.enumerate()))

    def neighbours(self, arch: TinyArch) -> list[TinyArch]:
        key = self.canonical_key(arch)
        return [a for a in self.enumerate() if self.canonical_key(a) != key][:5]

    @property
    def is_finite(self) -> bool:
        return True

    def enumerate(self) -> Iterator[TinyArch]:
        for ops in itertools.product(OPS, repeat=2):
            for edges in itertools.product((0, 1), repeat=6):
                arch: TinyArch = (ops, edges)  # type: ignore[assignment]
                if self.is_valid(arch):
                    yield arch

    def size(self) -> int:
        return sum(1 for _ in self.enumerate())

    def distributions(self) -> dict[str, BaseDistribution]:
        dists: dict[str, BaseDistribution] = {"op1": self.categorical(OPS), "op2": self.categorical(OPS)}
        return dists | {f"e{i}{j}": self.categorical((0, 1)) for i, j in EDGES}

    def to_params(self, arch: TinyArch) -> dict[str, Any]:
        return {"op1": arch[0][0], "op2": arch[0][1]} | {f"e{i}{j}": f for (i, j), f in zip(EDGES, arch[1])}

    def from_params(self, params: Mapping[str, Any]) -> TinyArch:
        arch: TinyArch = ((params["op1"], params["op2"]), tuple(params[f"e{i}{j}"] for i, j in EDGES))
        self.validate(arch)
        return arch

    @property
    def graph_spec(self) -> GraphSpec:
        return GraphSpec(num_nodes=4, node_types=NODE_TYPES)

    def to_dense(self, arch: TinyArch) -> tuple[list[int], list[list[int]]]:
        types = [0, NODE_TYPES.index(arch[0][0]), NODE_TYPES.index(arch[0][1]), 1]
        adj = [[0] * 4 for _ in range(4)]
        for (i, j), flag in zip(EDGES, arch[1], strict=True):
            adj[i][j] = flag
        return types, adj

    def from_logits(self, type_logits: torch.Tensor, adj_logits: torch.Tensor) -> TinyArch:
        op_logits = torch.nan_to_num(type_logits[1:3, 2:].float(), nan=0.0)
        ops = (OPS[int(op_logits[0].argmax())], OPS[int(op_logits[1].argmax())])
        scores = [float(torch.nan_to_num(adj_logits[i, j].float(), nan=0.0)) for i, j in EDGES]
        flags = [int(s > 0) for s in scores]
        for node in (1, 2, 3):  # repair: the most likely missing predecessor, then the most likely successor
            ins = [k for k, (_, dst) in enumerate(EDGES) if dst == node]
            if not any(flags[k] for k in ins):
                flags[max(ins, key=lambda k: scores[k])] = 1
        for node in (0, 1, 2):
            outs = [k for k, (src, _) in enumerate(EDGES) if src == node]
            if not any(flags[k] for k in outs):
                flags[max(outs, key=lambda k: scores[k])] = 1
        return (ops, tuple(flags))  # type: ignore[return-value]
