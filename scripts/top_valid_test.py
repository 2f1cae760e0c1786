"""What finding the validation optimum is worth on test: the test accuracy of a benchmark's best architectures by
validation, beside the next ones.

A sampler judged by test-at-best-valid cannot beat, on average, the mean test accuracy of the architectures it is
able to find; where the top 0.1 % by validation tests no better than the rest of the top 1 %, finding it more often
does not raise that mean. Prints a markdown table and writes it as a record under --out (runs.csv, table.md, command,
commit).

Example:
  python scripts/top_valid_test.py --benchmarks nasbench-graph nasbench201 --out docs/results/top-valid-test
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

from latentnas.benchmarks import get_benchmark
from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements

COLUMNS = (Column("benchmark"), Column("dataset"), Column("architectures"),
           Column("top_mean_test", "mean test, top 0.1 % by valid", "{:.2f}"),
           Column("rest_of_top1_mean_test", "mean test, rest of the top 1 %", "{:.2f}"),
           Column("best_valid_test", "test of the best by valid", "{:.2f}"),
           Column("best_test", "best test in the table", "{:.2f}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmarks", nargs="+", default=["nasbench-graph", "nasbench201"])
    parser.add_argument("--out", type=Path, default=Path("docs/results/top-valid-test"), help="record folder")
    args = parser.parse_args(argv)
    rows = []
    for name in args.benchmarks:
        bench = get_benchmark(name)
        for dataset in bench.datasets:
            ranked = sorted(bench.records(dataset).values(), key=lambda r: -r.valid)
            # As TableStats.top_threshold counts the top fraction.
            top, top1 = max(1, math.ceil(0.001 * len(ranked))), max(2, math.ceil(0.01 * len(ranked)))
            rows.append({"benchmark": name, "dataset": dataset, "architectures": len(ranked),
                         "top_mean_test": statistics.fmean(r.test for r in ranked[:top]),
                         "rest_of_top1_mean_test": statistics.fmean(r.test for r in ranked[top:top1]),
                         "best_valid_test": ranked[0].test, "best_test": max(r.test for r in ranked)})
    caption = "Test accuracy of the architectures each table ranks best by validation"
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=COLUMNS)
    print(caption + "\n\n" + markdown_table(rows, COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
