from __future__ import annotations

import pytest
import torch

from latentnas.testing.encoders import DecoderContract
from latentnas_encoders.base import GraphDecoder
from latentnas_encoders.decoders import OneShotDecoder, SequentialDecoder
from tests.encoders.graphs import NUM_NODES, NUM_TYPES, chain_and_fork


class TestOneShotDecoderContract(DecoderContract):
    @pytest.fixture
    def decoder(self) -> OneShotDecoder:
        torch.manual_seed(0)
        return OneShotDecoder(self.latent_dim, num_nodes=self.num_nodes, num_types=self.num_types, hidden=8)


class TestSequentialDecoderContract(DecoderContract):
    @pytest.fixture
    def decoder(self) -> SequentialDecoder:
        torch.manual_seed(0)
        return SequentialDecoder(self.latent_dim, num_nodes=self.num_nodes, num_types=self.num_types, hidden=8)


def decoders() -> list[GraphDecoder]:
    torch.manual_seed(0)
    return [
        OneShotDecoder(3, num_nodes=NUM_NODES, num_types=NUM_TYPES, hidden=8),
        SequentialDecoder(3, num_nodes=NUM_NODES, num_types=NUM_TYPES, hidden=8),
    ]


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
