"""``latentnas search`` and ``studies``: searching on a study, listing the studies of a storage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentnas.cli._common import AddCommand, progress, table
from latentnas.cli.interrupts import Interrupted
from latentnas.cli.parsing import positive_int
from latentnas.errors import InvalidArgumentError, StorageError

if TYPE_CHECKING:
    from latentnas.assembly import SearchSpec

#: The options of ``search`` that go to the objective, by their names in the objectives' builders
#: (:func:`latentnas.objectives.registry.objective_options`); each objective takes some of them.
OBJECTIVE_FLAGS = ("benchmark", "dataset", "fidelity", "data", "data_root", "epochs", "device", "amp", "from_study",
                   "proxy")
#: What each objective does, said when an option of another one is given.
DOES = {"benchmark": "looks up a table", "train": "trains on --dataset",
        "predictor": "scores by a predictor fitted on --from-study", "zero-cost": "scores untrained networks"}


def search_spec(args: argparse.Namespace) -> SearchSpec:
    """The :class:`~latentnas.assembly.SearchSpec` of ``latentnas search``'s options (the storage defaulted)."""
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.assembly import SearchSpec
    from latentnas.objectives.registry import OBJECTIVES, objective_options, objectives_with
    from latentnas.storage import default_storage

    takes = objective_options(args.objective) if args.objective in OBJECTIVES else ()
    options = {name: getattr(args, name) for name in OBJECTIVE_FLAGS if getattr(args, name) is not None}
    for name in options:
        if name not in takes and args.objective in OBJECTIVES:
            raise InvalidArgumentError(
                f"--{name.replace('_', '-')} applies only with --objective {either(objectives_with(name))} "
                f"(--objective {args.objective} {DOES.get(args.objective, 'takes no such option')})")
    return SearchSpec(objective=args.objective, objective_options=options, space=args.space, sampler=args.sampler,
                      seed=args.seed, transfer=args.transfer, checkpoint=args.checkpoint,
                      objectives=tuple(args.objectives.split(",")) if args.objectives is not None else ("valid",),
                      constraints=tuple(args.constraint), pruner=args.pruner, budget=args.trials,
                      storage=args.storage or default_storage(), study_name=args.study)


def either(names: list[str]) -> str:
    """``["a", "b", "c"] -> "a, b or c"``."""
    return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def cmd_search(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.assembly import assemble
    from latentnas.results import pareto_trials, summarize, unique_trials

    spec = search_spec(args)
    search = assemble(spec)
    study, objective, identity = search.study, search.objective, search.identity
    if search.resumed.message() is not None:
        print(f"latentnas search: {search.resumed.message()}", file=sys.stderr)

    done = [search.resumed.done]
    bar = progress(spec.budget, initial=min(done[0], spec.budget), disable=args.json or args.quiet)

    def on_trial(trial: Any, unique: int) -> None:
        if bar is not None and unique > done[0]:
            bar.update(unique - done[0])
            done[0] = unique
            if spec.several:
                bar.set_postfix_str(f"front of {len(pareto_trials(study))}")
                return
            best = summarize(study).best_valid if unique else None
            label = getattr(objective, "metric", "")  # accuracy, or a regression error (minimized)
            bar.set_postfix_str(f"best valid {label} {best:.4g}" if best is not None else "")

    try:
        result = search.run(callback=on_trial)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM: the trial in flight is failed, the study can be resumed
        raise Interrupted.of(stop, f"interrupted with {len(unique_trials(study))} of {spec.budget} architectures "
                                   "evaluated; run the same command to resume") from stop
    finally:
        if bar is not None:
            bar.close()
    out = {**result.to_dict(), "resumed": search.resumed.to_dict(), "constraints": list(spec.constraints)}
    if spec.several:
        out.update(front_output(spec, identity, result.pareto, json_only=args.json))
    out.update({"seed": spec.seed, "sampler": spec.sampler, "study": study.study_name, "storage": spec.storage})
    if spec.objective == "benchmark":
        stats = objective.stats  # type: ignore[attr-defined]
        out.update({"benchmark": identity["benchmark"], "dataset": identity["dataset"],
                    "fidelity": identity["fidelity"], "optimum_valid": stats.best.valid,
                    "optimum_test": stats.best.test, "regret_test": stats.test_regret(result.best_test)})
        rows = [(k, out[k]) for k in ("best_arch", "best_valid", "best_test", "optimum_test", "regret_test",
                                      "unique_evaluations", "trials", "duplicates", "failures", "interrupted",
                                      "infeasible", "study") if k != "interrupted" or out[k]]
        doing = f"on {identity['benchmark']}/{identity['dataset']}"
    else:  # training or scoring: what the objective was and where it ran
        out.update({"objective": spec.objective, **{k: identity[k] for k in ("dataset", "epochs", "proxy", "from_study",
                                                                             "fitted_on") if identity.get(k) is not None}})
        if hasattr(objective, "device"):
            out["device"] = str(objective.device)
        trained: Any = objective if spec.objective == "train" else None
        if trained is not None:
            out.update({"data": args.data, "task": trained.task.to_dict(), "metric": trained.metric,
                        "direction": trained.direction, "split": trained.split.to_dict()})
        rows = [(k, out[k]) for k in ("best_arch", "best_valid", "best_test")]
        rows += [("metric", f"{trained.metric} ({trained.direction}d)")] if trained is not None else []  # "mae (minimized)"
        rows += [(k, out[k]) for k in ("unique_evaluations", "trials", "failures", "interrupted", "infeasible", "device",
                                       "study") if k in out and (k != "interrupted" or out[k])]
        rows += [("split", trained.split.describe())] if trained is not None else []
        doing = (f"training on {out['dataset']}" if trained is not None else
                 f"with --objective {spec.objective}" + (f" on {out['dataset']}" if "dataset" in out else ""))
    if not args.json:
        print(table(rows, ["", f"{spec.sampler} {doing}, seed {spec.seed}"]))
    return out


def front_output(spec: Any, identity: Mapping[str, Any], pareto: list[dict[str, Any]], *, json_only: bool,
                 ) -> dict[str, Any]:
    """Prints the Pareto front found (unless ``json_only``); on a benchmark, returns its hypervolume as a share of the
    table's exact front, and the reference point."""
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.evaluation.several import table_front

    out: dict[str, Any] = {}
    if spec.objective == "benchmark":
        front = table_front(identity["benchmark"], identity["dataset"], spec.objectives)
        out["hypervolume_ratio"] = front.ratio([p["values"] for p in pareto]) if pareto else 0.0
        out["hypervolume_reference"] = list(front.reference)
    if not json_only:
        print(table([(p["arch"], *(f"{v:.4g}" for v in p["values"])) for p in pareto],
                    ["Pareto front found (feasible)", *spec.objectives]))
        if out:
            reference = ", ".join(f"{m} {v:.4g}" for m, v in zip(spec.objectives, out["hypervolume_reference"]))
            print(f"hypervolume: {out['hypervolume_ratio']:.3f} of the table's exact front "
                  f"(reference point: the table's medians, {reference})")
    return out


def training_objective(args: argparse.Namespace) -> Any:
    """The training objective of ``--space`` on ``--dataset`` or ``--data`` (``latentnas export`` trains it first)."""
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no torch.
    from latentnas.objectives.registry import ObjectiveContext, make_objective

    options = {name: getattr(args, name) for name in ("dataset", "data", "data_root", "epochs", "device", "amp")
               if getattr(args, name) is not None}
    return make_objective("train", ObjectiveContext(space=args.space, seed=args.seed), **options).objective


def add_training_device(p: argparse.ArgumentParser) -> None:
    """``--device`` and ``--amp/--no-amp``: where and in what precision candidates train."""
    p.add_argument("--device", default=None,
                   help="where candidates train: cpu, cuda, cuda:N or mps (default: cuda when there is one, else cpu)")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                   help="bfloat16 autocast while training (default: on for CUDA, off elsewhere)")


def cmd_studies(args: argparse.Namespace) -> dict[str, Any]:
    # NOTE: imported when the command runs, so that `latentnas --help` and `--version` import no Optuna.
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


def register(add: AddCommand) -> None:
    """Adds the subcommands of this module to the parser."""
    p = add("search", cmd_search, "search a space on a benchmark (resumes a study of the same name)")
    p.add_argument("--benchmark", default=None,
                   help="tabular benchmark (see `latentnas benchmarks`; default: nasbench201)")
    p.add_argument("--dataset", default=None,
                   help="dataset of the benchmark, or to train or score on (default: cifar10)")
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
    p.add_argument("--objective", default="benchmark",
                   help="benchmark: look architectures up in --benchmark; train: train them on --dataset or --data; "
                        "predictor: score them by a GP fitted on the study --from-study of --storage; zero-cost: "
                        "score them untrained by --proxy on --dataset or --data (default: benchmark)")
    p.add_argument("--data-root", default=None,
                   help="dataset folder for --objective train or zero-cost (default: a cache)")
    p.add_argument("--data", default=None, metavar="PATH",
                   help="train on your own graphs instead of --dataset (--objective train or zero-cost): a torch.save'd "
                        "Data, list of Data or dict of train/valid/test lists, or a processed PyG dataset folder")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="training epochs per architecture (--objective train)")
    add_training_device(p)
    p.add_argument("--from-study", default=None, metavar="NAME",
                   help="--objective predictor: the study of --storage whose evaluated architectures fit the predictor")
    p.add_argument("--proxy", default=None,
                   help="--objective zero-cost: synflow (default), snip, grad_norm or jacob_cov")
    p.add_argument("--pruner", default="none",
                   help="none; median (stop trials below the median of earlier ones at the same epoch, from half the "
                        "epochs on); asha (successive halving: go on past a rung only in the top third); or hyperband. "
                        "With --objective train it prunes epochs; on a benchmark it looks each architecture up at the "
                        "cheap column first (NB201: 12 epochs) and in full only if the pruner promotes it. Pruned "
                        "architectures do not count toward --trials")

    p = add("studies", cmd_studies, "list the studies of a storage: space, sampler, unique architectures, best")
    p.add_argument("--storage", default=None, help="Optuna storage URL (default: latentnas's own, the one `latentnas studies` lists)")
