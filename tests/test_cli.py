from __future__ import annotations

import json
from pathlib import Path

import pytest

from latentnas.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def search(tmp_path: Path, *extra: str) -> list[str]:
    return ["search", "--benchmark", "nasbench201", "--dataset", "cifar10", "--trials", "6", "--seed", "1",
            "--storage", f"sqlite:///{tmp_path}/runs.db", "--json", *extra]


def test_spaces_lists_every_space(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "spaces", "--json")
    assert code == 0
    rows = {r["space"]: r for r in json.loads(out)["spaces"]}
    assert list(rows) == ["nasbench-graph", "nasbench-graph-proteins", "nasbench201", "nasbench101", "darts"]
    assert rows["nasbench201"]["size"] == 15625
    assert rows["nasbench-graph"]["size"] == 59040
    assert rows["nasbench-graph-proteins"]["size"] == 5616
    assert rows["nasbench-graph-proteins"]["ops"] == ["gcn", "sage", "arma", "fc", "skip"]


def test_benchmarks_lists_datasets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "benchmarks", "--json")
    rows = {r["benchmark"]: r for r in json.loads(out)["benchmarks"]}
    assert code == 0
    assert rows["nasbench201"]["datasets"] == ["cifar10", "cifar100", "imagenet16-120"]
    assert "cora" in rows["nasbench-graph"]["datasets"] and len(rows["nasbench-graph"]["datasets"]) == 9


def test_search_json_and_resume(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, *search(tmp_path, "--sampler", "evolution"))
    assert code == 0, err
    first = json.loads(out)
    for key in ("best_arch", "best_valid", "best_test", "unique_evaluations", "seed", "sampler"):
        assert key in first
    assert (first["unique_evaluations"], first["seed"], first["sampler"]) == (6, 1, "evolution")
    assert first["best_arch"].startswith("|") and first["best_valid"] <= first["optimum_valid"]
    # Same study name: resumed, nothing re-evaluated.
    code, out, _ = run(capsys, *search(tmp_path, "--sampler", "evolution"))
    assert json.loads(out)["trials"] == first["trials"]
    # A larger budget continues the same study.
    code, out, _ = run(capsys, *search(tmp_path, "--sampler", "evolution", "--trials", "9"))
    assert json.loads(out)["unique_evaluations"] == 9


def test_search_is_reproducible(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, a, _ = run(capsys, *search(tmp_path, "--sampler", "tpe", "--study", "a"))
    _, b, _ = run(capsys, *search(tmp_path, "--sampler", "tpe", "--study", "b"))
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k != "study"}
    assert strip(a) == strip(b)


def test_search_prints_a_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = [a for a in search(tmp_path) if a != "--json"] + ["--quiet"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "best_arch" in out and "unique_evaluations" in out and "random on nasbench201/cifar10, seed 1" in out


def test_search_takes_its_regret_from_the_benchmark(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from latentnas.benchmarks import get_benchmark

    code, out, _ = run(capsys, *search(tmp_path))
    result = json.loads(out)
    best = get_benchmark("nasbench201").stats("cifar10").best
    assert code == 0 and (result["optimum_valid"], result["optimum_test"]) == (best.valid, best.test)
    assert result["regret_test"] == best.test - result["best_test"]


def test_the_progress_bar_stays_after_the_search(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, *[a for a in search(tmp_path) if a != "--json"])
    assert code == 0
    assert err.endswith("\n") and "unique architectures: 100%" in err and "6/6" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from latentnas import __version__

    assert run(capsys, "--version") == (0, f"latentnas {__version__}\n", "")


def test_studies_lists_each_study_of_a_storage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, first, _ = run(capsys, *search(tmp_path, "--sampler", "evolution"))
    _, second, _ = run(capsys, *search(tmp_path, "--trials", "4"))
    url = f"sqlite:///{tmp_path}/runs.db"
    code, out, _ = run(capsys, "studies", "--storage", url, "--json")
    assert code == 0
    listed = json.loads(out)
    assert listed["storage"] == url
    rows = {row["study"]: row for row in listed["studies"]}
    for result, sampler in ((json.loads(first), "evolution"), (json.loads(second), "random")):
        assert rows[result["study"]] == {
            "study": result["study"], "space": "nasbench201", "sampler": sampler,
            "unique_evaluations": result["unique_evaluations"], "trials": result["trials"],
            "best_arch": result["best_arch"], "best_valid": result["best_valid"], "best_test": result["best_test"],
        }
    code, table, _ = run(capsys, "studies", "--storage", url)
    assert code == 0 and table.startswith(f"storage: {url}\n") and json.loads(second)["best_arch"] in table
