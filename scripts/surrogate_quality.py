"""How well does a GP fitted on a few architectures rank the rest, for each choice of GP inputs?

Inputs compared: ``z`` (posterior means, BoTorch's default ARD kernel, as arch2vec), ``onehot`` (the graph form's
node types, isotropic Matérn), and ``decoded`` (the decoder's node-type and edge probabilities at ``z``, isotropic
Matérn: latent BO's default). For each of --splits random splits, a GP is fitted on --train architectures and the
Spearman correlation between its posterior mean and the benchmark's validation accuracy is measured on --test others.
Prints a table and writes surrogate.json under --out.

Example:
  python scripts/surrogate_quality.py --benchmark nasbench201 --dataset cifar10
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.outcome import Standardize
from gpytorch.kernels import MaternKernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from scipy.stats import spearmanr

from latentnas.objectives import BenchmarkObjective
from latentnas.samplers.latent_base import default_checkpoint, load_latent_space
from latentnas.samplers.latent_bo import LatentBOSampler
from latentnas.vae.dataset import pretraining_archs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--checkpoint", default=None, help="default: the space's shipped checkpoint")
    parser.add_argument("--train", type=int, default=100)
    parser.add_argument("--test", type=int, default=3000)
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results/surrogate"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    objective = BenchmarkObjective(args.benchmark, args.dataset)
    space = objective.space
    archs = pretraining_archs(space)
    y = torch.tensor([objective(a).valid for a in archs], dtype=torch.float64)
    latent = load_latent_space(space, args.checkpoint or default_checkpoint(space.name))
    sampler = LatentBOSampler(space, latent=latent)
    z = sampler.to_unit(sampler.encode(archs))
    num_types = space.graph_spec.num_types
    onehot = torch.stack([torch.nn.functional.one_hot(torch.tensor(space.to_dense(a)[0]), num_types).flatten()
                          for a in archs]).double()
    inputs = {"z": (z, True), "onehot": (onehot, False), "decoded": (sampler.arch_inputs(archs), False)}

    rows = []
    for name, (X, ard) in inputs.items():
        rhos = []
        for split in range(args.splits):
            idx = torch.randperm(len(archs), generator=torch.Generator().manual_seed(split))
            train, test = idx[: args.train], idx[args.train : args.train + args.test]
            covar = None if ard else ScaleKernel(MaternKernel(nu=2.5))
            model = SingleTaskGP(X[train], y[train].unsqueeze(-1), covar_module=covar,
                                 outcome_transform=Standardize(m=1))
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            with torch.no_grad():
                mean = model.posterior(X[test]).mean.squeeze(-1)
            rhos.append(float(spearmanr(mean, y[test]).statistic))
        rows.append({"inputs": name, "kernel": "ARD Matern-5/2" if ard else "isotropic Matern-5/2",
                     "spearman": rhos, "median": statistics.median(rhos)})

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"surrogate-{args.benchmark}-{args.dataset}.json").write_text(json.dumps(
        {"benchmark": args.benchmark, "dataset": args.dataset, "train": args.train, "test": args.test,
         "rows": rows}, indent=2))
    print(f"GP surrogate on {args.benchmark}/{args.dataset}: fitted on {args.train}, Spearman on {args.test}, "
          f"{args.splits} splits\n")
    print("| GP inputs | kernel | Spearman per split | median |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['inputs']} | {r['kernel']} | {', '.join(f'{v:.3f}' for v in r['spearman'])} | {r['median']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
