"""What the Optuna samplers run on the raw architectural choices (``tpe``, ``gp``) add to Optuna's own: a description
of themselves, stored on the study they sample, that refuses a study another configuration sampled."""

from __future__ import annotations

from typing import Any, ClassVar

import optuna
from optuna.trial import FrozenTrial

from latentnas.errors import StorageError
from latentnas.records import json_normalized
from latentnas.samplers.base import check_study_sampler, fail_and_raise
from latentnas.samplers.registry import Capabilities
from latentnas.spaces import SearchSpace


class RawOptunaSampler(optuna.samplers.BaseSampler):
    """A mixin put before an Optuna sampler class: ``class RawTPESampler(RawOptunaSampler, TPESampler)``.

    The subclass sets :attr:`name`; ``__init__`` takes the space, the seed and the Optuna sampler's keyword arguments,
    which must be JSON values (a study stores them).
    """

    name: ClassVar[str]
    #: What it can search beside one objective (see :class:`~latentnas.samplers.registry.Capabilities`).
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, space: SearchSpace[Any], *, seed: int | None = None, **options: Any) -> None:
        self.options = json_normalized(options, what=f"the {self.name} sampler's options")
        super().__init__(seed=seed, **options)  # type: ignore[call-arg]  # the Optuna sampler after this mixin
        self.space = space
        self.seed = seed

    def describe(self) -> dict[str, Any]:
        """What a study stores about its sampler: registry name, seed and options (a JSON object, deterministic)."""
        return json_normalized({"sampler": self.name, "seed": self.seed, "config": self.options},
                               what=f"the {self.name} sampler's description")

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        try:
            check_study_sampler(study, self.describe())
        except StorageError as err:
            fail_and_raise(study, trial, err)
        super().before_trial(study, trial)
