"""Objectives by name: each builder's options, what it builds, what it refuses."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from latentnas.errors import LatentNASError
from latentnas.objectives import BenchmarkObjective, MultiFidelityObjective
from latentnas.objectives.registry import (
    OBJECTIVES,
    ObjectiveContext,
    make_objective,
    objective_options,
    objectives_with,
)
from latentnas.objectives.zero_cost import ZeroCostObjective


def test_each_objective_takes_its_builders_keyword_options() -> None:
    assert OBJECTIVES.names() == ["benchmark", "train", "predictor", "zero-cost"]
    assert {name: objective_options(name) for name in OBJECTIVES} == {
        "benchmark": ("benchmark", "dataset", "fidelity"),
        "train": ("dataset", "data", "data_root", "epochs", "device", "amp", "network"),
        "predictor": ("from_study",),
        "zero-cost": ("dataset", "data", "data_root", "proxy", "device"),
    }
    assert objectives_with("device") == ["train", "zero-cost"]


def test_a_benchmark_is_looked_up_in_one_column_or_with_a_pruner_in_all() -> None:
    built = make_objective("benchmark", dataset="cifar100", fidelity="12ep")
    assert isinstance(built.objective, BenchmarkObjective) and built.objective.fidelity == "12ep"
    assert (built.label, built.benchmark, built.dataset) == ("nasbench201-cifar100-12ep", "nasbench201", "cifar100")
    pruned = make_objective("benchmark", ObjectiveContext(pruner="asha"))
    assert isinstance(pruned.objective, MultiFidelityObjective)
    assert dict(pruned.identity) == {"benchmark": "nasbench201", "dataset": "cifar10", "fidelity": "12ep-main"}


@pytest.mark.parametrize(("name", "context", "options", "message"), [
    ("benchmark", ObjectiveContext(pruner="asha"), {"fidelity": "12ep"}, "--fidelity applies only without --pruner"),
    ("benchmark", ObjectiveContext(metrics=("valid", "latency")), {},
     "benchmark 'nasbench201' has no 'latency' for cifar10; its metrics: valid, params"),
    ("benchmark", ObjectiveContext(space="darts"), {"benchmark": "nasbench-graph", "dataset": "cora"},
     "--space 'darts' does not match benchmark 'nasbench-graph', whose space is 'nasbench-graph'"),
    ("benchmark", ObjectiveContext(), {"proxy": "snip"},
     "objective 'benchmark' takes no option 'proxy' \\(objectives that do: zero-cost\\)"),
    ("train", ObjectiveContext(), {"dataset": "digits"}, "--objective train needs --space"),
    ("train", ObjectiveContext(space="nasbench-graph"), {"data": "x.pt", "data_root": "d"},
     "--data-root applies only with --dataset"),
    ("train", ObjectiveContext(space="nasbench101"), {"dataset": "digits", "network": {"width": 3}},
     "network config {'width': 3} for space 'nasbench101'"),
    ("zero-cost", ObjectiveContext(space="nasbench101"), {"proxy": "flops"}, "unknown proxy 'flops'; choices: synflow"),
    ("zero-cost", ObjectiveContext(space="nasbench101", metrics=("valid", "latency")), {"dataset": "digits"},
     "objective 'zero-cost' has no 'latency'; its metrics: valid, params"),
    ("predictor", ObjectiveContext(), {}, "--objective predictor needs --from-study NAME"),
    ("predictor", ObjectiveContext(), {"from_study": "x"}, "reads study 'x' from a storage; give --storage"),
])
def test_a_builder_refuses_what_cannot_be_built(name: str, context: ObjectiveContext, options: dict[str, object],
                                                message: str) -> None:
    with pytest.raises(LatentNASError, match=message):
        make_objective(name, context, **options)


def test_zero_cost_scores_on_the_data_it_names(cora_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENTNAS_DATA", str(cora_root))
    built = make_objective("zero-cost", ObjectiveContext(space="nasbench-graph", seed=2), dataset="Cora",
                           proxy="grad_norm", device="cpu")
    assert isinstance(built.objective, ZeroCostObjective)
    assert (built.objective.proxy, built.objective.seed, built.label) == (
        "grad_norm", 2, "zero-cost-grad_norm-nasbench-graph-Cora")
    assert dict(built.identity) == {"dataset": "Cora", "data": None, "data_root": None, "proxy": "grad_norm"}


def test_a_predictor_is_fitted_on_a_study_of_the_storage(tmp_path: Path) -> None:
    from latentnas.assembly import SearchSpec, run
    from latentnas.storage import open_storage

    url = f"sqlite:///{tmp_path}/s.db"
    run(SearchSpec(objective_options={"dataset": "cifar10"}, budget=4, storage=url, study_name="measured"))
    storage = open_storage(url)
    built = make_objective("predictor", ObjectiveContext(storage=lambda: storage), from_study="measured")
    assert (built.label, dict(built.identity)) == ("predictor-measured", {"from_study": "measured", "fitted_on": 4})
    assert built.objective.space.name == "nasbench201"
    with pytest.raises(LatentNASError, match="unknown study 'other' to fit a predictor on; choices: measured"):
        make_objective("predictor", ObjectiveContext(storage=lambda: storage), from_study="other")
    with pytest.raises(LatentNASError, match="--space 'darts' does not match study 'measured'"):
        make_objective("predictor", ObjectiveContext(space="darts", storage=lambda: storage), from_study="measured")
    assert optuna.get_all_study_names(storage) == ["measured"]
