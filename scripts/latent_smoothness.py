"""How smooth is a latent space for search? Pairs of architectures, their latent distance and |difference in
validation accuracy|.

For each checkpoint: every canonical architecture of the (finite) space is encoded; for --pairs random anchors the
nearest other architecture in latent space forms a *nearby* pair, and a uniformly random other architecture a
*random* pair. Reported per pair set: the Spearman rank correlation between latent distance and |delta valid|, and
the mean |delta valid|; beside them the mean |delta valid| of graph neighbours (one edit apart) as the discrete
reference. Prints a table and writes smoothness.csv / smoothness.json under --out.

Example:
  python scripts/latent_smoothness.py --benchmark nasbench201 --dataset cifar10 \
      --checkpoints checkpoints/nasbench201.pt runs/checkpoints/nb201-gin.pt
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
from pathlib import Path

import torch
from scipy.stats import spearmanr

from latentnas.objectives import BenchmarkObjective
from latentnas.samplers.latent_base import load_latent_space
from latentnas.vae import read_manifest
from latentnas.vae.checkpoint import default_checkpoint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--checkpoints", nargs="+", default=None, help="default: the space's shipped checkpoint")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("docs/results/smoothness"))
    args = parser.parse_args(argv)

    objective = BenchmarkObjective(args.benchmark, args.dataset)
    space = objective.space
    archs = space.pretraining_archs()
    valid = torch.tensor([objective(a).valid for a in archs], dtype=torch.float64)
    rng = random.Random(args.seed)
    anchors = rng.sample(range(len(archs)), min(args.pairs, len(archs)))
    partners = [(i + 1 + rng.randrange(len(archs) - 1)) % len(archs) for i in anchors]  # any other architecture
    edit = []
    for i in anchors[:500]:
        neighbour = space.mutate(archs[i], rng)
        edit.append(abs(objective(neighbour).valid - float(valid[i])))

    rows = []
    for path in args.checkpoints or [str(default_checkpoint(space))]:
        manifest = read_manifest(path)
        z = load_latent_space(space, path).encode(archs).to("cpu", torch.float64)
        dist = torch.cdist(z[anchors], z)
        dist[torch.arange(len(anchors)), torch.tensor(anchors)] = float("inf")
        nearest = dist.argmin(dim=1).tolist()
        row = {"checkpoint": path, "encoder": manifest["configs"]["encoder"]["kind"],
               "decoder": manifest["configs"]["decoder"]["kind"], "latent_dim": manifest["latent_dim"]}
        for name, others in (("nearby", nearest), ("random", partners)):
            d = [float(torch.dist(z[i], z[j])) for i, j in zip(anchors, others)]
            gap = [abs(float(valid[i] - valid[j])) for i, j in zip(anchors, others)]
            row[f"{name}_spearman"] = float(spearmanr(d, gap).statistic)
            row[f"{name}_mean_abs_delta"] = statistics.fmean(gap)
            row[f"{name}_mean_distance"] = statistics.fmean(d)
        row["edit_neighbour_mean_abs_delta"] = statistics.fmean(edit)
        rows.append(row)

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "smoothness.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "smoothness.json").write_text(json.dumps({"benchmark": args.benchmark, "dataset": args.dataset,
                                                          "pairs": len(anchors), "rows": rows}, indent=2))
    print(f"latent smoothness on {args.benchmark}/{args.dataset}, {len(anchors)} anchors, "
          f"{len(archs)} canonical architectures\n")
    print("| encoder | decoder | spearman(dist, abs dvalid) nearby | random | mean abs dvalid: latent NN | random pair "
          "| one edit |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['encoder']} | {r['decoder']} | {r['nearby_spearman']:.3f} | {r['random_spearman']:.3f} | "
              f"{r['nearby_mean_abs_delta']:.2f} | {r['random_mean_abs_delta']:.2f} | "
              f"{r['edit_neighbour_mean_abs_delta']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
