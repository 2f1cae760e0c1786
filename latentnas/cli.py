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

    rows = []
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
    from latentnas.samplers import make_sampler
    from latentnas.study import DEFAULT_STORAGE, create_study, run_search

    if args.trials < 1:
        raise LatentNASError(f"--trials must be positive, got {args.trials}")
    objective = BenchmarkObjective(args.benchmark, args.dataset, fidelity=args.fidelity)
    space = objective.space
    if args.space is not None and args.space != space.name:
        raise LatentNASError(
            f"--space '{args.space}' does not match benchmark '{args.benchmark}', whose space is '{space.name}'"
        )
    sampler_kwargs: dict[str, Any] = {}
    if args.checkpoint is not None:
        sampler_kwargs["checkpoint"] = args.checkpoint
    sampler = make_sampler(args.sampler, space, seed=args.seed, **sampler_kwargs)
    storage = args.storage or DEFAULT_STORAGE
    fidelity = f"-{args.fidelity}" if args.fidelity else ""
    name = args.study or f"{args.benchmark}-{args.dataset}{fidelity}-{args.sampler}-seed{args.seed}"
    study = create_study(space, sampler, storage=storage, study_name=name)

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


def _progress(total: int, *, disable: bool) -> Any:
    if disable:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="arch", desc="unique architectures", file=sys.stderr, leave=False)


# --------------------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="latentnas", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], dict[str, Any]], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
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
