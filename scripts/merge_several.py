"""Merge records of several objectives or constraints that ran the same comparison on different seeds into one
(:func:`latentnas.evaluation.merge_records`).

The configurations must be equal but for their seeds, and the seeds disjoint. The merged record lists every part's
command and commit (``command.txt``, ``commit.txt``), and its table is rebuilt from the merged runs.

Example:
  python scripts/merge_several.py --records docs/results/several-nasbench-graph-10seeds runs/seeds-10-29 \
      --out docs/results/several-nasbench-graph-30seeds
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from latentnas.errors import LatentNASError, first_line
from latentnas.evaluation import merge_records


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", nargs="+", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    command = "python scripts/merge_several.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    try:
        print(merge_records(args.records, args.out, command=command))
    except LatentNASError as err:
        print(f"merge_several: {first_line(err)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
