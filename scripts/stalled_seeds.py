"""What does latent BO's GP believe about the best architectures in a search that stalls?

Replays latent BO (its options as given) for each seed on a finite tabular benchmark, then, at each of
--checkpoints observations of that trajectory, fits the surrogate as the sampler does, once per outcome
(``standardize``: the values; ``copula``: their normal scores) and prints, per fit: the fitted noise std and
lengthscale (in the targets' standardized units), the range of posterior means (in values) of the unevaluated
top-0.1 % architectures, their best ranks by analytic LogEI among all unevaluated architectures (the sampler's screen
keeps the best 128), and the Spearman correlation of the posterior mean with the truth over unevaluated
architectures, all of them and those above the table's median. Writes a record under --out: one row per seed,
checkpoint and outcome (runs.csv), table.md, command and commit.

Example:
  python scripts/stalled_seeds.py --dataset cifar10 --seeds 2 18 --checkpoints 30 50 80
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import optuna
import torch
from scipy.stats import spearmanr

from latentnas.evaluation.measurements import Column, command_line, write_measurements
from latentnas.evaluation.runs import TOP_FRACTION
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import History, make_sampler
from latentnas.study import create_study, run_search
from latentnas.surrogate import OUTCOMES, LatentSurrogate, log_expected_improvement

#: Fits' seed (the restarts of the GP fit draw from torch's generator).
FIT_SEED = 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="nasbench201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[30, 50, 80])
    parser.add_argument("--options", default="{}",
                        help="latent-bo options as JSON, e.g. '{\"outcome\": \"standardize\"}'")
    parser.add_argument("--out", default="/tmp/stalled-seeds", help="record folder")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = BenchmarkObjective(args.benchmark, args.dataset)
    space = objective.space
    threshold = objective.stats.top_threshold(TOP_FRACTION)
    rows = []
    for seed in args.seeds:
        sampler = make_sampler("latent-bo", space, seed=seed, **json.loads(args.options))
        study = create_study(space, sampler)
        run_search(study, objective, n_unique=max(args.checkpoints))
        observations = History.from_study(study, space).observations
        base = sampler.surrogate  # type: ignore[attr-defined]
        pool = base.pool()
        archs, keys = pool.archs, pool.keys
        features = base.pool_features()
        truth = torch.tensor([objective(a).valid for a in archs], dtype=torch.float64)
        top = (truth >= threshold).nonzero().reshape(-1).tolist()
        print(f"seed {seed}: best of {len(observations)} {max(o.value for o in observations):.2f}, "
              f"top 0.1 % found: {any(o.value >= threshold for o in observations)}")
        for n in args.checkpoints:
            seen = {o.key for o in observations[:n]}
            unseen = torch.tensor([k not in seen for k in keys])
            upper = unseen & (truth >= truth.median())
            train_X = base.arch_features([o.arch for o in observations[:n]])
            train_Y = torch.tensor([[o.value] for o in observations[:n]], dtype=torch.float64)
            for outcome in OUTCOMES:
                surrogate = LatentSurrogate(base.latent, kernel=base.kernel, fit_maxiter=base.fit_maxiter,
                                            outcome=outcome, cache=base.cache)
                with torch.random.fork_rng():
                    torch.manual_seed(FIT_SEED)
                    model = surrogate.fit(train_X, train_Y)
                scores = log_expected_improvement(model, features, float(train_Y.max()))
                scores[~unseen] = -math.inf
                rank = torch.empty_like(scores, dtype=torch.long)
                rank[scores.argsort(descending=True)] = torch.arange(len(scores))
                mean, _ = surrogate.predict(model, features)
                row = {
                    "seed": seed, "n": n, "outcome": outcome, "incumbent": float(train_Y.max()),
                    "noise_std": float(model.likelihood.noise.detach().sqrt()),
                    "lengthscale": float(model.covar_module.base_kernel.lengthscale.detach().reshape(-1)[0]),
                    "top_mean": sorted(round(float(mean[i]), 2) for i in top if unseen[i]),
                    "top_logei_ranks": sorted(int(rank[i]) for i in top if unseen[i]),
                    "spearman": float(spearmanr(mean[unseen], truth[unseen]).statistic),
                    "spearman_upper_half": float(spearmanr(mean[upper], truth[upper]).statistic),
                }
                rows.append(row)
                print(f"  n={n:3d} {outcome:11s} noise std {row['noise_std']:.3f} lengthscale {row['lengthscale']:.2f} "
                      f"top mean {min(row['top_mean'], default='-')}-{max(row['top_mean'], default='-')} "
                      f"top LogEI ranks {row['top_logei_ranks'][:4]} "
                      f"spearman {row['spearman']:.2f} upper half {row['spearman_upper_half']:.2f}")
    caption = (f"latent-bo on {args.benchmark}/{args.dataset} with options {args.options}: the GP at "
               f"{', '.join(map(str, args.checkpoints))} observations of each seed's search, fitted once per outcome")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=COLUMNS)
    return 0


COLUMNS = (Column("seed"), Column("n", "observations"), Column("outcome"), Column("incumbent", format="{:.2f}"),
           Column("noise_std", "noise std", "{:.3f}"), Column("lengthscale", format="{:.2f}"),
           Column("top_mean", "posterior mean of the unevaluated top 0.1 %", "{:.2f}"),
           Column("top_logei_ranks", "their LogEI ranks"), Column("spearman", "Spearman", "{:.2f}"),
           Column("spearman_upper_half", "Spearman, upper half", "{:.2f}"))


if __name__ == "__main__":
    sys.exit(main())
