"""DESIGN.md's pipeline as import contracts (pyproject's ``[tool.importlinter]``): they hold on the sources, and each
one breaks when an import against it is added to a copy of them."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
NAMES = {c["id"]: c["name"] for c in CONTRACTS}


def copy_sources(to: Path) -> Path:
    """The package sources under ``to`` as they install (``encoders/`` as ``latentnas_encoders``), with pyproject."""
    for folder, package in (("latentnas", "latentnas"), ("encoders", "latentnas_encoders")):
        for path in (ROOT / folder).rglob("*.py"):
            target = to / package / path.relative_to(ROOT / folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    shutil.copyfile(ROOT / "pyproject.toml", to / "pyproject.toml")
    return to


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the packages under ``tree`` (first on the path, ahead of the installed ones)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=120)


def broken(output: str) -> set[str]:
    """The ids of the contracts that ``lint-imports`` reports broken."""
    return {key for key, name in NAMES.items() if f"{name} BROKEN" in output}


def test_the_contracts_hold_on_a_copy_of_the_sources(tmp_path: Path) -> None:
    done = lint_imports(copy_sources(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert broken(done.stdout) == set()
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout


# (file of the copy, what is added to it, the contracts it breaks, the line that says why)
INJECTED = [
    # An upward import is also a circle between latentnas's modules, and through it the samplers (which import the
    # records) would reach the benchmarks.
    ("latentnas/records.py", "import latentnas.cli\n", {"pipeline", "no-circles", "samplers-do-not-evaluate"},
     "latentnas.records is not allowed to import latentnas.cli"),
    ("latentnas/objectives/base.py", "import latentnas.samplers\n", {"pipeline"},
     "latentnas.objectives is not allowed to import latentnas.samplers"),
    # Through the VAE the encoders would import Optuna too.
    ("latentnas_encoders/gin.py", "import latentnas.vae\n", {"pipeline", "encoders-torch-only"},
     "latentnas_encoders is not allowed to import latentnas.vae"),
    ("latentnas/samplers/random_search.py", "import latentnas.benchmarks\n", {"samplers-do-not-evaluate"},
     "latentnas.samplers.random_search -> latentnas.benchmarks"),
    ("latentnas_encoders/gin.py", "import optuna\n", {"encoders-torch-only"},
     "latentnas_encoders.gin -> optuna"),
    ("latentnas/search.py", "import pytest\n", {"pytest-in-suites-only"},
     "latentnas.search -> pytest"),
    # A circle that a function-local import hides from Python is still a circle.
    ("latentnas/spaces/base.py", "\n\ndef _circle():\n    import latentnas.spaces.darts\n", {"no-circles"},
     "No cycles are allowed in latentnas.spaces."),
    ("latentnas/__init__.py", "import latentnas.errors\n", {"root-is-version-only"},
     "latentnas -> latentnas.errors"),
]


@pytest.mark.parametrize(("file", "added", "contracts", "why"), INJECTED,
                         ids=[f"{'+'.join(sorted(c))}:{f}" for f, _, c, _ in INJECTED])
def test_an_import_against_a_contract_breaks_it(tmp_path: Path, file: str, added: str, contracts: set[str],
                                                why: str) -> None:
    tree = copy_sources(tmp_path)
    with (tree / file).open("a") as f:
        f.write(added)
    done = lint_imports(tree)
    assert done.returncode == 1, done.stdout + done.stderr
    assert broken(done.stdout) == contracts
    assert f"Contracts: {len(CONTRACTS) - len(contracts)} kept, {len(contracts)} broken." in done.stdout
    assert why in done.stdout.split("Broken contracts", 1)[1]


def test_every_module_of_the_package_is_in_a_layer() -> None:
    (pipeline,) = (c for c in CONTRACTS if c["type"] == "layers")
    layered = {name.strip().strip("()") for layer in pipeline["layers"] for name in layer.split("|")}
    modules = {f"latentnas.{p.stem if p.is_file() else p.name}" for p in (ROOT / "latentnas").iterdir()
               if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").is_file()}
    assert modules - layered == set()


def lazy_targets(path: Path) -> list[str]:
    """The modules that ``path`` registers by name, to be imported on first use (``register_lazy("x",
    "latentnas.a.b:C")``, ``_lazy("latentnas.a.b", "C")``): imports that no contract sees."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in ("register_lazy", "_lazy"):
                found += [a.value.partition(":")[0] for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str)
                          and a.value.startswith("latentnas")]
    return found


def test_a_registry_imports_by_name_only_inside_its_own_package() -> None:
    targets = {str(path.relative_to(ROOT)): lazy_targets(path) for path in (ROOT / "latentnas").rglob("*.py")}
    assert "latentnas.spaces.darts" in targets["latentnas/spaces/__init__.py"]
    assert "latentnas.samplers.latent_bo" in targets["latentnas/samplers/registry.py"]
    outside = {}
    for file, modules in targets.items():
        package = "latentnas." + Path(file).parts[1].removesuffix(".py")
        outside[file] = [m for m in modules if not (m + ".").startswith(package + ".")]
    assert {file: modules for file, modules in outside.items() if modules} == {}


def imported_after(code: str, among: tuple[str, ...]) -> list[str]:
    """Which modules of ``among`` a fresh interpreter has imported after running ``code``."""
    script = f"import sys\n{code}\nprint(*[m for m in {among!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.split()


def test_the_command_line_parses_without_torch_or_optuna() -> None:
    # --help, --version and usage errors answer at once: the commands import the library when they run.
    assert imported_after("import latentnas.cli", among=("torch", "optuna", "latentnas.spaces")) == []


@pytest.mark.slow
def test_reports_and_datasets_import_matplotlib_and_sklearn_only_when_used() -> None:
    code = "import latentnas.evaluation.study_page, latentnas.datasets"
    assert imported_after(code, among=("torch", "matplotlib", "sklearn")) == ["torch"]
