"""Rebuild the README's result tables from the records in docs/results.

Each table sits between ``<!-- table: RECORD LAYOUT -->`` and ``<!-- /table -->`` and is rendered from
``docs/results/RECORD`` by :func:`latentnas.evaluation.rebuild_tables` (layouts: runs, samplers, datasets,
datasets-rank). tests/evaluation/test_readme_tables.py checks that the README matches.

Example:
  python scripts/readme_tables.py            # rewrite README.md
  python scripts/readme_tables.py --check    # exit 1 if README.md is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from latentnas.errors import LatentNASError
from latentnas.evaluation import rebuild_tables, tables_in

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--records", type=Path, default=ROOT / "docs" / "results")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if the README is stale")
    args = parser.parse_args(argv)
    text = args.readme.read_text()
    try:
        fresh = rebuild_tables(text, args.records, keep_missing=True)
    except LatentNASError as err:
        print(f"readme_tables.py: error: {err}", file=sys.stderr)
        return 2
    blocks = ", ".join(f"{record} ({layout})" for record, layout in tables_in(text))
    missing = sorted({record for record, _ in tables_in(text) if not (args.records / record / "runs.csv").is_file()})
    if missing:
        print(f"left as they are (no record yet): {', '.join(missing)}", file=sys.stderr)
    if args.check:
        print(f"{args.readme} is {'up to date' if fresh == text else 'stale'}: {blocks}")
        return 0 if fresh == text else 1
    args.readme.write_text(fresh)
    print(f"{'rewrote' if fresh != text else 'unchanged'} {args.readme}: {blocks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
