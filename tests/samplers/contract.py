"""The contract every sampler of ours passes (after Optuna's BasicSamplerTestCase), on the real NB201 table."""

from __future__ import annotations

from typing import Any

import optuna

from latentnas.objectives import BenchmarkObjective
from latentnas.study import create_study, run_search, unique_trials


class SamplerContract:
    """Subclass with ``make`` returning a sampler for (space, seed)."""

    budget = 25

    def make(self, space: Any, seed: int) -> optuna.samplers.BaseSampler:
        raise NotImplementedError

    def arches(self, objective: BenchmarkObjective, seed: int, n: int | None = None) -> list[str]:
        study = create_study(objective.space, self.make(objective.space, seed))
        run_search(study, objective, n_unique=n or self.budget)
        return [t.user_attrs["arch"] for t in study.trials]

    def test_same_seed_same_trials(self, nb201_objective: BenchmarkObjective) -> None:
        assert self.arches(nb201_objective, 7) == self.arches(nb201_objective, 7)

    def test_other_seed_other_trials(self, nb201_objective: BenchmarkObjective) -> None:
        assert self.arches(nb201_objective, 7) != self.arches(nb201_objective, 8)

    def test_never_proposes_a_known_architecture(self, nb201_objective: BenchmarkObjective) -> None:
        study = create_study(nb201_objective.space, self.make(nb201_objective.space, 3))
        result = run_search(study, nb201_objective, n_unique=self.budget)
        assert result.duplicates == 0
        assert result.trials == result.unique_evaluations == self.budget

    def test_resume_continues_exactly(self, nb201_objective: BenchmarkObjective, tmp_path: Any) -> None:
        space = nb201_objective.space
        url = f"sqlite:///{tmp_path}/study.db"
        first = create_study(space, self.make(space, 5), storage=url, study_name="s")
        run_search(first, nb201_objective, n_unique=self.budget // 2)
        resumed = create_study(space, self.make(space, 5), storage=url, study_name="s")
        run_search(resumed, nb201_objective, n_unique=self.budget)
        assert [t.user_attrs["arch"] for t in resumed.trials] == self.arches(nb201_objective, 5)

    def test_works_in_a_plain_optuna_study(self, nb201_objective: BenchmarkObjective) -> None:
        space = nb201_objective.space

        def objective(trial: optuna.Trial) -> float:
            arch = space.from_params({k: trial.suggest_categorical(k, d.choices)  # type: ignore[attr-defined]
                                      for k, d in space.distributions().items()})
            return nb201_objective(arch).valid

        study = optuna.create_study(direction="maximize", sampler=self.make(space, 0))
        study.optimize(objective, n_trials=12)
        assert len(study.trials) == 12
        assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
        assert study.best_value == max(t.value for t in study.trials)

    def test_unique_trials_hold_the_budget(self, nb201_objective: BenchmarkObjective) -> None:
        study = create_study(nb201_objective.space, self.make(nb201_objective.space, 1))
        run_search(study, nb201_objective, n_unique=self.budget)
        keys = [t.user_attrs["arch_key"] for t in unique_trials(study)]
        assert len(keys) == len(set(keys)) == self.budget
