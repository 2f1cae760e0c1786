"""The contract every objective (:class:`~latentnas.objectives.Objective`) passes, as a pytest base class.

A test module subclasses :class:`ObjectiveContract` and provides the ``objective`` fixture; keep it cheap (a table, a
few epochs on a tiny dataset), since the contract evaluates a handful of architectures::

    class TestMyObjective(ObjectiveContract):
        @pytest.fixture
        def objective(self) -> MyObjective:
            return MyObjective(get_space("nasbench201"), epochs=1)
"""

from __future__ import annotations

import json
import math
from typing import Any

import optuna
import pytest

from latentnas.objectives import Objective
from latentnas.records import FAIL_ATTR, Evaluation
from latentnas.spaces import SearchSpace
from latentnas.study import create_study, run_search, unique_trials


class _AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return True


def _check_evaluation(evaluation: Evaluation) -> None:
    assert isinstance(evaluation, Evaluation)
    assert math.isfinite(evaluation.valid)
    assert evaluation.test is None or math.isfinite(evaluation.test)
    assert evaluation.cost_seconds is None or evaluation.cost_seconds >= 0.0
    assert all(isinstance(v, float) and math.isfinite(v) for v in evaluation.extras.values())
    attrs = json.loads(json.dumps(evaluation.user_attrs()))
    assert attrs["valid"] == evaluation.valid


class ObjectiveContract:
    """Subclass with an ``objective`` fixture.

    Attributes:
        n_search: Unique architectures of the search test.
    """

    n_search = 3

    @pytest.fixture
    def objective(self) -> Objective:
        raise NotImplementedError("an ObjectiveContract subclass provides the 'objective' fixture")

    def test_is_an_objective(self, objective: Any) -> None:
        assert isinstance(objective, Objective)
        assert isinstance(objective.space, SearchSpace)

    def test_evaluation_is_finite_and_repeatable(self, objective: Any) -> None:
        arch = objective.space.sample(0)
        first = objective(arch)
        _check_evaluation(first)
        second = objective(arch)
        # NOTE: cost_seconds and a trained network's latency may be measured times; the other figures must not change.
        def figures(e: Any) -> tuple[Any, ...]:
            return e.valid, e.test, {k: v for k, v in e.extras.items() if k != "latency"}

        assert figures(second) == figures(first)

    def test_a_search_stores_each_evaluation(self, objective: Any) -> None:
        space = objective.space
        study = create_study(space, optuna.samplers.RandomSampler(seed=0))
        result = run_search(study, objective, n_unique=self.n_search)
        assert (result.unique_evaluations, result.failures) == (self.n_search, 0)
        trials = unique_trials(study)
        assert all(FAIL_ATTR not in t.user_attrs and t.user_attrs["valid"] == t.value for t in trials)
        first = trials[0]
        assert objective(space.from_string(first.user_attrs["arch"])).valid == first.value

    def test_reports_each_epoch_and_can_be_pruned(self, objective: Any) -> None:
        if not getattr(objective, "reports_intermediate", False):
            pytest.skip(f"{type(objective).__name__} reports no intermediate values")
        space = objective.space
        study = optuna.create_study(direction="maximize")
        trial = study.ask(space.distributions())
        _check_evaluation(objective(space.from_params(trial.params), trial=trial))
        steps = study.trials[0].intermediate_values
        assert list(steps) == list(range(len(steps))) and len(steps) > 0
        assert all(math.isfinite(v) for v in steps.values())
        pruned = optuna.create_study(direction="maximize", pruner=_AlwaysPrune())
        trial = pruned.ask(space.distributions())
        with pytest.raises(optuna.TrialPruned):
            objective(space.from_params(trial.params), trial=trial)
