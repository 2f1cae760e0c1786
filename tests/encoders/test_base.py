from __future__ import annotations

import json

import pytest
import torch

from latentnas_encoders import DecoderConfig, EncoderConfig
from latentnas_encoders.base import mask_adj_logits, strict_upper_mask


def test_configs_round_trip_through_json() -> None:
    enc = EncoderConfig("dag", 6, 11, hidden=32, layers=2, latent_dim=8, bidirectional=False)
    dec = DecoderConfig("sequential", 6, 11, hidden=32, latent_dim=8)
    assert EncoderConfig.from_dict(json.loads(json.dumps(enc.to_dict()))) == enc
    assert DecoderConfig.from_dict(json.loads(json.dumps(dec.to_dict()))) == dec


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "gat"}, "unknown encoder kind 'gat'; choices: gin, dag"),
        ({"hidden": 0}, "hidden must be a positive int, got 0"),
        ({"num_nodes": 1}, "num_nodes must be an int of at least 2, got 1"),
        ({"pooling": "max"}, "unknown pooling 'max'; choices: sum, mean"),
    ],
)
def test_encoder_config_refuses_bad_values(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"kind": "gin", "num_nodes": 4, "num_types": 5}
    with pytest.raises(ValueError, match=message):
        EncoderConfig(**(base | kwargs))  # type: ignore[arg-type]


def test_decoder_config_refuses_unknown_kind_and_keys() -> None:
    with pytest.raises(ValueError, match="unknown decoder kind 'rnn'; choices: oneshot, sequential"):
        DecoderConfig("rnn", 4, 5)
    with pytest.raises(ValueError, match=r"unknown DecoderConfig keys \['depth'\]"):
        DecoderConfig.from_dict({"kind": "oneshot", "num_nodes": 4, "num_types": 5, "depth": 3})


def test_mask_keeps_exactly_the_strict_upper_triangle() -> None:
    assert strict_upper_mask(3).tolist() == [[False, True, True], [False, False, True], [False, False, False]]
    masked = mask_adj_logits(torch.zeros(2, 3, 3))
    assert torch.isinf(masked[:, ~strict_upper_mask(3)]).all()
    assert (masked[:, strict_upper_mask(3)] == 0).all()
