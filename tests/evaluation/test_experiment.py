from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import latentnas
from latentnas.errors import InvalidArgumentError
from latentnas.evaluation import read_record, rebuild_tables, render_table, source_revision, tables_in, write_record
from tests.evaluation.conftest import record

RUNS = [
    record("random", 0, 90.0, found_at=10, rank=0.1, regrets=(3.0, 1.0)),
    record("random", 1, 92.0, rank=0.5, regrets=(5.0, 3.0)),
    record("latent-bo", 0, 93.0, found_at=7, rank=0.01, regrets=(2.0, 0.0)),
    record("latent-bo", 1, 93.5, found_at=9, rank=0.02, regrets=(2.0, 0.5)),
]


def test_a_record_holds_runs_curves_table_command_commit_and_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    written = write_record(tmp_path / "exp", RUNS, command="latentnas compare --seeds 2", revision="abc123")
    assert [p.name for p in written] == ["runs.csv", "curves.csv.gz", "table.md", "command.txt", "commit.txt",
                                         "regret.png"]
    assert read_record(tmp_path / "exp") == RUNS
    assert (tmp_path / "exp" / "command.txt").read_text() == "latentnas compare --seeds 2\n"
    assert (tmp_path / "exp" / "commit.txt").read_text() == "abc123\n"
    table = (tmp_path / "exp" / "table.md").read_text()
    assert table.startswith("nasbench-graph, 100 unique architectures per run, 2 seeds (0-1), every sampler on the "
                            "same seeds\n\n| dataset | sampler |")
    assert "| cora | latent-bo | 93.25 ± 0.35 | 100% | 8 | 0.015% | 2 | 1.00 |\n" in table


def test_no_runs_no_record(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="no runs to record"):
        write_record(tmp_path, [], command="x")
    with pytest.raises(InvalidArgumentError, match="no record in .*: runs.csv is missing"):
        read_record(tmp_path)


def test_readme_blocks_are_rebuilt_from_records(tmp_path: Path) -> None:
    write_record(tmp_path / "exp", RUNS, command="x", revision="abc", plot=False)
    stale = ("Intro.\n\n<!-- table: exp samplers -->\nold numbers\n<!-- /table -->\n\n"
             "<!-- table: exp datasets-rank -->\n<!-- /table -->\nEnd.\n")
    assert tables_in(stale) == [("exp", "samplers"), ("exp", "datasets-rank")]
    fresh = rebuild_tables(stale, tmp_path)
    assert fresh == (
        "Intro.\n\n<!-- table: exp samplers -->\n"
        "nasbench-graph, 100 unique architectures per run, 2 seeds (0-1), every sampler on the same seeds "
        "(`docs/results/exp`):\n\n"
        "| sampler | test at best valid | found top 0.1 % | median queries to it | best found: top % by valid (median) |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| random | 91.00 ± 1.41 | 50% | 10 | 0.3% |\n"
        "| latent-bo | 93.25 ± 0.35 | 100% | 8 | 0.015% |\n"
        "<!-- /table -->\n\n<!-- table: exp datasets-rank -->\n"
        "nasbench-graph, 100 unique architectures per run, 2 seeds (0-1), every sampler on the same seeds "
        "(`docs/results/exp`):\n\n"
        "| dataset | random | latent-bo |\n| --- | --- | --- |\n| cora | 0.3% | 0.015% |\n<!-- /table -->\nEnd.\n"
    )
    assert rebuild_tables(fresh, tmp_path) == fresh


def test_an_unknown_layout_or_record_is_refused(tmp_path: Path) -> None:
    write_record(tmp_path / "exp", RUNS, command="x", revision="abc", plot=False)
    with pytest.raises(InvalidArgumentError, match="unknown table layout 'wide'; choices: runs, samplers, datasets"):
        render_table(tmp_path / "exp", "wide")
    with pytest.raises(InvalidArgumentError, match="no record in .*gone"):
        rebuild_tables("<!-- table: gone runs -->\n<!-- /table -->", tmp_path)


def test_source_revision_names_the_commit_of_a_checkout() -> None:
    root = Path(latentnas.__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        assert source_revision() == f"latentnas {latentnas.__version__} (not a git checkout)"
        return
    assert source_revision().split(" ")[0] == head
