"""The predictor objective: the surrogate latent BO searches by, as a scorer of unevaluated architectures."""

from __future__ import annotations

from typing import Any

import optuna
import pytest
import torch
from scipy.stats import spearmanr

from latentnas.errors import LatentNASError
from latentnas.objectives.predictor import PredictorObjective
from latentnas.samplers import make_sampler
from latentnas.study import create_study, run_search


def table_sample(objective: Any, start: int, n: int) -> tuple[list[Any], list[float]]:
    space = objective.space
    archs = [space.sample(seed) for seed in range(start, start + n)]
    return archs, [objective(a).valid for a in archs]


def test_ranks_unseen_architectures_of_the_table(nb201_objective: Any) -> None:
    archs, values = table_sample(nb201_objective, 0, 60)
    predictor = PredictorObjective(nb201_objective.space, archs, values)
    test, truth = table_sample(nb201_objective, 1000, 200)
    mean, std = predictor.predict(test)
    assert mean.shape == std.shape == (200,) and bool((std > 0).all())
    # Measured 0.49 (60 training cells); a random ranking of 200 has |rho| < 0.2 with probability ~0.995.
    assert spearmanr(mean, truth).statistic > 0.4


def test_scores_as_an_objective_and_filters_as_a_prefilter(nb201_objective: Any) -> None:
    archs, values = table_sample(nb201_objective, 0, 30)
    predictor = PredictorObjective(nb201_objective.space, archs, values)
    candidates = [nb201_objective.space.sample(seed) for seed in range(500, 520)]
    mean, std = predictor.predict(candidates)
    top = predictor.top(candidates, 3)
    assert top == [candidates[i] for i in mean.argsort(descending=True)[:3].tolist()]
    evaluation = predictor(candidates[0])
    assert evaluation.valid == pytest.approx(float(mean[0]))
    assert evaluation.extras["predicted_std"] == pytest.approx(float(std[0]))


def test_same_data_same_predictions(nb201_objective: Any) -> None:
    archs, values = table_sample(nb201_objective, 0, 25)
    test = [nb201_objective.space.sample(seed) for seed in range(900, 910)]
    first = PredictorObjective(nb201_objective.space, archs, values, seed=3).predict(test)[0]
    second = PredictorObjective(nb201_objective.space, archs, values, seed=3).predict(test)[0]
    assert torch.equal(first, second)


def test_fits_on_a_study(nb201_objective: Any) -> None:
    space = nb201_objective.space
    study = create_study(space, make_sampler("random", space, seed=0))
    run_search(study, nb201_objective, n_unique=12)
    predictor = PredictorObjective.from_study(study, space)
    assert predictor.num_train == 12


def test_fits_a_minimize_study_on_its_own_values(nb201_objective: Any) -> None:
    space = nb201_objective.space
    study = optuna.create_study(direction="minimize", sampler=make_sampler("random", space, seed=0))
    study.optimize(lambda t: 100.0 - nb201_objective(space.suggest(t)).valid, n_trials=10)
    archs = [space.from_params(t.params) for t in study.trials]
    test = [space.sample(seed) for seed in range(900, 905)]
    from_study = PredictorObjective.from_study(study, space).predict(test)[0]
    given = PredictorObjective(space, archs, [t.value for t in study.trials]).predict(test)[0]
    assert torch.equal(from_study, given) and bool((from_study > 0).all())


@pytest.mark.parametrize(
    ("archs", "values", "message"),
    [
        (2, [1.0], "archs and values differ in length: 2 and 1"),
        (2, [1.0, float("nan")], "values must be finite"),
        (1, [1.0], "at least 2 distinct evaluated architectures, got 1"),
    ],
)
def test_bad_training_data_is_refused(nb201_objective: Any, archs: int, values: list[float], message: str) -> None:
    sample = [nb201_objective.space.sample(seed) for seed in range(archs)]
    with pytest.raises(LatentNASError, match=message):
        PredictorObjective(nb201_objective.space, sample, values)
