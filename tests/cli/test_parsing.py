"""What the command line refuses before any work, in one line with exit status 2, and ``--version``."""

from __future__ import annotations

from pathlib import Path

import pytest

from latentnas.cli import main

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from latentnas import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr() == (f"latentnas {__version__}\n", "")


def test_export_and_search_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--space", "nasbench201", "--arch", ARCH, "--task", "image:3", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["search", "--objective", "train", "--dataset", "digits"]) == 2
    assert "--space" in capsys.readouterr().err
    assert main(["search", "--pruner", "median", "--fidelity", "12ep", "--storage", f"sqlite:///{tmp_path / 's.db'}"]) == 2
    assert "--fidelity applies only without --pruner" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()
