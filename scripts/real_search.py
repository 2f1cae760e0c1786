"""A search end to end with real training: samplers side by side on one graph dataset, same seeds, same budget.

Every proposed GNN of the NAS-Bench-Graph space is built with PyG and trained on the dataset (no table is read
for the search). For context, each run's best architecture is also looked up in NAS-Bench-Graph's table, which was
trained under another protocol. A thin driver over :class:`latentnas.evaluation.TrainingJob` (each run a search
described and built by :mod:`latentnas.assembly`), :func:`latentnas.evaluation.run_jobs` and
:func:`latentnas.evaluation.write_record`.

Writes, under --out: runs.csv (one row per sampler and seed, with its curve: the best validation accuracy after every
trained architecture), table.md, best_valid.png, command.txt and commit.txt; the record is written again after every
finished run, so that a run stopped early keeps what it finished.

By default it runs the simplest peers beside latent BO with transfer, on the same seeds: uniform random search, TPE
and the zero-shot portfolio; table.md pairs each sampler with random search and with the portfolio by seed (the mean
difference in test accuracy at the best validation and its 95 % bootstrap interval).

Example:
  python scripts/real_search.py --dataset Cora --seeds 10 --trials 20 --epochs 30

Candidates train on the GPU where there is one (bfloat16 autocast), else on the CPU; runs.csv names the device.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from latentnas.errors import LatentNASError, first_line
from latentnas.evaluation import TrainingJob, TrainingRecord, run_jobs, write_record
from latentnas.evaluation.measurements import command_line
from latentnas.evaluation.runs import split_label
from latentnas.samplers import SAMPLERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="Cora", help="a dataset load_dataset knows (Cora ships offline)")
    parser.add_argument("--data-root", default=None, help="folder holding the dataset's files (default: a cache)")
    parser.add_argument("--table", default="cora", help="NAS-Bench-Graph dataset whose space and table give context")
    parser.add_argument("--samplers", nargs="+", default=["random", "tpe", "portfolio", "latent-bo+transfer"],
                        help=f"choices: {', '.join(SAMPLERS)}; latent-bo+transfer learns from the other datasets' tables")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=30, help="unique architectures trained per run")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--options", type=json.loads, default={},
                        help='per-sampler keyword arguments as JSON, e.g. \'{"latent-bo": {"n_initial": 10}}\'')
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("docs/results/real-search-cora"))
    args = parser.parse_args(argv)
    unknown = [s for s in args.samplers if split_label(s)[0] not in SAMPLERS]
    if unknown:
        parser.error(f"unknown sampler(s) {', '.join(unknown)}; choices: {', '.join(SAMPLERS)}")

    jobs = [TrainingJob(args.dataset, sampler, seed, budget=args.trials, epochs=args.epochs, table=args.table,
                        hidden=args.hidden, options=args.options.get(sampler, {}), data_root=args.data_root,
                        threads=args.threads)
            for seed in range(args.seeds) for sampler in args.samplers]
    command = command_line(__file__, argv)
    done: list[TrainingRecord] = []

    def keep(record: TrainingRecord) -> None:
        done.append(record)
        write_record(args.out, done, command=command, plot=False)
        print(f"{record.sampler:10s} seed {record.seed}: best valid {record.best_valid} test {record.test_at_best_valid} "
              f"{record.best_arch} ({record.trials} trained, {record.seconds:.0f}s)", flush=True)

    try:
        # Spawned, not forked, workers: each starts its own CUDA context (a forked one cannot).
        run_jobs(jobs, workers=args.workers, callback=keep, start_method="spawn")
        write_record(args.out, done, command=command)
    except LatentNASError as err:
        print(f"real_search: {first_line(err)}", file=sys.stderr)
        return 2
    print("\n" + (args.out / "table.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
