from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Batch

from latentnas.vae import GraphVAE, VAEConfig, build_vae
from latentnas.vae.model import dense_to_pyg
from latentnas_encoders import DecoderConfig, EncoderConfig
from tests.vae.tiny_space import TinySpace


def tiny_config(decoder: str = "sequential") -> VAEConfig:
    return VAEConfig(EncoderConfig("dag", 4, 5, hidden=8, latent_dim=3), DecoderConfig(decoder, 4, 5, hidden=8,
                                                                                        latent_dim=3))


def test_config_refuses_disagreeing_shapes_and_round_trips() -> None:
    with pytest.raises(ValueError, match="encoder and decoder disagree on latent_dim: encoder 3, decoder 4"):
        VAEConfig(EncoderConfig("gin", 4, 5, latent_dim=3), DecoderConfig("oneshot", 4, 5, latent_dim=4))
    config = tiny_config()
    assert VAEConfig.from_dict(config.to_dict()) == config
    assert config.latent_dim == 3


def test_model_refuses_mismatched_latent_sizes() -> None:
    config = tiny_config()
    encoder = build_vae(config).encoder
    decoder = build_vae(VAEConfig(EncoderConfig("gin", 4, 5, latent_dim=2), DecoderConfig("oneshot", 4, 5,
                                                                                            latent_dim=2))).decoder
    with pytest.raises(ValueError, match="encoder latent_dim 3 differs from decoder latent_dim 2"):
        GraphVAE(encoder, decoder)


def test_dense_to_pyg_matches_pyg_batching(tiny_space: TinySpace) -> None:
    archs = list(tiny_space.enumerate())[:3]
    batch = Batch.from_data_list([tiny_space.to_data(a) for a in archs])
    types = batch.node_type.view(3, 4)
    x, edge_index, index = dense_to_pyg(types, batch.adj.view(3, 4, 4), 5)
    assert torch.equal(x, batch.x)
    assert torch.equal(edge_index, batch.edge_index)
    assert torch.equal(index, batch.batch)


@pytest.mark.parametrize("decoder", ["oneshot", "sequential"])
def test_forward_on_a_batch_equals_forward_dense(tiny_space: TinySpace, decoder: str) -> None:
    torch.manual_seed(0)
    vae = build_vae(tiny_config(decoder)).eval()
    archs = list(tiny_space.enumerate())[:5]
    batch = Batch.from_data_list([tiny_space.to_data(a) for a in archs])
    out = vae(batch)
    dense = vae.forward_dense(batch.node_type.view(5, 4), batch.adj.view(5, 4, 4))
    assert out.decoded.type_logits.shape == (5, 4, 5)
    assert torch.equal(out.z, out.mu)  # evaluation mode without a generator: the mean
    torch.testing.assert_close(out.mu, dense.mu)
    torch.testing.assert_close(out.decoded.type_logits, dense.decoded.type_logits)


def test_reparameterization_is_explicit() -> None:
    vae = build_vae(tiny_config()).eval()
    mu, logvar = torch.zeros(2, 3), torch.zeros(2, 3)
    assert torch.equal(vae.reparameterize(mu, logvar), mu)
    first = vae.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(1))
    again = vae.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(1))
    assert torch.equal(first, again)
    assert not torch.equal(first, mu)
    torch.testing.assert_close(first, torch.randn(2, 3, generator=torch.Generator().manual_seed(1)))
