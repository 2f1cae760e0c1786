"""The installed package is the clone: every package is listed for the build, every third-party import is declared,
and the shipped encoders are inside it."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import tomllib

import latentnas.checkpoints
from latentnas.vae.checkpoint import default_checkpoint, shipped_checkpoint_dir

ROOT = Path(__file__).parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


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


def third_party_imports(folder: Path, *, skip: Path | None = None) -> set[str]:
    """The top-level names of the third-party modules that the files under ``folder`` (but ``skip``) import, at the
    top of a file or inside a function."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        if skip is not None and path.is_relative_to(skip):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("latentnas", "latentnas_encoders")}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    """The distributions that ``requirements`` name: ``"torch-geometric>=2.5,<3"`` -> ``"torch-geometric"``."""
    return {normalized(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]) for r in requirements}


def distributions(modules: set[str]) -> set[str]:
    """The distributions that install ``modules`` (a module of none installed here stands for its own)."""
    installed = packages_distributions()
    return {normalized(installed.get(m, [m])[0]) for m in modules}


def test_the_encoders_import_only_torch_and_pyg() -> None:
    assert third_party_imports(ROOT / "encoders") == {"torch", "torch_geometric"}


def test_every_third_party_import_of_the_package_is_declared() -> None:
    required = declared(PROJECT["dependencies"])
    extras = {name: declared(reqs) for name, reqs in PROJECT["optional-dependencies"].items()}
    suites = ROOT / "latentnas" / "testing"
    imported = third_party_imports(ROOT / "latentnas", skip=suites) | third_party_imports(ROOT / "encoders")
    library = distributions(imported)
    # torchvision is optional: the datasets that need it say which extra to install.
    assert library - required == {"torchvision"}
    assert "torchvision" in extras["vision"]
    # The contract suites run under pytest, which latentnas itself does not need.
    assert distributions(third_party_imports(suites)) - required == {"pytest"}
    assert "pytest" in extras["dev"]
    # Nothing is required that the package does not import (numpy: the paired bootstrap, and Tensor.numpy()).
    assert required - library == set()


def test_what_only_the_scripts_import_is_their_extra_which_dev_includes() -> None:
    extras = PROJECT["optional-dependencies"]
    only_scripts = distributions(third_party_imports(ROOT / "scripts")) - declared(PROJECT["dependencies"])
    assert only_scripts == declared(extras["scripts"]) == {"scipy"}
    (own,) = (r for r in extras["dev"] if r.startswith("latentnas["))
    assert "scripts" in own.removeprefix("latentnas[").removesuffix("]").split(",")
