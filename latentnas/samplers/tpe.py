"""Optuna's TPE on the raw architectural choices (the LSBO-NAS paper's non-latent baseline), as our samplers are
registered: it describes itself and stores that description on the study it samples."""

from __future__ import annotations

import optuna

from latentnas.samplers.raw import RawOptunaSampler
from latentnas.samplers.registry import Capabilities


class RawTPESampler(RawOptunaSampler, optuna.samplers.TPESampler):
    """Optuna's ``TPESampler`` unchanged (same seed, same trials), plus :meth:`describe`.

    Args:
        space: The space searched (TPE reads the study's params; the space is not needed to sample).
        seed: Seed of TPE.
        **options: Keyword arguments of ``TPESampler``; they must be JSON values (a study stores them), so a
            callable ``gamma`` or ``weights`` calls for ``optuna.samplers.TPESampler`` itself.
    """

    name = "tpe"
    capabilities = Capabilities(several_objectives=True, constraints=True)

