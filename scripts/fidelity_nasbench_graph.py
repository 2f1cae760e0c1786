"""Trains random NAS-Bench-Graph architectures on Cora with latentnas and compares with the table's valid_perf.

Prints a table (Spearman, Kendall, mean absolute difference) and writes a record under --out: every architecture's
accuracies, ours and the table's (runs.csv), the summary (table.md, summary.json), command and commit.

Example:
  python scripts/fidelity_nasbench_graph.py --archs 30 --epochs 60 --out docs/results/fidelity
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import torch
from scipy.stats import kendalltau, spearmanr

from latentnas.benchmarks import get_benchmark
from latentnas.datasets import load_dataset
from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements
from latentnas.networks.nasbench_graph import GNNConfig
from latentnas.objectives.training import TrainingObjective
from latentnas.spaces import distinct_samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--optimizer", default="adam")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 on a shared machine)")
    parser.add_argument("--out", type=Path, default=Path("docs/results/fidelity"), help="record folder")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    bench = get_benchmark("nasbench-graph")
    space = bench.space("cora")
    data, task = load_dataset("Cora")
    config = GNNConfig(hidden=args.hidden, dropout=args.dropout, num_pre=0, num_post=1)
    objective = TrainingObjective(space, data, task, epochs=args.epochs, lr=args.lr, weight_decay=args.weight_decay,
                                  optimizer=args.optimizer, seed=args.seed, network_config=config)
    rows = []
    start = time.perf_counter()
    for arch in itertools.islice(distinct_samples(space, first_seed=args.seed), args.archs):
        table = bench.query(arch, "cora")
        ours = objective(arch)
        rows.append({"arch": space.to_string(arch), "table_valid": table.valid, "table_test": table.test,
                     "ours_valid": ours.valid, "ours_test": ours.test, "seconds": ours.cost_seconds,
                     "params": ours.extras["params"]})
        print(f"{len(rows):3d} {rows[-1]['arch']:40s} table {table.valid:6.2f}  ours {ours.valid:6.2f}  "
              f"({ours.cost_seconds:.1f}s)", flush=True)
    tv = [r["table_valid"] for r in rows]
    ov = [r["ours_valid"] for r in rows]
    summary = {
        "archs": len(rows), "epochs": args.epochs, "hidden": args.hidden, "dropout": args.dropout, "lr": args.lr,
        "weight_decay": args.weight_decay, "optimizer": args.optimizer, "seed": args.seed,
        "spearman_valid": float(spearmanr(tv, ov).statistic), "kendall_valid": float(kendalltau(tv, ov).statistic),
        "spearman_test": float(spearmanr([r["table_test"] for r in rows], [r["ours_test"] for r in rows]).statistic),
        "spearman_table_valid_test": float(spearmanr(tv, [r["table_test"] for r in rows]).statistic),
        "mean_abs_diff_valid": sum(abs(a - b) for a, b in zip(tv, ov)) / len(rows),
        "mean_diff_valid": sum(b - a for a, b in zip(tv, ov)) / len(rows),
        "seconds": time.perf_counter() - start,
    }
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption(summary),
                       table=markdown_table(measures(summary), MEASURE_COLUMNS), data={"summary.json": summary})
    print("\n" + caption(summary) + "\n\n" + markdown_table(measures(summary), MEASURE_COLUMNS))
    return 0


MEASURE_COLUMNS = (Column("measure"), Column("value", format="{:.3f}"))


def caption(summary: dict[str, Any]) -> str:
    return (f"{summary['archs']} random NAS-Bench-Graph architectures trained on Cora by latentnas "
            f"({summary['epochs']} epochs, hidden {summary['hidden']}, dropout {summary['dropout']}, "
            f"{summary['optimizer']} lr {summary['lr']}, weight decay {summary['weight_decay']}, seed {summary['seed']}) "
            f"against the table's valid_perf; {summary['seconds']:.0f} s in all.")


def measures(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary as the table's rows."""
    names = [("Spearman, validation", "spearman_valid"), ("Kendall, validation", "kendall_valid"),
             ("Spearman, test", "spearman_test"),
             ("mean absolute difference, validation (points)", "mean_abs_diff_valid"),
             ("mean difference, ours - table, validation (points)", "mean_diff_valid"),
             ("Spearman of the table's own validation and test", "spearman_table_valid_test")]
    return [{"measure": label, "value": summary[key]} for label, key in names]


if __name__ == "__main__":
    sys.exit(main())
