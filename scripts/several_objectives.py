"""Samplers on several objectives, or under constraints, on a tabular benchmark: same seeds, same budget.

A thin driver over :func:`latentnas.evaluation.run_comparison` and :func:`latentnas.evaluation.write_record`; writes
runs.csv, table.md, fronts.json (the table's exact front and the hypervolume reference point), config.json,
command.txt and commit.txt under --out.

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

import torch

from latentnas.errors import InvalidArgumentError, LatentNASError, first_line
from latentnas.evaluation import ComparisonConfig, FrontRecord, run_comparison, write_record
from latentnas.evaluation.several import front_tables


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
    torch.set_num_threads(1)  # small GPs gain nothing from more threads, and runs share the CPUs
    try:
        config = ComparisonConfig(args.benchmark, datasets=args.datasets, samplers=args.samplers,
                                  seeds=tuple(range(args.first_seed, args.first_seed + args.seeds)), budget=args.budget,
                                  objectives=tuple(args.objectives.split(",")), constraints=tuple(args.constraint),
                                  judge=tuple(args.judge) if args.judge is not None else None,
                                  sampler_options=json.loads(args.options))
        if args.versus_unconstrained and not config.constraints:
            raise InvalidArgumentError("--versus-unconstrained needs --constraint")
        records: list[FrontRecord] = run_comparison(config, workers=args.workers)
        if args.versus_unconstrained:  # the same searches without their constraints, judged by them
            twin = dataclasses.replace(config, constraints=(), judge=config.constraints)
            records = [dataclasses.replace(r, searched_with="constraints") for r in records]
            records += [dataclasses.replace(r, searched_with="none") for r in run_comparison(twin, workers=args.workers)]
    except LatentNASError as err:
        print(f"several_objectives: {first_line(err)}", file=sys.stderr)
        return 2
    command = "python scripts/several_objectives.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    write_record(args.out, records, command=command, config=config)
    print(front_tables(records, datasets=config.datasets, samplers=config.samplers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
