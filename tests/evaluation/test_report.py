from __future__ import annotations

import sys
from pathlib import Path

import pytest

from latentnas.errors import InvalidArgumentError, LatentNASError
from latentnas.evaluation import (
    cost_table,
    dataset_table,
    plot_regret,
    record_table,
    runs_table,
    sampler_table,
    summarize,
)
from latentnas.evaluation.report import caption, seeds_text, top_percent
from tests.evaluation.conftest import record

RUNS = [
    record("random", 0, 90.0, found_at=10, rank=0.1, regrets=(3.0, 1.0)),
    record("random", 1, 92.0, rank=0.5, seconds=3.0, regrets=(5.0, 3.0)),
    record("latent-bo", 0, 93.0, found_at=7, rank=0.01, seconds=20.0, regrets=(2.0, 0.0)),
    record("latent-bo", 1, 93.5, found_at=9, rank=0.02, seconds=30.0, regrets=(2.0, 0.5)),
    record("random", 0, 70.0, dataset="citeseer", rank=2.0),
    record("random", 1, 71.0, dataset="citeseer", rank=4.0),
]


def test_runs_table() -> None:
    assert runs_table(summarize(RUNS[:4])) == "\n".join([
        "| dataset | sampler | test at best valid (mean ± std) | found top 0.1 % | median queries to it |"
        " best found: top % by valid (median) | seeds | s/run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| cora | random | 91.00 ± 1.41 | 50% | 10 | 0.3% | 2 | 2.00 |",
        "| cora | latent-bo | 93.25 ± 0.35 | 100% | 8 | 0.015% | 2 | 25.00 |",
    ])


def test_runs_table_shows_simulated_seconds_where_every_run_has_them() -> None:
    table = runs_table(summarize([record("random", 0, 90.0, simulated=1500.0), record("random", 1, 90.0, simulated=2500.0)]))
    assert table.splitlines()[0].endswith("| s/run | simulated s/run (mean) |")
    assert table.splitlines()[2] == "| cora | random | 90.00 ± 0.00 | 0% | - | - | 2 | 1.00 | 2000 |"


def test_sampler_table_shows_one_dataset() -> None:
    assert sampler_table(summarize(RUNS[:4])).splitlines()[2:] == [
        "| random | 91.00 ± 1.41 | 50% | 10 | 0.3% |", "| latent-bo | 93.25 ± 0.35 | 100% | 8 | 0.015% |"]
    with pytest.raises(InvalidArgumentError, match="sampler_table shows one dataset, got citeseer, cora"):
        sampler_table(summarize(RUNS))


def test_dataset_table_puts_samplers_across() -> None:
    assert dataset_table(summarize(RUNS)) == "\n".join([
        "| dataset | random | latent-bo |",
        "| --- | --- | --- |",
        "| cora | 91.00 ± 1.41, 50% | 93.25 ± 0.35, 100% |",
        "| citeseer | 70.50 ± 0.71, 0% | - |",
    ])
    assert dataset_table(summarize(RUNS), cell="rank").splitlines()[2:] == [
        "| cora | 0.3% | 0.015% |", "| citeseer | 3% | - |"]


def test_caption_and_formats() -> None:
    assert caption(summarize(RUNS[:4])) == (
        "nasbench-graph, 100 unique architectures per run, 2 seeds (0-1), every sampler on the same seeds")
    assert seeds_text([5, 0, 1, 2, 7, 8]) == "0-2, 5, 7-8"
    assert (top_percent(0.015463), top_percent(12.0), top_percent(None)) == ("0.015%", "12%", "-")


def test_plot_regret_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = plot_regret(RUNS, tmp_path / "regret.png", title="tiny")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InvalidArgumentError, match="no run has a curve to plot"):
        plot_regret(RUNS[4:], tmp_path / "none.png")


def test_plot_without_matplotlib_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # an install that skipped dependencies
    with pytest.raises(LatentNASError, match=r"plots need matplotlib, a dependency of latentnas: pip install matplotlib"):
        plot_regret(RUNS, tmp_path / "regret.png")


def test_cost_table_gives_the_simulated_seconds_to_the_top() -> None:
    runs = [record("latent-bo", 0, 94.0, found_at=30, simulated=200_500.0, to_top=95_000.5, budget_seconds=2e5),
            record("latent-bo", 1, 94.2, simulated=201_000.0, budget_seconds=2e5),
            record("latent-bo+asha", 0, 94.3, found_at=12, simulated=200_100.0, to_top=40_000.0, pruned=40,
                   budget_seconds=2e5, unique=70),
            record("latent-bo+asha", 1, 94.1, found_at=20, simulated=200_300.0, to_top=60_000.0, pruned=51,
                   budget_seconds=2e5, unique=75)]
    assert cost_table(summarize(runs)) == "\n".join([
        "| dataset | sampler | reached top 0.1 % | simulated s to it (median) | simulated s/run (mean) |"
        " evaluated in full (mean) | pruned (mean) | test at best valid (mean ± std) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| cora | latent-bo | 1/2 | never | 200,750 | 100.0 | - | 94.10 ± 0.14 |",
        "| cora | latent-bo+asha | 2/2 | 50,000 | 200,200 | 72.5 | 45.5 | 94.20 ± 0.14 |",
    ])
    assert caption(summarize(runs)) == (
        "nasbench-graph, 100 unique architectures or 200,000 simulated seconds (whichever comes first) per run, "
        "2 seeds (0-1), every sampler on the same seeds")
    assert "| reached top 0.1 % |" in record_table(runs)
    assert "| reached top 0.1 % |" not in record_table(RUNS)
