"""Running torch work on a chosen number of threads, and giving the caller's setting back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Runs the block with ``torch.set_num_threads(threads)`` and restores the caller's count afterwards.

    The small GPs and decoders of a proposal gain nothing from many threads and lose much to their synchronization,
    above all on a shared CPU (measured figures: :class:`~latentnas.samplers.latent_bo.LatentBOConfig`'s
    ``threads``). NOTE: the count is process-wide in torch; code running in other Python threads meanwhile sees it.

    Args:
        threads: Threads for the block; ``None`` leaves the caller's setting as it is.
    """
    before = torch.get_num_threads()
    if threads is None or threads == before:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
