"""How well does a GP fitted on a few architectures rank the rest, for each choice of GP inputs?

Inputs compared: ``z`` (posterior means, BoTorch's default ARD kernel, as arch2vec), ``onehot`` (the graph form's
node types, isotropic Matérn), and ``decoded`` (the decoder's node-type and edge probabilities at ``z``, isotropic
Matérn: latent BO's default). For each of --splits random splits, a GP is fitted on --train architectures and the
Spearman correlation between its posterior mean and the benchmark's validation accuracy is measured on --test others.
The ``-finetuned`` rows first fine-tune the VAE on the split's --train labelled architectures
(:func:`~latentnas.vae.finetune.finetune_latent_space`, every architecture of the space unlabelled) and take ``z`` or
``decoded`` from the fine-tuned space. For each benchmark and dataset of --cases, prints a table; writes a record of
them all under --out: one row per case and inputs (runs.csv), table.md, the settings and fine-tuning times
(surrogate.json), command and commit.

Example:
  python scripts/surrogate_quality.py --cases nasbench201:cifar10 nasbench-graph:cora --out docs/results/surrogate
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.outcome import Standardize
from gpytorch.kernels import MaternKernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from scipy.stats import spearmanr

from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements
from latentnas.objectives import BenchmarkObjective
from latentnas.surrogate import LatentSurrogate, load_latent_space
from latentnas.vae.checkpoint import default_checkpoint
from latentnas.vae.finetune import finetune_latent_space


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=["nasbench201:cifar10", "nasbench-graph:cora"],
                        help="BENCHMARK:DATASET pairs")
    parser.add_argument("--checkpoint", default=None, help="default: the space's shipped checkpoint (one case only)")
    parser.add_argument("--train", type=int, default=100)
    parser.add_argument("--test", type=int, default=3000)
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--finetune-steps", type=int, default=200, help="0 skips the fine-tuned rows")
    parser.add_argument("--finetune-lr", type=float, default=1e-3)
    parser.add_argument("--recon-weight", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("docs/results/surrogate"), help="record folder")
    args = parser.parse_args(argv)
    if args.checkpoint is not None and len(args.cases) > 1:
        parser.error("--checkpoint applies to one case")
    torch.set_num_threads(args.threads)
    rows, seconds = [], {}
    for case in args.cases:
        benchmark, dataset = case.split(":")
        case_rows, seconds[case] = measure(benchmark, dataset, args)
        rows += case_rows
        print(f"GP surrogate on {case}: fitted on {args.train}, Spearman on {args.test}, {args.splits} splits\n\n"
              + markdown_table(case_rows, COLUMNS[1:]))
    caption = (f"GP surrogate quality: fitted on {args.train} random canonical architectures, Spearman of the "
               f"posterior mean against validation accuracy on {args.test} others, {args.splits} splits.")
    notes = "".join(
        f"Fine-tuning on {args.train} labelled architectures ({case}): {statistics.median(values):.1f} s (median of "
        f"{len(values)}; {args.finetune_steps} steps, lr {args.finetune_lr}, recon weight {args.recon_weight}).\n"
        for case, values in seconds.items() if values)
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=COLUMNS,
                       notes=notes, data={"surrogate.json": {
                           "train": args.train, "test": args.test, "splits": args.splits,
                           "finetune": {"steps": args.finetune_steps, "lr": args.finetune_lr,
                                        "recon_weight": args.recon_weight, "seconds": seconds}}})
    return 0


COLUMNS = (Column("case", "benchmark"), Column("inputs", "GP inputs"), Column("kernel"),
           Column("spearman", "Spearman per split", "{:.3f}"), Column("median", format="{:.3f}"))


def measure(benchmark: str, dataset: str, args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[float]]:
    """The rows of one benchmark and dataset, and the seconds of each fine-tuning."""
    objective = BenchmarkObjective(benchmark, dataset)
    space = objective.space
    archs = space.pretraining_archs()
    y = torch.tensor([objective(a).valid for a in archs], dtype=torch.float64)
    latent = load_latent_space(space, args.checkpoint or default_checkpoint(space))
    surrogate = LatentSurrogate(latent)
    z = surrogate.to_unit(surrogate.encode(archs))
    num_types = space.graph_spec.num_types
    onehot = torch.stack([torch.nn.functional.one_hot(torch.tensor(space.to_dense(a)[0]), num_types).flatten()
                          for a in archs]).double()
    inputs = {"z": (z, True), "onehot": (onehot, False), "decoded": (surrogate.arch_features(archs), False)}

    perms = [torch.randperm(len(archs), generator=torch.Generator().manual_seed(split)) for split in range(args.splits)]
    splits = [(idx[: args.train], idx[args.train : args.train + args.test]) for idx in perms]
    rhos = {name: [gp_spearman(X, y, train, test, ard=ard) for train, test in splits]
            for name, (X, ard) in inputs.items()}
    kernels = {name: ard for name, (_, ard) in inputs.items()}
    seconds = []
    for split, (train, test) in enumerate(splits if args.finetune_steps > 0 else []):
        start = time.perf_counter()
        tuned = finetune_latent_space(latent, [archs[i] for i in train], y[train], unlabelled=archs,
                                      steps=args.finetune_steps, lr=args.finetune_lr,
                                      recon_weight=args.recon_weight, seed=split)
        seconds.append(time.perf_counter() - start)
        tuned_surrogate = LatentSurrogate(tuned)
        tuned_inputs = {"z-finetuned": (tuned_surrogate.to_unit(tuned_surrogate.encode(archs)), True),
                        "decoded-finetuned": (tuned_surrogate.arch_features(archs), False)}
        for name, (X, ard) in tuned_inputs.items():
            rhos.setdefault(name, []).append(gp_spearman(X, y, train, test, ard=ard))
            kernels[name] = ard
    return [{"case": f"{benchmark}/{dataset}", "inputs": name,
             "kernel": "ARD Matern-5/2" if kernels[name] else "isotropic Matern-5/2", "spearman": values,
             "median": statistics.median(values)} for name, values in rhos.items()], seconds


def gp_spearman(X: torch.Tensor, y: torch.Tensor, train: torch.Tensor, test: torch.Tensor, *, ard: bool) -> float:
    """Spearman correlation, on ``test``, of the posterior mean of a GP fitted on ``train`` rows of ``X`` and ``y``."""
    covar = None if ard else ScaleKernel(MaternKernel(nu=2.5))
    model = SingleTaskGP(X[train], y[train].unsqueeze(-1), covar_module=covar, outcome_transform=Standardize(m=1))
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    with torch.no_grad():
        mean = model.posterior(X[test]).mean.squeeze(-1)
    return float(spearmanr(mean, y[test]).statistic)


if __name__ == "__main__":
    sys.exit(main())
