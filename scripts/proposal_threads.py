"""Seconds per latent-BO proposal with the sampler's default of one torch thread against torch's default count.

Builds a history of --observations architectures of the benchmark and times --proposals proposals with
``threads=1`` and as many with ``threads=None`` (torch's own default, the process's setting at start), alternating
the two in one process so that both see the same machine load. Prints the table and writes a record under --out:
one row per setting (runs.csv), table.md, every proposal's seconds (seconds.json), command and commit.

Example:
  python scripts/proposal_threads.py --benchmark nasbench201 --dataset cifar10 --proposals 20 \
      --out docs/results/proposal-threads
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
from latentnas.samplers import History, Observation
from latentnas.samplers.latent_bo import LatentBOSampler
from latentnas.spaces import distinct_samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--observations", type=int, default=40)
    parser.add_argument("--proposals", type=int, default=20, help="timed proposals per setting")
    parser.add_argument("--out", type=Path, default=Path("docs/results/proposal-threads"), help="record folder")
    args = parser.parse_args(argv)
    default_threads = torch.get_num_threads()  # NOTE: not set here: torch's default is what is measured

    objective = BenchmarkObjective(args.benchmark, args.dataset)
    space = objective.space
    history = History()
    for i, arch in zip(range(args.observations), distinct_samples(space)):
        key = space.canonical_key(arch)
        history.observations.append(Observation(i, arch, key, objective(arch).valid))
        history.known.add(key)
    samplers = {1: LatentBOSampler(space, seed=0, threads=1), None: LatentBOSampler(space, seed=0, threads=None)}
    for sampler in samplers.values():
        sampler.proposal(history, random.Random(-1))  # warm-up: imports, pool features
    seconds: dict[int | None, list[float]] = {threads: [] for threads in samplers}
    for r in range(args.proposals):
        for threads, sampler in samplers.items():
            start = time.perf_counter()
            sampler.proposal(history, random.Random(r))
            seconds[threads].append(time.perf_counter() - start)
    labels = {threads: "1 (default)" if threads == 1 else f"torch default ({default_threads})" for threads in seconds}
    rows = [{"threads": labels[threads], "total_s": sum(values), "median_s": statistics.median(values),
             "proposals": len(values)} for threads, values in seconds.items()]
    caption = (f"latent-bo proposals on {args.benchmark}/{args.dataset}, {args.observations} observations, "
               f"{args.proposals} proposals per setting, alternated in one process")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=COLUMNS,
                       data={"seconds.json": {labels[threads]: values for threads, values in seconds.items()}})
    print(caption + "\n\n" + markdown_table(rows, COLUMNS))
    return 0


COLUMNS = (Column("threads"), Column("total_s", "total s", "{:.1f}"),
           Column("median_s", "median s per proposal", "{:.3f}"))


if __name__ == "__main__":
    sys.exit(main())
