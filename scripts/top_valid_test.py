"""What finding the validation optimum is worth on test: the test accuracy of a benchmark's best architectures by
validation, beside the next ones.

A sampler judged by test-at-best-valid cannot beat, on average, the mean test accuracy of the architectures it is
able to find; where the top 0.1 % by validation tests no better than the rest of the top 1 %, finding it more often
does not raise that mean. Prints a markdown table and writes it to --out.

Example:
  python scripts/top_valid_test.py --benchmark nasbench-graph
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

from latentnas.benchmarks import get_benchmark


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench-graph")
    parser.add_argument("--datasets", nargs="+", default=None, help="default: every dataset of the benchmark")
    parser.add_argument("--out", type=Path, default=Path("docs/results/top-valid-test/table.md"))
    args = parser.parse_args(argv)
    bench = get_benchmark(args.benchmark)
    lines = [f"{args.benchmark}: test accuracy of the architectures ranked best by validation", "",
             "| dataset | architectures | mean test, top 0.1 % by valid | mean test, rest of the top 1 % | "
             "test of the best by valid | best test in the table |", "| --- | --- | --- | --- | --- | --- |"]
    for dataset in args.datasets or bench.datasets:
        ranked = sorted(bench.records(dataset).values(), key=lambda r: -r.valid)
        # As TableStats.top_threshold counts the top fraction.
        top, top1 = max(1, math.ceil(0.001 * len(ranked))), max(2, math.ceil(0.01 * len(ranked)))
        lines.append(f"| {dataset} | {len(ranked)} | {statistics.fmean(r.test for r in ranked[:top]):.2f} | "
                     f"{statistics.fmean(r.test for r in ranked[top:top1]):.2f} | {ranked[0].test:.2f} | "
                     f"{max(r.test for r in ranked):.2f} |")
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
