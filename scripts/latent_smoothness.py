"""How smooth is a latent space for search? Pairs of architectures, their latent distance and |difference in
validation accuracy|.

For each checkpoint: every canonical architecture of the (finite) space is encoded; for --pairs random anchors the
nearest other architecture in latent space forms a *nearby* pair, and a uniformly random other architecture a
*random* pair. Reported per pair set: the Spearman rank correlation between latent distance and |delta valid|, and
the mean |delta valid|; beside them the mean |delta valid| of graph neighbours (one edit apart) as the discrete
reference. Prints a table and writes a record under --out: one row per checkpoint (runs.csv), table.md, command and
commit.

Example:
  python scripts/latent_smoothness.py --benchmark nasbench201 --dataset cifar10 \
      --checkpoints checkpoints/nasbench201.pt runs/checkpoints/nasbench201-gin.pt --out docs/results/smoothness-nasbench201
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

import torch
from scipy.stats import spearmanr

from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements
from latentnas.objectives import BenchmarkObjective
from latentnas.surrogate import load_latent_space
from latentnas.vae import read_manifest
from latentnas.vae.checkpoint import default_checkpoint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--checkpoints", nargs="+", default=None, help="default: the space's shipped checkpoint")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("docs/results/smoothness"), help="record folder")
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

    caption = (f"latent smoothness on {args.benchmark}/{args.dataset}, {len(anchors)} anchors, "
               f"{len(archs)} canonical architectures")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=COLUMNS)
    print(caption + "\n\n" + markdown_table(rows, COLUMNS))
    return 0


COLUMNS = (Column("encoder"), Column("decoder"),
           Column("nearby_spearman", "spearman(dist, abs dvalid) nearby", "{:.3f}"),
           Column("random_spearman", "random", "{:.3f}"),
           Column("nearby_mean_abs_delta", "mean abs dvalid: latent NN", "{:.2f}"),
           Column("random_mean_abs_delta", "random pair", "{:.2f}"),
           Column("edit_neighbour_mean_abs_delta", "one edit", "{:.2f}"))


if __name__ == "__main__":
    sys.exit(main())
