"""What the commands share: the table they print, the progress bar, refusing options that do not apply."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from tqdm import tqdm

from latentnas.errors import InvalidArgumentError

#: How a command module adds a subcommand: ``add(name, func, help)`` returns its parser (with --json, --threads).
AddCommand = Callable[[str, Callable[[argparse.Namespace], dict[str, Any]], str], argparse.ArgumentParser]


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header]] + [[("-" if c is None else f"{c:.4f}" if isinstance(c, float) else str(c))
                                           for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def progress(total: int, *, disable: bool, initial: int = 0, unit: str = "arch", desc: str = "unique architectures",
             ) -> Any:
    """A progress bar on stderr (``None`` where ``disable``), starting at ``initial`` (what a resumed study holds)."""
    if disable:
        return None
    return tqdm(total=total or None, initial=initial, unit=unit, desc=desc, file=sys.stderr, leave=True)


def refuse(args: argparse.Namespace, names: Sequence[str], *, applies: str) -> None:
    """Refuses the options ``names`` when given: they apply only ``applies``, not to what was chosen."""
    for name in names:
        if getattr(args, name, None) is not None:
            raise InvalidArgumentError(f"--{name.replace('_', '-')} applies only {applies}")
