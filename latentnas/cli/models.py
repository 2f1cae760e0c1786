"""``latentnas spaces``, ``benchmarks``, ``export``, ``pretrain`` and ``encoder-info``: what there is, a network out,
an encoder in."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from latentnas.cli._common import AddCommand, progress, refuse, table
from latentnas.cli.parsing import int_at_least, positive_int
from latentnas.cli.search import add_training_device, training_objective
from latentnas.errors import InvalidArgumentError


def cmd_spaces(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.spaces import SPACES, get_space

    rows: list[dict[str, Any]] = []
    for name in SPACES:
        space = get_space(name)
        rows.append({"space": name, "ops": list(space.ops), "size": space.size(),
                     "graph_nodes": space.graph_spec.num_nodes})
    if not args.json:
        print(table([(r["space"], r["size"] or "infinite", r["graph_nodes"], ", ".join(r["ops"])) for r in rows],
                     ["space", "encodings", "graph nodes", "ops"]))
    return {"spaces": rows}


def cmd_benchmarks(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.benchmarks import BENCHMARKS, get_benchmark

    rows = []
    for name in BENCHMARKS:
        bench = get_benchmark(name)
        rows.append({"benchmark": name, "space": bench.space_name, "datasets": list(bench.datasets),
                     "fidelities": list(bench.fidelities)})
    if not args.json:
        print(table([(r["benchmark"], r["space"], ", ".join(r["datasets"]), ", ".join(r["fidelities"]) or "-")
                      for r in rows], ["benchmark", "space", "datasets", "fidelities"]))
    return {"benchmarks": rows}


def cmd_export(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.networks import Task
    from latentnas.networks.export import export_network
    from latentnas.spaces import get_space

    space = get_space(args.space)
    arch = space.from_string(args.arch)
    model = None
    if args.task is not None:
        if args.dataset is not None or args.data is not None:
            raise InvalidArgumentError("--task and --dataset (or --data) both give the task; pass one of them")
        refuse(args, ("epochs", "data_root", "device", "amp"), applies="with --dataset")
        parts = args.task.split(":")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise InvalidArgumentError(
                f"--task must be KIND:IN_CHANNELS:NUM_CLASSES, e.g. node:1433:7, got {args.task!r}"
            )
        task = Task(parts[0], in_channels=int(parts[1]), num_classes=int(parts[2]))
    elif args.dataset is not None or args.data is not None:
        if args.dataset is not None and args.data is not None:
            raise InvalidArgumentError("--dataset and --data both give the data; pass one of them")
        if not args.epochs:
            refuse(args, ("device", "amp"), applies="with --epochs (training before the export)")
        objective = training_objective(args)
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
        print(table([(k, out[k]) for k in out], ["", "exported"]))
    return out


def cmd_pretrain(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.spaces import get_space
    from latentnas.vae import default_train_config, save_checkpoint, train_vae

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
    archs = space.pretraining_archs(samples=args.samples or 50_000, seed=args.seed)
    bar = progress(0, disable=args.json or args.quiet, unit="epoch", desc="pretraining")

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
    result = vae_metrics(trained.metrics)
    result.update({"seconds": seconds, "checkpoint": str(out), "manifest": str(manifest), "space": space.name,
                   "archs": len(archs)})
    if not args.json:
        print(table([(k, result[k]) for k in result], ["", f"pretrained {space.name} encoder"]))
    return result


def cmd_encoder_info(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    import torch

    from latentnas.vae import checkpoint_space, load_checkpoint
    from latentnas.vae.metrics import prior_metrics, reconstruction_accuracy

    space = checkpoint_space(args.path)  # e.g. NAS-Bench-Graph with the proteins ops
    vae, manifest = load_checkpoint(args.path, space=space)
    start = time.perf_counter()
    archs = space.pretraining_archs(samples=args.samples, seed=args.seed + 1)
    keys = {space.canonical_key(a) for a in archs} if space.is_finite else set()
    prior = prior_metrics(space, vae, train_keys=keys, num_samples=10_000,
                          generator=torch.Generator().manual_seed(args.seed))
    result = {"space": space.name, "latent_dim": manifest.get("latent_dim"), "configs": manifest.get("configs"),
              "reconstruction_accuracy": reconstruction_accuracy(space, vae, archs), **prior._asdict(),
              "measured_on": len(archs), "seconds": time.perf_counter() - start,
              "trained_metrics": manifest.get("metrics", {})}
    if not args.json:
        print(table([(k, result[k]) for k in ("space", "latent_dim", "reconstruction_accuracy", "validity",
                                                "uniqueness", "novelty", "coverage", "measured_on", "seconds")],
                     ["", str(args.path)]))
    return result


def vae_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "reconstruction_accuracy": metrics.get("holdout_reconstruction") or metrics.get("train_reconstruction"),
        "train_reconstruction": metrics.get("train_reconstruction"),
        "validity": metrics.get("validity"),
        "uniqueness": metrics.get("uniqueness"),
        "novelty": metrics.get("novelty"),
        "coverage": metrics.get("coverage"),
    }


def register(add: AddCommand) -> None:
    """Adds the subcommands of this module to the parser."""
    add("spaces", cmd_spaces, "list the search spaces")
    add("benchmarks", cmd_benchmarks, "list the tabular benchmarks and their datasets")

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
    add_training_device(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--force", action="store_true", help="replace an existing export")

    p = add("pretrain", cmd_pretrain, "pretrain the graph VAE on a space, without labels, and save a checkpoint")
    p.add_argument("--space", required=True, help="search space (see `latentnas spaces`)")
    p.add_argument("--encoder", default=None, help="gin (as arch2vec) or dag (as D-VAE); default: the space's tuned one")
    p.add_argument("--decoder", default=None, help="oneshot or sequential (as D-VAE); default: the space's tuned one")
    p.add_argument("--latent-dim", type=positive_int, default=None, help="latent size (default: the space's tuned one)")
    p.add_argument("--epochs", type=positive_int, default=None, help="default: the space's tuned number")
    p.add_argument("--samples", type=int_at_least(2), default=None,
                   help="architectures drawn from an infinite space (default: 50000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None,
                   help="weights path (default runs/checkpoints/SPACE.pt); the manifest is written beside it (.json)")
    p.add_argument("--force", action="store_true", help="replace an existing checkpoint at --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add("encoder-info", cmd_encoder_info, "load a checkpoint and measure its metrics again")
    p.add_argument("path", help="checkpoint weights file (.pt) with its manifest beside it")
    p.add_argument("--samples", type=int_at_least(2), default=20_000,
                   help="architectures drawn from an infinite space")
    p.add_argument("--seed", type=int, default=0)

