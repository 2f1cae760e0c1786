from __future__ import annotations

import pytest

from latentnas.vae import TrainedVAE
from tests.vae.tiny_space import TinySpace


@pytest.fixture
def tiny_space() -> TinySpace:
    return TinySpace()


@pytest.fixture(scope="module")
def tiny_trained() -> TrainedVAE:
    """A small VAE trained briefly on the tiny space (module-scoped: about two seconds)."""
    from latentnas.vae import TrainConfig, train_vae

    space = TinySpace()
    config = TrainConfig(encoder="dag", decoder="oneshot", latent_dim=4, hidden=32, epochs=60, batch_size=8,
                         lr=1e-2, holdout=0.1)
    return train_vae(space, list(space.enumerate()), config=config, seed=0, evaluate=False)
