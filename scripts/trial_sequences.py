"""The architectures each sampler proposes, in trial order, for a few seeds: to show that a change keeps trials.

Writes one JSON object {"<benchmark>/<dataset>/<sampler>/seed<k>": [arch strings in trial order]}. Run it before and
after a change and compare the two files (``--compare OLD.json``).

Example:
  python scripts/trial_sequences.py --out runs/sequences.json --compare docs/results/trial-sequences/before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import optuna
import torch

from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import SAMPLERS, make_sampler
from latentnas.study import create_study, run_search

CASES = [("nasbench201", "cifar10"), ("nasbench-graph", "cora")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--budget", type=int, default=40, help="unique architectures per run")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, default=None, help="an earlier output to compare with")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sequences: dict[str, list[str]] = {}
    for benchmark, dataset in CASES:
        objective = BenchmarkObjective(benchmark, dataset)
        for sampler in args.samplers:
            for seed in args.seeds:
                study = create_study(objective.space, make_sampler(sampler, objective.space, seed=seed))
                run_search(study, objective, n_unique=args.budget)
                key = f"{benchmark}/{dataset}/{sampler}/seed{seed}"
                sequences[key] = [t.user_attrs.get("arch", "") for t in study.trials]
                print(key, len(sequences[key]), "trials", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(sequences, indent=1) + "\n")
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text())
    same = [k for k in sequences if before.get(k) == sequences[k]]
    for k in sequences:
        status = "same" if k in same else "DIFFERENT" if k in before else "new"
        print(f"{k}: {status} ({len(sequences[k])} trials)")
    print(f"{len(same)} of {len(sequences)} sequences identical")
    return 0 if len(same) == len(sequences) else 1


if __name__ == "__main__":
    sys.exit(main())
