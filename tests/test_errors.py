"""One exception family: the errors a user can cause are :class:`LatentNASError` subclasses, so the CLI prints them
in one line. A bare ``raise ValueError(...)`` or ``raise TypeError(...)`` in the files of :data:`CHECKED` fails
this test unless it is listed in :data:`ALLOWED` as an internal invariant (a bug of ours, not a user's mistake)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from latentnas.errors import InvalidArchitectureError, InvalidArgumentError, LatentNASError, UnknownNameError

ROOT = Path(__file__).resolve().parents[1]

#: The package is held to the rule, but for the network modules: they are exported as standalone files (torch and
#: torch_geometric only), so they cannot raise latentnas's errors; building a network through a space checks first.
CHECKED: tuple[str, ...] = ("latentnas",)
STANDALONE: tuple[str, ...] = (
    "latentnas/networks/darts.py",
    "latentnas/networks/nasbench101.py",
    "latentnas/networks/nasbench201.py",
    "latentnas/networks/nasbench_graph.py",
)

#: ``(file, enclosing function, exception)`` of the bare raises allowed in :data:`CHECKED`: internal invariants only.
ALLOWED: frozenset[tuple[str, str, str]] = frozenset({
    ("latentnas/search.py", "_run_trial", "ValueError"),  # a non-finite value fails that trial, with its reason
    ("latentnas/spaces/base.py", "suggest", "TypeError"),  # a space whose own distributions are not categorical
})

BARE = ("ValueError", "TypeError")


def bare_raises(source: str) -> list[tuple[str, str, int]]:
    """``(enclosing function, exception, line)`` of each ``raise ValueError(...)``/``raise TypeError(...)``."""
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Raise) and child.exc is not None:
                exc = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                if isinstance(exc, ast.Name) and exc.id in BARE:
                    found.append((function, exc.id, child.lineno))
            visit(child, function)

    visit(ast.parse(source), "<module>")
    return found


def checked_files() -> list[Path]:
    files: list[Path] = []
    for entry in CHECKED:
        path = ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [f for f in files if str(f.relative_to(ROOT)) not in STANDALONE]


def test_every_checked_path_exists() -> None:
    # A renamed module must not drop out of the check unnoticed.
    assert [entry for entry in (*CHECKED, *STANDALONE) if not (ROOT / entry).exists()] == []


def test_checked_files_raise_only_latentnas_errors_on_bad_input() -> None:
    offenders = []
    for path in checked_files():
        name = str(path.relative_to(ROOT))
        for function, exc, line in bare_raises(path.read_text()):
            if (name, function, exc) not in ALLOWED:
                offenders.append(f"{name}:{line} {function}: raise {exc}(...)")
    assert offenders == [], "raise a LatentNASError subclass (e.g. InvalidArgumentError) or list it in ALLOWED"


def test_the_scan_finds_bare_raises_and_skips_ours() -> None:
    source = '''
def check(x):
    if x < 0:
        raise ValueError(f"x must be non-negative, got {x}")
    raise InvalidArgumentError("fine")

class A:
    def f(self):
        raise TypeError
'''
    assert bare_raises(source) == [("check", "ValueError", 4), ("f", "TypeError", 9)]


@pytest.mark.parametrize("cls", [InvalidArgumentError, UnknownNameError, InvalidArchitectureError])
def test_argument_errors_are_also_value_errors(cls: type[LatentNASError]) -> None:
    # Callers that catch ValueError keep working.
    assert issubclass(cls, LatentNASError) and issubclass(cls, ValueError)


def test_first_line_keeps_one_line_or_names_the_type() -> None:
    from latentnas.errors import first_line

    assert first_line(OSError("  disk full\nmore detail")) == "disk full"
    assert first_line(KeyError()) == "KeyError"
