"""The encoder and decoder interfaces of the graph VAE, and their frozen configs.

Every graph the encoders see has the same shape: ``num_nodes`` nodes in topological order (node ``0`` the input,
node ``num_nodes - 1`` the output, edges only from lower to higher index), each labelled by one of ``num_types``
node types. Encoders read PyG batches (``x``, ``edge_index``, ``batch``); decoders produce dense logits over that
form, which a search space turns into a valid architecture.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

ENCODER_KINDS = ("gin", "dag")
DECODER_KINDS = ("oneshot", "sequential")
POOLINGS = ("sum", "mean")


class EncoderOutput(NamedTuple):
    """The approximate posterior ``q(z | G) = N(mu, diag(exp(logvar)))``.

    Attributes:
        mu: A ``B x d`` tensor of posterior means.
        logvar: A ``B x d`` tensor of posterior log-variances.
    """

    mu: Tensor
    logvar: Tensor


class DecoderOutput(NamedTuple):
    """Logits over the dense graph form.

    Attributes:
        type_logits: A ``B x N x V`` tensor of node-type logits.
        adj_logits: A ``B x N x N`` tensor of edge logits; entry ``[b, i, j]`` scores the edge ``i -> j``. Only the
            strict upper triangle is meaningful; every other entry is ``-inf`` (no edge).
    """

    type_logits: Tensor
    adj_logits: Tensor


class GraphEncoder(nn.Module, ABC):
    """Maps a batch of graphs to the parameters of a diagonal Gaussian posterior."""

    latent_dim: int

    @abstractmethod
    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor, num_graphs: int) -> EncoderOutput:
        """Encodes a PyG batch.

        Args:
            x: A ``(B * N) x V`` tensor of one-hot node types, graph after graph.
            edge_index: A ``2 x E`` long tensor of directed edges (lower to higher node index within a graph).
            batch: A ``B * N`` long tensor assigning each node to its graph.
            num_graphs: ``B``.

        Returns:
            An :class:`EncoderOutput` of two ``B x d`` tensors.
        """


class GraphDecoder(nn.Module, ABC):
    """Maps latent points to logits over the dense graph form."""

    latent_dim: int
    num_nodes: int
    num_types: int

    @abstractmethod
    def forward(
        self, z: Tensor, target_types: Tensor | None = None, target_adj: Tensor | None = None
    ) -> DecoderOutput:
        """Decodes latent points.

        Args:
            z: A ``B x d`` tensor of latent points.
            target_types: Optional ``B x N`` long tensor of true node types, for teacher forcing.
            target_adj: Optional ``B x N x N`` 0/1 tensor of true edges, for teacher forcing.

        Returns:
            A :class:`DecoderOutput` with ``B x N x V`` and ``B x N x N`` logits.
        """


def strict_upper_mask(num_nodes: int, *, device: torch.device | None = None) -> Tensor:
    """A ``N x N`` bool tensor, ``True`` exactly on the strict upper triangle (the possible edges)."""
    return torch.ones(num_nodes, num_nodes, dtype=torch.bool, device=device).triu(diagonal=1)


def mask_adj_logits(adj_logits: Tensor) -> Tensor:
    """Sets every entry of a ``B x N x N`` logit tensor outside the strict upper triangle to ``-inf``."""
    mask = strict_upper_mask(adj_logits.size(-1), device=adj_logits.device)
    return adj_logits.masked_fill(~mask, float("-inf"))


def _check_common(config: Any) -> None:
    for name in ("hidden", "layers", "latent_dim", "num_types"):
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not isinstance(config.num_nodes, int) or config.num_nodes < 2:
        raise ValueError(f"num_nodes must be an int of at least 2, got {config.num_nodes!r}")


@dataclass(frozen=True)
class EncoderConfig:
    """Everything needed to build a :class:`GraphEncoder`, JSON-serializable.

    Args:
        kind: ``"gin"`` (:class:`~encoders.gin.GINEncoder`) or ``"dag"`` (:class:`~encoders.dag.DAGEncoder`).
        num_nodes: ``N``, the node count of every graph.
        num_types: ``V``, the size of the node vocabulary.
        hidden: Width of the hidden node states.
        layers: Number of message-passing layers (GIN) or stacked DAG passes.
        latent_dim: ``d``, the latent size.
        bidirectional: Also pass messages against the edge direction (GIN: a second convolution over reversed
            edges; DAG: a reverse pass from the output node).
        pooling: Graph readout of the GIN encoder, ``"sum"`` or ``"mean"`` (unused by the DAG encoder).
    """

    kind: str
    num_nodes: int
    num_types: int
    hidden: int = 64
    layers: int = 2
    latent_dim: int = 16
    bidirectional: bool = True
    pooling: str = "sum"

    def __post_init__(self) -> None:
        if self.kind not in ENCODER_KINDS:
            raise ValueError(f"unknown encoder kind {self.kind!r}; choices: {', '.join(ENCODER_KINDS)}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {self.pooling!r}; choices: {', '.join(POOLINGS)}")
        if not isinstance(self.bidirectional, bool):
            raise TypeError(f"bidirectional must be a bool, got {self.bidirectional!r}")
        _check_common(self)

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-serializable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncoderConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        return cls(**_known_keys(cls, data))


@dataclass(frozen=True)
class DecoderConfig:
    """Everything needed to build a :class:`GraphDecoder`, JSON-serializable.

    Args:
        kind: ``"oneshot"`` (:class:`~encoders.decoders.OneShotDecoder`) or ``"sequential"``
            (:class:`~encoders.decoders.SequentialDecoder`).
        num_nodes: ``N``, the node count of every graph.
        num_types: ``V``, the size of the node vocabulary.
        hidden: Width of the hidden layers (one-shot) or GRU states (sequential).
        layers: Number of hidden layers of the one-shot MLP (unused by the sequential decoder).
        latent_dim: ``d``, the latent size.
    """

    kind: str
    num_nodes: int
    num_types: int
    hidden: int = 64
    layers: int = 2
    latent_dim: int = 16

    def __post_init__(self) -> None:
        if self.kind not in DECODER_KINDS:
            raise ValueError(f"unknown decoder kind {self.kind!r}; choices: {', '.join(DECODER_KINDS)}")
        _check_common(self)

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-serializable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecoderConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        return cls(**_known_keys(cls, data))


def _known_keys(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    fields = set(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys {unknown}; expected some of {sorted(fields)}")
    return dict(data)
