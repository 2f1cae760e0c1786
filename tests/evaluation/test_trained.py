"""Runs with real training: the search each job describes, the record it gives, the record written."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from latentnas.assembly import SearchSpec
from latentnas.benchmarks import get_benchmark
from latentnas.evaluation import TrainingJob, TrainingRecord, run_jobs, write_record


def test_a_job_describes_a_training_search_on_the_tables_space() -> None:
    job = TrainingJob("Cora", "latent-bo+transfer", 3, budget=20, epochs=30, hidden=64, options={"n_initial": 10})
    assert job.spec() == SearchSpec(objective="train", space="nasbench-graph", sampler="latent-bo", seed=3,
                                    objective_options={"dataset": "Cora", "epochs": 30, "network": {"hidden": 64}},
                                    sampler_options={"n_initial": 10}, transfer=True, budget=20)


@pytest.fixture(scope="module")
def trained(cora_root: Path) -> list[TrainingRecord]:
    mp = pytest.MonkeyPatch()
    mp.setenv("LATENTNAS_DATA", str(cora_root))
    try:
        jobs = [TrainingJob("Cora", sampler, 0, budget=2, epochs=1, hidden=8) for sampler in ("random", "evolution")]
        return run_jobs(jobs)
    finally:
        mp.undo()


def test_a_run_reports_its_best_architecture_and_the_tables_view_of_it(trained: list[TrainingRecord]) -> None:
    bench = get_benchmark("nasbench-graph")
    for record in trained:
        assert (record.dataset, record.seed, record.trials, record.epochs, record.device) == ("Cora", 0, 2, 1, "cpu")
        assert len(record.curve) == 2 and record.curve[0] <= record.curve[1] == record.best_valid
        looked_up = bench.query(bench.space("cora").from_string(record.best_arch), "cora")  # type: ignore[arg-type]
        assert (record.table_valid_of_best, record.table_test_of_best) == (looked_up.valid, looked_up.test)
    assert [r.sampler for r in trained] == ["random", "evolution"]


def test_the_same_seed_trains_the_same_runs(trained: list[TrainingRecord], cora_root: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENTNAS_DATA", str(cora_root))
    again = TrainingJob("Cora", "random", 0, budget=2, epochs=1, hidden=8).run()
    assert replace(again, seconds=0.0, training_seconds=0.0) == replace(trained[0], seconds=0.0, training_seconds=0.0)


def test_a_record_of_training_runs_keeps_each_run_and_its_curve(trained: list[TrainingRecord], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    written = write_record(tmp_path, trained, command="python scripts/real_search.py --trials 2", revision="abc")
    assert [p.name for p in written] == ["runs.csv", "table.md", "command.txt", "commit.txt", "best_valid.png"]
    with open(tmp_path / "runs.csv", newline="") as f:
        assert [TrainingRecord.from_row(row) for row in csv.DictReader(f)] == trained
    table = (tmp_path / "table.md").read_text()
    assert table.startswith("Real training on Cora: 2 unique architectures per run, 1 epochs each, seeds 0, trained "
                            "on cpu\n\n| sampler | best valid |")
    best = trained[0].best_valid
    assert f"| random | {best:.2f} ± 0.00 | {trained[0].test_at_best_valid:.2f} ± 0.00 |" in table
    random, evolution = trained[0].test_at_best_valid, trained[1].test_at_best_valid
    assert random is not None and evolution is not None
    gap = evolution - random
    assert table.endswith("Paired by seed with random (bootstrap over seeds):\n\n"
                          "| sampler | test at best valid minus random's, same seed: mean [95 % interval] | ahead / behind "
                          "| pairs |\n| --- | --- | --- | --- |\n"
                          f"| evolution | {gap:+.2f} [{gap:+.2f}, {gap:+.2f}] | {int(gap > 0)} / {int(gap < 0)} | 1 |\n")
