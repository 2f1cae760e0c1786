"""The ``latentnas`` command line.

Bad input gets one line on stderr and exit status 2 (``--debug`` shows the traceback), Ctrl-C and SIGTERM one line
and exit status 130 and 143 (:mod:`~latentnas.cli.interrupts`); ``--json`` prints one machine-readable object on
stdout. The commands only parse, call the library and print: defaults and policies live with the library objects they
belong to. One module per group of commands: :mod:`~latentnas.cli.search` (search,
studies), :mod:`~latentnas.cli.compare` (compare), :mod:`~latentnas.cli.models` (spaces, benchmarks, export, pretrain, encoder-info) and
:mod:`~latentnas.cli.report` (report).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from latentnas import __version__
from latentnas.cli import compare, models, report, search
from latentnas.cli.interrupts import Interrupted, interrupts_raised
from latentnas.cli.parsing import EXIT_USAGE, ArgumentParser, one_line, positive_int
from latentnas.errors import LatentNASError

__all__ = ["EXIT_USAGE", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand; each command module adds its own."""
    parser = ArgumentParser(prog="latentnas", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], dict[str, Any]], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--threads", type=positive_int, default=None,
                       help="torch CPU threads for this run (default: latentnas uses one thread for GP work and "
                            "torch's choice for training; 1 is often fastest on a shared machine)")
        p.set_defaults(func=func)
        return p

    models.register(add)
    search.register(add)
    compare.register(add)
    report.register(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line on ``argv`` (default: ``sys.argv[1:]``) and returns the exit status: 0; 2 after one
    line on stderr for bad input; 130 (Ctrl-C) or 143 (SIGTERM) after one line saying where the command stopped."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed on one line
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        import optuna  # NOTE: here, after parsing: `--help`, `--version` and usage errors import no Optuna.

        optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with interrupts_raised():
            if getattr(args, "threads", None) is not None:
                import torch  # NOTE: here, after parsing: `--help`, `--version` and usage errors import no torch.

                torch.set_num_threads(args.threads)
            out = args.func(args)
            if args.json:
                print(json.dumps(out, default=str))
    except LatentNASError as err:
        if args.debug:
            raise
        print(f"latentnas {args.command}: error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as stop:
        if args.debug:
            raise
        interrupted = stop if isinstance(stop, Interrupted) else Interrupted()
        print(f"latentnas {args.command}: {one_line(str(interrupted))}", file=sys.stderr)
        return interrupted.exit_status
    except BrokenPipeError:  # e.g. `latentnas studies | head`: the reader left; no traceback at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0

