from __future__ import annotations

import pytest
import torch

from latentnas.vae import prior_metrics, reconstruction_accuracy
from latentnas.vae.metrics import decode_points, dense_batch, encode_means
from latentnas.vae.train import TrainedVAE
from tests.vae.tiny_space import TinySpace


def test_dense_batch(tiny_space: TinySpace) -> None:
    archs = list(tiny_space.enumerate())[:2]
    types, adj = dense_batch(tiny_space, archs)
    assert types.tolist() == [tiny_space.to_dense(a)[0] for a in archs]
    assert adj.shape == (2, 4, 4) and adj.dtype == torch.float32
    assert dense_batch(tiny_space, [])[0].shape == (0, 4)


def test_reconstruction_counts_exact_canonical_matches(tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    archs = tiny_trained.train_archs
    decoded = decode_points(tiny_space, tiny_trained.vae, encode_means(tiny_space, tiny_trained.vae, archs))
    expected = sum(tiny_space.canonical_key(a) == tiny_space.canonical_key(b) for a, b in zip(archs, decoded))
    assert reconstruction_accuracy(tiny_space, tiny_trained.vae, archs) == expected / len(archs)
    assert expected > len(archs) // 2  # trained for 40 epochs: better than chance by far
    with pytest.raises(ValueError, match="archs must not be empty"):
        reconstruction_accuracy(tiny_space, tiny_trained.vae, [])


def test_prior_metrics(tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    all_keys = {tiny_space.canonical_key(a) for a in tiny_space.enumerate()}
    gen = torch.Generator().manual_seed(0)
    metrics = prior_metrics(tiny_space, tiny_trained.vae, train_keys=all_keys, num_samples=500, generator=gen)
    assert metrics.validity == 1.0
    assert metrics.novelty == 0.0
    assert 1 / 500 <= metrics.uniqueness <= 84 / 500
    assert metrics.coverage == pytest.approx(metrics.uniqueness * 500 / 84)
    unseen = prior_metrics(tiny_space, tiny_trained.vae, train_keys=set(), num_samples=500,
                           generator=torch.Generator().manual_seed(0))
    assert unseen.novelty == 1.0 and unseen.uniqueness == metrics.uniqueness
    with pytest.raises(ValueError, match="num_samples must be positive, got 0"):
        prior_metrics(tiny_space, tiny_trained.vae, train_keys=set(), num_samples=0)
