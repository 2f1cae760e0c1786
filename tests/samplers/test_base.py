"""What every architecture sampler shares: reading a study's history, the study's record of its sampler, threads,
and that every registered sampler runs a sampler contract."""

from __future__ import annotations

import inspect

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FixedTrial, TrialState, create_trial

from latentnas.errors import InvalidArgumentError, StorageError
from latentnas.samplers import SAMPLERS, History, RandomArchitectureSampler
from latentnas.samplers.base import check_study_sampler, first_difference
from latentnas.spaces.nasbench201 import NasBench201Space
from latentnas.testing.samplers import SamplerContract

SPACE = NasBench201Space()


def _trial(arch_params: dict[str, object], value: float | None = 1.0, *, extra: bool = False,
           state: TrialState = TrialState.COMPLETE) -> optuna.trial.FrozenTrial:
    params = dict(arch_params)
    distributions = {name: CategoricalDistribution((*SPACE.ops, "conv")) for name in arch_params}
    if extra:
        params["lr"] = 0.01
        distributions["lr"] = FloatDistribution(1e-4, 1e-1, log=True)
    return create_trial(params=params, distributions=distributions, value=value, state=state)  # type: ignore[arg-type]


def _study(direction: str, trials: list[optuna.trial.FrozenTrial]) -> optuna.Study:
    study = optuna.create_study(direction=direction)
    study.add_trials(trials)
    return study


def test_history_reads_the_architecture_by_the_spaces_names_and_ignores_other_params() -> None:
    arch = SPACE.sample(0)
    history = History.from_study(_study("maximize", [_trial(SPACE.to_params(arch), 3.0, extra=True)]), SPACE)
    assert [(o.arch, o.value) for o in history.observations] == [(arch, 3.0)]
    assert history.unmapped == []


def test_history_orients_values_so_that_larger_is_better() -> None:
    trials = [_trial(SPACE.to_params(SPACE.sample(i)), v) for i, v in enumerate([3.0, 1.0, 2.0])]
    maximized, minimized = History.from_study(_study("maximize", trials), SPACE), \
        History.from_study(_study("minimize", trials), SPACE)
    assert (maximized.sign, [o.value for o in maximized.observations]) == (1.0, [3.0, 1.0, 2.0])
    assert (minimized.sign, [o.value for o in minimized.observations]) == (-1.0, [-3.0, -1.0, -2.0])
    assert [o.number for o in minimized.best()] == [1, 2, 0]


def test_history_says_why_a_completed_trial_is_not_an_architecture() -> None:
    params = SPACE.to_params(SPACE.sample(0))
    missing = {k: v for k, v in params.items() if k != "edge_1_2"} if "edge_1_2" in params else dict(
        list(params.items())[1:])
    invalid = {**params, next(iter(params)): "conv"}
    running = create_trial(state=TrialState.RUNNING)  # no params suggested yet: not a complaint
    history = History.from_study(_study("maximize", [_trial(missing), _trial(invalid), running]), SPACE)
    assert history.observations == [] and len(history.unmapped) == 2
    assert history.unmapped[0].startswith("trial 0: no param '")
    assert history.unmapped[1].startswith("trial 1: ") and "conv" in history.unmapped[1]


def test_a_multi_objective_history_orients_every_value_and_reads_constraints() -> None:
    a, b = SPACE.sample(0), SPACE.sample(1)
    distributions = {name: CategoricalDistribution(SPACE.ops) for name in SPACE.to_params(a)}
    study = optuna.create_study(directions=["maximize", "minimize"])
    study.add_trial(create_trial(params=SPACE.to_params(a), distributions=distributions, values=[90.0, 1.5],
                                 system_attrs={"constraints:params<=1": 0.5}))
    study.add_trial(create_trial(params=SPACE.to_params(b), distributions=distributions, values=[80.0, 0.2]))
    history = History.from_study(study, SPACE)
    assert history.signs == (1.0, -1.0) and history.n_objectives == 2 and history.constrained
    first, second = history.observations
    assert first.values == (90.0, -1.5) and first.value == 90.0 and first.constraints == (0.5,) and not first.feasible
    assert second.values == (80.0, -0.2) and second.constraints is None and second.feasible
    assert history.best() == [second, first]  # feasible first


def test_a_single_objective_sampler_refuses_a_study_of_several_naming_those_that_search_one() -> None:
    from latentnas.samplers import RegularizedEvolutionSampler

    study = optuna.create_study(directions=["maximize", "minimize"], sampler=RegularizedEvolutionSampler(SPACE))
    with pytest.raises(InvalidArgumentError, match=r"^evolution searches one objective, the study has 2; samplers "
                                                   r"of several: random, tpe, nsga2, latent-bo$"):
        study.ask()
    assert study.trials[0].state == TrialState.FAIL


def test_the_study_stores_its_sampler_and_refuses_another_naming_the_field() -> None:
    study = optuna.create_study()
    description = {"sampler": "latent-bo", "seed": 0, "config": {"n_initial": 20, "kernel": "decoded"}}
    check_study_sampler(study, description)
    assert study.user_attrs["sampler"] == description
    check_study_sampler(study, description)  # the same again: accepted
    other = {**description, "config": {"n_initial": 10, "kernel": "decoded"}}
    with pytest.raises(StorageError, match=r"sampled with config.n_initial=20, this sampler has config.n_initial=10"):
        check_study_sampler(study, other)


def test_first_difference_walks_nested_objects() -> None:
    assert first_difference({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 2]}}) is None
    assert first_difference({"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 3}}) == ("b.c", 2, 3)
    assert first_difference({"a": 1}, {"a": 1, "d": None, "e": 0}) == ("e", None, 0)


def test_other_params_go_to_the_independent_sampler() -> None:
    independent = optuna.samplers.TPESampler(seed=0)
    sampler = RandomArchitectureSampler(SPACE, seed=0, independent_sampler=independent)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: (SPACE.suggest(t), t.suggest_float("lr", 0.0, 1.0))[1], n_trials=3)
    tpe = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    tpe.optimize(lambda t: t.suggest_float("lr", 0.0, 1.0), n_trials=3)
    assert [t.params["lr"] for t in study.trials] == [t.params["lr"] for t in tpe.trials]
    assert sampler.describe()["independent_sampler"] == "TPESampler"


def test_suggest_names_the_params_as_the_space_does() -> None:
    arch = SPACE.sample(3)
    assert SPACE.suggest(FixedTrial(SPACE.to_params(arch))) == arch
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    archs = []
    study.optimize(lambda t: float(len(archs.append(SPACE.suggest(t)) or archs)), n_trials=2)
    assert [set(t.params) for t in study.trials] == [set(SPACE.distributions())] * 2
    assert archs == [SPACE.from_params(t.params) for t in study.trials]


def test_every_registered_sampler_runs_a_contract() -> None:
    from tests.samplers import (
        test_evolution,
        test_gp,
        test_latent_bo,
        test_latent_tpe,
        test_local_search,
        test_nsga2,
        test_portfolio,
        test_random_search,
        test_tpe,
    )

    covered = {
        cls().make(SPACE, 0).describe()["sampler"]
        for module in (test_random_search, test_evolution, test_local_search, test_tpe, test_gp, test_latent_bo,
                       test_latent_tpe, test_nsga2, test_portfolio)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, SamplerContract) and cls.__name__.startswith("Test")
    }
    assert covered == set(SAMPLERS)


def test_history_holds_pruned_architectures_with_their_last_cheap_value() -> None:
    archs = [SPACE.sample(i) for i in range(5)]
    trials = [
        create_trial(params=SPACE.to_params(a), distributions=SPACE.distributions(), value=v, state=s,
                     intermediate_values=steps)
        for a, v, s, steps in [
            (archs[0], 90.0, TrialState.COMPLETE, {12: 80.0, 200: 90.0}),
            (archs[1], None, TrialState.PRUNED, {12: 70.0}),
            (archs[2], 92.0, TrialState.COMPLETE, {12: 81.0, 200: 92.0}),
            (archs[3], None, TrialState.PRUNED, {}),  # stopped before reporting: nothing to learn
            (archs[1], None, TrialState.PRUNED, {12: 70.0}),  # the same architecture again: once
            (archs[4], 94.0, TrialState.COMPLETE, {12: 82.0, 200: 94.0}),
        ]
    ]
    maximized = History.from_study(_study("maximize", trials), SPACE)
    assert [(o.number, o.value, o.steps) for o in maximized.pruned] == [(1, 70.0, {12: 70.0})]
    assert maximized.observations[0].steps == {12: 80.0, 200: 90.0}
    assert {SPACE.canonical_key(a) for a in archs} == maximized.known
    minimized = History.from_study(_study("minimize", trials), SPACE)
    assert [(o.value, o.steps) for o in minimized.pruned] == [(-70.0, {12: -70.0})]


def test_samplers_describe_themselves_on_the_study_under_hyperband() -> None:
    # Optuna hands samplers one bracket's view of the study under HyperbandPruner; it has no user attrs.
    from latentnas.objectives import MultiFidelityObjective
    from latentnas.samplers import make_sampler
    from latentnas.study import create_study, make_pruner, run_search

    objective = MultiFidelityObjective("nasbench201", "cifar10")
    for name in ("tpe", "random"):
        sampler = make_sampler(name, SPACE, seed=0)
        study = create_study(SPACE, sampler, pruner=make_pruner("hyperband", objective), study_name="hb")
        result = run_search(study, objective, n_unique=3)
        assert result.unique_evaluations == 3
        assert study.user_attrs["sampler"] == sampler.describe()  # type: ignore[attr-defined]
