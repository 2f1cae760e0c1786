from __future__ import annotations

import optuna
import pytest
import torch
from torch_geometric.data import Data

from latentnas.errors import EvaluationError, LatentNASError
from latentnas.networks import Task
from latentnas.networks.nasbench201 import NB201Config
from latentnas.networks.nasbench_graph import GNNConfig
from latentnas.objectives.training import TrainingObjective, choose_device
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
    assert first.extras["params"] == (16 * 1433 + 16 + 16 * 16 + 16 + 16 * 16 + 16 + 16 * 7 + 7) / 1e6  # millions
    assert 0 < first.extras["latency"] < first.cost_seconds  # type: ignore[operator]
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
    assert study.trials[0].user_attrs["cost_seconds"] > 0  # the epoch it trained was paid
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


# --------------------------------------------------------------------------------------------------- own data, regression
def random_graph(n: int = 80, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    from torch_geometric.utils import erdos_renyi_graph

    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        edge_index = erdos_renyi_graph(n, 0.05)
    return x, edge_index


def regression_graph(*, masks: bool) -> Data:
    """80 nodes whose targets are a function of their own features (so an MLP-like cell can fit them)."""
    x, edge_index = random_graph()
    data = Data(x=x, edge_index=edge_index, y=2 * x[:, 0] - x[:, 1])
    if masks:
        node = torch.arange(80)
        data.train_mask, data.val_mask, data.test_mask = node < 50, (node >= 50) & (node < 65), node >= 65
    return data


FC = "[0,1,2,3] [fc,fc,fc,fc]"


def test_task_is_inferred_and_a_graph_without_masks_is_split(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    bare = data.clone()
    del bare.train_mask, bare.val_mask, bare.test_mask
    objective = TrainingObjective(graph_space, bare, epochs=1, network_config=SMALL_GNN)
    assert objective.task == task and (objective.metric, objective.direction) == ("accuracy", "maximize")
    assert objective.split.to_dict() == {"unit": "nodes", "random": True, "seed": 0, "train": 180, "valid": 60,
                                         "test": 60}
    valid = objective(graph_space.from_string(FC)).valid
    assert round(valid * 60 / 100) * 100 / 60 == pytest.approx(valid)  # a share of the 60 validation nodes
    given = TrainingObjective(graph_space, data, epochs=1, network_config=SMALL_GNN)
    assert given.split.to_dict()["random"] is False and given.split.sizes == tuple(
        int(m.sum()) for m in (data.train_mask, data.val_mask, data.test_mask))


@pytest.mark.parametrize("metric", ["mae", "mse"])
def test_node_regression_reports_the_error_of_its_network(graph_space, metric: str) -> None:  # type: ignore[no-untyped-def]
    data = regression_graph(masks=True)
    objective = TrainingObjective(graph_space, data, metric=metric, epochs=1, network_config=SMALL_GNN)
    assert objective.task == Task.regression("node", 4, 1) and objective.direction == "minimize"
    model, evaluation = objective.train(graph_space.from_string(FC))  # one epoch: the best is the last
    with torch.no_grad():
        error = model(data.x, data.edge_index).squeeze(1) - data.y
    measure = (lambda e: e.abs().mean()) if metric == "mae" else (lambda e: e.square().mean())
    assert evaluation.valid == pytest.approx(float(measure(error[data.val_mask])), rel=1e-5)
    assert evaluation.test == pytest.approx(float(measure(error[data.test_mask])), rel=1e-5)


def test_node_regression_learns_and_keeps_its_least_error(graph_space) -> None:  # type: ignore[no-untyped-def]
    data = regression_graph(masks=False)
    objective = TrainingObjective(graph_space, data, epochs=60, weight_decay=0.0,
                                  network_config=GNNConfig(hidden=16, dropout=0.0))
    study = optuna.create_study(direction="minimize")
    trial = study.ask()
    evaluation = objective(graph_space.from_string(FC), trial=trial)
    reported = study.trials[0].intermediate_values
    assert evaluation.valid == min(reported.values()) and evaluation.extras["best_epoch"] == min(reported,
                                                                                                   key=reported.get)
    split = objective.split
    train = objective.batches.data.train_mask  # type: ignore[attr-defined]
    valid = objective.batches.data.val_mask  # type: ignore[attr-defined]
    constant = float((data.y[valid] - data.y[train].median()).abs().mean())  # a constant guess: the train median
    assert split.is_random and evaluation.valid < constant / 2


def test_graph_regression_on_mutag_with_a_made_up_target(mutag, graph_space) -> None:  # type: ignore[no-untyped-def]
    dataset, _ = mutag
    graphs = [Data(x=g.x, edge_index=g.edge_index, y=g.x[:, 0].mean().reshape(1)) for g in list(dataset)[:60]]
    objective = TrainingObjective(graph_space, graphs, epochs=20, batch_size=16, weight_decay=0.0,
                                  network_config=GNNConfig(hidden=16, dropout=0.0))
    assert objective.task == Task.regression("graph", 7, 1) and objective.direction == "minimize"
    assert objective.split.to_dict() == {"unit": "graphs", "random": True, "seed": 0, "train": 48, "valid": 6,
                                         "test": 6}
    splits = objective.batches.splits  # type: ignore[attr-defined]
    train_y = torch.cat([g.y for g in splits.train])
    constant = float((torch.cat([g.y for g in splits.valid]) - train_y.median()).abs().mean())
    evaluation = objective(graph_space.from_string("[0,1,2,3] [fc,gcn,fc,fc]"))
    assert evaluation.valid < constant


def test_a_regression_search_minimizes(graph_space) -> None:  # type: ignore[no-untyped-def]
    objective = TrainingObjective(graph_space, regression_graph(masks=True), epochs=2, network_config=SMALL_GNN)
    study = create_study(graph_space, optuna.samplers.RandomSampler(seed=0), direction=objective.direction)
    result = run_search(study, objective, n_unique=3)
    values = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert study.direction == optuna.study.StudyDirection.MINIMIZE and len(set(values)) == 3
    assert result.best_valid == min(values) != max(values)


def test_metrics_must_fit_the_task(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LatentNASError, match="unknown metric 'accuracy' for regression; choices: mae, mse"):
        TrainingObjective(graph_space, regression_graph(masks=True), metric="accuracy")
    with pytest.raises(LatentNASError, match="unknown metric 'mae' for classification; choices: accuracy"):
        TrainingObjective(graph_space, cora_small[0], metric="mae")


def test_for_task_takes_the_settings_of_the_task_kind(digits, cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    splits, task = digits
    image = TrainingObjective.for_task(get_space("nasbench201"), splits, task, epochs=3, lr=None)
    assert (image.epochs, image.lr, image.weight_decay, image.optimizer, image.cosine) == (3, 0.05, 5e-4, "sgd", True)
    data, node_task = cora_small
    node = TrainingObjective.for_task(graph_space, data, node_task, seed=4)
    assert (node.epochs, node.lr, node.weight_decay, node.optimizer, node.cosine, node.seed) == (
        200, 0.01, 5e-4, "adam", False, 4)


def test_a_device_is_chosen_or_refused_in_one_line() -> None:
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device(None) == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for name in ("tpu", "xla", "", "cuda:x"):
        with pytest.raises(LatentNASError, match=f"^unknown device '{name}'; choices: cpu, cuda, cuda:N, mps$"):
            choose_device(name)
    if not torch.cuda.is_available():
        with pytest.raises(LatentNASError, match="^device 'cuda:1': torch .* sees no CUDA device here; use cpu$"):
            choose_device("cuda:1")


def test_training_takes_its_device_and_precision(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    objective = TrainingObjective(graph_space, data, task, epochs=1, device="cpu", amp=True, network_config=SMALL_GNN)
    assert (objective.device, objective.amp) == (torch.device("cpu"), True)
    assert 0.0 <= objective(graph_space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]")).valid <= 100.0
