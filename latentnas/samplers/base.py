"""The base of our Optuna samplers: propose a whole architecture per trial.

Lifecycle (Optuna's ``BaseSampler``): ``before_trial`` refuses a multi-objective study and stores the sampler's
:meth:`~ArchitectureSampler.describe` on the study (``study.user_attrs["sampler"]``), or refuses a study that another
configuration sampled; ``infer_relative_search_space`` returns the space's distributions; ``sample_relative`` reads
the study's history, calls :meth:`ArchitectureSampler.propose`, and returns the proposal's params;
``sample_independent`` serves params outside the space (a learning rate beside the architecture, say) from an
independent sampler.

Samplers keep no state between trials beyond what the study stores: everything is derived from the study's trials,
so a resumed study continues exactly, and several workers sharing one study see each other's trials. Randomness for a
trial comes from ``(seed, trial.number)``, so the same seed gives the same trials. Values are read in the study's
direction: a sampler maximizes in a ``"maximize"`` study and minimizes in a ``"minimize"`` one.
"""

from __future__ import annotations

import math
import random
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import optuna
from optuna.distributions import BaseDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from latentnas.errors import InvalidArgumentError, StorageError
from latentnas.history import History, Observation
from latentnas.records import json_normalized
from latentnas.samplers.registry import Capabilities, names_with
from latentnas.spaces import SearchSpace

__all__ = ["PROPOSAL_ATTR", "SAMPLER_ATTR", "ArchitectureSampler", "Proposal", "History", "Observation", "check_study_sampler", "fail_and_raise",
           "first_difference", "sample_new", "single_direction", "whole_study"]

#: The study user attr holding :meth:`ArchitectureSampler.describe` of the sampler that samples it.
SAMPLER_ATTR = "sampler"


@dataclass(frozen=True)
class Proposal:
    """An architecture to evaluate, how it was chosen, and what the choice saw.

    Attributes:
        arch: The architecture.
        phase: The strategy that chose it (``"design"``, ``"model"``, ``"transfer"``, ``"several"``) or
            ``"fallback"`` when a strategy found no new candidate and a random new architecture stands in.
        score: The acquisition value of the choice in the strategy's own units (``-inf`` where none applies).
        diagnostics: Named figures of the choice (e.g. each transfer source's weight), JSON numbers.
    """

    arch: Any
    phase: str
    score: float = -math.inf
    diagnostics: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The proposal's description as JSON values (what a trial records of it)."""
        score = self.score if math.isfinite(self.score) else None
        return {"phase": self.phase, "score": score, **{k: float(v) for k, v in self.diagnostics.items()}}


#: The trial system attr where a sampler records how it chose the trial's architecture (:meth:`Proposal.to_dict`).
PROPOSAL_ATTR = "latentnas:proposal"


def single_direction(study: optuna.Study, sampler: str = "this sampler") -> StudyDirection:
    """The direction of a single-objective study; a multi-objective one is refused with ``InvalidArgumentError``."""
    if len(study.directions) != 1:
        raise InvalidArgumentError(
            f"{sampler} searches one objective, the study has {len(study.directions)}; samplers of several: "
            f"{', '.join(names_with('several_objectives'))}"
        )
    return study.directions[0]


def check_study_sampler(study: optuna.Study, description: dict[str, Any]) -> None:
    """Stores ``description`` on ``study`` (user attr ``"sampler"``) if absent; refuses one that differs.

    Raises:
        StorageError: The study was sampled by another configuration, naming the first field that differs.
    """
    study = whole_study(study)
    stored = study.user_attrs.get(SAMPLER_ATTR)
    if stored is None:
        study.set_user_attr(SAMPLER_ATTR, description)
        return
    difference = first_difference(stored, description)
    if difference is not None:
        path, was, now = difference
        raise StorageError(
            f"study '{study.study_name}' was sampled with {path}={was!r}, this sampler has {path}={now!r}; "
            "resume with the same sampler configuration or choose another study"
        )


def whole_study(study: optuna.Study) -> optuna.Study:
    """The study itself, where Optuna hands a sampler one bracket's view of it (under ``HyperbandPruner``, a
    ``_BracketStudy`` that lists the bracket's trials only and has no user attrs)."""
    return getattr(study, "_study", study) if type(study).__name__ == "_BracketStudy" else study


def first_difference(stored: Any, now: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first ``(dotted path, stored value, new value)`` where two JSON values differ, ``None`` if equal."""
    if isinstance(stored, dict) and isinstance(now, dict):
        for key in sorted(set(stored) | set(now)):
            found = first_difference(stored.get(key), now.get(key), f"{path}.{key}" if path else key)
            if found is not None:
                return found
        return None
    return None if stored == now else (path, stored, now)


def sample_new(space: SearchSpace[Any], history: History, rng: random.Random, *, tries: int = 200) -> Any:
    """A uniformly random architecture of ``space`` not yet known to the study (after ``tries`` misses, any random
    one)."""
    arch = space.sample(rng)
    for _ in range(tries):
        if space.canonical_key(arch) not in history.known:
            return arch
        arch = space.sample(rng)
    return arch


def fail_and_raise(study: optuna.Study, trial: FrozenTrial, error: Exception) -> None:
    """Marks ``trial`` (created by ``study.ask`` before the sampler could refuse it) FAIL, then raises ``error``."""
    study.tell(trial.number, state=TrialState.FAIL)
    raise error


class ArchitectureSampler(optuna.samplers.BaseSampler, ABC):
    """An Optuna sampler that proposes one architecture of ``space`` per trial.

    Args:
        space: The space whose params the study uses.
        seed: Seed of every random choice; the same seed gives the same trials.
        independent_sampler: Samples params outside the space (hyperparameters the objective suggests beside the
            architecture); default Optuna's ``RandomSampler(seed=seed)``.
    """

    #: The registry name (:data:`latentnas.samplers.SAMPLERS`).
    name: ClassVar[str]
    #: What it can search beside one objective (read by whoever assembles a search, through the registry).
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        seed: int | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
    ) -> None:
        self.space = space
        self.seed = seed
        self.independent_sampler = independent_sampler or optuna.samplers.RandomSampler(seed=seed)
        self._warned: set[str] = set()

    # ------------------------------------------------------------------------------------------------ identity
    def config_dict(self) -> dict[str, Any]:
        """The sampler's options (JSON values); none by default."""
        return {}

    def describe(self) -> dict[str, Any]:
        """What a study stores about its sampler: registry name, seed, options (a JSON object, deterministic)."""
        return json_normalized(
            {"sampler": self.name, "seed": self.seed, "config": self.config_dict(),
             "independent_sampler": type(self.independent_sampler).__name__},
            what=f"the {self.name} sampler's description",
        )

    # ------------------------------------------------------------------------------------------------ Optuna
    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        try:
            if not self.capabilities.several_objectives:
                single_direction(study, self.name)
            check_study_sampler(study, self.describe())
        except (InvalidArgumentError, StorageError) as err:
            fail_and_raise(study, trial, err)
        self.independent_sampler.before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self.space.distributions()

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        history = History.from_study(study, self.space, exclude=trial.number)
        if history.unmapped:
            self.warn_once("unmapped", (
                f"{self.name}: {len(history.unmapped)} completed trial(s) are not architectures of space "
                f"'{self.space.name}' ({history.unmapped[0]}) and are left out of the search; suggest the "
                "architecture with `space.suggest(trial)`"))
        proposal = self.proposal(history, self.rng_for(trial))
        if proposal.phase:
            # NOTE: Optuna's own samplers record their state on the trial the same way (NSGA-II its generation).
            study._storage.set_trial_system_attr(trial._trial_id, PROPOSAL_ATTR, proposal.to_dict())
        return self.space.to_params(proposal.arch)

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        # NOTE: a param of the space never lands here: Optuna refuses one suggested with other choices than the
        # space's (a dynamic categorical), and sample_relative serves all of them.
        return self.independent_sampler.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self.independent_sampler.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        # NOTE: randomness is a function of (seed, trial number); nothing to reseed in worker processes.
        self.independent_sampler.reseed_rng()

    def warn_once(self, topic: str, message: str) -> None:
        """Warns (``UserWarning``) the first time a ``topic`` comes up for this sampler."""
        if topic not in self._warned:
            self._warned.add(topic)
            warnings.warn(message, UserWarning, stacklevel=3)

    # ------------------------------------------------------------------------------------------------ proposals
    def rng_for(self, trial: FrozenTrial) -> random.Random:
        """The generator of one trial: a function of the seed and the trial number only."""
        return random.Random(f"{type(self).__name__}:{self.seed}:{trial.number}")

    def proposal(self, history: History, rng: random.Random) -> Proposal:
        """:meth:`propose`'s architecture with how it was chosen; a sampler whose choices have phases or diagnostics
        overrides this (a :class:`Proposal` with an empty ``phase`` is not recorded on the trial)."""
        return Proposal(self.propose(history, rng), "")

    @abstractmethod
    def propose(self, history: History, rng: random.Random) -> Any:
        """Returns the architecture to evaluate next, preferably one whose key is not in ``history.known``.

        ``history``'s values are oriented so that larger is better, whatever the study's direction.
        """

    def sample_new(self, history: History, rng: random.Random, *, tries: int = 200) -> Any:
        """A random architecture not yet known to the study (see :func:`sample_new`)."""
        return sample_new(self.space, history, rng, tries=tries)

    def first_new(self, candidates: Sequence[Any], history: History) -> Any | None:
        for arch in candidates:
            if self.space.canonical_key(arch) not in history.known:
                return arch
        return None
