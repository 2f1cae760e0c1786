from __future__ import annotations

import optuna
import pytest
import torch

from latentnas.errors import EvaluationError, LatentNASError
from latentnas.networks.nasbench201 import NB201Config
from latentnas.networks.nasbench_graph import GNNConfig
from latentnas.objectives.training import TrainingObjective
from latentnas.records import FAIL_ATTR
from latentnas.spaces import get_space
from latentnas.study import create_study, run_search
from latentnas.testing.objectives import ObjectiveContract

SMALL_GNN = GNNConfig(hidden=16, dropout=0.2)


class AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return True


@pytest.fixture
def graph_space():  # type: ignore[no-untyped-def]
    return get_space("nasbench-graph")


def test_node_training_is_seeded_and_leaves_global_rng_alone(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    arch = graph_space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]")
    objective = TrainingObjective(graph_space, data, task, epochs=5, seed=1, network_config=SMALL_GNN)
    state = torch.get_rng_state()
    first, second = objective(arch), objective(arch)
    assert torch.equal(state, torch.get_rng_state())
    assert (first.valid, first.test) == (second.valid, second.test)
    assert first.extras["params"] == 16 * 1433 + 16 + 16 * 16 + 16 + 16 * 16 + 16 + 16 * 7 + 7
    assert 0.0 <= first.valid <= 100.0 and first.cost_seconds is not None and first.cost_seconds > 0
    other = TrainingObjective(graph_space, data, task, epochs=5, seed=2, network_config=SMALL_GNN)
    assert other.train(arch)[0].state_dict()["cell.2.lin.weight"].ne(
        objective.train(arch)[0].state_dict()["cell.2.lin.weight"]).any()


def test_learns_something_on_cora(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    objective = TrainingObjective(graph_space, data, task, epochs=30, network_config=SMALL_GNN)
    # 7 classes: a constant guess scores far below 40% on the validation nodes of the subgraph.
    assert objective(graph_space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]")).valid > 40.0


def test_graph_classification_on_mutag(mutag, graph_space) -> None:  # type: ignore[no-untyped-def]
    dataset, task = mutag
    objective = TrainingObjective(graph_space, dataset, task, epochs=2, batch_size=32, network_config=SMALL_GNN)
    assert [len(s) for s in (objective.batches.splits.train, objective.batches.splits.valid,  # type: ignore[attr-defined]
                             objective.batches.splits.test)] == [150, 19, 19]  # type: ignore[attr-defined]
    first = objective(graph_space.from_string("[0,0,1,2] [gin,sage,gat,fc]"))
    second = objective(graph_space.from_string("[0,0,1,2] [gin,sage,gat,fc]"))
    assert first.valid == second.valid and round(first.valid * 19 / 100) * 100 / 19 == pytest.approx(first.valid)


def test_image_training_on_digits(digits) -> None:  # type: ignore[no-untyped-def]
    splits, task = digits
    space = get_space("nasbench201")
    objective = TrainingObjective(space, splits, task, epochs=1, lr=0.05, optimizer="sgd", cosine=True,
                                  network_config=NB201Config(channels=4, cells_per_stage=1))
    result = objective(space.from_string("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|"
                                         "nor_conv_3x3~1|skip_connect~2|"))
    assert result.valid > 10.0 and result.extras["epochs"] == 1


def test_nan_loss_is_an_evaluation_error(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    broken = data.clone()
    broken.x = broken.x.clone()
    broken.x[broken.train_mask.nonzero()[0]] = float("nan")
    objective = TrainingObjective(graph_space, broken, task, epochs=2, network_config=SMALL_GNN)
    with pytest.raises(EvaluationError, match="loss is nan at epoch 0"):
        objective(graph_space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]"))


def test_other_failures_are_evaluation_errors(digits, graph_space) -> None:  # type: ignore[no-untyped-def]
    splits, task = digits  # an image task cannot train a GNN space
    objective = TrainingObjective(graph_space, splits, task, epochs=1)
    with pytest.raises(EvaluationError, match=r"training \[0,1,2,3\] \[skip,skip,gcn,gcn\] failed: TaskError"):
        objective(graph_space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]"))
    with pytest.raises(LatentNASError, match="optimizer"):
        TrainingObjective(graph_space, splits, task, optimizer="lbfgs")


def test_pruning_raises_trial_pruned_and_the_study_goes_on(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    objective = TrainingObjective(graph_space, data, task, epochs=3, network_config=SMALL_GNN)
    study = optuna.create_study(direction="maximize", pruner=AlwaysPrune())
    trial = study.ask(graph_space.distributions())
    with pytest.raises(optuna.TrialPruned, match="epoch 0"):
        objective(graph_space.from_params(trial.params), trial=trial)
    assert list(study.trials[0].intermediate_values) == [0]  # epoch 0 was reported, then pruned
    study = create_study(graph_space, optuna.samplers.RandomSampler(seed=0))
    study.pruner = AlwaysPrune()
    run_search(study, objective, n_unique=1, max_trials=2)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED] * 2


def test_failed_trials_are_marked_fail_with_their_reason(digits, graph_space) -> None:  # type: ignore[no-untyped-def]
    splits, task = digits
    objective = TrainingObjective(graph_space, splits, task, epochs=1)
    study = create_study(graph_space, optuna.samplers.RandomSampler(seed=0))
    result = run_search(study, objective, n_unique=1, max_trials=2)
    assert result.failures == 2
    assert study.trials[0].user_attrs[FAIL_ATTR].startswith("EvaluationError: training")


class TestTrainingObjectiveContract(ObjectiveContract):
    @pytest.fixture
    def objective(self, cora_small) -> TrainingObjective:  # type: ignore[no-untyped-def]
        data, task = cora_small
        return TrainingObjective(get_space("nasbench-graph"), data, task, epochs=2, network_config=SMALL_GNN)
