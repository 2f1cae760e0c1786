"""Samplers on several objectives, or under constraints, on a tabular benchmark: same seeds, same budget.

A thin driver over :mod:`latentnas.evaluation.several`; writes runs.csv, table.md, fronts.json (the table's exact
front and the hypervolume reference point), config.json, command.txt and commit.txt under --out.

Examples:
  # accuracy against parameters on NB201 CIFAR-10
  python scripts/several_objectives.py --benchmark nasbench201 --datasets cifar10 --objectives valid,params \
      --samplers latent-bo nsga2 tpe random --seeds 10 --budget 100 --out docs/results/several-nasbench201
  # the best architecture under a latency bound, searched with it and, on the same seeds, without it (judged by it)
  python scripts/several_objectives.py --benchmark nasbench-graph --datasets cora --constraint "latency<=0.002" \
      --versus-unconstrained --samplers latent-bo --seeds 10 --budget 100 --out runs/constrained
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys

from latentnas.errors import InvalidArgumentError, LatentNASError, first_line
from latentnas.evaluation.several import SeveralConfig, paired_table, run_several, summary_table, write_several


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--benchmark", required=True)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--samplers", nargs="+", required=True)
    p.add_argument("--objectives", default="valid", help="metrics, comma-separated (valid, latency, params)")
    p.add_argument("--constraint", action="append", default=[], help="a bound the search is given, e.g. params<=1.0")
    p.add_argument("--judge", action="append", default=None, help="a bound runs are judged by (default: --constraint)")
    p.add_argument("--versus-unconstrained", action="store_true",
                   help="also run every search without its constraints, judged by them; table: paired by seed")
    p.add_argument("--seeds", type=int, default=10, help="seeds FIRST..FIRST+N-1")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--options", default="{}", help='JSON, per sampler: {"latent-bo": {"n_initial": 10}}')
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    try:
        config = SeveralConfig(args.benchmark, datasets=args.datasets, samplers=args.samplers,
                               seeds=tuple(range(args.first_seed, args.first_seed + args.seeds)), budget=args.budget,
                               objectives=tuple(args.objectives.split(",")), constraints=tuple(args.constraint),
                               judge=tuple(args.judge) if args.judge is not None else None,
                               sampler_options=json.loads(args.options))
        rows = run_several(config, workers=args.workers)
        twin_rows: list[dict[str, object]] = []
        if args.versus_unconstrained:
            if not config.constraints:
                raise InvalidArgumentError("--versus-unconstrained needs --constraint")
            twin = dataclasses.replace(config, constraints=(), judge=config.constraints)
            twin_rows = run_several(twin, workers=args.workers)
    except LatentNASError as err:
        print(f"several_objectives: {first_line(err)}", file=sys.stderr)
        return 2
    command = "python scripts/several_objectives.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    # With a twin: which search each row is (the table gives the constrained ones; runs.csv both).
    searched = [{**r, "searched_with": "constraints"} for r in rows] if twin_rows else rows
    searched += [{**r, "searched_with": "none"} for r in twin_rows]
    write_several(args.out, config, searched, command=command)
    print(summary_table(config, rows))
    if twin_rows:
        print(paired_table(config, rows, twin_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
