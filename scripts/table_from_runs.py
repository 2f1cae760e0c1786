"""One table from several compare.py runs: the samplers side by side on the seeds that every sampler ran.

Example (the NAS-Bench-Graph table over 10 seeds):
  python scripts/table_from_runs.py results/baselines-nasbench-graph/runs.csv \
      results/latent-tpe-nasbench-graph-100/runs.csv results/latent-bo-nasbench-graph-100-3seeds/runs.csv \
      results/latent-bo-nasbench-graph-100-seeds3-9/runs.csv
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from collections import defaultdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="runs.csv files written by scripts/compare.py")
    args = parser.parse_args(argv)

    rows = [r for path in args.runs for r in csv.DictReader(open(path))]
    seeds_of: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        seeds_of[r["sampler"]].add(int(r["seed"]))
    common = sorted(set.intersection(*seeds_of.values()))
    samplers = list(dict.fromkeys(r["sampler"] for r in rows))
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    cells: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if int(r["seed"]) in common:
            cells[(r["dataset"], r["sampler"])].append(r)

    print(f"{len(common)} seeds ({', '.join(map(str, common))}), every sampler on the same seeds\n")
    print("| dataset | " + " | ".join(samplers) + " |")
    print("| --- |" + " --- |" * len(samplers))
    for dataset in datasets:
        out = []
        for sampler in samplers:
            sel = cells[(dataset, sampler)]
            test = [float(r["test_at_best_valid"]) for r in sel]
            found = sum(r["found_top"] == "True" for r in sel)
            sd = statistics.stdev(test) if len(test) > 1 else 0.0
            out.append(f"{statistics.fmean(test):.2f} ± {sd:.2f}, {100 * found / len(sel):.0f}%" if sel else "-")
        print(f"| {dataset} | " + " | ".join(out) + " |")
    print("\ncells: mean ± std of test accuracy at the best validation accuracy; share of seeds that found an"
          " architecture in the top 0.1 % by validation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
