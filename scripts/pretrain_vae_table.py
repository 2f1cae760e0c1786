"""Pretrains graph VAEs and prints the table of reconstruction accuracy, validity, uniqueness, novelty, coverage and
seconds per space x encoder x decoder.

Example (the measured table in the VAE issue):
    .venv/bin/python scripts/pretrain_vae_table.py --spaces nasbench-graph nasbench201 --encoders dag gin \
        --decoders oneshot --threads 2 --out runs/vae-table

Training uses each space's canonical representatives (``SearchSpace.pretraining_archs``) and the space's
defaults (``default_train_config``) unless overridden on the command line. With --out, a record is written there
after each row (one row per space, encoder and decoder in runs.csv, table.md, command and commit).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements
from latentnas.spaces import get_space
from latentnas.vae import train_vae

COLUMNS = (Column("space"), Column("encoder"), Column("decoder"),
           *(Column(key, format="{:.4f}") for key in ("holdout_recon", "train_recon", "validity", "uniqueness",
                                                       "novelty", "coverage")),
           Column("train_s", format="{:.1f}"), Column("load"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spaces", nargs="+", default=["nasbench-graph", "nasbench201"])
    parser.add_argument("--encoders", nargs="+", default=[None], help="dag, gin (default: the space's default)")
    parser.add_argument("--decoders", nargs="+", default=[None], help="oneshot, sequential (default: the space's)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--hidden", type=int)
    parser.add_argument("--latent-dim", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--beta", type=float)
    parser.add_argument("--holdout", type=float)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--out", type=Path, help="record folder, rewritten after each row")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    rows = []
    for space_name in args.spaces:
        space = get_space(space_name)
        archs = space.pretraining_archs()
        for encoder in args.encoders:
            for decoder in args.decoders:
                load_before = os.getloadavg()[0]
                start = time.perf_counter()
                trained = train_vae(
                    space, archs, encoder=encoder, decoder=decoder, epochs=args.epochs, hidden=args.hidden,
                    latent_dim=args.latent_dim, batch_size=args.batch_size, lr=args.lr, beta=args.beta,
                    holdout=args.holdout, seed=args.seed,
                )
                m = trained.metrics
                row = {
                    "space": space_name, "encoder": trained.train_config.encoder,
                    "decoder": trained.train_config.decoder, "archs": len(archs),
                    "holdout_recon": m["holdout_reconstruction"], "train_recon": m["train_reconstruction"],
                    "validity": m["validity"], "uniqueness": m["uniqueness"], "novelty": m["novelty"],
                    "coverage": m["coverage"], "train_s": round(trained.seconds, 1),
                    "total_s": round(time.perf_counter() - start, 1),
                    "load": f"{load_before:.1f}->{os.getloadavg()[0]:.1f}",
                    "config": trained.train_config.to_dict(),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
                if args.out:
                    write_measurements(args.out, rows, command=command_line(__file__, argv), columns=COLUMNS,
                                       caption="Graph VAEs pretrained on each space's canonical architectures")
    print(markdown_table(rows, COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
