"""``latentnas search --objective train --data PATH`` and ``latentnas export --data PATH`` on your own graphs."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest
import torch
from torch_geometric.data import Data

from latentnas.cli import main
from latentnas.datasets import load_dataset


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three saved ``Data``: 200 nodes of the shipped Cora with its public masks, the same without masks, and 80 nodes of a
    random graph whose float targets are a function of their features (regression)."""
    root = tmp_path_factory.mktemp("own")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATENTNAS_DATA", str(root / "cache"))
    try:
        cora, _ = load_dataset("Cora")
    finally:
        mp.undo()
    small = cora.subgraph(torch.cat([torch.arange(160), torch.arange(1708, 1748)]))  # 140 train, 20 valid, 40 test
    bare = small.clone()
    del bare.train_mask, bare.val_mask, bare.test_mask
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(80, 4, generator=generator)
    edge_index = torch.randint(0, 80, (2, 320), generator=generator)
    paths = {"cora": root / "cora.pt", "bare": root / "bare.pt", "reg": root / "reg.pt"}
    torch.save(small, paths["cora"])
    torch.save(bare, paths["bare"])
    torch.save(Data(x=x, edge_index=edge_index, y=2 * x[:, 0] - x[:, 1]), paths["reg"])
    return paths


def search(capsys: pytest.CaptureFixture[str], tmp_path: Path, data: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["search", "--objective", "train", "--space", "nasbench-graph", "--data", str(data), "--epochs", "2",
                 "--trials", "2", "--storage", f"sqlite:///{tmp_path}/runs.db", "--threads", "1", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_search_on_a_saved_data_with_masks(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           saved: dict[str, Path]) -> None:
    code, out, _ = search(capsys, tmp_path, saved["cora"], "--json")
    result = json.loads(out)
    assert code == 0 and result["unique_evaluations"] == 2 and result["dataset"] == "cora"
    assert result["task"] == {"kind": "node", "in_channels": 1433, "num_classes": 7}
    assert (result["metric"], result["direction"]) == ("accuracy", "maximize")
    assert result["split"] == {"unit": "nodes", "random": False, "seed": None, "train": 140, "valid": 20, "test": 40}


def test_search_says_it_split_data_without_masks(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 saved: dict[str, Path]) -> None:
    code, out, _ = search(capsys, tmp_path, saved["bare"], "--json", "--seed", "3")
    result = json.loads(out)
    # The split is part of the data: seed 0 whatever the search's --seed, so that searches compare on one split.
    assert code == 0 and result["split"] == {"unit": "nodes", "random": True, "seed": 0, "train": 120, "valid": 40,
                                             "test": 40}
    code, out, _ = search(capsys, tmp_path, saved["bare"], "--seed", "3", "--quiet")  # resumes: nothing to train
    line = "split               random split of the nodes (the data has none), seed 0: 120/40/40 (train/valid/test)"
    assert code == 0 and line in out.splitlines()


def test_a_regression_search_minimizes_the_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 saved: dict[str, Path]) -> None:
    code, out, _ = search(capsys, tmp_path, saved["reg"], "--json")
    result = json.loads(out)
    assert code == 0 and result["task"] == {"kind": "node", "in_channels": 4, "target": "regression", "num_targets": 1}
    assert (result["metric"], result["direction"]) == ("mae", "minimize")
    study = optuna.load_study(study_name=result["study"], storage=result["storage"])
    values = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert study.direction == optuna.study.StudyDirection.MINIMIZE
    assert len(values) == 2 and result["best_valid"] == min(values) != max(values)
    code, out, _ = search(capsys, tmp_path, saved["reg"], "--quiet")  # resumes the study: nothing to train
    assert code == 0 and "metric              mae (minimized)" in out


def test_export_takes_a_regression_task_from_data(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  saved: dict[str, Path]) -> None:
    code = main(["export", "--space", "nasbench-graph", "--arch", "[0,1,2,3] [fc,fc,gcn,fc]", "--data",
                 str(saved["reg"]), "--out", str(tmp_path / "net"), "--json"])
    out, _ = capsys.readouterr()
    manifest = json.loads((tmp_path / "net" / "arch.json").read_text())
    assert code == 0 and json.loads(out)["task"] == manifest["task"] == {
        "kind": "node", "in_channels": 4, "target": "regression", "num_targets": 1}
    assert manifest["network"]["kwargs"]["num_classes"] == 1  # the head's width: one target


@pytest.mark.parametrize(("argv", "message"), [
    (["search", "--data", "x.pt"], "--data applies only with --objective train"),
    (["search", "--objective", "train", "--space", "nasbench-graph", "--data", "nowhere.pt"],
     "data path nowhere.pt does not exist"),
    (["search", "--objective", "train", "--space", "nasbench-graph", "--data", "x.pt", "--data-root", "d"],
     "--data-root applies only with --dataset"),
    (["export", "--space", "nasbench-graph", "--arch", "[0,1,2,3] [fc,fc,gcn,fc]", "--data", "x.pt", "--dataset",
      "Cora", "--out", "o"], "--dataset and --data both give the data"),
])
def test_bad_data_options_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                  message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code = main([*argv, "--storage", f"sqlite:///{tmp_path}/runs.db"] if argv[0] == "search" else argv)
    _, err = capsys.readouterr()
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_study_keeps_its_direction(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     saved: dict[str, Path]) -> None:
    assert search(capsys, tmp_path, saved["reg"], "--study", "mine", "--quiet")[0] == 0
    code, _, err = search(capsys, tmp_path, saved["cora"], "--study", "mine", "--quiet")
    assert code == 2 and "study 'mine' is to minimize, not to maximize" in err
