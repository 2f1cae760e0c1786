from __future__ import annotations

import pytest
import torch

from latentnas_encoders.base import GraphDecoder, strict_upper_mask
from latentnas_encoders.decoders import OneShotDecoder, SequentialDecoder
from tests.encoders.graphs import NUM_NODES, NUM_TYPES, chain_and_fork


def decoders() -> list[GraphDecoder]:
    torch.manual_seed(0)
    return [
        OneShotDecoder(3, num_nodes=NUM_NODES, num_types=NUM_TYPES, hidden=8),
        SequentialDecoder(3, num_nodes=NUM_NODES, num_types=NUM_TYPES, hidden=8),
    ]


@pytest.mark.parametrize("decoder", decoders(), ids=["oneshot", "sequential"])
def test_shapes_and_mask(decoder: GraphDecoder) -> None:
    types, adj = chain_and_fork()
    for out in (decoder(torch.randn(2, 3)), decoder(torch.randn(2, 3), types, adj)):
        assert out.type_logits.shape == (2, NUM_NODES, NUM_TYPES)
        assert out.adj_logits.shape == (2, NUM_NODES, NUM_NODES)
        upper = strict_upper_mask(NUM_NODES)
        assert torch.isfinite(out.adj_logits[:, upper]).all()
        assert (out.adj_logits[:, ~upper] == float("-inf")).all()


def test_sequential_teacher_forcing_conditions_later_steps_on_the_targets() -> None:
    decoder = decoders()[1]
    z = torch.randn(2, 3)
    types, adj = chain_and_fork()
    forced = decoder(z, types, adj)
    other = types.clone()
    other[:, 1] = 4
    reforced = decoder(z, other, adj)
    # Node 0's and node 1's type logits come before node 1's type is chosen; node 2's come after.
    torch.testing.assert_close(forced.type_logits[:, :2], reforced.type_logits[:, :2])
    assert not torch.allclose(forced.type_logits[:, 2], reforced.type_logits[:, 2])


def test_sequential_greedy_decoding_equals_forcing_its_own_choices() -> None:
    decoder = decoders()[1]
    z = torch.randn(5, 3)
    greedy = decoder(z)
    types = greedy.type_logits.argmax(-1)
    adj = (greedy.adj_logits > 0).float()
    forced = decoder(z, types, adj)
    torch.testing.assert_close(forced.type_logits, greedy.type_logits)
    torch.testing.assert_close(forced.adj_logits, greedy.adj_logits)
