"""The comparison of several objectives and constraints: runs, hypervolume ratios, records, paired tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.several import SeveralConfig, paired_table, run_several, table_front, write_several
from latentnas.objectives import BenchmarkObjective


def test_a_run_reports_the_hypervolume_ratio_of_its_front_at_each_checkpoint(tmp_path: Path) -> None:
    config = SeveralConfig("nasbench201", datasets=("cifar10",), samplers=("random", "nsga2"), seeds=(0, 1),
                           budget=30, objectives=("valid", "params"))
    rows = run_several(config)
    assert [(r["sampler"], r["seed"]) for r in rows] == [("random", 0), ("random", 1), ("nsga2", 0), ("nsga2", 1)]
    front = table_front("nasbench201", "cifar10", ("valid", "params"))
    # Random search's first architectures are a function of the seed: recompute its ratio by hand.
    from latentnas.samplers import make_sampler
    from latentnas.study import create_study, run_search, unique_trials

    objective = BenchmarkObjective("nasbench201", "cifar10")
    study = create_study(objective.space, make_sampler("random", objective.space, seed=0),
                         objectives=("valid", "params"))
    run_search(study, objective, n_unique=30)
    values = [t.values for t in unique_trials(study)]
    assert rows[0]["hv_ratio@25"] == round(front.ratio(values[:25]), 6)
    assert rows[0]["hv_ratio@30"] == round(front.ratio(values), 6)
    assert rows[0]["best_feasible_valid"] == max(v[0] for v in values) and rows[0]["feasible"] == 30
    files = write_several(tmp_path, config, rows, command="python scripts/several_objectives.py ...",
                          revision="abc123")
    assert sorted(p.name for p in files) == ["command.txt", "commit.txt", "config.json", "fronts.json", "runs.csv",
                                             "table.md"]
    fronts = json.loads((tmp_path / "fronts.json").read_text())
    assert fronts["cifar10"]["reference"] == [88.019, 0.400346] and len(fronts["cifar10"]["front"]) == 14
    with open(tmp_path / "runs.csv") as f:
        assert len(list(csv.DictReader(f))) == 4
    assert "| cifar10 | random |" in (tmp_path / "table.md").read_text()
    # The README's block is rebuilt from runs.csv and config.json: the same table as the record's.
    from latentnas.evaluation.experiment import render_table

    block = render_table(tmp_path, "several", link="docs/results/x")
    assert block == ("nasbench201, valid, params, 30 unique architectures per run, 2 seeds (0-1), every sampler on "
                     "the same seeds (`docs/results/x`):\n\n" + (tmp_path / "table.md").read_text() + "\n")


def test_the_paired_table_counts_seeds_where_the_constrained_search_is_no_worse() -> None:
    config = SeveralConfig("nasbench201", datasets=("cifar10",), samplers=("tpe",), seeds=(0, 1, 2), budget=5,
                           constraints=("params<=0.5",))
    def row(seed: int, best: float | None, feasible: int) -> dict[str, object]:
        return {"dataset": "cifar10", "sampler": "tpe", "seed": seed, "best_feasible_valid": best,
                "feasible": feasible}

    constrained = [row(0, 90.0, 5), row(1, 89.0, 4), row(2, None, 0)]
    unconstrained = [row(0, 89.5, 2), row(1, 89.5, 3), row(2, None, 0)]
    table = paired_table(config, constrained, unconstrained)
    # seed 0 wins, seed 1 loses, seed 2: neither found a feasible one, a tie.
    assert ("| cifar10 | tpe | 2 of 3 (67 %) | 89.50 ± 0.71 (2 of 3 found one) | 89.50 ± 0.00 (2 of 3 found one) "
            "| 3.0 / 1.7 |") in table


def test_a_comparison_of_several_objectives_refuses_a_sampler_of_one() -> None:
    with pytest.raises(InvalidArgumentError, match="sampler 'evolution' searches one objective; samplers of "
                                                   "several: random, tpe, nsga2, latent-bo"):
        SeveralConfig("nasbench201", datasets=("cifar10",), samplers=("evolution",), seeds=(0,), budget=5,
                      objectives=("valid", "params"))


def test_records_of_disjoint_seeds_merge_into_one_and_others_are_refused(tmp_path: Path) -> None:
    from latentnas.evaluation.several import merge_records

    parts = []
    for seeds in ((0,), (1, 2)):
        config = SeveralConfig("nasbench201", datasets=("cifar10",), samplers=("random",), seeds=seeds, budget=8,
                               objectives=("valid", "params"))
        folder = tmp_path / f"seeds{seeds[0]}"
        write_several(folder, config, run_several(config), command=f"run {seeds}", revision=f"c{seeds[0]}")
        parts.append(folder)
    whole = SeveralConfig("nasbench201", datasets=("cifar10",), samplers=("random",), seeds=(0, 1, 2), budget=8,
                          objectives=("valid", "params"))
    table = merge_records(parts, tmp_path / "merged", command="merge")
    write_several(tmp_path / "direct", whole, run_several(whole), command="x", revision="y")
    # The seeded runs are the same whichever record ran them: the merged table is the direct one but for timings.
    def strip(text: str) -> list[str]:
        return [line.rsplit("|", 2)[0] for line in text.splitlines()]

    assert strip(table) == strip((tmp_path / "direct" / "table.md").read_text())
    assert (tmp_path / "merged" / "commit.txt").read_text() == "seeds 0-0: c0\nseeds 1-2: c1\n"
    assert (tmp_path / "merged" / "command.txt").read_text() == "run (0,)\nrun (1, 2)\nmerge\n"
    with pytest.raises(InvalidArgumentError, match="records share seeds: \\[0\\]"):
        merge_records([parts[0], parts[0]], tmp_path / "bad", command="merge")
