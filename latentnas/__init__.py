"""latentnas: neural architecture search in the latent space of a graph VAE."""

from __future__ import annotations

__version__ = "0.1.0"
