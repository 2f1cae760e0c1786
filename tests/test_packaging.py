"""The installed package is the clone: every package is listed for the build, and the shipped encoders are inside it."""

from __future__ import annotations

from pathlib import Path

import tomllib

import latentnas.checkpoints
from latentnas.vae.checkpoint import default_checkpoint, shipped_checkpoint_dir

ROOT = Path(__file__).parents[1]


def test_every_package_is_listed_for_the_build() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "latentnas").rglob("__init__.py")}
    assert found - listed == set()
    assert config["package-dir"] == {"latentnas_encoders": "encoders", "latentnas.checkpoints": "checkpoints"}


def test_shipped_encoders_are_read_from_the_installed_package(monkeypatch) -> None:
    monkeypatch.delenv("LATENTNAS_CHECKPOINTS", raising=False)
    assert shipped_checkpoint_dir() == Path(latentnas.checkpoints.__file__).parent
    assert default_checkpoint("nasbench201") == shipped_checkpoint_dir() / "nasbench201.pt"
    shipped = sorted(p.name for p in shipped_checkpoint_dir().glob("*.pt"))
    assert shipped == ["nasbench-graph-proteins.pt", "nasbench-graph.pt", "nasbench201.pt"]
