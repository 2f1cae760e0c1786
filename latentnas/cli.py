"""The ``latentnas`` command line.

Bad input gets one line on stderr and exit status 2 (``--debug`` shows the traceback); ``--json`` prints one
machine-readable object on stdout. The commands only parse, call the library and print: defaults and policies live
with the library objects they belong to.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from latentnas import __version__
from latentnas.errors import InvalidArgumentError, LatentNASError, StorageError, UnknownNameError

EXIT_USAGE = 2
#: The benchmark ``search`` looks architectures up in unless told otherwise.
DEFAULT_BENCHMARK = "nasbench201"


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
    from latentnas.objectives import BenchmarkObjective
    from latentnas.samplers import LATENT_SAMPLERS, SAMPLERS, make_sampler
    from latentnas.study import PRUNERS, create_study, default_storage, make_pruner, resume, run_search

    training = args.objective == "train"
    SAMPLERS.get(args.sampler)  # an unknown name fails before anything is loaded, with the choices
    if args.pruner not in PRUNERS:
        raise UnknownNameError(f"unknown pruner '{args.pruner}'; choices: {', '.join(PRUNERS)}")
    if args.checkpoint is not None and args.sampler not in LATENT_SAMPLERS:
        raise InvalidArgumentError(
            f"--checkpoint applies to latent samplers ({', '.join(LATENT_SAMPLERS)}), not '{args.sampler}'"
        )
    if training:
        _refuse(args, ("benchmark", "fidelity"), applies="to --objective benchmark (--objective train trains on "
                                                          "--dataset)")
    else:
        _refuse(args, ("epochs", "data_root", "data"),
                applies="with --objective train (--objective benchmark looks up a table)")
        if args.pruner != "none":
            raise InvalidArgumentError(f"--pruner {args.pruner} needs --objective train (table lookups report no epochs)")
        args.benchmark = args.benchmark or DEFAULT_BENCHMARK
    objective: Any = _training_objective(args) if training else BenchmarkObjective(
        args.benchmark, args.dataset, fidelity=args.fidelity)
    space = objective.space
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
    sampler = make_sampler(args.sampler, space, seed=args.seed, **sampler_kwargs)
    storage = args.storage or default_storage()
    fidelity = f"-{args.fidelity}" if args.fidelity else ""
    source = f"train-{space.name}" if training else args.benchmark
    name = args.study or f"{source}-{args.dataset}{fidelity}-{args.sampler}-seed{args.seed}"
    # What the study's results depend on beside its space and sampler; a resume that differs is refused.
    describe = getattr(sampler, "describe", None)
    identity = {"objective": args.objective, "benchmark": None if training else args.benchmark,
                "dataset": args.dataset, "fidelity": args.fidelity, "epochs": objective.epochs if training else None,
                "data": str(Path(args.data).resolve()) if args.data else None,
                "data_root": str(Path(args.data_root).resolve()) if args.data_root else None,
                "encoder_sha256": describe().get("checkpoint_sha256") if callable(describe) else None}
    study = create_study(space, sampler, storage=storage, study_name=name, pruner=pruner,
                         direction=getattr(objective, "direction", "maximize"), identity=identity)
    resumed = resume(study, args.trials)
    if resumed.message() is not None:
        print(f"latentnas search: {resumed.message()}", file=sys.stderr)

    bar = _progress(args.trials, disable=args.json or args.quiet)
    done = [len({t.user_attrs.get("arch_key") for t in study.trials if "arch_key" in t.user_attrs})]

    def on_trial(trial: Any, unique: int) -> None:
        if bar is not None and unique > done[0]:
            bar.update(unique - done[0])
            done[0] = unique
            best = study.best_value if unique else None
            label = getattr(objective, "metric", "")  # accuracy, or a regression error (minimized)
            bar.set_postfix_str(f"best valid {label} {best:.4g}" if best is not None else "")

    if bar is not None and done[0]:
        bar.update(min(done[0], args.trials))
    result = run_search(study, objective, n_unique=args.trials, callback=on_trial)
    if bar is not None:
        bar.close()
    result_dict = {**result.to_dict(), "resumed": resumed.to_dict()}
    if training:
        out = {**result_dict, "seed": args.seed, "sampler": args.sampler, "objective": "train",
               "dataset": args.dataset, "epochs": objective.epochs, "device": str(objective.device), "study": name,
               "storage": storage, "data": args.data, "task": objective.task.to_dict(), "metric": objective.metric,
               "direction": objective.direction, "split": objective.split.to_dict()}
        if not args.json:
            rows = [(k, out[k]) for k in ("best_arch", "best_valid", "best_test", "unique_evaluations", "trials",
                                          "failures", "device", "study")]
            metric = f"{objective.metric} ({objective.direction}d)"  # e.g. "mae (minimized)"
            print(_table([*rows[:3], ("metric", metric), *rows[3:], ("split", objective.split.describe())],
                         ["", f"{args.sampler} training on {args.dataset}, seed {args.seed}"]))
        return out
    stats = objective.stats
    out = {**result_dict, "seed": args.seed, "sampler": args.sampler, "benchmark": args.benchmark,
           "dataset": args.dataset, "fidelity": args.fidelity, "study": name, "storage": storage,
           "optimum_valid": stats.best.valid, "optimum_test": stats.best.test,
           "regret_test": stats.test_regret(result.best_test)}
    if not args.json:
        print(_table([(k, out[k]) for k in ("best_arch", "best_valid", "best_test", "optimum_test", "regret_test",
                                             "unique_evaluations", "trials", "duplicates", "failures", "study")],
                     ["", f"{args.sampler} on {args.benchmark}/{args.dataset}, seed {args.seed}"]))
    return out


def _training_objective(args: argparse.Namespace) -> Any:
    from latentnas.datasets import load_data, load_dataset
    from latentnas.objectives.training import TrainingObjective
    from latentnas.spaces import get_space

    if args.space is None:
        raise InvalidArgumentError(
            "--objective train needs --space (nasbench-graph for graph data; an image space for images)"
        )
    space = get_space(args.space)
    if args.data is not None:
        _refuse(args, ("data_root",), applies="with --dataset (--data names its own path)")
        data, task = load_data(args.data)
        args.dataset = Path(args.data).stem  # names the study and the output
    else:
        data, task = load_dataset(args.dataset, root=args.data_root, seed=args.seed)
    return TrainingObjective.for_task(space, data, task, seed=args.seed, epochs=args.epochs)


def _refuse(args: argparse.Namespace, names: Sequence[str], *, applies: str) -> None:
    """Refuses the options ``names`` when given: they apply only ``applies``, not to what was chosen."""
    for name in names:
        if getattr(args, name, None) is not None:
            raise InvalidArgumentError(f"--{name.replace('_', '-')} applies only {applies}")


def cmd_export(args: argparse.Namespace) -> dict[str, Any]:
    from latentnas.networks import Task
    from latentnas.networks.export import export_network
    from latentnas.spaces import get_space

    space = get_space(args.space)
    arch = space.from_string(args.arch)
    model = None
    if args.task is not None:
        if args.dataset is not None or args.data is not None:
            raise InvalidArgumentError("--task and --dataset (or --data) both give the task; pass one of them")
        _refuse(args, ("epochs", "data_root"), applies="with --dataset")
        parts = args.task.split(":")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise InvalidArgumentError(
                f"--task must be KIND:IN_CHANNELS:NUM_CLASSES, e.g. node:1433:7, got {args.task!r}"
            )
        task = Task(parts[0], in_channels=int(parts[1]), num_classes=int(parts[2]))
    elif args.dataset is not None or args.data is not None:
        if args.dataset is not None and args.data is not None:
            raise InvalidArgumentError("--dataset and --data both give the data; pass one of them")
        objective = _training_objective(args)
        task = objective.task
        if args.epochs:
            model, evaluation = objective.train(arch)
    else:
        raise InvalidArgumentError("export needs --task KIND:IN_CHANNELS:NUM_CLASSES, --dataset NAME or --data PATH")
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
    from latentnas.vae import default_train_config, save_checkpoint, train_vae
    from latentnas.vae.dataset import pretraining_archs

    space = get_space(args.space)
    if args.samples is not None and space.is_finite:
        raise InvalidArgumentError(f"--samples applies to infinite spaces; '{space.name}' is enumerated")
    # Unknown encoder or decoder kinds fail here, with the encoders' own choices, before any data is drawn.
    config = default_train_config(space.name, encoder=args.encoder, decoder=args.decoder, latent_dim=args.latent_dim,
                                  epochs=args.epochs)
    out = Path(args.out or f"runs/checkpoints/{space.checkpoint_name}.pt")
    if out.suffix != ".pt":
        raise InvalidArgumentError(f"--out must end in .pt (the manifest goes beside it as .json), got {out}")
    if out.is_dir() or out.with_suffix(".json").is_dir():
        raise InvalidArgumentError(f"--out {out} is a folder; give the path of a .pt file")
    if not args.force and (out.exists() or out.with_suffix(".json").exists()):
        raise InvalidArgumentError(f"--out {out} exists; pass --force to replace it")
    try:  # before hours of training, not after
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InvalidArgumentError(f"--out {out}: cannot create its folder ({err.strerror})") from None
    start = time.perf_counter()
    archs = pretraining_archs(space, samples=args.samples or 50_000, seed=args.seed)
    bar = _progress(0, disable=args.json or args.quiet, unit="epoch", desc="pretraining")

    def on_epoch(epoch: int, terms: dict[str, float]) -> None:
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"loss {terms['loss']:.4f}")

    trained = train_vae(space, archs, config=config, seed=args.seed, progress=on_epoch)
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

    from latentnas.vae import checkpoint_space, load_checkpoint
    from latentnas.vae.dataset import pretraining_archs
    from latentnas.vae.metrics import prior_metrics, reconstruction_accuracy

    space = checkpoint_space(args.path)  # e.g. NAS-Bench-Graph with the proteins ops
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
        print(_table([(r["study"], r["space"], r["sampler"], r["unique_evaluations"], r["best_valid"], r["best_arch"])
                      for r in rows], ["study", "space", "sampler", "unique", "best valid", "best architecture"]))
    return {"storage": url, "studies": rows}


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

    return tqdm(total=total or None, unit=unit, desc=desc, file=sys.stderr, leave=True)


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
class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``latentnas search: error: ...`` on stderr, exit status 2, no usage block
    (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_one_line(message)}\n")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` for integers ``>= minimum``, with a message that names what was expected."""
    expected = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


positive_int = _int_at_least(1)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="latentnas", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], dict[str, Any]], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--threads", type=positive_int, default=None,
                       help="torch CPU threads for this run (default: latentnas uses one thread for GP work and "
                            "torch's choice for training; 1 is often fastest on a shared machine)")
        p.set_defaults(func=func)
        return p

    add("spaces", cmd_spaces, "list the search spaces")
    add("benchmarks", cmd_benchmarks, "list the tabular benchmarks and their datasets")

    p = add("search", cmd_search, "search a space on a benchmark (resumes a study of the same name)")
    p.add_argument("--benchmark", default=None,
                   help=f"tabular benchmark (see `latentnas benchmarks`; default: {DEFAULT_BENCHMARK})")
    p.add_argument("--dataset", default="cifar10", help="dataset of the benchmark")
    p.add_argument("--space", default=None, help="space (default: the benchmark's)")
    p.add_argument("--fidelity", default=None, help="benchmark column to search, e.g. 12ep (default: final)")
    p.add_argument("--sampler", default="random", help="random, evolution, local-search, tpe, ...")
    p.add_argument("--checkpoint", default=None, help="pretrained encoder for latent samplers")
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
    p.add_argument("--pruner", default="none",
                   help="none, or median: stop trials below the median of earlier ones at the same epoch, from half "
                        "the epochs on (--objective train); pruned architectures do not count toward --trials")

    p = add("export", cmd_export, "write an architecture's network as standalone model.py, weights.pt, arch.json")
    p.add_argument("--space", required=True, help="search space (see `latentnas spaces`)")
    p.add_argument("--arch", required=True, help="architecture in the space's string format")
    p.add_argument("--task", default=None, help="KIND:IN_CHANNELS:NUM_CLASSES, e.g. node:1433:7 or image:3:10")
    p.add_argument("--dataset", default=None, help="take the task from a dataset (Cora, MUTAG, digits, ...)")
    p.add_argument("--data-root", default=None, help="dataset folder (default: a cache)")
    p.add_argument("--data", default=None, metavar="PATH",
                   help="take the task from your own graphs (a torch.save'd Data or list of Data, or a processed "
                        "PyG dataset folder)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="with --dataset or --data: train this many epochs first")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--force", action="store_true", help="replace an existing export")

    p = add("pretrain", cmd_pretrain, "pretrain the graph VAE on a space, without labels, and save a checkpoint")
    p.add_argument("--space", required=True, help="search space (see `latentnas spaces`)")
    p.add_argument("--encoder", default=None, help="gin (as arch2vec) or dag (as D-VAE); default: the space's tuned one")
    p.add_argument("--decoder", default=None, help="oneshot or sequential (as D-VAE); default: the space's tuned one")
    p.add_argument("--latent-dim", type=positive_int, default=None, help="latent size (default: the space's tuned one)")
    p.add_argument("--epochs", type=positive_int, default=None, help="default: the space's tuned number")
    p.add_argument("--samples", type=_int_at_least(2), default=None,
                   help="architectures drawn from an infinite space (default: 50000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None,
                   help="weights path (default runs/checkpoints/SPACE.pt); the manifest is written beside it (.json)")
    p.add_argument("--force", action="store_true", help="replace an existing checkpoint at --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add("encoder-info", cmd_encoder_info, "load a checkpoint and measure its metrics again")
    p.add_argument("path", help="checkpoint weights file (.pt) with its manifest beside it")
    p.add_argument("--samples", type=_int_at_least(2), default=20_000,
                   help="architectures drawn from an infinite space")
    p.add_argument("--seed", type=int, default=0)

    p = add("studies", cmd_studies, "list the studies of a storage: space, sampler, unique architectures, best")
    p.add_argument("--storage", default=None, help="Optuna storage URL (default: latentnas's own, the one `latentnas studies` lists)")

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
    """Runs the command line on ``argv`` (default: ``sys.argv[1:]``) and returns the exit status: 0, or 2 after one
    line on stderr for bad input."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed on one line
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        if getattr(args, "threads", None) is not None:
            import torch

            torch.set_num_threads(args.threads)
        out = args.func(args)
        if args.json:
            print(json.dumps(out, default=str))
    except LatentNASError as err:
        if args.debug:
            raise
        print(f"latentnas {args.command}: error: {_one_line(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `latentnas studies | head`: the reader left; no traceback at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
