"""Parsing the command line: one-line errors, checked integer options."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

#: The exit status of every bad input.
EXIT_USAGE = 2


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``latentnas search: error: ...`` on stderr, exit status 2, no usage block
    (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")


def one_line(text: str) -> str:
    """``text`` with its white space, newlines included, folded to single spaces."""
    return " ".join(text.split())


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` for integers ``>= minimum``, with a message that names what was expected."""
    expected = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


positive_int = int_at_least(1)
