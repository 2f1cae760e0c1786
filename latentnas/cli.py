"""The ``latentnas`` command line.

Bad input gets one line on stderr and exit status 2 (``--debug`` shows the traceback); ``--json`` prints one
machine-readable object on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from latentnas.errors import LatentNASError

EXIT_USAGE = 2
ENCODERS = ("gin", "dag")
DECODERS = ("oneshot", "sequential")


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header]] + [[("-" if c is None else f"{c:.4f}" if isinstance(c, float) else str(c))
                                           for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------- commands
def cmd_spaces(args: argparse.Namespace) -> dict[str, Any]:
    from latentnas.spaces import SPACES, get_space

    rows: list[dict[str, Any]] = []
    for name in SPACES:
        space = get_space(name)
        rows.append({"space": name, "ops": list(space.ops), "size": space.size(),
                     "graph_nodes": space.graph_spec.num_nodes})
    if not args.json:
        print(_table([(r["space"], r["size"] or "infinite", r["graph_nodes"], ", ".join(r["ops"])) for r in rows],
                     ["space", "encodings", "graph nodes", "ops"]))
    return {"spaces": rows}


def cmd_benchmarks(args: argparse.Namespace) -> dict[str, Any]:
    from latentnas.benchmarks import BENCHMARKS, get_benchmark

    rows = []
    for name in BENCHMARKS:
        bench = get_benchmark(name)
        rows.append({"benchmark": name, "space": bench.space_name, "datasets": list(bench.datasets),
                     "fidelities": list(bench.fidelities)})
    if not args.json:
        print(_table([(r["benchmark"], r["space"], ", ".join(r["datasets"]), ", ".join(r["fidelities"]) or "-")
                      for r in rows], ["benchmark", "space", "datasets", "fidelities"]))
    return {"benchmarks": rows}


def cmd_search(args: argparse.Namespace) -> dict[str, Any]:
    import optuna

    from latentnas.objectives import BenchmarkObjective
    from latentnas.samplers import make_sampler
    from latentnas.study import DEFAULT_STORAGE, create_study, run_search

    if args.trials < 1:
        raise LatentNASError(f"--trials must be positive, got {args.trials}")
    training = args.objective == "train"
    objective: Any = _training_objective(args) if training else BenchmarkObjective(
        args.benchmark, args.dataset, fidelity=args.fidelity)
    space = objective.space
    if args.space is not None and args.space not in (space.name, space.checkpoint_name):
        raise LatentNASError(
            f"--space '{args.space}' does not match benchmark '{args.benchmark}', whose space is '{space.name}'"
        )
    sampler_kwargs: dict[str, Any] = {}
    if args.checkpoint is not None:
        sampler_kwargs["checkpoint"] = args.checkpoint
    sampler = make_sampler(args.sampler, space, seed=args.seed, **sampler_kwargs)
    storage = args.storage or DEFAULT_STORAGE
    fidelity = f"-{args.fidelity}" if args.fidelity else ""
    source = f"train-{space.name}" if training else args.benchmark
    name = args.study or f"{source}-{args.dataset}{fidelity}-{args.sampler}-seed{args.seed}"
    pruner = None
    if args.pruner == "median":
        if not training:
            raise LatentNASError("--pruner median needs --objective train (table lookups report no epochs)")
        # NOTE: decisions only in the second half of training: early accuracy ranks architectures poorly.
        pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=objective.epochs // 2)
    study = create_study(space, sampler, storage=storage, study_name=name, pruner=pruner)

    bar = _progress(args.trials, disable=args.json or args.quiet)
    done = [len({t.user_attrs.get("arch_key") for t in study.trials if "arch_key" in t.user_attrs})]

    def on_trial(trial: Any, unique: int) -> None:
        if bar is not None and unique > done[0]:
            bar.update(unique - done[0])
            done[0] = unique
            best = study.best_value if unique else None
            bar.set_postfix_str(f"best valid {best:.2f}" if best is not None else "")

    if bar is not None and done[0]:
        bar.update(min(done[0], args.trials))
    result = run_search(study, objective, n_unique=args.trials, callback=on_trial)
    if bar is not None:
        bar.close()
    if training:
        out = {**result.to_dict(), "seed": args.seed, "sampler": args.sampler, "objective": "train",
               "dataset": args.dataset, "epochs": objective.epochs, "device": str(objective.device), "study": name,
               "storage": storage}
        if not args.json:
            print(_table([(k, out[k]) for k in ("best_arch", "best_valid", "best_test", "unique_evaluations", "trials",
                                                 "failures", "device", "study")],
                         ["", f"{args.sampler} training on {args.dataset}, seed {args.seed}"]))
        return out
    stats = objective.stats
    out = {**result.to_dict(), "seed": args.seed, "sampler": args.sampler, "benchmark": args.benchmark,
           "dataset": args.dataset, "fidelity": args.fidelity, "study": name, "storage": storage,
           "optimum_valid": stats.best.valid, "optimum_test": stats.best.test,
           "regret_test": (stats.best.test - result.best_test)
           if result.best_test is not None and stats.best.test is not None else None}
    if not args.json:
        print(_table([(k, out[k]) for k in ("best_arch", "best_valid", "best_test", "optimum_test", "regret_test",
                                             "unique_evaluations", "trials", "duplicates", "failures", "study")],
                     ["", f"{args.sampler} on {args.benchmark}/{args.dataset}, seed {args.seed}"]))
    return out


def _training_objective(args: argparse.Namespace) -> Any:
    from latentnas.datasets import load_dataset
    from latentnas.objectives.training import TrainingObjective
    from latentnas.spaces import get_space

    if args.space is None:
        raise LatentNASError("--objective train needs --space (nasbench-graph for graph data; an image space for images)")
    if args.epochs is not None and args.epochs < 1:
        raise LatentNASError(f"--epochs must be positive, got {args.epochs}")
    data, task = load_dataset(args.dataset, root=args.data_root, seed=args.seed)
    # NOTE: defaults per task kind, as the benchmarks train (NAS-Bench-Graph's Cora setting for graphs).
    settings: dict[str, Any] = ({"epochs": 200, "lr": 0.01, "weight_decay": 5e-4} if task.is_graph else
                                {"epochs": 20, "lr": 0.05, "weight_decay": 5e-4, "optimizer": "sgd", "cosine": True})
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    return TrainingObjective(get_space(args.space), data, task, seed=args.seed, **settings)


def cmd_export(args: argparse.Namespace) -> dict[str, Any]:
    from latentnas.networks import Task
    from latentnas.networks.export import export_network
    from latentnas.spaces import get_space

    space = get_space(args.space)
    arch = space.from_string(args.arch)
    model = None
    if args.task is not None:
        parts = args.task.split(":")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise LatentNASError(f"--task must be KIND:IN_CHANNELS:NUM_CLASSES, e.g. node:1433:7, got {args.task!r}")
        task = Task(parts[0], in_channels=int(parts[1]), num_classes=int(parts[2]))
    elif args.dataset is not None:
        objective = _training_objective(args)
        task = objective.task
        if args.epochs:
            model, evaluation = objective.train(arch)
    else:
        raise LatentNASError("export needs --task KIND:IN_CHANNELS:NUM_CLASSES or --dataset NAME")
    manifest = export_network(space, arch, task, args.out, model=model, seed=args.seed, force=args.force)
    out = {"out": args.out, **{k: manifest[k] for k in ("space", "arch", "task", "params")}}
    if model is not None:
        out.update({"valid": evaluation.valid, "test": evaluation.test})
    if not args.json:
        print(_table([(k, out[k]) for k in out], ["", "exported"]))
    return out


def cmd_pretrain(args: argparse.Namespace) -> dict[str, Any]:
    import time

    from latentnas.spaces import get_space
    from latentnas.vae import save_checkpoint, train_vae
    from latentnas.vae.dataset import pretraining_archs

    space = get_space(args.space)
    if args.encoder is not None and args.encoder not in ENCODERS:
        raise LatentNASError(f"unknown encoder '{args.encoder}'; choices: {', '.join(ENCODERS)}")
    if args.decoder is not None and args.decoder not in DECODERS:
        raise LatentNASError(f"unknown decoder '{args.decoder}'; choices: {', '.join(DECODERS)}")
    for name in ("latent_dim", "epochs", "samples"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise LatentNASError(f"--{name.replace('_', '-')} must be positive, got {value}")
    from pathlib import Path

    out = Path(args.out or f"runs/checkpoints/{space.checkpoint_name}.pt")
    if out.suffix != ".pt":
        raise LatentNASError(f"--out must end in .pt (the manifest goes beside it as .json), got {out}")
    if not args.force and (out.exists() or out.with_suffix(".json").exists()):
        raise LatentNASError(f"--out {out} exists; pass --force to replace it")
    start = time.perf_counter()
    archs = pretraining_archs(space, samples=args.samples or 50_000, seed=args.seed)
    bar = _progress(0, disable=args.json or args.quiet, unit="epoch", desc="pretraining")

    def on_epoch(epoch: int, terms: dict[str, float]) -> None:
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"loss {terms['loss']:.4f}")

    trained = train_vae(space, archs, encoder=args.encoder, decoder=args.decoder, latent_dim=args.latent_dim,
                        epochs=args.epochs, seed=args.seed, progress=on_epoch)
    if bar is not None:
        bar.close()
    seconds = time.perf_counter() - start
    metrics = {**trained.metrics, "seconds": seconds, "train_config": trained.train_config.to_dict(),
               "seed": args.seed}
    manifest = save_checkpoint(out, trained.vae, space=space, configs=trained.config, metrics=metrics)
    result = _vae_metrics(trained.metrics)
    result.update({"seconds": seconds, "checkpoint": str(out), "manifest": str(manifest), "space": space.name,
                   "archs": len(archs)})
    if not args.json:
        print(_table([(k, result[k]) for k in result], ["", f"pretrained {space.name} encoder"]))
    return result


def cmd_encoder_info(args: argparse.Namespace) -> dict[str, Any]:
    import time

    from latentnas.errors import CheckpointError
    from latentnas.spaces import get_space
    from latentnas.vae import read_manifest
    from latentnas.vae.checkpoint import load_checkpoint
    from latentnas.vae.dataset import pretraining_archs
    from latentnas.vae.metrics import prior_metrics, reconstruction_accuracy

    manifest = read_manifest(args.path)
    try:
        space = get_space(manifest["space"])
        if manifest.get("ops") and tuple(manifest["ops"]) != space.ops:  # e.g. NAS-Bench-Graph's proteins ops
            space = get_space(manifest["space"], ops=manifest["ops"])
    except (LatentNASError, TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint {args.path}: {err}") from None
    vae, manifest = load_checkpoint(args.path, space=space)
    start = time.perf_counter()
    archs = pretraining_archs(space, samples=args.samples, seed=args.seed + 1)
    import torch

    keys = {space.canonical_key(a) for a in archs} if space.is_finite else set()
    prior = prior_metrics(space, vae, train_keys=keys, num_samples=10_000,
                          generator=torch.Generator().manual_seed(args.seed))
    result = {"space": space.name, "latent_dim": manifest.get("latent_dim"), "configs": manifest.get("configs"),
              "reconstruction_accuracy": reconstruction_accuracy(space, vae, archs), **prior._asdict(),
              "measured_on": len(archs), "seconds": time.perf_counter() - start,
              "trained_metrics": manifest.get("metrics", {})}
    if not args.json:
        print(_table([(k, result[k]) for k in ("space", "latent_dim", "reconstruction_accuracy", "validity",
                                                "uniqueness", "novelty", "coverage", "measured_on", "seconds")],
                     ["", str(args.path)]))
    return result


def _vae_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "reconstruction_accuracy": metrics.get("holdout_reconstruction") or metrics.get("train_reconstruction"),
        "train_reconstruction": metrics.get("train_reconstruction"),
        "validity": metrics.get("validity"),
        "uniqueness": metrics.get("uniqueness"),
        "novelty": metrics.get("novelty"),
        "coverage": metrics.get("coverage"),
    }


def _progress(total: int, *, disable: bool, unit: str = "arch", desc: str = "unique architectures") -> Any:
    if disable:
        return None
    from tqdm import tqdm

    return tqdm(total=total or None, unit=unit, desc=desc, file=sys.stderr, leave=False)


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
            fidelity=args.fidelity, sampler_options=options)
        if args.workers < 1:
            raise LatentNASError(f"--workers must be positive, got {args.workers}")
        argv += ["--benchmark", config.benchmark, "--datasets", *config.datasets, "--samplers", *config.samplers]
        argv += (["--seed-list", *map(str, config.seeds)] if args.seed_list is not None else ["--seeds", str(args.seeds)])
        argv += ["--budget", str(config.budget)] + (["--fidelity", config.fidelity] if config.fidelity else [])
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
        bar = _progress(len(config.jobs()), disable=args.json or args.quiet, unit="run", desc="runs")
        records = evaluation.run_comparison(config, workers=args.workers, callback=bar.update if bar is not None else None)
        if bar is not None:
            bar.close()
    command = "\n".join([*args.command_line, shlex.join(argv)])
    files = evaluation.write_record(out, records, command=command, revision=args.commit, plot=not args.no_plot)
    summaries = evaluation.summarize(records, seeds=evaluation.common_seeds(records))
    if not args.json:
        print(evaluation.record_table(records) + f"\nwrote {', '.join(str(f) for f in files)}")
    return {"out": str(out), "files": [str(f) for f in files], "runs": len(records),
            "summaries": [asdict(s) for s in summaries]}


# --------------------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="latentnas", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], dict[str, Any]], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--threads", type=int, default=None,
                       help="torch CPU threads (default: torch's choice; 1 is often fastest on a shared machine)")
        p.set_defaults(func=func)
        return p

    add("spaces", cmd_spaces, "list the search spaces")
    add("benchmarks", cmd_benchmarks, "list the tabular benchmarks and their datasets")

    p = add("search", cmd_search, "search a space on a benchmark (resumes a study of the same name)")
    p.add_argument("--benchmark", default="nasbench201", help="tabular benchmark (see `latentnas benchmarks`)")
    p.add_argument("--dataset", default="cifar10", help="dataset of the benchmark")
    p.add_argument("--space", default=None, help="space (default: the benchmark's)")
    p.add_argument("--fidelity", default=None, help="benchmark column to search, e.g. 12ep (default: final)")
    p.add_argument("--sampler", default="random", help="random, evolution, local-search, tpe, ...")
    p.add_argument("--checkpoint", default=None, help="pretrained encoder for latent samplers")
    p.add_argument("--trials", type=int, default=100, help="unique architectures to evaluate (in total)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--storage", default=None, help="Optuna storage URL (default: sqlite:///runs/latentnas.db)")
    p.add_argument("--study", default=None, help="study name; an existing study is resumed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--objective", choices=("benchmark", "train"), default="benchmark",
                   help="look architectures up in --benchmark, or train them on --dataset")
    p.add_argument("--data-root", default=None, help="dataset folder for --objective train (default: a cache)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs per architecture (--objective train)")
    p.add_argument("--pruner", choices=("none", "median"), default="none",
                   help="stop trials below the median of earlier ones at the same epoch, from half the epochs on "
                        "(--objective train); pruned architectures do not count toward --trials")

    p = add("export", cmd_export, "write an architecture's network as standalone model.py, weights.pt, arch.json")
    p.add_argument("--space", required=True, help="search space (see `latentnas spaces`)")
    p.add_argument("--arch", required=True, help="architecture in the space's string format")
    p.add_argument("--task", default=None, help="KIND:IN_CHANNELS:NUM_CLASSES, e.g. node:1433:7 or image:3:10")
    p.add_argument("--dataset", default=None, help="take the task from a dataset (Cora, MUTAG, digits, ...)")
    p.add_argument("--data-root", default=None, help="dataset folder (default: a cache)")
    p.add_argument("--epochs", type=int, default=None, help="with --dataset: train this many epochs first")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--force", action="store_true", help="replace an existing export")

    p = add("pretrain", cmd_pretrain, "pretrain the graph VAE on a space, without labels, and save a checkpoint")
    p.add_argument("--space", required=True, help="search space (see `latentnas spaces`)")
    p.add_argument("--encoder", default=None, help="gin (as arch2vec) or dag (as D-VAE); default: the space's tuned one")
    p.add_argument("--decoder", default=None, help="oneshot or sequential (as D-VAE); default: the space's tuned one")
    p.add_argument("--latent-dim", type=int, default=None, help="latent size (default: the space's tuned one)")
    p.add_argument("--epochs", type=int, default=None, help="default: the space's tuned number")
    p.add_argument("--samples", type=int, default=None, help="architectures drawn from an infinite space")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None,
                   help="weights path (default runs/checkpoints/SPACE.pt); the manifest is written beside it (.json)")
    p.add_argument("--force", action="store_true", help="replace an existing checkpoint at --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add("encoder-info", cmd_encoder_info, "load a checkpoint and measure its metrics again")
    p.add_argument("path", help="checkpoint weights file (.pt) with its manifest beside it")
    p.add_argument("--samples", type=int, default=20_000, help="architectures drawn from an infinite space")
    p.add_argument("--seed", type=int, default=0)
    p = add("compare", cmd_compare, "compare samplers on a benchmark: same seeds, same budget; writes a record "
                                    "(runs.csv, table.md, command.txt, commit.txt, regret.png)")
    p.add_argument("--benchmark", default="nasbench201", help="tabular benchmark (see `latentnas benchmarks`)")
    p.add_argument("--datasets", nargs="+", default=None, help="datasets of the benchmark (default: all)")
    p.add_argument("--samplers", nargs="+", default=None, help="registered samplers (default: all)")
    p.add_argument("--seeds", type=int, default=30, help="seeds 0..N-1")
    p.add_argument("--seed-list", type=int, nargs="+", default=None, help="these seeds instead of 0..N-1")
    p.add_argument("--budget", type=int, default=100, help="unique architectures per run")
    p.add_argument("--fidelity", default=None, help="benchmark column to search (figures judge the main column)")
    p.add_argument("--options", default="{}",
                   help='sampler keyword arguments as JSON, e.g. \'{"latent-bo": {"n_initial": 10}}\'')
    p.add_argument("--workers", type=int, default=1, help="processes, one torch thread each")
    p.add_argument("--out", required=True, help="record folder to write")
    p.add_argument("--force", action="store_true", help="replace the record in --out")
    p.add_argument("--no-plot", action="store_true", help="no regret.png (plots need latentnas[plot])")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--from-runs", nargs="+", default=None, metavar="RUNS_CSV",
                   help="run nothing: make the record from these runs.csv files (each one's curves.csv beside it)")
    p.add_argument("--commit", default=None, help="with --from-runs: the commit the runs ran on")
    p.add_argument("--command", dest="command_line", action="append", default=[],
                   help="with --from-runs: a command that made the runs (repeat for several)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        if getattr(args, "threads", None) is not None:
            if args.threads < 1:
                raise LatentNASError(f"--threads must be positive, got {args.threads}")
            import torch

            torch.set_num_threads(args.threads)
        out = args.func(args)
    except LatentNASError as err:
        if args.debug:
            raise
        print(f"latentnas {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
