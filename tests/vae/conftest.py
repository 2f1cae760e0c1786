from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from latentnas.vae import TrainedVAE
from tests.vae.tiny_space import TinySpace


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    # NOTE: these models are tiny; on a shared, loaded CPU torch's thread pool costs 100x the work itself.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def tiny_space() -> TinySpace:
    return TinySpace()


@pytest.fixture(scope="module")
def tiny_trained(_one_thread: None) -> TrainedVAE:
    """A small VAE trained briefly on the tiny space (module-scoped: about two seconds)."""
    from latentnas.vae import TrainConfig, train_vae

    space = TinySpace()
    config = TrainConfig(encoder="dag", decoder="oneshot", latent_dim=4, hidden=32, epochs=60, batch_size=8,
                         lr=1e-2, holdout=0.1)
    return train_vae(space, list(space.enumerate()), config=config, seed=0, evaluate=False)
