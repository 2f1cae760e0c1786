from __future__ import annotations

import pytest
import torch

from latentnas.vae import LatentSpace
from latentnas.vae.train import TrainedVAE
from tests.vae.tiny_space import TinySpace


def test_bounds_hold_the_encodings_with_a_margin(tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    latent = LatentSpace(tiny_space, tiny_trained.vae, archs=tiny_trained.train_archs, margin=0.1)
    z = latent.encode(tiny_trained.train_archs)
    assert z.shape == (81, 4) and latent.dim == 4
    low, high = z.min(0).values, z.max(0).values
    torch.testing.assert_close(latent.bounds, torch.stack([low - 0.1 * (high - low), high + 0.1 * (high - low)]))


def test_prior_bounds_without_archs(tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    latent = LatentSpace(tiny_space, tiny_trained.vae)
    assert latent.bounds.tolist() == [[-3.0] * 4, [3.0] * 4]


def test_every_point_decodes_to_a_valid_architecture(tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    latent = LatentSpace(tiny_space, tiny_trained.vae)
    z = torch.cat([torch.randn(20, 4, generator=torch.Generator().manual_seed(0)) * 10, torch.zeros(1, 4)])
    archs = latent.decode(z)
    assert len(archs) == 21
    for arch in archs:
        tiny_space.validate(arch)
    assert latent.decode(z[0]) == archs[:1]
    assert latent.decode(z.double()) == archs


def test_decode_refuses_bad_points(tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    latent = LatentSpace(tiny_space, tiny_trained.vae)
    with pytest.raises(ValueError, match=r"z must be a n x 4 tensor, got shape \(2, 3\)"):
        latent.decode(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="z must be finite"):
        latent.decode(torch.full((1, 4), float("nan")))
