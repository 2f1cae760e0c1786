"""Seconds per latent-BO proposal (GP fit + acquisition + decode) as observations grow.

For each n in --sizes, a history of n architectures of the space with their benchmark validation accuracy is built,
and one proposal is timed --repeats times (a different trial generator each time); the random sampler's proposal is
timed in the same process as a baseline, and with --transfer so is latent BO learning from the benchmark's other
datasets. Prints a table and writes a record under --out: one row per size (runs.csv), table.md, overhead.json,
command and commit.

Example:
  python scripts/benchmark_overhead.py --benchmark nasbench-graph --dataset cora --sizes 50 200 1000 5000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import torch

from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import History, Observation, RandomArchitectureSampler
from latentnas.samplers.latent_bo import LatentBOSampler


def timed(fn: object, repeats: int) -> list[float]:
    out = []
    for r in range(repeats):
        start = time.perf_counter()
        fn(random.Random(r))  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench-graph")
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--checkpoint", default=None, help="default: the space's shipped checkpoint")
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000, 5000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the proposals (the sampler's option)")
    parser.add_argument("--transfer", action="store_true",
                        help="also time latent BO with the benchmark's other datasets as transfer sources")
    parser.add_argument("--out", type=Path, default=Path("docs/results/overhead"), help="record folder")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    objective = BenchmarkObjective(args.benchmark, args.dataset)
    space = objective.space
    archs = space.pretraining_archs(samples=max(args.sizes) + 100)
    random.Random(0).shuffle(archs)
    sampler = LatentBOSampler(space, checkpoint=args.checkpoint, seed=0, threads=args.threads)
    baseline = RandomArchitectureSampler(space, seed=0)
    sampler.encode(archs[: max(args.sizes)])  # warm the encoding cache: encoding is paid once per architecture
    sampler.proposal(_history(space, archs[:20], objective), random.Random(0))  # warm-up (imports, pool)
    transfer = None
    if args.transfer:
        transfer = LatentBOSampler(space, checkpoint=args.checkpoint, seed=0, threads=args.threads,
                                   transfer=objective.benchmark.transfer_sources(args.dataset))
        transfer.proposal(_history(space, archs[:20], objective), random.Random(0))  # warm-up: source models

    rows = []
    for n in args.sizes:
        history = _history(space, archs[:n], objective)
        bo = timed(lambda rng, h=history: sampler.proposal(h, rng), args.repeats)
        rnd = timed(lambda rng, h=history: baseline.propose(h, rng), args.repeats)
        row = {"observations": n, "gp_train_points": min(n, sampler.config.max_train),
               "median_s": statistics.median(bo), "min_s": min(bo), "max_s": max(bo),
               "random_median_s": statistics.median(rnd), "repeats": args.repeats}
        if transfer is not None:
            tr = timed(lambda rng, h=history: transfer.proposal(h, rng), args.repeats)
            row.update(transfer_median_s=statistics.median(tr), transfer_max_s=max(tr))
        rows.append(row)
        print(f"n={n}: median {statistics.median(bo):.3f} s", file=sys.stderr)

    columns = COLUMNS + (TRANSFER_COLUMNS if transfer is not None else ())
    caption = (f"latent-bo proposal overhead on {args.benchmark}/{args.dataset}, {args.threads} threads, "
               f"median of {args.repeats} (GP fit + acquisition + decode)")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=columns,
                       data={"overhead.json": {"benchmark": args.benchmark, "dataset": args.dataset,
                                               "threads": args.threads, "rows": rows}})
    print(caption + "\n\n" + markdown_table(rows, columns))
    return 0


COLUMNS = (Column("observations"), Column("gp_train_points", "GP fitted on"), Column("median_s", "median s", "{:.3f}"),
           Column("min_s", "min s", "{:.3f}"), Column("max_s", "max s", "{:.3f}"),
           Column("random_median_s", "random sampler median s", "{:.4f}"))
TRANSFER_COLUMNS = (Column("transfer_median_s", "with transfer median s", "{:.3f}"),
                    Column("transfer_max_s", "with transfer max s", "{:.3f}"))


def _history(space: object, archs: list[object], objective: BenchmarkObjective) -> History:
    history = History()
    for i, arch in enumerate(archs):
        key = objective.space.canonical_key(arch)
        history.observations.append(Observation(i, arch, key, objective(arch).valid))
        history.known.add(key)
    return history


if __name__ == "__main__":
    sys.exit(main())
