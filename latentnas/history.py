"""What a sampler may know of a study, and what other tasks tell it: the data types every layer above the spaces
shares (samplers read them, objectives and benchmarks make them, the search loop and reports read them back).

:class:`History` is a study's unique evaluated architectures (:class:`Observation`), those still running and every key
the study knows; :class:`TransferSource` is what another task measured in the same space (a benchmark's other
datasets, or an earlier study). Values are oriented so that larger is better.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from latentnas.errors import InvalidArchitectureError, InvalidArgumentError
from latentnas.records import DUPLICATE_ATTR, KEY_ATTR, constraint_values
from latentnas.spaces import SearchSpace

#: Observations a transfer source needs at least: a ranking of fewer says nothing.
MIN_SOURCE_OBSERVATIONS = 3


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
    ``value`` its last intermediate value (a cheaper fidelity than the observations').
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


_READ_STATES = (TrialState.COMPLETE, TrialState.RUNNING, TrialState.FAIL, TrialState.PRUNED)


def _arch_of(trial: FrozenTrial, space: SearchSpace[Any], names: list[str]) -> tuple[Any | None, str]:
    missing = [name for name in names if name not in trial.params]
    if missing:
        return None, f"no param {', '.join(repr(m) for m in missing[:3])}{' ...' if len(missing) > 3 else ''}"
    try:
        return space.from_params({name: trial.params[name] for name in names}), ""
    except InvalidArchitectureError as err:
        return None, str(err)


@dataclass(frozen=True)
class TransferSource:
    """Observations of another task in the same space: ``values[i]`` of ``archs[i]``, larger is better.

    Args:
        name: How the source is named in the study's sampler description (e.g. ``"nasbench-graph/citeseer"``).
        archs: Architectures of the space.
        values: Their values, oriented so that larger is better (any scale: only ranks are used).
    """

    name: str
    archs: Sequence[Any] = field(repr=False)
    values: Sequence[float] = field(repr=False)
    _digests: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgumentError(f"a transfer source needs a name, got {self.name!r}")
        object.__setattr__(self, "archs", tuple(self.archs))
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        if len(self.archs) != len(self.values):
            raise InvalidArgumentError(f"transfer source '{self.name}' has {len(self.archs)} architectures and "
                                       f"{len(self.values)} values; they must pair up")
        if len(self.values) < MIN_SOURCE_OBSERVATIONS:
            raise InvalidArgumentError(f"transfer source '{self.name}' has {len(self.values)} observations; "
                                       f"at least {MIN_SOURCE_OBSERVATIONS} are needed")
        if not all(math.isfinite(v) for v in self.values):
            raise InvalidArgumentError(f"transfer source '{self.name}' has a value that is not finite")

    @classmethod
    def from_study(cls, study: optuna.Study, space: SearchSpace[Any], *, name: str | None = None) -> TransferSource:
        """The unique completed architectures of an earlier single-objective study over ``space``, oriented by the
        study's direction.

        Args:
            study: The study (any storage).
            space: Its space; the architecture is read from params named as in ``space.distributions()``.
            name: The source's name (default: ``"study/<study name>"``).
        """
        history = History.from_study(study, space)
        return cls(name or f"study/{study.study_name}", [o.arch for o in history.observations],
                   [o.value for o in history.observations])

    def digest(self, space: SearchSpace[Any]) -> str:
        """A sha256 of the source's name, canonical keys and values, in order: what a study records of it (computed
        once per space)."""
        if space.name not in self._digests:
            h = hashlib.sha256(self.name.encode())
            for arch, value in zip(self.archs, self.values):
                h.update(f"\n{space.canonical_key(arch)}={value!r}".encode())
            self._digests[space.name] = h.hexdigest()
        return self._digests[space.name]


def check_sources(sources: Sequence[TransferSource] | None) -> tuple[TransferSource, ...]:
    """``sources`` as a tuple, each a :class:`TransferSource` with a name of its own.

    Raises:
        InvalidArgumentError: An item is not a source, or two share a name.
    """
    checked = tuple(sources or ())
    for source in checked:
        if not isinstance(source, TransferSource):
            raise InvalidArgumentError(f"transfer must hold TransferSource objects, got {type(source).__name__}")
    names = [s.name for s in checked]
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"transfer sources must have distinct names, got {', '.join(names)}")
    return checked
