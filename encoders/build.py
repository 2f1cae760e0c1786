"""Building an encoder or decoder from its config (kept apart from ``base`` so that the ABCs import no
implementation)."""

from __future__ import annotations

from .base import DecoderConfig, EncoderConfig, GraphDecoder, GraphEncoder
from .dag import DAGEncoder
from .decoders import OneShotDecoder, SequentialDecoder
from .gin import GINEncoder


def build_encoder(config: EncoderConfig) -> GraphEncoder:
    """Builds the encoder ``config`` describes."""
    if config.kind == "gin":
        return GINEncoder(
            config.num_types,
            config.latent_dim,
            hidden=config.hidden,
            layers=config.layers,
            bidirectional=config.bidirectional,
            pooling=config.pooling,
        )
    return DAGEncoder(
        config.num_types,
        config.latent_dim,
        num_nodes=config.num_nodes,
        hidden=config.hidden,
        layers=config.layers,
        bidirectional=config.bidirectional,
    )


def build_decoder(config: DecoderConfig) -> GraphDecoder:
    """Builds the decoder ``config`` describes."""
    if config.kind == "oneshot":
        return OneShotDecoder(
            config.latent_dim,
            num_nodes=config.num_nodes,
            num_types=config.num_types,
            hidden=config.hidden,
            layers=config.layers,
        )
    return SequentialDecoder(
        config.latent_dim, num_nodes=config.num_nodes, num_types=config.num_types, hidden=config.hidden
    )
