from __future__ import annotations

import pytest
import torch

from latentnas.testing.encoders import EncoderContract
from latentnas_encoders.gin import GINEncoder
from tests.encoders.graphs import NUM_TYPES, chain_and_fork, to_pyg


class TestGINEncoderContract(EncoderContract):
    @pytest.fixture(params=[(True, "sum"), (False, "mean")], ids=["bidirectional-sum", "forward-mean"])
    def encoder(self, request: pytest.FixtureRequest) -> GINEncoder:
        bidirectional, pooling = request.param
        torch.manual_seed(0)
        return GINEncoder(self.num_types, self.latent_dim, hidden=8, layers=2, bidirectional=bidirectional,
                          pooling=pooling)


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("pooling", ["sum", "mean"])
def test_shapes_and_distinct_graphs(bidirectional: bool, pooling: str) -> None:
    torch.manual_seed(0)
    encoder = GINEncoder(NUM_TYPES, 3, hidden=8, layers=2, bidirectional=bidirectional, pooling=pooling)
    mu, logvar = encoder(*to_pyg(*chain_and_fork()), num_graphs=2)
    assert mu.shape == logvar.shape == (2, 3)
    assert not torch.allclose(mu[0], mu[1])
