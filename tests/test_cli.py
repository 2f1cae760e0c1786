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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--benchmark", "nb201"], "unknown benchmark 'nb201'; choices: nasbench-graph, nasbench201"),
        (["--dataset", "mnist"], "unknown dataset 'mnist' for benchmark 'nasbench201'; choices: cifar10, cifar100"),
        (["--sampler", "bo"], "unknown sampler 'bo'; choices: random, evolution, local-search, tpe"),
        (["--fidelity", "5ep"], "unknown fidelity '5ep' for benchmark 'nasbench201'; choices: 12ep"),
        (["--space", "darts"], "--space 'darts' does not match benchmark 'nasbench201', whose space is 'nasbench201'"),
        (["--trials", "0"], "--trials must be positive, got 0"),
        (["--storage", "nosuchdb://x"], "cannot open storage 'nosuchdb://x'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str],
                                          message: str) -> None:
    argv = search(tmp_path)
    for flag, value in zip(args[::2], args[1::2]):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_bad_input_leaves_stored_studies_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, *search(tmp_path))
    db = tmp_path / "runs.db"
    before = db.read_bytes()
    code, _, _ = run(capsys, *search(tmp_path, "--sampler", "nope"))
    assert code == 2 and db.read_bytes() == before


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    from latentnas.errors import UnknownNameError

    with pytest.raises(UnknownNameError):
        main(["--debug", *search(tmp_path, "--sampler", "bo")])


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["serach"])
    assert info.value.code == 2
