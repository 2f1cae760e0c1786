"""``latentnas report``: a study searched by ``latentnas search`` into a SQLite storage, reported; bad input."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from latentnas.cli import main
from latentnas.results import unique_trials
from latentnas.storage import open_storage


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LATENTNAS_HOME", str(tmp_path / "home"))  # the default storage and the map's cache
    yield tmp_path / "home"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def searched_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite storage holding study ``s``: 15 unique architectures of NB201 CIFAR-10 by random search."""
    path = tmp_path_factory.mktemp("searched") / "runs.db"
    assert main(["search", "--benchmark", "nasbench201", "--dataset", "cifar10", "--sampler", "random", "--trials",
                 "15", "--storage", f"sqlite:///{path}", "--study", "s", "--quiet"]) == 0
    return path


def searched(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: Path) -> str:
    """A copy of ``db`` of the test's own (tests add trials to it), as a URL."""
    capsys.readouterr()  # what the module's search printed
    shutil.copy(db, tmp_path / "runs.db")
    return f"sqlite:///{tmp_path}/runs.db"


def test_a_searched_study_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      searched_db: Path) -> None:
    url = searched(capsys, tmp_path, searched_db)
    study = optuna.load_study(study_name="s", storage=open_storage(url))
    study.ask()  # another worker's trial, still running
    code, out, err = run(capsys, "report", "s", "--storage", url, "--out", str(tmp_path / "r"), "--json", "--no-map")
    assert code == 0, err
    result = json.loads(out)
    assert result["counts"]["running"] == 1 and result["counts"]["trials"] == 16
    unique = unique_trials(study)
    assert result["unique_evaluations"] == len(unique) == 15
    best = max(unique, key=lambda t: (t.value, -t.number))
    assert [b["number"] for b in result["best"]] == [best.number]
    assert result["best"][0]["arch"] == best.user_attrs["arch"]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["progress.png", "report.html"]
    assert (tmp_path / "r" / "report.html").read_text().count('src="data:image/png;base64,') == 1
    # Without --json: the page's path on stdout, nothing else.
    code, out, _ = run(capsys, "report", "s", "--storage", url, "--out", str(tmp_path / "r2"), "--no-map")
    assert (code, out) == (0, f"{tmp_path / 'r2' / 'report.html'}\n")


def test_a_searched_study_is_mapped(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    searched_db: Path) -> None:
    url = searched(capsys, tmp_path, searched_db)
    code, _, err = run(capsys, "report", "s", "--storage", url, "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["latent_map.png", "progress.png", "report.html"]
    html = (tmp_path / "r" / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 2
    assert "(the sampler used none; the space&#x27;s default)" in html  # random search has no encoder


def test_an_encoder_of_another_space_gives_no_map_and_says_why(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path, searched_db: Path) -> None:
    from latentnas.vae.checkpoint import default_checkpoint

    url = searched(capsys, tmp_path, searched_db)
    other = default_checkpoint("nasbench-graph")
    code, out, err = run(capsys, "report", "s", "--storage", url, "--out", str(tmp_path / "r"), "--checkpoint",
                         str(other))
    assert code == 0 and out == f"{tmp_path / 'r' / 'report.html'}\n"
    assert err == (f"latentnas report: note: no latent map: checkpoint {other} is for space 'nasbench-graph', not "
                   "'nasbench201'\n")
    assert not (tmp_path / "r" / "latent_map.png").exists()


def test_the_default_storage_is_latentnas_own(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "report", "s", "--out", str(tmp_path / "r"))
    assert code == 2 and out == ""
    assert err.startswith("latentnas report: error: no storage at 'sqlite:///") and err.count("\n") == 1
    assert str(tmp_path / "home" / "latentnas.db") in err


@pytest.mark.parametrize("case", ["unknown", "empty"])
def test_bad_studies_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str) -> None:
    url = f"sqlite:///{tmp_path}/runs.db"
    storage = open_storage(url)
    for name in ("alpha", "beta"):
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
        study.set_user_attr("space", "nasbench201")
        study.ask()  # running, never completed
    code, out, err = run(capsys, "report", "gamma" if case == "unknown" else "beta", "--storage", url,
                         "--out", str(tmp_path / "r"))
    assert code == 2 and out == "" and err.count("\n") == 1
    if case == "unknown":
        assert err == f"latentnas report: error: unknown study 'gamma' in storage '{url}'; choices: alpha, beta\n"
    else:
        assert err == ("latentnas report: error: study 'beta' has no completed trial yet (1 trials); nothing to "
                       "report\n")
    assert not (tmp_path / "r").exists()
