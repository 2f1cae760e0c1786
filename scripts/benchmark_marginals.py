"""latentnas.surrogate.marginals (a hand-written solve of each row's posterior alone) against BoTorch's
``model.posterior`` on a whole finite space: equal results, and time.

A GP is fitted (copula warp, decoded features, the shipped encoder) on --train random architectures of the
benchmark's table; each method then gives the mean and standard deviation of the scores' Gaussian posterior at every
canonical architecture of the space. ``model.posterior`` is timed in blocks of each --blocks rows (its cost grows
with the square of a block's rows). Timings are medians of --repeats, every method in the same process. Prints a
table and writes a record under --out (runs.csv, table.md, command.txt, commit.txt).

Example:
  python scripts/benchmark_marginals.py --benchmark nasbench-graph --dataset cora --out docs/results/marginals
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from latentnas.evaluation.measurements import Column, command_line, write_measurements
from latentnas.objectives import BenchmarkObjective
from latentnas.surrogate import LatentCache, LatentSurrogate, marginals


def median_seconds(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def by_posterior(model: Any, X: torch.Tensor, block: int) -> tuple[torch.Tensor, torch.Tensor]:
    means, variances = [], []
    with torch.no_grad():
        for rows in X.split(block):
            posterior = model.posterior(rows)
            normal = getattr(posterior, "normal", posterior)  # the scores' Gaussian under the copula
            means.append(normal.mean.reshape(-1))
            variances.append(normal.variance.reshape(-1))
    return torch.cat(means), torch.cat(variances).clamp_min(1e-12).sqrt()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench-graph")
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--train", type=int, default=100, help="observations the GP is fitted on")
    parser.add_argument("--blocks", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("docs/results/marginals"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    objective = BenchmarkObjective(args.benchmark, args.dataset)
    cache = LatentCache()
    surrogate = LatentSurrogate(cache.latent_space(objective.space), outcome="copula", cache=cache)
    pool = surrogate.pool()
    X = surrogate.pool_features()
    rows_ = random.Random(0).sample(range(len(pool.archs)), args.train)
    train_Y = torch.tensor([[objective(pool.archs[i]).valid] for i in rows_], dtype=torch.float64)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = surrogate.fit(X[rows_], train_Y)

    ours, (mean, std) = median_seconds(lambda: marginals(model, X), args.repeats)
    rows = [{"method": "latentnas.surrogate.marginals", "block": None, "seconds": ours, "ratio": 1.0,
             "mean_difference": 0.0, "std_difference": 0.0}]
    for block in args.blocks:
        seconds, (m, s) = median_seconds(lambda b=block: by_posterior(model, X, b), args.repeats)
        rows.append({"method": "model.posterior", "block": block, "seconds": seconds, "ratio": seconds / ours,
                     "mean_difference": float((m - mean).abs().max()), "std_difference": float((s - std).abs().max())})
    columns = [Column("method"), Column("block", "rows per block"), Column("seconds", "seconds (median)", "{:.3f}"),
               Column("ratio", "x marginals' time", "{:.1f}"),
               Column("mean_difference", "largest |mean difference|", "{:.1e}"),
               Column("std_difference", "largest |std difference|", "{:.1e}")]
    caption = (f"Marginal posteriors of a GP fitted on {args.train} random architectures of {args.benchmark}/"
               f"{args.dataset}, at all {len(pool.archs)} canonical architectures, one torch thread, medians of "
               f"{args.repeats}.")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=columns)
    print((args.out / "table.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
