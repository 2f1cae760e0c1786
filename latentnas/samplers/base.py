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

import random
import statistics
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import optuna
from optuna.distributions import BaseDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from latentnas.errors import InvalidArchitectureError, InvalidArgumentError, StorageError
from latentnas.records import DUPLICATE_ATTR, KEY_ATTR, constraint_values, json_normalized
from latentnas.spaces import SearchSpace

#: The study user attr holding :meth:`ArchitectureSampler.describe` of the sampler that samples it.
SAMPLER_ATTR = "sampler"


@dataclass
class Observation:
    """One unique evaluated architecture.

    ``value`` is oriented so that larger is better: the trial's value in a maximize study, its negation in a minimize
    study (:attr:`History.sign`).
    """

    number: int
    arch: Any
    key: str
    value: float
    #: The trial's intermediate values by step, oriented like ``value`` (epochs of training, or a multi-fidelity
    #: objective's cheaper columns).
    steps: dict[int, float] = field(default_factory=dict)
    #: Every objective's value, each oriented so that larger is better (``(value,)`` in a single-objective study).
    values: tuple[float, ...] = ()
    #: The constraint values the trial stored (Optuna's convention: feasible where all ``<= 0``); ``None``: none.
    constraints: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not self.values:
            self.values = (self.value,)

    @property
    def feasible(self) -> bool:
        return self.constraints is None or all(c <= 0 for c in self.constraints)


@dataclass
class History:
    """What a sampler may know of a study: unique evaluated architectures, in trial order, and those running.

    ``known`` holds the canonical keys of everything evaluated, failed, pruned or running, so that a proposal can avoid
    them. ``sign`` is ``+1`` for a maximize study and ``-1`` for a minimize one: each observation's value is the trial's
    value times ``sign``. ``unmapped`` says, for each completed trial whose params are not an architecture of the
    space, why. ``pruned`` holds the architectures the study's pruner stopped that reported a value first, each with
    ``value`` its last intermediate value (a cheaper fidelity than the observations', see :meth:`mapped_pruned`).
    """

    observations: list[Observation] = field(default_factory=list)
    pending: list[Any] = field(default_factory=list)
    known: set[str] = field(default_factory=set)
    sign: float = 1.0
    unmapped: list[str] = field(default_factory=list)
    pruned: list[Observation] = field(default_factory=list)
    #: Each objective's sign (``sign`` is the first's); a single-objective study has one.
    signs: tuple[float, ...] = (1.0,)

    @property
    def n_objectives(self) -> int:
        return len(self.signs)

    @property
    def constrained(self) -> bool:
        return any(o.constraints is not None for o in self.observations)

    @classmethod
    def from_study(cls, study: optuna.Study, space: SearchSpace[Any], *, exclude: int | None = None) -> History:
        """The history of ``study`` over ``space`` (trial ``exclude`` left out).

        The architecture of a trial is read from the params named as in ``space.distributions()``; other params
        (hyperparameters beside the architecture) are ignored. Each observation's ``values`` are its trial's values
        oriented by the study's directions, ``value`` the first of them; ``constraints`` are the values the trial
        stored for its study's constraints.
        """
        signs = tuple(1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in study.directions)
        history = cls(sign=signs[0], signs=signs)
        names = list(space.distributions())
        for t in study.get_trials(deepcopy=False):
            if t.number == exclude or t.state not in _READ_STATES:
                continue
            arch, reason = _arch_of(t, space, names)
            if arch is None:
                if t.state == TrialState.COMPLETE:
                    history.unmapped.append(f"trial {t.number}: {reason}")
                continue
            key = t.user_attrs.get(KEY_ATTR) or space.canonical_key(arch)
            new = DUPLICATE_ATTR not in t.user_attrs and key not in history.known
            steps = {step: history.sign * float(v) for step, v in t.intermediate_values.items()}
            if t.state == TrialState.COMPLETE and new:
                assert t.values is not None
                values = tuple(s * float(v) for s, v in zip(signs, t.values))
                stored = constraint_values(t)
                constraints = tuple(stored) if stored is not None else None
                history.observations.append(Observation(t.number, arch, key, values[0], steps, values, constraints))
            elif t.state == TrialState.PRUNED and new and steps:
                last = max(steps)
                history.pruned.append(Observation(t.number, arch, key, steps[last], steps))
            elif t.state == TrialState.RUNNING and key not in history.known:
                history.pending.append(arch)
            history.known.add(key)
        return history

    def best(self, k: int | None = None) -> list[Observation]:
        """Observations sorted best first by the first objective, feasible ones before the others (ties broken by
        trial order)."""
        ranked = sorted(self.observations, key=lambda o: (not o.feasible, -o.value, o.number))
        return ranked if k is None else ranked[:k]

    def mapped_pruned(self) -> list[Observation]:
        """The pruned architectures with their last intermediate value put on the observations' scale.

        A pruned architecture's value at step ``s`` is mapped by the least-squares line from the value at ``s`` to the
        final value, fitted on the observations that reported step ``s`` (e.g. NB201's 12-epoch accuracy to its
        200-epoch accuracy). Those whose step has fewer than :data:`MIN_MAPPED` such observations, or no spread in
        them, are left out.
        """
        lines: dict[int, tuple[float, float] | None] = {}
        out = []
        for o in self.pruned:
            step = max(o.steps)
            if step not in lines:
                pairs = [(b.steps[step], b.value) for b in self.observations if step in b.steps]
                x = [p[0] for p in pairs]
                fit = len(pairs) >= MIN_MAPPED and max(x) > min(x)
                lines[step] = statistics.linear_regression(x, [p[1] for p in pairs]) if fit else None
            line = lines[step]
            if line is not None:
                out.append(Observation(o.number, o.arch, o.key, line[0] * o.value + line[1], o.steps))
        return out


#: Observations that reported a step, at least, before pruned values at that step are mapped onto the final scale.
MIN_MAPPED = 3


_READ_STATES = (TrialState.COMPLETE, TrialState.RUNNING, TrialState.FAIL, TrialState.PRUNED)


def _arch_of(trial: FrozenTrial, space: SearchSpace[Any], names: list[str]) -> tuple[Any | None, str]:
    missing = [name for name in names if name not in trial.params]
    if missing:
        return None, f"no param {', '.join(repr(m) for m in missing[:3])}{' ...' if len(missing) > 3 else ''}"
    try:
        return space.from_params({name: trial.params[name] for name in names}), ""
    except InvalidArchitectureError as err:
        return None, str(err)


def single_direction(study: optuna.Study, sampler: str = "this sampler") -> StudyDirection:
    """The direction of a single-objective study; a multi-objective one is refused with ``InvalidArgumentError``."""
    if len(study.directions) != 1:
        from latentnas.samplers import MULTI_OBJECTIVE_SAMPLERS

        raise InvalidArgumentError(
            f"{sampler} searches one objective, the study has {len(study.directions)}; samplers of several: "
            f"{', '.join(MULTI_OBJECTIVE_SAMPLERS)}"
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
    #: Whether it searches a study of several objectives (others refuse one).
    multi_objective: ClassVar[bool] = False

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
            if not self.multi_objective:
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
        arch = self.propose(history, self.rng_for(trial))
        return self.space.to_params(arch)

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

    @abstractmethod
    def propose(self, history: History, rng: random.Random) -> Any:
        """Returns the architecture to evaluate next, preferably one whose key is not in ``history.known``.

        ``history``'s values are oriented so that larger is better, whatever the study's direction.
        """

    def sample_new(self, history: History, rng: random.Random, *, tries: int = 200) -> Any:
        """A random architecture not yet known to the study (after ``tries`` misses, any random one)."""
        arch = self.space.sample(rng)
        for _ in range(tries):
            if self.space.canonical_key(arch) not in history.known:
                return arch
            arch = self.space.sample(rng)
        return arch

    def first_new(self, candidates: Sequence[Any], history: History) -> Any | None:
        for arch in candidates:
            if self.space.canonical_key(arch) not in history.known:
                return arch
        return None
