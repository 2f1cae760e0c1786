"""Several workers on one study: wall-clock speed-up and search quality, latent BO beside random search.

Each evaluation is an NB201 lookup held for its simulated training time (the table's ``cost_seconds``) times
``--time-scale``, so that evaluations, not the CPU, are what workers share, as with real training on several GPUs.
For every sampler, number of workers and seed, a fresh study on a SQLite file (``--storage-kind journal`` for a journal
file) gets ``--budget`` unique architectures from that many processes started together; the clock runs from the moment
all of them are ready to the end of the study's last trial. Prints a table; with --out, writes a record there: one
row per study (runs.csv), the table (table.md), command and commit.

Example:
  python scripts/workers_benchmark.py --workers 1 2 4 --samplers random latent-bo --seeds 2 --budget 30 \
      --out docs/results/workers-nasbench201
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements

TOP = 0.001  # the top 0.1 % by validation accuracy


class HeldLookup:
    """An NB201 lookup that sleeps ``scale * cost_seconds`` first, as if it trained the architecture."""

    def __init__(self, scale: float) -> None:
        from latentnas.objectives import BenchmarkObjective

        self.inner = BenchmarkObjective("nasbench201", "cifar10")
        self.space = self.inner.space
        self.scale = scale

    def __call__(self, arch: Any) -> Any:
        evaluation = self.inner(arch)
        time.sleep(self.scale * evaluation.cost_seconds)
        return evaluation


def worker(storage: str, sampler_name: str, seed: int, budget: int, scale: float, ready: Any, go: Any) -> None:
    import torch

    from latentnas.samplers import make_sampler
    from latentnas.study import create_study, run_search

    torch.set_num_threads(1)
    objective = HeldLookup(scale)
    sampler = make_sampler(sampler_name, objective.space, seed=seed)
    study = create_study(objective.space, sampler, storage=storage, study_name="bench",
                         identity={"benchmark": "nasbench201", "dataset": "cifar10", "time_scale": scale})
    ready.release()
    go.wait()
    run_search(study, objective, n_unique=budget, poll_interval=0.05)


def run(sampler: str, workers: int, seed: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from latentnas.objectives import BenchmarkObjective
    from latentnas.study import summarize

    ext = "log" if args.storage_kind == "journal" else "db"
    path = folder / f"{sampler}-{workers}-{seed}.{ext}"
    storage = f"journal:///{path}" if args.storage_kind == "journal" else f"sqlite:///{path}"
    ctx = mp.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=worker, args=(storage, sampler, seed, args.budget, args.time_scale, ready, go))
             for _ in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    start = datetime.datetime.now()
    go.set()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a {sampler} worker exited with {p.exitcode}")
    import optuna

    from latentnas.storage import open_storage

    study = optuna.load_study(study_name="bench", storage=open_storage(storage))
    result = summarize(study)
    # NOTE: to the last trial's end (Optuna's local timestamps), not to the processes' exit (interpreter teardown).
    wall = (max(t.datetime_complete for t in study.trials if t.datetime_complete) - start).total_seconds()
    stats = BenchmarkObjective("nasbench201", "cifar10").stats
    threshold = stats.top_threshold(TOP)
    valids = [row["valid"] for row in result.history]
    return {"sampler": sampler, "workers": workers, "seed": seed, "wall": wall,
            "unique": result.unique_evaluations, "duplicates": result.duplicates,
            "hit": any(v >= threshold for v in valids), "best_test": result.best_test,
            "simulated": result.history[-1]["cumulative_cost"] * args.time_scale if result.history else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--samplers", nargs="+", default=["random", "latent-bo"])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--budget", type=int, default=30, help="unique architectures per study")
    parser.add_argument("--time-scale", type=float, default=1 / 4000,
                        help="seconds held per simulated training second (NB201 cifar10: ~1830 s on average)")
    parser.add_argument("--storage-kind", choices=("sqlite", "journal"), default="sqlite")
    parser.add_argument("--out", type=Path, default=None, help="record folder (default: print the table only)")
    args = parser.parse_args(argv)

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for sampler in args.samplers:
            for workers in args.workers:
                for seed in range(args.seeds):
                    rows.append(run(sampler, workers, seed, args, Path(folder)))
                    r = rows[-1]
                    print(f"{sampler} x{workers} seed {seed}: {r['wall']:.1f} s, {r['unique']} unique, "
                          f"hit {r['hit']}, best test {r['best_test']}", file=sys.stderr)
    table = []
    for sampler in args.samplers:
        one = statistics.mean(r["wall"] for r in rows if r["sampler"] == sampler and r["workers"] == min(args.workers))
        for workers in args.workers:
            group = [r for r in rows if r["sampler"] == sampler and r["workers"] == workers]
            wall = statistics.mean(r["wall"] for r in group)
            tests = [r["best_test"] for r in group if r["best_test"] is not None]
            table.append({"sampler": sampler, "workers": workers, "wall": wall, "speed_up": one / wall,
                          "hits": f"{sum(r['hit'] for r in group)}/{len(group)}", "best_test": statistics.mean(tests),
                          "unique": "/".join(str(r["unique"]) for r in group)})
    caption = (f"NB201 cifar10, {args.budget} unique architectures per study, evaluations held {args.time_scale:g} s "
               f"per simulated second, {args.seeds} seeds, {args.storage_kind} storage")
    if args.out is not None:
        write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption,
                           table=markdown_table(table, COLUMNS))
    print(caption + "\n\n" + markdown_table(table, COLUMNS))
    return 0


COLUMNS = (Column("sampler"), Column("workers"), Column("wall", "wall-clock (s)", "{:.1f}"),
           Column("speed_up", "speed-up", "{:.2f}"), Column("hits", "top-0.1 % hit rate"),
           Column("best_test", "test at best valid", "{:.2f}"), Column("unique"))


if __name__ == "__main__":
    sys.exit(main())
