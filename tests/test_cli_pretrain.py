from __future__ import annotations

import json
from pathlib import Path

import pytest

from latentnas.cli import main

SHIPPED = Path(__file__).parents[1] / "checkpoints"


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
