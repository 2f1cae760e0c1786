"""A search end to end with real training: samplers side by side on one graph dataset, same seeds, same budget.

Every proposed GNN of the NAS-Bench-Graph space is built with PyG and trained on the dataset (no table is read
for the search). For context, each run's best architecture is also looked up in NAS-Bench-Graph's table, which was
trained under another protocol.

Writes, under --out: runs.csv (one row per sampler and seed), curves.csv (best validation accuracy after every
trial), table.md, summary.json, best_valid.png, command.txt and commit.txt (the record of
:mod:`latentnas.evaluation`).

Example:
  python scripts/real_search.py --dataset Cora --samplers latent-bo random --seeds 3 --trials 30 --epochs 30

Candidates train on the GPU where there is one (bfloat16 autocast), else on the CPU; runs.csv names the device.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import shlex
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import optuna
import torch

from latentnas.benchmarks import get_benchmark
from latentnas.datasets import load_dataset
from latentnas.evaluation import source_revision
from latentnas.evaluation.report import mean_std as format_mean_std
from latentnas.evaluation.report import pyplot
from latentnas.evaluation.runs import split_label
from latentnas.networks.nasbench_graph import GNNConfig
from latentnas.objectives.training import TrainingObjective
from latentnas.samplers import SAMPLERS, make_sampler
from latentnas.study import create_study, run_search


def run_one(job: dict[str, Any]) -> dict[str, Any]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    torch.set_num_threads(job["threads"])
    data, task = load_dataset(job["dataset"], root=job["data_root"])
    bench = get_benchmark("nasbench-graph")
    space = bench.space(job["table"])
    objective = TrainingObjective(space, data, task, epochs=job["epochs"], seed=job["seed"],
                                  network_config=GNNConfig(hidden=job["hidden"]))
    name, transfer = split_label(job["sampler"])
    options = dict(job["options"].get(job["sampler"], {}))
    if transfer:  # the tables of the other datasets; the searched dataset's own table is never a source
        options["transfer"] = bench.transfer_sources(job["table"])
    sampler = make_sampler(name, space, seed=job["seed"], **options)
    start = time.perf_counter()
    result = run_search(create_study(space, sampler), objective, n_unique=job["trials"])
    seconds = time.perf_counter() - start
    best = -float("inf")
    curve = []
    for row in result.history:
        best = max(best, row["valid"])
        curve.append(best)
    table = bench.query(space.from_string(result.best_arch), job["table"]) if result.best_arch else None
    return {
        "dataset": job["dataset"], "sampler": job["sampler"], "seed": job["seed"], "trials": result.unique_evaluations,
        "epochs": job["epochs"], "best_arch": result.best_arch, "best_valid": result.best_valid,
        "test_at_best_valid": result.best_test, "failures": result.failures,
        "table_valid_of_best": table.valid if table else None, "table_test_of_best": table.test if table else None,
        "training_seconds": round(result.history[-1]["cumulative_cost"], 1) if result.history else 0.0,
        "seconds": round(seconds, 1), "device": str(objective.device), "curve": curve,
    }


def mean_std(values: list[float]) -> str:
    return format_mean_std(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


def summarize(rows: list[dict[str, Any]], samplers: list[str]) -> str:
    lines = ["| sampler | best valid | test at best valid | table valid of best | table test of best | seeds |"
             " s/run (median) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for sampler in samplers:
        sel = [r for r in rows if r["sampler"] == sampler]
        if not sel:
            continue
        lines.append(
            f"| {sampler} | {mean_std([r['best_valid'] for r in sel])} | "
            f"{mean_std([r['test_at_best_valid'] for r in sel])} | "
            f"{mean_std([r['table_valid_of_best'] for r in sel])} | {mean_std([r['table_test_of_best'] for r in sel])}"
            f" | {len(sel)} | {statistics.median(r['seconds'] for r in sel):.0f} |")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], samplers: list[str], path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for sampler in samplers:
        curves = [r["curve"] for r in rows if r["sampler"] == sampler]
        if not curves:
            continue
        n = min(len(c) for c in curves)
        ax.plot(range(1, n + 1), [statistics.fmean(c[i] for c in curves) for i in range(n)], label=sampler)
    ax.set_xlabel("trained architectures")
    ax.set_ylabel("best validation accuracy (%), mean over seeds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="Cora", help="a dataset load_dataset knows (Cora ships offline)")
    parser.add_argument("--data-root", default=None, help="folder holding the dataset's files (default: a cache)")
    parser.add_argument("--table", default="cora", help="NAS-Bench-Graph dataset whose space and table give context")
    parser.add_argument("--samplers", nargs="+", default=["latent-bo", "random"], help=f"choices: {', '.join(SAMPLERS)}; latent-bo+transfer learns from the other datasets' tables")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=30, help="unique architectures trained per run")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--options", type=json.loads, default={"latent-bo": {"n_initial": 10}},
                        help='per-sampler keyword arguments as JSON, e.g. \'{"latent-bo": {"n_initial": 10}}\'')
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("docs/results/real-search-cora"))
    args = parser.parse_args(argv)
    unknown = [s for s in args.samplers if split_label(s)[0] not in SAMPLERS]
    if unknown:
        parser.error(f"unknown sampler(s) {', '.join(unknown)}; choices: {', '.join(SAMPLERS)}")

    jobs = [{"dataset": args.dataset, "table": args.table, "sampler": s, "seed": seed, "trials": args.trials,
             "epochs": args.epochs, "hidden": args.hidden, "options": args.options, "threads": args.threads,
             "data_root": args.data_root}
            for seed in range(args.seeds) for s in args.samplers]
    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    progress = args.out / "runs.jsonl"  # one line per finished run, so a stopped run keeps what it finished
    progress.write_text("")
    # Spawned, not forked, workers: each starts its own CUDA context (a forked one cannot), on CPU it costs an import.
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for r in pool.map(run_one, jobs):
            rows.append(r)
            with progress.open("a") as handle:
                handle.write(json.dumps(r) + "\n")
            print(f"{r['sampler']:10s} seed {r['seed']}: best valid {r['best_valid']:.2f} test "
                  f"{r['test_at_best_valid']:.2f} {r['best_arch']} ({r['trials']} trained, {r['seconds']:.0f}s)",
                  flush=True)

    fields = [k for k in rows[0] if k != "curve"]
    with (args.out / "runs.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    with (args.out / "curves.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sampler", "seed", "trial", "best_valid"])
        for r in rows:
            writer.writerows([r["sampler"], r["seed"], i, v] for i, v in enumerate(r["curve"], start=1))
    table = summarize(rows, args.samplers)
    devices = ", ".join(sorted({r["device"] for r in rows}))
    header = (f"Real training on {args.dataset}: {args.trials} unique NAS-Bench-Graph architectures per run, "
              f"{args.epochs} epochs each, hidden {args.hidden}, seeds 0..{args.seeds - 1}, options {args.options}, "
              f"trained on {devices}\n\n")
    (args.out / "table.md").write_text(header + table + "\n")
    (args.out / "summary.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                       "rows": rows}, indent=2))
    plot(rows, args.samplers, args.out / "best_valid.png")
    (args.out / "command.txt").write_text(shlex.join(["python", "scripts/real_search.py", *(sys.argv[1:] if argv is None else argv)]) + "\n")
    (args.out / "commit.txt").write_text(source_revision() + "\n")
    progress.unlink()  # runs.csv and summary.json hold it all now
    print("\n" + header + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
