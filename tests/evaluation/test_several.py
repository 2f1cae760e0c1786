"""Comparisons on several objectives and under constraints: runs, hypervolume ratios, records, paired tables."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation import ComparisonConfig, FrontRecord, RunJob, run_comparison, run_one
from latentnas.evaluation.experiment import merge_records, read_fronts, render_table, write_record
from latentnas.evaluation.several import paired_table, table_front
from latentnas.objectives import BenchmarkObjective

RECORDS = Path(__file__).parents[2] / "docs" / "results"


def several(**change: object) -> ComparisonConfig:
    values: dict[str, object] = {"datasets": ("cifar10",), "samplers": ("random", "nsga2"), "seeds": (0, 1),
                                 "budget": 30, "objectives": ("valid", "params"), **change}
    return ComparisonConfig("nasbench201", **values)  # type: ignore[arg-type]


def test_a_run_reports_the_hypervolume_ratio_of_its_front_at_each_checkpoint(tmp_path: Path) -> None:
    config = several()
    records = run_comparison(config)
    assert [(r.sampler, r.seed) for r in records] == [("random", 0), ("random", 1), ("nsga2", 0), ("nsga2", 1)]
    front = table_front("nasbench201", "cifar10", ("valid", "params"))
    # Random search's first architectures are a function of the seed: recompute its ratio by hand.
    from latentnas.samplers import make_sampler
    from latentnas.study import create_study, run_search, unique_trials

    objective = BenchmarkObjective("nasbench201", "cifar10")
    study = create_study(objective.space, make_sampler("random", objective.space, seed=0),
                         objectives=("valid", "params"))
    run_search(study, objective, n_unique=30)
    values = [t.values for t in unique_trials(study)]
    assert records[0].hv_ratios == ((25, round(front.ratio(values[:25]), 6)), (30, round(front.ratio(values), 6)))
    assert records[0].best_feasible_valid == max(v[0] for v in values) and records[0].feasible == 30
    files = write_record(tmp_path, records, command="python scripts/several_objectives.py ...", revision="abc123",
                         config=config)
    assert sorted(p.name for p in files) == ["command.txt", "commit.txt", "config.json", "fronts.json", "runs.csv",
                                             "table.md"]
    fronts = json.loads((tmp_path / "fronts.json").read_text())
    assert fronts["cifar10"]["reference"] == [88.019, 0.400346] and len(fronts["cifar10"]["front"]) == 14
    with open(tmp_path / "runs.csv") as f:
        assert [FrontRecord.from_row(row) for row in csv.DictReader(f)] == records
    assert "| cifar10 | random |" in (tmp_path / "table.md").read_text()
    assert read_fronts(tmp_path) == (config, records)
    # The README's block is rebuilt from runs.csv and config.json: the same table as the record's.
    block = render_table(tmp_path, "several", link="docs/results/x")
    assert block == ("nasbench201, valid, params, 30 unique architectures per run, 2 seeds (0-1), every sampler on "
                     "the same seeds (`docs/results/x`):\n\n" + (tmp_path / "table.md").read_text() + "\n")


def test_runs_give_the_records_they_gave_before_searches_were_described() -> None:
    # Made before comparisons were described by a SearchSpec (commit f7c4656), seconds apart.
    front = run_one(RunJob("nasbench201", "cifar10", "random", 4, budget=30, objectives=("valid", "params")))
    assert replace(front, seconds=0.0) == FrontRecord("cifar10", "random", 4, unique=30, seconds=0.0,
                                                      best_feasible_valid=89.612, feasible=30,
                                                      hv_ratios=((25, 0.255694), (30, 0.255694)))
    bounded = run_one(RunJob("nasbench201", "cifar10", "tpe", 4, budget=12, constraints=("params<=0.5",)))
    assert replace(bounded, seconds=0.0) == FrontRecord("cifar10", "tpe", 4, unique=12, seconds=0.0,
                                                        best_feasible_valid=89.412, feasible=8)


@pytest.mark.parametrize("name", ["several-nasbench201-cifar10-30seeds", "constrained-nasbench201-cifar10-30seeds"])
def test_a_record_written_before_reads_back_to_the_same_runs_and_table(tmp_path: Path, name: str) -> None:
    if not (RECORDS / name / "runs.csv").is_file():
        pytest.skip(f"record {name} is absent")
    config, records = read_fronts(RECORDS / name)
    write_record(tmp_path, records, command="x", revision="y", config=config)
    for part in ("runs.csv", "table.md"):
        assert (tmp_path / part).read_text() == (RECORDS / name / part).read_text()


def test_the_paired_table_counts_seeds_where_the_constrained_search_is_no_worse() -> None:
    def record(seed: int, best: float | None, feasible: int) -> FrontRecord:
        return FrontRecord("cifar10", "tpe", seed, unique=5, seconds=1.0, best_feasible_valid=best, feasible=feasible)

    constrained = [record(0, 90.0, 5), record(1, 89.0, 4), record(2, None, 0)]
    unconstrained = [record(0, 89.5, 2), record(1, 89.5, 3), record(2, None, 0)]
    table = paired_table(constrained, unconstrained, datasets=("cifar10",), samplers=("tpe",))
    # seed 0 wins, seed 1 loses, seed 2: neither found a feasible one, a tie.
    assert ("| cifar10 | tpe | 2 of 3 (67 %) | 89.50 ± 0.71 (2 of 3 found one) | 89.50 ± 0.00 (2 of 3 found one) "
            "| 3.0 / 1.7 |") in table


def test_a_comparison_of_several_objectives_refuses_a_sampler_of_one() -> None:
    with pytest.raises(InvalidArgumentError, match="sampler entry 'evolution': sampler 'evolution' searches one "
                                                   "objective; with --objectives valid,params choose one of random, "
                                                   "tpe, nsga2, latent-bo"):
        several(samplers=("evolution",))
    with pytest.raises(InvalidArgumentError, match="a record of several objectives or constraints needs its config"):
        write_record("unused", [FrontRecord("cifar10", "tpe", 0, unique=5, seconds=1.0, best_feasible_valid=None,
                                            feasible=0)], command="x")


def test_records_of_disjoint_seeds_merge_into_one_and_others_are_refused(tmp_path: Path) -> None:
    parts = []
    for seeds in ((0,), (1, 2)):
        config = several(samplers=("random",), seeds=seeds, budget=8)
        folder = tmp_path / f"seeds{seeds[0]}"
        write_record(folder, run_comparison(config), command=f"run {seeds}", revision=f"c{seeds[0]}", config=config)
        parts.append(folder)
    whole = several(samplers=("random",), seeds=(0, 1, 2), budget=8)
    table = merge_records(parts, tmp_path / "merged", command="merge")
    write_record(tmp_path / "direct", run_comparison(whole), command="x", revision="y", config=whole)
    # The seeded runs are the same whichever record ran them: the merged table is the direct one but for timings.
    def strip(text: str) -> list[str]:
        return [line.rsplit("|", 2)[0] for line in text.splitlines()]

    assert strip(table) == strip((tmp_path / "direct" / "table.md").read_text())
    assert (tmp_path / "merged" / "commit.txt").read_text() == "seeds 0-0: c0\nseeds 1-2: c1\n"
    assert (tmp_path / "merged" / "command.txt").read_text() == "run (0,)\nrun (1, 2)\nmerge\n"
    with pytest.raises(InvalidArgumentError, match="records share seeds: \\[0\\]"):
        merge_records([parts[0], parts[0]], tmp_path / "bad", command="merge")
