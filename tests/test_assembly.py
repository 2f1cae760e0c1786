"""A search described by a SearchSpec: what is refused, what the study is named and records, the trials it gives."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from latentnas.assembly import IDENTITY_KEYS, SearchSpec, assemble, run, transfer_sources
from latentnas.errors import LatentNASError
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import make_sampler, names_with
from latentnas.study import create_study, run_search

NB201 = {"benchmark": "nasbench201", "dataset": "cifar10"}


@pytest.mark.parametrize(("change", "message"), [
    ({"sampler": "bo"}, "unknown sampler 'bo'; choices: random, evolution"),
    ({"objective": "lookup"}, "unknown objective 'lookup'; choices: benchmark, train, predictor, zero-cost"),
    ({"objective_options": {"epochs": 3}}, "objective 'benchmark' takes no option 'epochs' \\(objectives that do: "
                                           "train\\); its options: benchmark, dataset, fidelity"),
    ({"sampler": "evolution", "objectives": ("valid", "params")},
     "sampler 'evolution' searches one objective; with --objectives valid,params choose one of random, tpe, nsga2, "
     "latent-bo"),
    ({"objectives": ("valid", "size")}, "unknown metric 'size'"),
    ({"constraints": ("params<1",)}, "a constraint must read METRIC<=NUMBER"),
    ({"sampler": "latent-bo", "transfer": True, "constraints": ("params<=1",)},
     "--transfer applies to a search of valid alone without --constraint"),
    ({"objectives": ("valid", "params"), "pruner": "asha"}, "--pruner applies to a search of one objective"),
    ({"pruner": "pbt"}, "unknown pruner 'pbt'; choices: none, median, asha, hyperband"),
    ({"transfer": True}, f"--transfer applies to {', '.join(names_with('transfer'))}, not 'random'"),
    ({"checkpoint": "x.pt"}, "--checkpoint applies to latent samplers \\(latent-bo, latent-tpe\\), not 'random'"),
    ({"budget": 0}, "budget must be a positive integer, got 0"),
    ({"budget_seconds": -1.0}, "budget_seconds must be a positive number, got -1.0"),
    ({"seed": 1.5}, "seed must be an integer, got 1.5"),
    ({"sampler_options": {"f": print}}, "a search description holds JSON values only"),
    ({"objectives": "valid"}, "objectives must be a sequence of strings, got 'valid'"),
])
def test_a_description_that_cannot_run_is_refused_when_made(change: dict[str, object], message: str) -> None:
    with pytest.raises(LatentNASError, match=message):
        SearchSpec(**{"objective_options": NB201, **change})  # type: ignore[arg-type]


def test_the_capability_checks_read_the_samplers_declarations() -> None:
    for name in names_with("transfer"):
        assert SearchSpec(sampler=name, transfer=True).transfer
    for name in names_with("several_objectives"):
        assert SearchSpec(sampler=name, objectives=("valid", "params")).several


def test_a_description_is_json_and_comes_back_equal() -> None:
    spec = SearchSpec(objective_options=NB201, sampler="tpe", sampler_options={"n_startup_trials": 5}, seed=3,
                      constraints=("params<=0.5",), budget=7, storage="sqlite:///x.db", study_name="mine")
    values = json.loads(json.dumps(spec.to_dict()))
    assert values["constraints"] == ["params<=0.5"] and values["objectives"] == ["valid"]
    assert SearchSpec.from_dict(values) == spec
    with pytest.raises(LatentNASError, match="a search description has no field 'trials'"):
        SearchSpec.from_dict({**values, "trials": 3})


@pytest.mark.parametrize(("change", "name"), [
    ({}, "nasbench201-cifar10-random-seed0"),
    ({"seed": 4, "sampler": "tpe"}, "nasbench201-cifar10-tpe-seed4"),
    ({"objective_options": {**NB201, "fidelity": "12ep"}}, "nasbench201-cifar10-12ep-random-seed0"),
    ({"pruner": "asha"}, "nasbench201-cifar10-12ep-main-random-seed0"),
    ({"objectives": ("valid", "params")}, "nasbench201-cifar10-random-seed0-valid-params"),
    ({"constraints": ("params<=0.5",)}, "nasbench201-cifar10-random-seed0-params<=0.5"),
    ({"objective_options": {"benchmark": "nasbench-graph", "dataset": "cora"}, "objectives": ("valid", "latency"),
      "constraints": ("params<=0.2",)}, "nasbench-graph-cora-random-seed0-valid-latency-params<=0.2"),
    ({"study_name": "mine"}, "mine"),
])
def test_a_study_is_named_after_what_it_searches_unless_named(change: dict[str, object], name: str) -> None:
    search = assemble(SearchSpec(**{"objective_options": NB201, "budget": 3, **change}))  # type: ignore[arg-type]
    assert search.study.study_name == name


def test_a_study_records_its_identity(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    study, result = run(SearchSpec(objective_options=NB201, pruner="median", budget=3, storage=url))
    assert result.unique_evaluations == 3
    assert optuna.load_study(study_name=study.study_name, storage=url).user_attrs["identity"] == {
        "objective": "benchmark", "benchmark": "nasbench201", "dataset": "cifar10", "fidelity": "12ep-main",
        "epochs": None, "data": None, "data_root": None, "encoder_sha256": None}
    # The same description resumes the stored study; another dataset is refused, naming the difference.
    again = assemble(SearchSpec(objective_options=NB201, pruner="median", budget=5, storage=url))
    assert (again.resumed.done, again.resumed.total) == (3, 5)
    with pytest.raises(LatentNASError, match="dataset \"cifar10\", not \"cifar100\""):
        assemble(SearchSpec(objective_options={**NB201, "dataset": "cifar100"}, pruner="median", budget=5,
                            storage=url, study_name=study.study_name))


def test_a_training_search_records_its_data_and_epochs(cora_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENTNAS_DATA", str(cora_root))
    search = assemble(SearchSpec(objective="train", space="nasbench-graph",
                                 objective_options={"dataset": "Cora", "epochs": 2, "device": "cpu",
                                                    "network": {"hidden": 8}}, budget=2))
    assert search.study.study_name == "train-nasbench-graph-Cora-random-seed0"
    assert dict(search.identity) == {**dict.fromkeys(IDENTITY_KEYS), "objective": "train", "dataset": "Cora",
                                     "epochs": 2, "network": {"hidden": 8}}
    assert search.objective.network_config.hidden == 8  # type: ignore[attr-defined]


def test_the_same_description_gives_the_trials_of_a_study_built_by_hand() -> None:
    for sampler in ("random", "evolution", "tpe"):
        study, _ = run(SearchSpec(objective_options=NB201, sampler=sampler, seed=5, budget=15))
        objective = BenchmarkObjective("nasbench201", "cifar10")
        by_hand = create_study(objective.space, make_sampler(sampler, objective.space, seed=5))
        run_search(by_hand, objective, n_unique=15)
        assert [t.params for t in study.trials] == [t.params for t in by_hand.trials]


def test_transfer_sources_leave_the_searched_datasets_table_out() -> None:
    names = [s.name for s in transfer_sources("nasbench-graph", dataset="Cora")]  # training on Cora
    assert names == [f"nasbench-graph/{d}" for d in ("citeseer", "pubmed", "cs", "physics", "photo", "computers",
                                                      "arxiv")]
    assert len(transfer_sources("nasbench-graph", dataset="my_graphs")) == 8  # your own data: every table
    assert [s.name for s in transfer_sources("nasbench201", benchmark="nasbench201", dataset="cifar100")] == [
        "nasbench201/cifar10", "nasbench201/imagenet16-120"]
    with pytest.raises(LatentNASError, match="--transfer needs a benchmark of space 'darts' to learn from"):
        transfer_sources("darts")
