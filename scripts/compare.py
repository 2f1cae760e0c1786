"""Compare samplers side by side on a tabular benchmark: same seeds, same budget of unique queries.

Writes, under --out:
  runs.csv      one row per (sampler, dataset, seed): best valid, test at best valid, whether and when an
                architecture in the top fraction (by validation) was found
  curves.csv    test-at-best-valid and validation regret after every unique query
  table.md      mean ± std of test-at-best-valid, share of seeds that found the top fraction, median queries to it
  regret.png    mean validation regret versus queries, one panel per dataset

Example:
  python scripts/compare.py --benchmark nasbench-graph --datasets cora citeseer --seeds 30 --budget 100
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import optuna
import torch

from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import SAMPLERS, make_sampler
from latentnas.study import create_study, run_search

BASELINES = ["random", "evolution", "local-search", "tpe"]


def run_one(job: tuple[str, str, str | None, str, int, int, int, dict[str, Any]]) -> dict[str, Any]:
    benchmark, dataset, fidelity, sampler_name, seed, budget, threads, options = job
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    torch.set_num_threads(threads)
    objective = BenchmarkObjective(benchmark, dataset, fidelity=fidelity)
    # Regret and the top fraction are judged on the main column, whatever column is searched.
    judge = BenchmarkObjective(benchmark, dataset)
    stats = judge.stats
    threshold = stats.top_threshold(TOP_FRACTION)
    space = objective.space
    start = time.perf_counter()
    study = create_study(space, make_sampler(sampler_name, space, seed=seed, **options.get(sampler_name, {})))
    result = run_search(study, objective, n_unique=budget)
    seconds = time.perf_counter() - start
    best_valid = -float("inf")
    best_final_valid = -float("inf")
    test_at_best: float | None = None
    found_at: int | None = None
    curve = []
    for i, row in enumerate(result.history, start=1):
        final = judge(space.from_string(row["arch"]))
        if final.valid >= threshold and found_at is None:
            found_at = i
        if row["valid"] > best_valid:
            best_valid, test_at_best = row["valid"], final.test
            best_final_valid = final.valid
        curve.append((i, test_at_best, stats.best.valid - best_final_valid))
    return {
        "benchmark": benchmark, "dataset": dataset, "fidelity": fidelity or "", "sampler": sampler_name,
        "seed": seed, "budget": budget, "unique": result.unique_evaluations, "trials": result.trials,
        "best_valid": result.best_valid, "test_at_best_valid": test_at_best,
        "found_top": found_at is not None, "queries_to_top": found_at, "seconds": round(seconds, 2),
        "optimum_test": stats.best.test, "curve": curve,
    }


TOP_FRACTION = 0.001


def fmt_mean_std(values: list[float]) -> str:
    if not values:
        return "-"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.2f} ± {sd:.2f}"


def summarize(rows: list[dict[str, Any]], samplers: list[str], datasets: list[str]) -> str:
    lines = [
        f"| dataset | sampler | test at best valid (mean ± std) | found top {TOP_FRACTION:.1%} | median queries to it |"
        " seeds | s/run |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for dataset in datasets:
        for sampler in samplers:
            sel = [r for r in rows if r["dataset"] == dataset and r["sampler"] == sampler]
            if not sel:
                continue
            found = [r["queries_to_top"] for r in sel if r["found_top"]]
            med = f"{statistics.median(found):.0f}" if found else "-"
            lines.append(
                f"| {dataset} | {sampler} | {fmt_mean_std([r['test_at_best_valid'] for r in sel])} | "
                f"{100 * len(found) / len(sel):.0f}% | {med} | {len(sel)} | "
                f"{statistics.median(r['seconds'] for r in sel):.2f} |"
            )
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], samplers: list[str], datasets: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(3, len(datasets))
    nrows = (len(datasets) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.5 * cols, 3.4 * nrows), squeeze=False)
    for ax, dataset in zip(axes.flat, datasets):
        for sampler in samplers:
            sel = [r["curve"] for r in rows if r["dataset"] == dataset and r["sampler"] == sampler]
            if not sel:
                continue
            n = min(len(c) for c in sel)
            mean = [statistics.fmean(max(c[i][2], 1e-3) for c in sel) for i in range(n)]
            ax.plot(range(1, n + 1), mean, label=sampler)
        ax.set_yscale("log")
        ax.set_title(dataset)
        ax.set_xlabel("unique queries")
        ax.set_ylabel("validation regret (%)")
    for ax in list(axes.flat)[len(datasets):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench-graph")
    parser.add_argument("--datasets", nargs="+", default=None, help="default: every dataset of the benchmark")
    parser.add_argument("--fidelity", default=None, help="column searched (the main column judges)")
    parser.add_argument("--samplers", nargs="+", default=BASELINES, help=f"choices: {', '.join(SAMPLERS)}")
    parser.add_argument("--seeds", type=int, default=30, help="seeds 0..N-1")
    parser.add_argument("--seed-list", type=int, nargs="+", default=None, help="these seeds instead of 0..N-1")
    parser.add_argument("--options", type=json.loads, default={},
                        help='sampler keyword arguments as JSON, e.g. \'{"latent-bo": {"trust_region": true}}\'')
    parser.add_argument("--budget", type=int, default=100, help="unique architectures per run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker (small GPs gain nothing)")
    parser.add_argument("--out", type=Path, default=Path("results/compare"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    from latentnas.benchmarks import get_benchmark
    from latentnas.errors import LatentNASError

    try:
        bench = get_benchmark(args.benchmark)
        datasets = args.datasets or list(bench.datasets)
        for d in datasets:
            bench.check_dataset(d)
        bench.check_fidelity(args.fidelity)
        for s in args.samplers:
            SAMPLERS.get(s)
    except LatentNASError as err:
        print(f"compare.py: error: {err}", file=sys.stderr)
        return 2
    seeds = args.seed_list if args.seed_list is not None else list(range(args.seeds))
    args.seeds = len(seeds)
    jobs = [(args.benchmark, d, args.fidelity, s, seed, args.budget, args.threads, args.options)
            for d in datasets for s in args.samplers for seed in seeds]
    rows: list[dict[str, Any]] = []
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            for i, row in enumerate(pool.map(run_one, jobs, chunksize=1), 1):
                rows.append(row)
                print(f"\r{i}/{len(jobs)} runs", end="", file=sys.stderr)
    else:
        for i, job in enumerate(jobs, 1):
            rows.append(run_one(job))
            print(f"\r{i}/{len(jobs)} runs", end="", file=sys.stderr)
    print(file=sys.stderr)

    args.out.mkdir(parents=True, exist_ok=True)
    fields = [k for k in rows[0] if k != "curve"]
    with open(args.out / "runs.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows({k: r[k] for k in fields} for r in rows)
    with open(args.out / "curves.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["dataset", "sampler", "seed", "query", "test_at_best_valid", "valid_regret"])
        for r in rows:
            for q, test, regret in r["curve"]:
                writer.writerow([r["dataset"], r["sampler"], r["seed"], q, test, f"{regret:.4f}"])
    table = summarize(rows, args.samplers, datasets)
    header = (f"{args.benchmark}" + (f" (searching {args.fidelity})" if args.fidelity else "")
              + f", {args.budget} unique queries, {args.seeds} seeds\n\n")
    (args.out / "table.md").write_text(header + table + "\n")
    (args.out / "summary.json").write_text(json.dumps(
        {"benchmark": args.benchmark, "budget": args.budget, "seeds": args.seeds, "fidelity": args.fidelity,
         "rows": [{k: r[k] for k in fields} for r in rows]}, default=str))
    plot(rows, args.samplers, datasets, args.out / "regret.png")
    print(header + table)
    print(f"\nwrote {args.out}/runs.csv, curves.csv, table.md, summary.json, regret.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
