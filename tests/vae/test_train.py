from __future__ import annotations

from typing import Any

import pytest
import torch

from latentnas.errors import InvalidArgumentError
from latentnas.vae import TrainConfig, default_train_config, train_vae
from latentnas.vae.train import TrainedVAE
from tests.vae.tiny_space import TinySpace

FAST = TrainConfig(encoder="gin", decoder="oneshot", latent_dim=3, hidden=8, epochs=2, batch_size=32, holdout=0.1)


def run(space: TinySpace, seed: int = 0, **kwargs: Any) -> TrainedVAE:
    return train_vae(space, list(space.enumerate()), config=FAST, seed=seed, evaluate=False, **kwargs)


def test_same_seed_same_model_and_global_rng_untouched(tiny_space: TinySpace) -> None:
    state = torch.get_rng_state()
    first, again, other = run(tiny_space), run(tiny_space), run(tiny_space, seed=1)
    assert torch.equal(torch.get_rng_state(), state)
    assert first.history == again.history
    for key, value in first.vae.state_dict().items():
        assert torch.equal(value, again.vae.state_dict()[key])
    assert first.history != other.history
    assert first.holdout_archs != other.holdout_archs


def test_split_overrides_and_progress(tiny_space: TinySpace) -> None:
    calls: list[int] = []
    trained = run(tiny_space, epochs=3, encoder="dag", progress=lambda epoch, terms: calls.append(epoch))
    assert calls == [1, 2, 3]
    assert len(trained.history) == 3 and set(trained.history[0]) == {"loss", "type_ce", "adj_bce", "kl"}
    assert (len(trained.holdout_archs), len(trained.train_archs)) == (9, 81)
    assert set(trained.holdout_archs).isdisjoint(trained.train_archs)
    assert trained.config.encoder.kind == "dag" and trained.train_config.epochs == 3
    assert not trained.vae.training


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"holdout": 1.0}, r"holdout must be in \[0, 1\), got 1.0"),
        ({"epochs": 0}, "epochs must be a positive int, got 0"),
        ({"encoder": "gcn"}, "unknown encoder kind 'gcn'; choices: gin, dag"),
        ({"decoder": "gru"}, "unknown decoder kind 'gru'; choices: oneshot, sequential"),
    ],
)
def test_bad_settings_are_refused(tiny_space: TinySpace, kwargs: dict[str, Any], message: str) -> None:
    # InvalidArgumentError, so the CLI prints one line; still a ValueError for callers that catch that.
    with pytest.raises(InvalidArgumentError, match=message):
        run(tiny_space, **kwargs)


def test_too_few_archs_are_refused(tiny_space: TinySpace) -> None:
    with pytest.raises(InvalidArgumentError, match="archs must hold at least 2 architectures, got 1"):
        train_vae(tiny_space, [tiny_space.sample(0)], config=FAST)


def test_defaults_per_space() -> None:
    assert default_train_config("no-such-space") == TrainConfig()
    assert default_train_config("nasbench201").epochs >= 1


def test_default_config_overrides_the_fields_given() -> None:
    tuned = default_train_config("nasbench201")
    config = default_train_config("nasbench201", encoder="gin", epochs=3, latent_dim=None)
    assert config == TrainConfig(**{**tuned.to_dict(), "encoder": "gin", "epochs": 3})
    with pytest.raises(InvalidArgumentError, match="unknown encoder kind 'gat'; choices: gin, dag"):
        default_train_config("nasbench201", encoder="gat")
    with pytest.raises(InvalidArgumentError, match="unexpected keyword argument 'layers'"):
        default_train_config("nasbench201", layers=2)


def test_evaluation_fills_the_metrics(tiny_space: TinySpace) -> None:
    trained = train_vae(tiny_space, list(tiny_space.enumerate()), config=FAST, num_prior_samples=50)
    assert set(trained.metrics) >= {"train_reconstruction", "holdout_reconstruction", "validity", "uniqueness",
                                    "novelty", "coverage", "train_seconds"}
    assert trained.metrics["validity"] == 1.0
    assert trained.metrics["num_train"] == 81


@pytest.mark.slow
def test_tiny_space_is_reconstructed_exactly(tiny_space: TinySpace) -> None:
    # Canonical representatives: isomorphic encodings share one posterior, so a one-shot decoder trained on both
    # would split its per-node choices between them.
    reps = list({tiny_space.canonical_key(a): tiny_space.canonicalize(a) for a in tiny_space.enumerate()}.values())
    config = TrainConfig(encoder="dag", decoder="oneshot", latent_dim=8, hidden=32, epochs=150, batch_size=8,
                         lr=1e-2, holdout=0.0)
    trained = train_vae(tiny_space, reps, config=config, num_prior_samples=1000)
    assert len(reps) == 84
    assert trained.metrics["train_reconstruction"] == 1.0
    assert trained.metrics["validity"] == 1.0
