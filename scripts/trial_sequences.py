"""The architectures each sampler proposes, in trial order, for a few seeds: to show that a change keeps trials.

Writes a record under ``--out``: ``sequences.json``, one JSON object ``{"<benchmark>/<dataset>/<entry>/seed<k>":
[arch strings in trial order]}``, and ``runs.csv`` and ``table.md``, one row per run with its trial count and, with
``--compare OLD.json`` (an earlier ``sequences.json``), whether it is the same, different or new (absent there), and
the first trial where it differs; ``command.txt`` and ``commit.txt``. Run it before and after a change.
Each run is a search described by a :class:`~latentnas.assembly.SearchSpec` and built by :func:`latentnas.assembly.run`,
as the command line and the comparisons build theirs.

Beside every registered sampler on one objective (``<entry>`` is the sampler's name), ``--modes`` adds latent BO's
other searches, which a change to latent BO must keep as well:

- ``transfer``: ``latent-bo+transfer``, the benchmark's other datasets as sources;
- ``several``: ``<sampler>+several``, valid against params (NB201) or latency (NAS-Bench-Graph);
- ``constrained``: ``<sampler>+constrained``, valid under ``params<=0.5`` (NB201) or ``latency<=0.002``
  (NAS-Bench-Graph);
- ``asha``: ``<sampler>+asha``, NB201's 12- and 200-epoch columns under successive halving.

Example:
  python scripts/trial_sequences.py --modes single transfer --out runs/sequences \
      --compare docs/results/trial-sequences/before-core.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import optuna
import torch

from latentnas.assembly import SearchSpec, run
from latentnas.benchmarks import get_benchmark
from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements
from latentnas.samplers import SAMPLERS

CASES = [("nasbench201", "cifar10"), ("nasbench-graph", "cora")]
MODES = ("single", "transfer", "several", "constrained", "asha")
#: The second metric and the bound of each benchmark's several-objective and constrained searches.
SECOND = {"nasbench201": "params", "nasbench-graph": "latency"}
BOUND = {"nasbench201": "params<=0.5", "nasbench-graph": "latency<=0.002"}
#: The samplers each mode runs (those that search several objectives or read constraints).
MODE_SAMPLERS = {"transfer": ("latent-bo",), "several": ("latent-bo", "random", "tpe", "nsga2"),
                 "constrained": ("latent-bo", "tpe", "nsga2"), "asha": ("latent-bo", "tpe")}


def runs(mode: str, benchmark: str, dataset: str, samplers: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """``(entry, how)`` of every run of ``mode`` on one dataset; ``how`` holds the sampler's name and what else the
    run is given."""
    if mode == "single":
        return [(s, {"sampler": s}) for s in samplers]
    if mode == "asha" and not get_benchmark(benchmark).fidelities:
        return []
    chosen = [s for s in MODE_SAMPLERS[mode] if s in samplers]
    if mode == "transfer":
        return [(f"{s}+transfer", {"sampler": s, "transfer": True}) for s in chosen]
    if mode == "several":
        return [(f"{s}+several", {"sampler": s, "objectives": ("valid", SECOND[benchmark])}) for s in chosen]
    if mode == "constrained":
        return [(f"{s}+constrained", {"sampler": s, "constraints": [BOUND[benchmark]]}) for s in chosen]
    return [(f"{s}+asha", {"sampler": s, "pruner": "asha"}) for s in chosen]


def sequence(benchmark: str, dataset: str, how: dict[str, Any], seed: int, budget: int) -> list[str]:
    """The architectures of one run in trial order, the search described and built as every search is."""
    spec = SearchSpec(objective_options={"benchmark": benchmark, "dataset": dataset}, sampler=how["sampler"], seed=seed,
                      transfer=how.get("transfer", False), objectives=how.get("objectives", ("valid",)),
                      constraints=how.get("constraints", ()), pruner=how.get("pruner", "none"), budget=budget,
                      study_name=f"{dataset}-{how['sampler']}-seed{seed}")
    study, _ = run(spec)
    return [t.user_attrs.get("arch", "") for t in study.trials]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS))
    parser.add_argument("--modes", nargs="+", default=["single"], choices=MODES)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--budget", type=int, default=40, help="unique architectures per run")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, default=None, help="an earlier output to compare with")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sequences: dict[str, list[str]] = {}
    for mode in args.modes:
        for benchmark, dataset in CASES:
            for entry, how in runs(mode, benchmark, dataset, args.samplers):
                for seed in args.seeds:
                    key = f"{benchmark}/{dataset}/{entry}/seed{seed}"
                    sequences[key] = sequence(benchmark, dataset, how, seed, args.budget)
                    print(key, len(sequences[key]), "trials", file=sys.stderr)
    before = json.loads(args.compare.read_text()) if args.compare is not None else {}
    rows = []
    for key, trials in sequences.items():
        old = before.get(key)
        status = "recorded" if args.compare is None else "same" if old == trials else "new" if old is None else \
            "DIFFERENT"
        first = next((i for i, (a, b) in enumerate(zip(trials, old)) if a != b), min(len(trials), len(old))) \
            if status == "DIFFERENT" and old is not None else None
        rows.append({"run": key, "trials": len(trials), "status": status, "first_difference": first})
        print(f"{key}: {status} ({len(trials)} trials)")
    counts = [{"status": s, "runs": sum(1 for r in rows if r["status"] == s)}
              for s in ("same", "DIFFERENT", "new", "recorded") if any(r["status"] == s for r in rows)]
    compared = f"compared with {args.compare}" if args.compare is not None else "recorded, not compared"
    caption = (f"The trials of {len(rows)} runs ({', '.join(args.modes)}; seeds {', '.join(map(str, args.seeds))}; "
               f"{args.budget} unique architectures each), {compared}.")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption,
                       table=markdown_table(counts) + "\n" + markdown_table(rows, [
                           Column("run"), Column("trials"), Column("status"),
                           Column("first_difference", "first differing trial")]),
                       data={"sequences.json": sequences})
    same = sum(1 for r in rows if r["status"] == "same")
    print(f"{same} of {len(rows)} sequences identical" if args.compare is not None else f"wrote {args.out}")
    return 0 if args.compare is None or same == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
