"""The graph VAE over a space's graph form: model, loss, training, metrics, latent space, fine-tuning and
checkpoints."""

from __future__ import annotations

from latentnas.vae.checkpoint import checkpoint_space, load_checkpoint, read_manifest, save_checkpoint
from latentnas.vae.finetune import finetune_latent_space
from latentnas.vae.latent import LatentSpace
from latentnas.vae.losses import VAELoss, vae_loss
from latentnas.vae.metrics import PriorMetrics, prior_metrics, reconstruction_accuracy
from latentnas.vae.model import GraphVAE, VAEConfig, VAEOutput, build_vae
from latentnas.vae.train import TrainConfig, TrainedVAE, default_train_config, evaluate_vae, train_vae

__all__ = [
    "GraphVAE",
    "LatentSpace",
    "PriorMetrics",
    "TrainConfig",
    "TrainedVAE",
    "VAEConfig",
    "VAELoss",
    "VAEOutput",
    "build_vae",
    "checkpoint_space",
    "default_train_config",
    "evaluate_vae",
    "finetune_latent_space",
    "load_checkpoint",
    "prior_metrics",
    "read_manifest",
    "reconstruction_accuracy",
    "save_checkpoint",
    "train_vae",
    "vae_loss",
]
