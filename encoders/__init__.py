"""Graph encoders and decoders for DAGs in a fixed topological node order (imports only torch and PyG)."""

from __future__ import annotations

from encoders.base import (
    DecoderConfig,
    DecoderOutput,
    EncoderConfig,
    EncoderOutput,
    GraphDecoder,
    GraphEncoder,
    build_decoder,
    build_encoder,
)
from encoders.dag import DAGEncoder
from encoders.decoders import OneShotDecoder, SequentialDecoder
from encoders.gin import GINEncoder

__all__ = [
    "DAGEncoder",
    "DecoderConfig",
    "DecoderOutput",
    "EncoderConfig",
    "EncoderOutput",
    "GINEncoder",
    "GraphDecoder",
    "GraphEncoder",
    "OneShotDecoder",
    "SequentialDecoder",
    "build_decoder",
    "build_encoder",
]
