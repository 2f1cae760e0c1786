from __future__ import annotations

import pytest

from latentnas_encoders import DecoderConfig, EncoderConfig, build_decoder, build_encoder
from latentnas_encoders.base import DECODER_KINDS, ENCODER_KINDS
from latentnas_encoders.dag import DAGEncoder
from latentnas_encoders.decoders import OneShotDecoder, SequentialDecoder
from latentnas_encoders.gin import GINEncoder


def test_every_kind_builds_its_module() -> None:
    assert {kind: type(build_encoder(EncoderConfig(kind, 4, 5))) for kind in ENCODER_KINDS} == {
        "gin": GINEncoder, "dag": DAGEncoder}
    assert {kind: type(build_decoder(DecoderConfig(kind, 4, 5))) for kind in DECODER_KINDS} == {
        "oneshot": OneShotDecoder, "sequential": SequentialDecoder}


@pytest.mark.parametrize("kind", ENCODER_KINDS)
def test_encoder_follows_its_config(kind: str) -> None:
    config = EncoderConfig(kind, 4, 5, hidden=6, layers=3, latent_dim=7, bidirectional=False, pooling="mean")
    encoder = build_encoder(config)
    assert encoder.latent_dim == 7
    if kind == "gin":
        assert isinstance(encoder, GINEncoder)
        assert (len(encoder.convs), len(encoder.reverse_convs), encoder.pooling) == (3, 0, "mean")
        assert encoder.fc_mu.in_features == 5 + 6 * 3  # the input features and every layer's states, pooled
    else:
        assert isinstance(encoder, DAGEncoder)
        assert (encoder.num_nodes, len(encoder.forward_passes), len(encoder.reverse_passes)) == (4, 3, 0)
        assert encoder.fc_mu.in_features == 6


def test_decoders_follow_their_config() -> None:
    oneshot = build_decoder(DecoderConfig("oneshot", 4, 5, hidden=6, layers=3, latent_dim=7))
    assert isinstance(oneshot, OneShotDecoder)
    assert (oneshot.latent_dim, oneshot.num_nodes, oneshot.num_types) == (7, 4, 5)
    assert len(oneshot.mlp) == 6  # three Linear + ReLU blocks
    sequential = build_decoder(DecoderConfig("sequential", 4, 5, hidden=6, latent_dim=7))
    assert isinstance(sequential, SequentialDecoder)
    assert (sequential.latent_dim, sequential.num_nodes, sequential.num_types, sequential.hidden) == (7, 4, 5, 6)
