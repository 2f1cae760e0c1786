"""The graph VAE: an encoder and a decoder composed, with the reparameterization trick."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch

from latentnas.errors import InvalidArgumentError
from latentnas_encoders import (
    DecoderConfig,
    DecoderOutput,
    EncoderConfig,
    EncoderOutput,
    GraphDecoder,
    GraphEncoder,
    build_decoder,
    build_encoder,
)


@dataclass(frozen=True)
class VAEConfig:
    """The encoder and decoder configs of a :class:`GraphVAE`, checked for agreeing shapes.

    Args:
        encoder: The encoder's config.
        decoder: The decoder's config.
    """

    encoder: EncoderConfig
    decoder: DecoderConfig

    def __post_init__(self) -> None:
        for name in ("num_nodes", "num_types", "latent_dim"):
            enc, dec = getattr(self.encoder, name), getattr(self.decoder, name)
            if enc != dec:
                raise InvalidArgumentError(f"encoder and decoder disagree on {name}: encoder {enc}, decoder {dec}")

    @property
    def latent_dim(self) -> int:
        return self.encoder.latent_dim

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-serializable dict."""
        return {"encoder": self.encoder.to_dict(), "decoder": self.decoder.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VAEConfig:
        """Inverse of :meth:`to_dict`."""
        return cls(EncoderConfig.from_dict(data["encoder"]), DecoderConfig.from_dict(data["decoder"]))


class VAEOutput(NamedTuple):
    """What :meth:`GraphVAE.forward` returns.

    Attributes:
        mu: A ``B x d`` tensor of posterior means.
        logvar: A ``B x d`` tensor of posterior log-variances.
        z: A ``B x d`` tensor of the latent points decoded (samples, or ``mu`` in evaluation mode).
        decoded: The decoder's :class:`DecoderOutput` for ``z``.
    """

    mu: Tensor
    logvar: Tensor
    z: Tensor
    decoded: DecoderOutput


def dense_to_pyg(types: Tensor, adj: Tensor, num_types: int) -> tuple[Tensor, Tensor, Tensor]:
    """The PyG batch tensors of dense graphs, without building ``Data`` objects.

    Args:
        types: A ``B x N`` long tensor of node types.
        adj: A ``B x N x N`` 0/1 tensor (``[b, i, j] = 1`` for an edge ``i -> j``).
        num_types: ``V``.

    Returns:
        ``x`` (``(B * N) x V`` one-hot float), ``edge_index`` (``2 x E`` long) and ``batch`` (``B * N`` long), as
        ``Batch.from_data_list`` would build them from :meth:`SearchSpace.to_data`.
    """
    num_graphs, num_nodes = types.shape
    x = nn.functional.one_hot(types.reshape(-1), num_types).to(adj.dtype)
    graph, src, dst = adj.nonzero(as_tuple=True)
    edge_index = torch.stack([graph * num_nodes + src, graph * num_nodes + dst])
    batch = torch.arange(num_graphs, device=types.device).repeat_interleave(num_nodes)
    return x, edge_index, batch


class GraphVAE(nn.Module):
    r"""A variational autoencoder of architecture graphs, composed of a :class:`GraphEncoder` and a
    :class:`GraphDecoder`.

    From `"Auto-Encoding Variational Bayes" <https://arxiv.org/abs/1312.6114>`_ (Kingma and Welling, 2014): the
    encoder gives :math:`q(\mathbf{z} \mid G) = \mathcal{N}(\boldsymbol{\mu}, \mathrm{diag}(\boldsymbol{\sigma}^2))`,
    :math:`\mathbf{z} = \boldsymbol{\mu} + \boldsymbol{\sigma} \odot \boldsymbol{\epsilon}` with
    :math:`\boldsymbol{\epsilon} \sim \mathcal{N}(0, I)`, and the decoder gives logits over the graph form.

    Args:
        encoder: The encoder.
        decoder: The decoder; its ``latent_dim`` must equal the encoder's.

    Shapes:
        - **input:** a PyG ``Batch`` of ``B`` graphs of ``N`` nodes (from :meth:`SearchSpace.to_data`).
        - **output:** :class:`VAEOutput` (``B x d`` latents, ``B x N x V`` and ``B x N x N`` logits).
    """

    def __init__(self, encoder: GraphEncoder, decoder: GraphDecoder) -> None:
        super().__init__()
        if encoder.latent_dim != decoder.latent_dim:
            raise InvalidArgumentError(
                f"encoder latent_dim {encoder.latent_dim} differs from decoder latent_dim {decoder.latent_dim}"
            )
        self.encoder = encoder
        self.decoder = decoder

    @property
    def latent_dim(self) -> int:
        return self.encoder.latent_dim

    def encode(self, x: Tensor, edge_index: Tensor, batch: Tensor, num_graphs: int) -> EncoderOutput:
        """The posterior parameters of a batch (see :meth:`GraphEncoder.forward`)."""
        out: EncoderOutput = self.encoder(x, edge_index, batch, num_graphs)
        return out

    def decode(
        self, z: Tensor, target_types: Tensor | None = None, target_adj: Tensor | None = None
    ) -> DecoderOutput:
        """Logits for latent points ``z`` (``B x d``); see :meth:`GraphDecoder.forward`."""
        out: DecoderOutput = self.decoder(z, target_types, target_adj)
        return out

    def reparameterize(self, mu: Tensor, logvar: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """A sample ``mu + exp(logvar / 2) * eps`` if ``generator`` is given or the module is training, else ``mu``.

        Args:
            mu: A ``B x d`` tensor.
            logvar: A ``B x d`` tensor.
            generator: Draws ``eps``; without one, training mode draws from torch's global generator.
        """
        if generator is None and not self.training:
            return mu
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + torch.exp(0.5 * logvar) * eps

    def forward_dense(
        self,
        types: Tensor,
        adj: Tensor,
        *,
        generator: torch.Generator | None = None,
        teacher_forcing: bool = True,
    ) -> VAEOutput:
        """Encodes and decodes dense graphs.

        Args:
            types: A ``B x N`` long tensor of node types.
            adj: A ``B x N x N`` 0/1 float tensor of edges.
            generator: Passed to :meth:`reparameterize`.
            teacher_forcing: Give the decoder the true graphs as targets.
        """
        x, edge_index, batch = dense_to_pyg(types, adj, self.decoder.num_types)
        mu, logvar = self.encode(x, edge_index, batch, types.size(0))
        z = self.reparameterize(mu, logvar, generator=generator)
        decoded = self.decode(z, types, adj) if teacher_forcing else self.decode(z)
        return VAEOutput(mu, logvar, z, decoded)

    def forward(
        self, data: Batch, *, generator: torch.Generator | None = None, teacher_forcing: bool = True
    ) -> VAEOutput:
        """Encodes and decodes a PyG batch built from :meth:`SearchSpace.to_data`.

        Args:
            data: A ``Batch`` with ``x``, ``edge_index``, ``batch``, ``node_type`` and ``adj``.
            generator: Passed to :meth:`reparameterize`.
            teacher_forcing: Give the decoder the true graphs (``node_type``, ``adj``) as targets.
        """
        num_graphs = int(data.num_graphs)
        mu, logvar = self.encode(data.x, data.edge_index, data.batch, num_graphs)
        z = self.reparameterize(mu, logvar, generator=generator)
        if not teacher_forcing:
            return VAEOutput(mu, logvar, z, self.decode(z))
        num_nodes = self.decoder.num_nodes
        types = data.node_type.view(num_graphs, num_nodes)
        adj = data.adj.view(num_graphs, num_nodes, num_nodes)
        return VAEOutput(mu, logvar, z, self.decode(z, types, adj))


def build_vae(config: VAEConfig) -> GraphVAE:
    """A freshly initialized :class:`GraphVAE` for ``config`` (initialized from torch's global generator)."""
    return GraphVAE(build_encoder(config.encoder), build_decoder(config.decoder))
