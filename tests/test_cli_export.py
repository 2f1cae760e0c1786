from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from latentnas.cli import main

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_export_writes_a_loadable_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net"
    assert main(["export", "--space", "nasbench201", "--arch", ARCH, "--task", "image:3:10", "--out", str(out),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["params"] == 802_426
    state = torch.load(out / "weights.pt", weights_only=True)
    assert sum(v.numel() for k, v in state.items() if "running" not in k and "num_batches" not in k) == 802_426


def test_export_and_search_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--space", "nasbench201", "--arch", ARCH, "--task", "image:3", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["search", "--objective", "train", "--dataset", "digits"]) == 2
    assert "--space" in capsys.readouterr().err
    assert main(["search", "--pruner", "median", "--storage", f"sqlite:///{tmp_path / 's.db'}"]) == 2
    assert "--pruner median needs --objective train" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()


def test_search_trains_on_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "--objective", "train", "--space", "nasbench101", "--dataset", "digits", "--epochs", "1",
                 "--trials", "2", "--storage", f"sqlite:///{tmp_path / 's.db'}", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["unique_evaluations"] == 2 and result["objective"] == "train" and 0 < result["best_valid"] <= 100
