"""``latentnas report``: the figures and one HTML page of a study (progress, Pareto front, latent map)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from latentnas.cli._common import AddCommand
from latentnas.errors import StorageError, UnknownNameError


def load_study(name: str, url: str) -> Any:
    """The stored study ``name`` of the storage at ``url``; an unknown name fails listing the storage's studies.

    Raises:
        StorageError: No storage at ``url`` (a SQLite file is never created to be read).
        UnknownNameError: No study ``name`` there.
    """
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no Optuna.
    import optuna

    from latentnas.storage import open_storage

    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        raise StorageError(f"no storage at '{url}' (nothing searched there yet)")
    storage = open_storage(url)
    names = optuna.get_all_study_names(storage)
    if name not in names:
        raise UnknownNameError(f"unknown study '{name}' in storage '{url}'; choices: {', '.join(names) or 'none'}")
    return optuna.load_study(study_name=name, storage=storage)


def cmd_report(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.evaluation.study_page import redact, write_report
    from latentnas.storage import default_storage

    url = args.storage or default_storage()
    study = load_study(args.study, url)
    written = write_report(study, args.out, checkpoint=args.checkpoint, storage=url, latent=not args.no_map)
    report = written["report"]
    best = report.best()
    out = {"study": args.study, "storage": redact(url), "unique_evaluations": report.counts["unique"],
           "counts": dict(report.counts), "files": {k: str(v) for k, v in written["files"].items()},
           "best": [{"number": e.number, "arch": e.arch, "values": list(e.values), "test": e.test} for e in best],
           "notes": written["notes"]}
    if not args.json:
        for note in written["notes"]:
            print(f"latentnas report: note: {note}", file=sys.stderr)
        print(written["files"]["html"])
    return out


def register(add: AddCommand) -> None:
    """Adds ``report`` to the parser."""
    p = add("report", cmd_report, "write a study's figures and one self-contained HTML page: best so far (regret "
                                  "on a benchmark), Pareto front, latent map with the search's path")
    p.add_argument("study", help="study name (see `latentnas studies`)")
    p.add_argument("--storage", default=None,
                   help="Optuna storage URL (default: latentnas's own, the one `latentnas studies` lists)")
    p.add_argument("--out", required=True, help="folder to write progress.png, front.png (several objectives), "
                                                "latent_map.png and report.html into")
    p.add_argument("--checkpoint", default=None,
                   help="encoder to draw the latent map with (default: the space's shipped one)")
    p.add_argument("--no-map", action="store_true", help="no latent map (the slow part on a large space)")
