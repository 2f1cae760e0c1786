"""`latentnas compare`: a comparison on a benchmark, or several runs.csv combined, written as a record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from latentnas.cli import main
from latentnas.evaluation import read_record, source_revision

TINY = ["compare", "--benchmark", "nasbench201", "--datasets", "cifar10", "--samplers", "random", "evolution",
        "--seeds", "2", "--budget", "5", "--quiet"]


def test_compare_writes_a_record(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "rec"
    assert main([*TINY, "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert sorted(p.name for p in out.iterdir()) == ["command.txt", "commit.txt", "curves.csv.gz", "regret.png",
                                                     "runs.csv", "table.md"]
    assert (out / "command.txt").read_text() == (
        "latentnas compare --benchmark nasbench201 --datasets cifar10 --samplers random evolution --seeds 2 "
        f"--budget 5 --workers 1 --out {out}\n")
    assert (out / "commit.txt").read_text() == source_revision() + "\n"
    runs = read_record(out)
    assert [r.key for r in runs] == [("cifar10", s, seed) for s in ("random", "evolution") for seed in (0, 1)]
    assert result["runs"] == 4
    assert [(s["sampler"], s["seeds"]) for s in result["summaries"]] == [("random", [0, 1]), ("evolution", [0, 1])]


def test_compare_combines_runs_made_apart(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main([*TINY[:6], "random", *TINY[8:], "--out", str(tmp_path / "a"), "--no-plot"]) == 0
    assert main([*TINY[:6], "tpe", *TINY[8:], "--out", str(tmp_path / "b"), "--no-plot"]) == 0
    capsys.readouterr()
    combined = tmp_path / "ab"
    argv = ["compare", "--from-runs", str(tmp_path / "a" / "runs.csv"), str(tmp_path / "b" / "runs.csv"),
            "--commit", "cb03a07", "--command", "python scripts/compare.py --samplers random",
            "--out", str(combined), "--no-plot"]
    assert main(argv) == 0
    assert "| cifar10 | tpe |" in capsys.readouterr().out
    assert [r.sampler for r in read_record(combined)] == ["random", "random", "tpe", "tpe"]
    assert read_record(combined) == read_record(tmp_path / "a") + read_record(tmp_path / "b")
    assert (combined / "commit.txt").read_text() == "cb03a07\n"
    assert (combined / "command.txt").read_text().splitlines() == [
        "python scripts/compare.py --samplers random",
        f"latentnas compare --from-runs {tmp_path}/a/runs.csv {tmp_path}/b/runs.csv --commit cb03a07 "
        f"--out {combined} --no-plot"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samplers", "bo"], "unknown sampler 'bo'; choices: random, evolution"),
        (["--datasets", "mnist"], "unknown dataset 'mnist' for benchmark 'nasbench201'"),
        (["--seeds", "0"], "--seeds must be positive, got 0"),
        (["--budget", "0"], "budget must be a positive integer, got 0"),
        (["--workers", "0"], "--workers must be positive, got 0"),
        (["--options", "{bad"], "--options must be a JSON object, got '{bad'"),
        (["--options", "[1]"], "--options must be a JSON object of sampler keyword arguments, got '[1]'"),
        (["--commit", "abc"], "--command and --commit describe runs made elsewhere; they need --from-runs"),
        (["--from-runs", "nowhere/runs.csv"], "no such file: nowhere/runs.csv"),
        (["--budget-seconds", "-5"], "budget_seconds must be a positive number, got -5.0"),
        (["--samplers", "tpe+pbt"], "sampler entry 'tpe+pbt': unknown pruner 'pbt'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str],
                                          message: str) -> None:
    assert main(["compare", "--datasets", "cifar10", "--samplers", "random", "--out", str(tmp_path / "x"),
                 "--no-plot", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("latentnas compare: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_a_record_is_not_replaced_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = [*TINY[:6], "random", *TINY[8:], "--seeds", "1", "--out", str(tmp_path), "--no-plot"]
    assert main(argv) == 0
    assert main(argv) == 2
    assert f"--out {tmp_path} holds a record already; pass --force to replace it" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0


def test_compare_with_its_progress_bar_counts_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # As `make demo` runs it: no --quiet, no --json, so the bar is fed one tick per finished run.
    argv = [a for a in TINY if a != "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "rec"), "--no-plot"]) == 0
    captured = capsys.readouterr()
    assert "4/4" in captured.err.splitlines()[-1]
    assert "| cifar10 | random |" in captured.out


def test_compare_runs_pruned_entries_on_a_budget_of_simulated_seconds(capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "mf"
    assert main(["compare", "--datasets", "cifar10", "--samplers", "tpe", "tpe+hyperband", "--seeds", "1",
                 "--budget", "100", "--budget-seconds", "30000", "--out", str(out), "--no-plot", "--quiet"]) == 0
    assert (out / "command.txt").read_text() == (
        "latentnas compare --benchmark nasbench201 --datasets cifar10 --samplers tpe tpe+hyperband --seeds 1 "
        f"--budget 100 --budget-seconds 30000 --workers 1 --out {out} --no-plot\n")
    tpe, hyperband = read_record(out)
    assert (tpe.pruned, hyperband.sampler, hyperband.budget_seconds) == (None, "tpe+hyperband", 30000.0)
    assert hyperband.pruned is not None and tpe.simulated_seconds >= 30000.0  # type: ignore[operator]
    assert "| tpe+hyperband | " in (out / "table.md").read_text().split("reached top 0.1 %")[1]
