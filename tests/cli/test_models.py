"""``latentnas spaces``, ``benchmarks``, ``export``, ``pretrain`` and ``encoder-info``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from latentnas.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err

SHIPPED = Path(__file__).parents[2] / "checkpoints"
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_pretrain_writes_a_checkpoint_that_encoder_info_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nb201.pt"
    argv = ["pretrain", "--space", "nasbench201", "--encoder", "gin", "--decoder", "oneshot", "--latent-dim", "4",
            "--epochs", "1", "--out", str(out), "--json", "--threads", "1"]
    assert main(argv) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["archs"] == 6466 and trained["validity"] == 1.0
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert (manifest["space"], manifest["latent_dim"], manifest["configs"]["encoder"]["kind"]) == ("nasbench201", 4, "gin")
    assert main(["encoder-info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["reconstruction_accuracy"] == pytest.approx(trained["train_reconstruction"], abs=0.02)
    # An existing checkpoint is not replaced without --force.
    before = out.read_bytes()
    assert main(argv) == 2
    assert "exists; pass --force" in capsys.readouterr().err and out.read_bytes() == before


@pytest.mark.parametrize("space", ["nasbench201", "nasbench-graph"])
def test_shipped_checkpoints_reconstruct_their_space(space: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["encoder-info", str(SHIPPED / f"{space}.pt"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["space"] == space
    assert info["reconstruction_accuracy"] == 1.0 and info["validity"] == 1.0


def test_shipped_proteins_checkpoint_is_read_with_its_own_ops(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["encoder-info", str(SHIPPED / "nasbench-graph-proteins.pt"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["space"] == "nasbench-graph" and info["measured_on"] == 2_021
    assert round(info["reconstruction_accuracy"] * 2_021) == 2_019 and info["validity"] == 1.0


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


def test_export_writes_a_loadable_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net"
    assert main(["export", "--space", "nasbench201", "--arch", ARCH, "--task", "image:3:10", "--out", str(out),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["params"] == 802_426
    state = torch.load(out / "weights.pt", weights_only=True)
    assert sum(v.numel() for k, v in state.items() if "running" not in k and "num_batches" not in k) == 802_426


def test_export_takes_a_regression_task_from_data(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  saved: dict[str, Path]) -> None:
    code = main(["export", "--space", "nasbench-graph", "--arch", "[0,1,2,3] [fc,fc,gcn,fc]", "--data",
                 str(saved["reg"]), "--out", str(tmp_path / "net"), "--json"])
    out, _ = capsys.readouterr()
    manifest = json.loads((tmp_path / "net" / "arch.json").read_text())
    assert code == 0 and json.loads(out)["task"] == manifest["task"] == {
        "kind": "node", "in_channels": 4, "target": "regression", "num_targets": 1}
    assert manifest["network"]["kwargs"]["num_classes"] == 1  # the head's width: one target
