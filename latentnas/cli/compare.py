"""``latentnas compare``: samplers side by side on a benchmark, same seeds, same budget, written as a record."""

from __future__ import annotations

import argparse
import json
import shlex
from dataclasses import asdict
from pathlib import Path
from typing import Any

from latentnas.cli._common import AddCommand, progress
from latentnas.errors import LatentNASError


def cmd_compare(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    import torch

    from latentnas import evaluation
    from latentnas.benchmarks import get_benchmark
    from latentnas.evaluation.report import require_matplotlib
    from latentnas.samplers import SAMPLERS

    out = Path(args.out)
    argv = ["latentnas", "compare"]
    if args.from_runs:
        paths = [Path(p) for p in args.from_runs]
        curves = [c for p in paths for c in (p.with_name("curves.csv"), p.with_name("curves.csv.gz")) if c.is_file()]
        argv += ["--from-runs", *args.from_runs]
        if args.commit:
            argv += ["--commit", args.commit]
    else:
        if args.command_line or args.commit:
            raise LatentNASError("--command and --commit describe runs made elsewhere; they need --from-runs")
        if args.seeds < 1:
            raise LatentNASError(f"--seeds must be positive, got {args.seeds}")
        try:
            options = json.loads(args.options)
        except json.JSONDecodeError as err:
            raise LatentNASError(f"--options must be a JSON object, got {args.options!r}: {err}") from None
        if not isinstance(options, dict):
            raise LatentNASError(f"--options must be a JSON object of sampler keyword arguments, got {args.options!r}")
        config = evaluation.ComparisonConfig(
            args.benchmark, datasets=tuple(args.datasets or get_benchmark(args.benchmark).datasets),
            samplers=tuple(args.samplers or SAMPLERS.names()),
            seeds=tuple(args.seed_list if args.seed_list is not None else range(args.seeds)), budget=args.budget,
            fidelity=args.fidelity, sampler_options=options, budget_seconds=args.budget_seconds)
        if args.workers < 1:
            raise LatentNASError(f"--workers must be positive, got {args.workers}")
        argv += ["--benchmark", config.benchmark, "--datasets", *config.datasets, "--samplers", *config.samplers]
        argv += (["--seed-list", *map(str, config.seeds)] if args.seed_list is not None else ["--seeds", str(args.seeds)])
        argv += ["--budget", str(config.budget)] + (["--fidelity", config.fidelity] if config.fidelity else [])
        argv += ["--budget-seconds", f"{config.budget_seconds:g}"] if config.budget_seconds is not None else []
        argv += (["--options", json.dumps(options)] if options else []) + ["--workers", str(args.workers)]
    argv += ["--out", args.out] + (["--no-plot"] if args.no_plot else [])
    if not args.force and (out / "runs.csv").exists():
        raise LatentNASError(f"--out {out} holds a record already; pass --force to replace it")
    if not args.no_plot:
        require_matplotlib()
    if args.from_runs:
        records = evaluation.with_ranks(evaluation.read_runs(*paths, curves=curves))
    else:
        if args.threads is None:  # NOTE: small GPs gain nothing from more threads, and runs share the CPUs.
            torch.set_num_threads(1)
        bar = progress(len(config.jobs()), disable=args.json or args.quiet, unit="run", desc="runs")
        records = evaluation.run_comparison(
            config, workers=args.workers, callback=(lambda record: bar.update(1)) if bar is not None else None)
        if bar is not None:
            bar.close()
    command = "\n".join([*args.command_line, shlex.join(argv)])
    files = evaluation.write_record(out, records, command=command, revision=args.commit, plot=not args.no_plot)
    summaries = evaluation.summarize(records, seeds=evaluation.common_seeds(records))
    if not args.json:
        print(evaluation.record_table(records) + f"\nwrote {', '.join(str(f) for f in files)}")
    return {"out": str(out), "files": [str(f) for f in files], "runs": len(records),
            "summaries": [asdict(s) for s in summaries]}


def register(add: AddCommand) -> None:
    """Adds ``compare`` to the parser."""
    p = add("compare", cmd_compare, "compare samplers on a benchmark: same seeds, same budget; writes a record "
                                    "(runs.csv, table.md, command.txt, commit.txt, regret.png)")
    p.add_argument("--benchmark", default="nasbench201", help="tabular benchmark (see `latentnas benchmarks`)")
    p.add_argument("--datasets", nargs="+", default=None, help="datasets of the benchmark (default: all)")
    p.add_argument("--samplers", nargs="+", default=None,
                   help="registered samplers (default: all); NAME+PRUNER (latent-bo+asha, tpe+hyperband) runs NAME "
                        "over the benchmark's fidelities, cheapest first, its pruner deciding the promotions; "
                        "latent-bo+transfer (or latent-bo+transfer+asha) learns from the benchmark's other datasets")
    p.add_argument("--seeds", type=int, default=30, help="seeds 0..N-1")
    p.add_argument("--seed-list", type=int, nargs="+", default=None, help="these seeds instead of 0..N-1")
    p.add_argument("--budget", type=int, default=100, help="unique architectures per run")
    p.add_argument("--fidelity", default=None, help="benchmark column to search (figures judge the main column)")
    p.add_argument("--budget-seconds", type=float, default=None,
                   help="also stop each run once it has paid this many simulated seconds (the table's training "
                        "times, pruned architectures included); the cost table then gives the simulated seconds "
                        "to the top 0.1 %%")
    p.add_argument("--options", default="{}",
                   help='sampler keyword arguments as JSON, e.g. \'{"latent-bo": {"n_initial": 10}}\'')
    p.add_argument("--workers", type=int, default=1, help="processes, one torch thread each")
    p.add_argument("--out", required=True, help="record folder to write")
    p.add_argument("--force", action="store_true", help="replace the record in --out")
    p.add_argument("--no-plot", action="store_true", help="no regret.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--from-runs", nargs="+", default=None, metavar="RUNS_CSV",
                   help="run nothing: make the record from these runs.csv files (each one's curves.csv beside it)")
    p.add_argument("--commit", default=None, help="with --from-runs: the commit the runs ran on")
    p.add_argument("--command", dest="command_line", action="append", default=[],
                   help="with --from-runs: a command that made the runs (repeat for several)")
