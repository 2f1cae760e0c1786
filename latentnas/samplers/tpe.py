"""Optuna's TPE on the raw architectural choices (the LSBO-NAS paper's non-latent baseline), as our samplers are
registered: it describes itself and stores that description on the study it samples."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import FrozenTrial

from latentnas.errors import StorageError
from latentnas.records import json_normalized
from latentnas.samplers.base import check_study_sampler, fail_and_raise
from latentnas.spaces import SearchSpace


class RawTPESampler(optuna.samplers.TPESampler):
    """Optuna's ``TPESampler`` unchanged (same seed, same trials), plus :meth:`describe`.

    Args:
        space: The space searched (TPE reads the study's params; the space is not needed to sample).
        seed: Seed of TPE.
        **options: Keyword arguments of ``TPESampler``; they must be JSON values (a study stores them), so a
            callable ``gamma`` or ``weights`` calls for ``optuna.samplers.TPESampler`` itself.
    """

    name = "tpe"

    def __init__(self, space: SearchSpace[Any], *, seed: int | None = None, **options: Any) -> None:
        self._options = json_normalized(options, what="the tpe sampler's options")
        super().__init__(seed=seed, **options)
        self.space = space
        self.seed = seed

    def describe(self) -> dict[str, Any]:
        """What a study stores about its sampler: registry name, seed and options (a JSON object, deterministic)."""
        return json_normalized({"sampler": self.name, "seed": self.seed, "config": self._options},
                               what="the tpe sampler's description")

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        try:
            check_study_sampler(study, self.describe())
        except StorageError as err:
            fail_and_raise(study, trial, err)
        super().before_trial(study, trial)
