"""Bayesian optimization in a graph VAE's latent space (BoTorch GP + qLogNoisyExpectedImprovement).

As arch2vec (Yan et al., 2020) and D-VAE (Zhang et al., 2019) search: architectures are embedded by a pretrained
encoder, a GP is fitted on features of their encodings (:class:`~latentnas.surrogate.LatentSurrogate`) and their
values, and the acquisition is maximized over candidates that are *architectures*, scored at their own encodings
(:mod:`latentnas.samplers.strategies.candidates`). The sampler is thin: it picks one strategy per trial
(:mod:`latentnas.samplers.strategies`):

- an initial design while the study holds fewer than ``n_initial`` observations: uniform samples of the canonical
  classes in a search of one objective, decoded prior samples with several objectives or constraints (typical
  architectures, whose median the hypervolume is measured from), none with transfer sources (their consensus
  proposes first);
- :class:`~latentnas.samplers.strategies.Transfer` with transfer sources;
- :class:`~latentnas.samplers.strategies.SeveralObjectives` in a study of several objectives
  (``create_study(objectives=...)``) or with constraints;
- the acquisition named by ``LatentBOConfig.acquisition`` otherwise (by default
  :class:`~latentnas.samplers.strategies.OneObjective`, qLogNEI).

Trials still running (other workers, or several ``study.ask()`` before their ``tell``) enter the MC acquisitions as
``X_pending``. Each trial records how its architecture was chosen (its phase, acquisition value and diagnostics) in
the trial system attr ``"latentnas:proposal"``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import optuna
from optuna.trial import FrozenTrial

from latentnas.errors import InvalidArgumentError
from latentnas.history import History, TransferSource, check_sources
from latentnas.pareto import CONSTRAINTS_ATTR
from latentnas.samplers.base import Proposal, fail_and_raise
from latentnas.samplers.config import SamplerConfig, check_choice, check_int
from latentnas.samplers.latent_base import LatentSampler
from latentnas.samplers.registry import Capabilities
from latentnas.samplers.strategies import (
    ACQUISITIONS,
    CandidateGenerator,
    CanonicalSamples,
    PriorSamples,
    SeveralObjectives,
    Strategy,
    Transfer,
    UniformSamples,
)
from latentnas.spaces import SearchSpace
from latentnas.surrogate import KERNELS, OUTCOMES, LatentCache, LatentSurrogate
from latentnas.vae import LatentSpace

#: The initial design's size by default in a search of one objective: uniform samples of the canonical classes before
#: the GP is used.
N_INITIAL = 5
#: The initial design's size by default with several objectives or constraints: decoded prior samples, typical
#: architectures of the space, whose median is the hypervolume's reference point.
N_INITIAL_SEVERAL = 20
#: The initial design's size by default with transfer sources: none, the sources' consensus proposes first.
N_INITIAL_TRANSFER = 0


@dataclass(frozen=True)
class LatentBOConfig(SamplerConfig):
    """The options of :class:`LatentBOSampler`, validated on construction (``InvalidArgumentError`` naming the field);
    what a study records of its sampler. What each did to search is measured in the records the README cites.

    Args:
        n_initial: Architectures of the initial design, evaluated before the model proposes (``None``: the default of
            the search's kind: :data:`N_INITIAL` uniform samples of the canonical classes for one objective,
            :data:`N_INITIAL_SEVERAL` decoded prior samples for several objectives or constraints,
            :data:`N_INITIAL_TRANSFER` with transfer sources).
        acquisition: The acquisition of a search of one objective without transfer, by its name in
            :data:`~latentnas.samplers.strategies.ACQUISITIONS` (``"qlognei"``:
            :class:`~latentnas.samplers.strategies.OneObjective`).
        kernel: GP features: ``"decoded"``, the decoder's output at each encoding, or ``"latent"``, the encoding
            itself (arch2vec's); see :class:`~latentnas.surrogate.LatentSurrogate`.
        outcome: What the GP is fitted on: ``"copula"``, the normal scores of the values' ranks
            (:class:`~latentnas.surrogate.CopulaTransform`), or ``"standardize"``, the values.
        max_train: Observations the exact GP is fitted on; beyond it, the best half plus a random rest (bounds a
            proposal's time, ``docs/results/overhead``).
    """

    sampler: ClassVar[str] = "latent-bo"

    n_initial: int | None = None
    acquisition: str = "qlognei"
    kernel: str = "decoded"
    outcome: str = "copula"
    max_train: int = 300

    def __post_init__(self) -> None:
        check_int("n_initial", self.n_initial, minimum=1, allow_none=True)
        check_choice("acquisition", self.acquisition, ACQUISITIONS.names())
        check_choice("kernel", self.kernel, KERNELS)
        check_choice("outcome", self.outcome, OUTCOMES)
        check_int("max_train", self.max_train, minimum=2)


class LatentBOSampler(LatentSampler):
    """GP-based Bayesian optimization over the latent space of a pretrained graph VAE (see the module docstring).

    Args:
        space: The space searched.
        config: The options (default ``LatentBOConfig()``); see :class:`LatentBOConfig`.
        latent: A :class:`~latentnas.vae.LatentSpace` of ``space``; loaded from ``checkpoint`` when ``None``.
        checkpoint: Checkpoint path (default: the space's shipped checkpoint).
        seed: Seed; the same seed gives the same trials.
        independent_sampler: Samples params outside the space (default Optuna's ``RandomSampler(seed=seed)``).
        transfer: Observations of other tasks in the same space (:class:`~latentnas.history.TransferSource`: a
            benchmark's other datasets, see ``TabularBenchmark.transfer_sources``, or earlier studies, see
            ``TransferSource.from_study``), for a search of one objective without constraints
            (:class:`~latentnas.samplers.strategies.Transfer`).
        threads: Torch threads of a proposal (an execution setting; see :class:`LatentSampler`).
        cache: Shared latent spaces, encodings and features (see :class:`LatentSampler`).
        **overrides: Fields of :class:`LatentBOConfig` applied over ``config`` (``n_initial=10``); an unknown one is
            refused with the choices.
    """

    name = "latent-bo"
    capabilities = Capabilities(latent=True, several_objectives=True, constraints=True, transfer=True)
    config: LatentBOConfig

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        config: LatentBOConfig | None = None,
        latent: LatentSpace | None = None,
        checkpoint: str | Path | None = None,
        seed: int | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
        transfer: Sequence[TransferSource] | None = None,
        threads: int | None = 1,
        cache: LatentCache | None = None,
        **overrides: Any,
    ) -> None:
        if config is not None and not isinstance(config, LatentBOConfig):
            raise InvalidArgumentError(f"config must be a LatentBOConfig, got {type(config).__name__}")
        config = (config or LatentBOConfig()).replace(**overrides)
        self.transfer = check_sources(transfer)
        super().__init__(space, config=config, latent=latent, checkpoint=checkpoint, seed=seed,
                         independent_sampler=independent_sampler, threads=threads, cache=cache)
        def initial(default: int) -> int:
            return config.n_initial if config.n_initial is not None else default

        candidates = CandidateGenerator(self.surrogate)
        #: ``(initial design, its size, model)`` of a search of one objective, and of several objectives or
        #: constraints.
        self.one: tuple[Strategy, int, Strategy]
        if self.transfer:
            self.one = (UniformSamples(self.latent), initial(N_INITIAL_TRANSFER),
                        Transfer(self.surrogate, candidates, self.transfer, max_train=config.max_train))
        else:
            self.one = (CanonicalSamples(self.surrogate), initial(N_INITIAL),
                        ACQUISITIONS.get(config.acquisition)(self.surrogate, candidates, max_train=config.max_train))
        n_several = initial(N_INITIAL_SEVERAL)
        self.several = (PriorSamples(self.latent), n_several,
                        SeveralObjectives(self.surrogate, candidates, max_train=config.max_train, n_initial=n_several))
        self._transfer_described: list[dict[str, str]] | None = None

    def describe(self) -> dict[str, Any]:
        """As :meth:`LatentSampler.describe`, with each transfer source's name and sha256 (when there are any)."""
        description = super().describe()
        if self.transfer:
            if self._transfer_described is None:
                self._transfer_described = [{"name": s.name, "sha256": s.digest(self.space)} for s in self.transfer]
            description["transfer"] = self._transfer_described
        return description

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        if self.transfer and (len(study.directions) > 1 or study.user_attrs.get(CONSTRAINTS_ATTR)):
            fail_and_raise(study, trial, InvalidArgumentError(
                "transfer applies to a search of one objective without constraints; search several objectives or "
                "constraints without transfer sources"))
        super().before_trial(study, trial)

    def build_surrogate(self) -> LatentSurrogate:
        return LatentSurrogate(self.latent, kernel=self.config.kernel, outcome=self.config.outcome, cache=self.cache)

    def strategy(self, history: History) -> Strategy:
        """The strategy that proposes for ``history``: the initial design of the study's kind while it holds fewer
        observations than the design's size, then the kind's model (several objectives or constraints; one objective,
        with transfer or not)."""
        design, n_initial, model = self.several if history.n_objectives > 1 or history.constrained else self.one
        return design if len(history.observations) < n_initial else model

    def proposal(self, history: History, rng: random.Random) -> Proposal:
        """The next architecture with its phase, acquisition value and diagnostics (see :class:`Proposal`)."""
        return self.strategy(history).propose(history, rng)

    def propose(self, history: History, rng: random.Random) -> Any:
        return self.proposal(history, rng).arch
