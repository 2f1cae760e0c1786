"""Graph encoders and decoders for DAGs in a fixed topological node order (imports only torch and PyG)."""

from __future__ import annotations

from .base import (
    DecoderConfig,
    DecoderOutput,
    EncoderConfig,
    EncoderOutput,
    GraphDecoder,
    GraphEncoder,
)
from .build import build_decoder, build_encoder
from .dag import DAGEncoder
from .decoders import OneShotDecoder, SequentialDecoder
from .gin import GINEncoder

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
