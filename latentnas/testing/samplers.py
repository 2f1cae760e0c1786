"""The contracts every sampler of ours passes (after Optuna's ``BasicSamplerTestCase``), as pytest base classes, on
the real NB201 table.

A test module subclasses one and implements :meth:`SamplerContract.make`, the sampler under test for a space and a
seed::

    class TestMySampler(ArchitectureSamplerContract):
        def make(self, space, seed):
            return MySampler(space, seed=seed)

:class:`SamplerContract` is what any Optuna sampler over one of our spaces passes (ours and Optuna's TPE):
seeding, a plain ``study.optimize`` with :meth:`~latentnas.spaces.SearchSpace.suggest` and other params, the study's
direction, and a description stored on the study that refuses another configuration. :class:`ArchitectureSamplerContract`
adds what our architecture samplers promise beyond that: no known architecture proposed, exact resume, other params
left out of the architecture, multi-objective studies searched (or refused by a sampler of one objective), and a warning when trials are not architectures.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, ClassVar, Literal

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.errors import LatentNASError
from latentnas.objectives import BenchmarkObjective
from latentnas.spaces import SearchSpace
from latentnas.study import create_study, run_search, unique_trials


def plain_search(
    sampler: optuna.samplers.BaseSampler,
    objective: BenchmarkObjective,
    *,
    n_trials: int,
    direction: Literal["minimize", "maximize"] = "maximize",
    sign: float = 1.0,
    extra: bool = False,
    storage: str | None = None,
    study_name: str | None = None,
) -> optuna.Study:
    """A plain ``optuna.create_study(direction=...)`` optimized for ``n_trials`` on ``sign * valid``, the objective
    suggesting the architecture with ``space.suggest(trial)`` (and a learning rate ``lr`` before it, if ``extra``)."""
    space = objective.space

    def f(trial: optuna.Trial) -> float:
        if extra:
            trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        return sign * objective(space.suggest(trial)).valid

    study = optuna.create_study(direction=direction, sampler=sampler, storage=storage, study_name=study_name,
                                load_if_exists=True)
    study.optimize(f, n_trials=n_trials)
    return study


def architectures(study: optuna.Study, space: SearchSpace[Any]) -> list[str]:
    """The architecture string of each trial of ``study``, in order (other params ignored)."""
    names = list(space.distributions())
    return [space.to_string(space.from_params({n: t.params[n] for n in names})) for t in study.trials]


class SamplerContract:
    """What any Optuna sampler over one of our spaces passes; subclasses implement :meth:`make`."""

    #: Trials per search: enough for a model-based sampler to use its model, few enough to stay fast.
    budget: ClassVar[int] = 12

    def make(self, space: SearchSpace[Any], seed: int) -> optuna.samplers.BaseSampler:
        """The sampler under test for ``space`` and ``seed`` (implemented by each subclass)."""
        raise NotImplementedError

    @pytest.fixture
    def objective(self) -> BenchmarkObjective:
        return BenchmarkObjective("nasbench201", "cifar10")

    def arches(self, objective: BenchmarkObjective, seed: int, **kwargs: Any) -> list[str]:
        study = plain_search(self.make(objective.space, seed), objective, n_trials=self.budget, **kwargs)
        return architectures(study, objective.space)

    def test_same_seed_same_trials(self, objective: BenchmarkObjective) -> None:
        assert self.arches(objective, 7) == self.arches(objective, 7)

    def test_other_seed_other_trials(self, objective: BenchmarkObjective) -> None:
        assert self.arches(objective, 7) != self.arches(objective, 8)

    def test_works_in_a_plain_optuna_study_beside_other_params(
        self, objective: BenchmarkObjective
    ) -> None:
        study = plain_search(self.make(objective.space, 0), objective, n_trials=self.budget, extra=True)
        assert [t.state for t in study.trials] == [TrialState.COMPLETE] * self.budget
        assert all(1e-4 <= t.params["lr"] <= 1e-1 for t in study.trials)
        assert study.best_value == max(t.value for t in study.trials if t.value is not None)

    def test_minimizing_f_searches_as_maximizing_minus_f(
        self, objective: BenchmarkObjective
    ) -> None:
        minimized = self.arches(objective, 3, direction="minimize", sign=-1.0)
        maximized = self.arches(objective, 3, direction="maximize", sign=1.0)
        assert minimized == maximized

    def test_describes_itself_on_the_study(self, objective: BenchmarkObjective) -> None:
        sampler = self.make(objective.space, 4)
        description = sampler.describe()  # type: ignore[attr-defined]
        assert json.loads(json.dumps(description)) == description
        assert self.make(objective.space, 4).describe() == description  # type: ignore[attr-defined]
        assert description["seed"] == 4 and isinstance(description["sampler"], str)
        study = plain_search(sampler, objective, n_trials=1)
        assert study.user_attrs["sampler"] == description

    def test_a_study_sampled_by_another_configuration_is_refused(
        self, objective: BenchmarkObjective, tmp_path: Path
    ) -> None:
        url = f"sqlite:///{tmp_path}/study.db"
        plain_search(self.make(objective.space, 0), objective, n_trials=2, storage=url, study_name="s")
        with pytest.raises(LatentNASError, match=r"seed=0, this sampler has seed=1"):
            plain_search(self.make(objective.space, 1), objective, n_trials=1, storage=url, study_name="s")
        states = [t.state for t in optuna.load_study(study_name="s", storage=url).trials]
        assert states == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]


class ArchitectureSamplerContract(SamplerContract):
    """What our architecture samplers (:class:`~latentnas.samplers.ArchitectureSampler`) pass beyond
    :class:`SamplerContract`."""

    def test_never_proposes_a_known_architecture(
        self, objective: BenchmarkObjective
    ) -> None:
        study = create_study(objective.space, self.make(objective.space, 3))
        result = run_search(study, objective, n_unique=self.budget)
        assert result.duplicates == 0
        assert result.trials == result.unique_evaluations == self.budget
        keys = [t.user_attrs["arch_key"] for t in unique_trials(study)]
        assert len(set(keys)) == self.budget

    def test_resume_continues_exactly(
        self, objective: BenchmarkObjective, tmp_path: Path
    ) -> None:
        space = objective.space
        url = f"sqlite:///{tmp_path}/study.db"
        first = create_study(space, self.make(space, 5), storage=url, study_name="s")
        run_search(first, objective, n_unique=self.budget // 2)
        resumed = create_study(space, self.make(space, 5), storage=url, study_name="s")
        run_search(resumed, objective, n_unique=self.budget)
        uninterrupted = create_study(space, self.make(space, 5))
        run_search(uninterrupted, objective, n_unique=self.budget)
        assert architectures(resumed, space) == architectures(uninterrupted, space)

    def test_other_params_leave_the_architectures_unchanged(
        self, objective: BenchmarkObjective
    ) -> None:
        assert self.arches(objective, 2, extra=True) == self.arches(objective, 2)

    def test_a_multi_objective_study_is_searched_or_refused(
        self, objective: BenchmarkObjective
    ) -> None:
        """A sampler of several objectives (``capabilities.several_objectives``) proposes new architectures of a study of two; any
        other fails the trial and says which samplers search several."""
        space = objective.space
        sampler = self.make(space, 0)
        study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)

        def f(trial: optuna.Trial) -> tuple[float, float]:
            evaluation = objective(space.suggest(trial))
            return evaluation.valid, evaluation.extras["params"]

        if getattr(getattr(sampler, "capabilities", None), "several_objectives", False):
            study.optimize(f, n_trials=self.budget)
            keys = {space.canonical_key(space.from_params(t.params)) for t in study.trials}
            assert [t.state for t in study.trials] == [TrialState.COMPLETE] * self.budget
            assert len(keys) == self.budget
            return
        with pytest.raises(LatentNASError, match="searches one objective, the study has 2; samplers of several"):
            study.optimize(f, n_trials=1)
        assert [t.state for t in study.trials] == [TrialState.FAIL]

    def test_trials_that_are_not_architectures_are_reported_once(
        self, objective: BenchmarkObjective
    ) -> None:
        space = objective.space
        study = optuna.create_study(direction="maximize", sampler=self.make(space, 0))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(lambda t: float(t.suggest_int("width", 1, 8)), n_trials=3)
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        unmapped = [m for m in messages if "are not architectures of space" in m]
        assert len(unmapped) == 1 and "space.suggest(trial)" in unmapped[0]
