"""``latentnas search``, ``studies`` and ``compare``: searching on a study, listing studies, comparing samplers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from latentnas.cli._common import AddCommand, progress, refuse, table
from latentnas.cli.parsing import positive_int
from latentnas.errors import InvalidArgumentError, LatentNASError, StorageError, UnknownNameError

#: The benchmark ``search`` looks architectures up in unless told otherwise.
DEFAULT_BENCHMARK = "nasbench201"


def cmd_search(args: argparse.Namespace) -> dict[str, Any]:
    from latentnas.objectives import BenchmarkObjective, MultiFidelityObjective
    from latentnas.objectives.fidelities import fidelity_name
    from latentnas.pareto import METRICS, parse_constraints, parse_objectives
    from latentnas.samplers import SAMPLERS, capabilities, make_sampler, names_with
    from latentnas.search import pareto_trials, summarize
    from latentnas.study import PRUNERS, create_study, default_storage, make_pruner, resume, run_search

    training = args.objective == "train"
    SAMPLERS.get(args.sampler)  # an unknown name fails before anything is loaded, with the choices
    metrics = parse_objectives(args.objectives) if args.objectives is not None else ("valid",)
    bounds = parse_constraints(args.constraint)
    several = len(metrics) > 1
    if several and not capabilities(args.sampler).several_objectives:
        raise InvalidArgumentError(f"sampler '{args.sampler}' searches one objective; with --objectives "
                                   f"{','.join(metrics)} choose one of {', '.join(names_with('several_objectives'))}")
    if (several or bounds) and args.transfer:
        raise InvalidArgumentError("--transfer applies to a search of valid alone without --constraint")
    if several and args.pruner != "none":
        raise InvalidArgumentError(f"--pruner applies to a search of one objective, not of {','.join(metrics)}")
    if args.pruner not in PRUNERS:
        raise UnknownNameError(f"unknown pruner '{args.pruner}'; choices: {', '.join(PRUNERS)}")
    if args.transfer and not capabilities(args.sampler).transfer:
        raise InvalidArgumentError(
            f"--transfer applies to {', '.join(names_with('transfer'))}, not '{args.sampler}'")
    if args.checkpoint is not None and not capabilities(args.sampler).latent:
        raise InvalidArgumentError(
            f"--checkpoint applies to latent samplers ({', '.join(names_with('latent'))}), not '{args.sampler}'"
        )
    if training:
        refuse(args, ("benchmark", "fidelity"), applies="to --objective benchmark (--objective train trains on "
                                                          "--dataset)")
    else:
        refuse(args, ("epochs", "data_root", "data", "device", "amp"),
                applies="with --objective train (--objective benchmark looks up a table)")
        if args.pruner != "none":
            refuse(args, ("fidelity",), applies="without --pruner (a pruner goes through every column of the table, "
                                                 "cheapest first)")
        args.benchmark = args.benchmark or DEFAULT_BENCHMARK
    objective: Any
    if training:
        objective = training_objective(args)
    elif args.pruner != "none":  # several fidelities: cheap columns first, the pruner promotes
        objective = MultiFidelityObjective(args.benchmark, args.dataset)
        args.fidelity = "-".join(map(fidelity_name, objective.fidelities))
    else:
        objective = BenchmarkObjective(args.benchmark, args.dataset, fidelity=args.fidelity)
    space = objective.space
    if not training:  # a metric the table lacks is refused before anything is stored
        recorded = next(iter(objective.benchmark.records(args.dataset).values())).user_attrs()
        for metric in dict.fromkeys([*metrics, *(c.metric for c in bounds)]):
            if metric not in recorded:
                raise InvalidArgumentError(
                    f"benchmark '{args.benchmark}' has no '{metric}' for {args.dataset}; its metrics: "
                    f"{', '.join(m for m in METRICS if m in recorded)}")
    if args.space is not None and args.space not in (space.name, space.checkpoint_name):
        raise InvalidArgumentError(
            f"--space '{args.space}' does not match benchmark '{args.benchmark}', whose space is '{space.name}'"
        )
    if training:  # a space that cannot serve the task is refused before anything is stored
        space.network_spec(space.sample(0), objective.task)
    pruner = make_pruner(args.pruner, objective)
    sampler_kwargs: dict[str, Any] = {}
    if args.checkpoint is not None:
        sampler_kwargs["checkpoint"] = args.checkpoint
    if args.transfer:
        sampler_kwargs["transfer"] = transfer_sources(args, space, training)
    sampler = make_sampler(args.sampler, space, seed=args.seed, **sampler_kwargs)
    storage = args.storage or default_storage()
    fidelity = f"-{args.fidelity}" if args.fidelity else ""
    source = f"train-{space.name}" if training else args.benchmark
    goals = ("-" + "-".join(metrics) if several else "") + "".join(f"-{c}" for c in bounds)
    name = args.study or f"{source}-{args.dataset}{fidelity}-{args.sampler}-seed{args.seed}{goals}"
    # What the study's results depend on beside its space and sampler; a resume that differs is refused.
    describe = getattr(sampler, "describe", None)
    identity = {"objective": args.objective, "benchmark": None if training else args.benchmark,
                "dataset": args.dataset, "fidelity": args.fidelity, "epochs": objective.epochs if training else None,
                "data": str(Path(args.data).resolve()) if args.data else None,
                "data_root": str(Path(args.data_root).resolve()) if args.data_root else None,
                "encoder_sha256": describe().get("checkpoint_sha256") if callable(describe) else None}
    study = create_study(space, sampler, storage=storage, study_name=name, pruner=pruner,
                         direction=getattr(objective, "direction", "maximize"), identity=identity,
                         objectives=metrics if (several or bounds) else None, constraints=bounds)
    resumed = resume(study, args.trials)
    if resumed.message() is not None:
        print(f"latentnas search: {resumed.message()}", file=sys.stderr)

    bar = progress(args.trials, disable=args.json or args.quiet)
    done = [len({t.user_attrs.get("arch_key") for t in study.trials if "arch_key" in t.user_attrs})]

    def on_trial(trial: Any, unique: int) -> None:
        if bar is not None and unique > done[0]:
            bar.update(unique - done[0])
            done[0] = unique
            if several:
                bar.set_postfix_str(f"front of {len(pareto_trials(study))}")
                return
            best = summarize(study).best_valid if unique else None
            label = getattr(objective, "metric", "")  # accuracy, or a regression error (minimized)
            bar.set_postfix_str(f"best valid {label} {best:.4g}" if best is not None else "")

    if bar is not None and done[0]:
        bar.update(min(done[0], args.trials))
    result = run_search(study, objective, n_unique=args.trials, callback=on_trial)
    if bar is not None:
        bar.close()
    result_dict = {**result.to_dict(), "resumed": resumed.to_dict(), "constraints": [str(c) for c in bounds]}
    if several and not training:
        from latentnas.evaluation.several import table_front

        front = table_front(args.benchmark, args.dataset, metrics)
        result_dict["hypervolume_ratio"] = front.ratio([p["values"] for p in result.pareto]) if result.pareto else 0.0
        result_dict["hypervolume_reference"] = list(front.reference)
    if several and not args.json:
        print(table([(p["arch"], *(f"{v:.4g}" for v in p["values"])) for p in result.pareto],
                    ["Pareto front found (feasible)", *metrics]))
        if "hypervolume_ratio" in result_dict:
            reference = ", ".join(f"{m} {v:.4g}" for m, v in zip(metrics, front.reference))
            print(f"hypervolume: {result_dict['hypervolume_ratio']:.3f} of the table's exact front "
                  f"(reference point: the table's medians, {reference})")
    if training:
        out = {**result_dict, "seed": args.seed, "sampler": args.sampler, "objective": "train",
               "dataset": args.dataset, "epochs": objective.epochs, "device": str(objective.device), "study": name,
               "storage": storage, "data": args.data, "task": objective.task.to_dict(), "metric": objective.metric,
               "direction": objective.direction, "split": objective.split.to_dict()}
        if not args.json:
            rows = [(k, out[k]) for k in ("best_arch", "best_valid", "best_test", "unique_evaluations", "trials",
                                          "failures", "infeasible", "device", "study")]
            metric = f"{objective.metric} ({objective.direction}d)"  # e.g. "mae (minimized)"
            print(table([*rows[:3], ("metric", metric), *rows[3:], ("split", objective.split.describe())],
                         ["", f"{args.sampler} training on {args.dataset}, seed {args.seed}"]))
        return out
    stats = objective.stats
    out = {**result_dict, "seed": args.seed, "sampler": args.sampler, "benchmark": args.benchmark,
           "dataset": args.dataset, "fidelity": args.fidelity, "study": name, "storage": storage,
           "optimum_valid": stats.best.valid, "optimum_test": stats.best.test,
           "regret_test": stats.test_regret(result.best_test)}
    if not args.json:
        print(table([(k, out[k]) for k in ("best_arch", "best_valid", "best_test", "optimum_test", "regret_test",
                                             "unique_evaluations", "trials", "duplicates", "failures", "infeasible",
                                             "study")],
                     ["", f"{args.sampler} on {args.benchmark}/{args.dataset}, seed {args.seed}"]))
    return out


def transfer_sources(args: argparse.Namespace, space: Any, training: bool) -> list[Any]:
    """``--transfer``'s sources: the tables of the benchmark of ``space``, but the searched dataset's own."""
    from latentnas.benchmarks import BENCHMARKS, get_benchmark

    names = [n for n in BENCHMARKS.names() if get_benchmark(n).space_name == space.name]
    if not names:
        raise InvalidArgumentError(f"--transfer needs a benchmark of space '{space.name}' to learn from; "
                                   f"none has one (benchmarks: {', '.join(BENCHMARKS.names())})")
    bench = get_benchmark(args.benchmark if not training else names[0])
    # Training on a dataset the benchmark has a table of (Cora): that table is the target's own, never a source.
    target = args.dataset.lower() if args.dataset and args.dataset.lower() in bench.datasets else None
    return bench.transfer_sources(target)


def training_objective(args: argparse.Namespace) -> Any:
    from latentnas.data_files import load_data
    from latentnas.datasets import load_dataset
    from latentnas.objectives.training import TrainingObjective, choose_device
    from latentnas.spaces import get_space

    if args.space is None:
        raise InvalidArgumentError(
            "--objective train needs --space (nasbench-graph for graph data; an image space for images)"
        )
    space = get_space(args.space)
    device = choose_device(args.device)  # a device that is not there is refused before any data is read
    if args.data is not None:
        refuse(args, ("data_root",), applies="with --dataset (--data names its own path)")
        data, task = load_data(args.data)
        args.dataset = Path(args.data).stem  # names the study and the output
    else:
        data, task = load_dataset(args.dataset, root=args.data_root, seed=args.seed)
    return TrainingObjective.for_task(space, data, task, seed=args.seed, epochs=args.epochs, device=device,
                                      amp=args.amp)


def add_training_device(p: argparse.ArgumentParser) -> None:
    """``--device`` and ``--amp/--no-amp``: where and in what precision candidates train."""
    p.add_argument("--device", default=None,
                   help="where candidates train: cpu, cuda, cuda:N or mps (default: cuda when there is one, else cpu)")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                   help="bfloat16 autocast while training (default: on for CUDA, off elsewhere)")


def cmd_studies(args: argparse.Namespace) -> dict[str, Any]:
    import optuna

    from latentnas.study import SAMPLER_ATTR, default_storage, open_storage, summarize

    url = args.storage or default_storage()
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        raise StorageError(f"no storage at '{url}' (nothing searched there yet)")  # never create one to list it
    storage = open_storage(url)
    rows: list[dict[str, Any]] = []
    for summary in optuna.get_all_study_summaries(storage, include_best_trial=False):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        result = summarize(study)
        sampler = study.user_attrs.get(SAMPLER_ATTR)  # our samplers' describe(), else a class name
        rows.append({"study": summary.study_name, "space": result.space or None,
                     "sampler": sampler.get("sampler") if isinstance(sampler, dict) else sampler,
                     "unique_evaluations": result.unique_evaluations, "trials": result.trials,
                     "best_arch": result.best_arch, "best_valid": result.best_valid, "best_test": result.best_test})
    if not args.json:
        print(f"storage: {url}")
        print(table([(r["study"], r["space"], r["sampler"], r["unique_evaluations"], r["best_valid"], r["best_arch"])
                      for r in rows], ["study", "space", "sampler", "unique", "best valid", "best architecture"]))
    return {"storage": url, "studies": rows}


def cmd_compare(args: argparse.Namespace) -> dict[str, Any]:
    import shlex
    from dataclasses import asdict
    from pathlib import Path

    from latentnas import evaluation
    from latentnas.evaluation.report import require_matplotlib

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
        from latentnas.benchmarks import get_benchmark
        from latentnas.samplers import SAMPLERS

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
            import torch

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
    """Adds the subcommands of this module to the parser."""
    p = add("search", cmd_search, "search a space on a benchmark (resumes a study of the same name)")
    p.add_argument("--benchmark", default=None,
                   help=f"tabular benchmark (see `latentnas benchmarks`; default: {DEFAULT_BENCHMARK})")
    p.add_argument("--dataset", default="cifar10", help="dataset of the benchmark")
    p.add_argument("--space", default=None, help="space (default: the benchmark's)")
    p.add_argument("--fidelity", default=None, help="benchmark column to search, e.g. 12ep (default: final)")
    p.add_argument("--sampler", default="random", help="random, evolution, local-search, tpe, ...")
    p.add_argument("--checkpoint", default=None, help="pretrained encoder for latent samplers")
    p.add_argument("--transfer", action="store_true",
                   help="latent-bo learns from the benchmark's tables of the other datasets of the space (how far to "
                        "trust each is learned from this search's results)")
    p.add_argument("--objectives", default=None, metavar="METRICS",
                   help="metrics to optimize, comma-separated: valid (maximized), latency, params (minimized), e.g. "
                        "valid,latency: searches their Pareto front (samplers: random, tpe, nsga2, latent-bo; default: "
                        "valid alone)")
    p.add_argument("--constraint", action="append", default=[], metavar="BOUND",
                   help="a bound every reported architecture must satisfy, e.g. 'params<=1.0' (millions) or "
                        "'latency<=0.005' (seconds); repeat for several. latent-bo, tpe and nsga2 avoid infeasible "
                        "regions; an infeasible architecture is never reported as best")
    p.add_argument("--trials", type=positive_int, default=100, help="unique architectures to evaluate (in total)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--storage", default=None,
                   help="Optuna storage: sqlite:///FILE.db, postgresql://USER@HOST/DB (many workers), "
                        "journal:///FILE.log or grpc://HOST:PORT (default: sqlite:///$LATENTNAS_HOME/latentnas.db, "
                        "LATENTNAS_HOME defaulting to ~/.local/share/latentnas); workers on one --study share "
                        "its --trials")
    p.add_argument("--study", default=None, help="study name; an existing study is resumed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--objective", choices=("benchmark", "train"), default="benchmark",
                   help="look architectures up in --benchmark, or train them on --dataset")
    p.add_argument("--data-root", default=None, help="dataset folder for --objective train (default: a cache)")
    p.add_argument("--data", default=None, metavar="PATH",
                   help="train on your own graphs instead of --dataset (--objective train): a torch.save'd Data, list "
                        "of Data or dict of train/valid/test lists, or a processed PyG dataset folder")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="training epochs per architecture (--objective train)")
    add_training_device(p)
    p.add_argument("--pruner", default="none",
                   help="none; median (stop trials below the median of earlier ones at the same epoch, from half the "
                        "epochs on); asha (successive halving: go on past a rung only in the top third); or hyperband. "
                        "With --objective train it prunes epochs; on a benchmark it looks each architecture up at the "
                        "cheap column first (NB201: 12 epochs) and in full only if the pruner promotes it. Pruned "
                        "architectures do not count toward --trials")

    p = add("studies", cmd_studies, "list the studies of a storage: space, sampler, unique architectures, best")
    p.add_argument("--storage", default=None, help="Optuna storage URL (default: latentnas's own, the one `latentnas studies` lists)")

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
