"""Compare samplers side by side on a tabular benchmark: same seeds, same budget of unique architectures.

A thin driver over ``latentnas compare`` (the protocol is :mod:`latentnas.evaluation`); it takes the same options and
writes the same record under --out: runs.csv, curves.csv.gz, table.md, command.txt, commit.txt, regret.png.

Example:
  python scripts/compare.py --benchmark nasbench-graph --datasets cora citeseer --seeds 30 --budget 100 \
      --out docs/results/nasbench-graph-cora-citeseer
"""

from __future__ import annotations

import sys

from latentnas.cli import main

if __name__ == "__main__":
    sys.exit(main(["compare", *sys.argv[1:]]))
