"""The hand-written two-objective hypervolume paths of latentnas.pareto against BoTorch's: equal values, and time.

1. ``hypervolume`` (an exact sweep in two dimensions) against BoTorch's ``Hypervolume`` on --fronts random fronts of
   1-60 points (half of them with ties): the largest difference.
2. Time of the hypervolume of each prefix of --curve points, as a report's progress curve computes it, by both.
3. ``hypervolume_improvement`` (vectorized over candidates and draws) against the difference of BoTorch's
   hypervolumes with and without each point, on --candidates candidates x 64 draws: the largest difference and the
   time of each (BoTorch's on a tenth of the points, scaled).

Every timing is the median of --repeats, each method timed in the same process. Prints a table and writes a record
under --out (runs.csv, table.md, command.txt, commit.txt).

Example:
  python scripts/benchmark_pareto.py --out docs/results/pareto
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from botorch.utils.multi_objective.hypervolume import Hypervolume
from botorch.utils.multi_objective.pareto import is_non_dominated

from latentnas.evaluation.measurements import Column, command_line, write_measurements
from latentnas.pareto import hypervolume, hypervolume_improvement


def botorch_hypervolume(Y: torch.Tensor, ref: torch.Tensor) -> float:
    Y = Y[(Y > ref).all(-1)]
    return float(Hypervolume(ref_point=ref).compute(Y[is_non_dominated(Y)])) if len(Y) else 0.0


def median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fronts", type=int, default=300)
    parser.add_argument("--curve", type=int, default=500, help="points of the progress curve")
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("docs/results/pareto"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    ref = torch.zeros(2, dtype=torch.float64)

    worst = 0.0
    for i in range(args.fronts):
        n = int(torch.randint(1, 61, (1,), generator=generator))
        Y = torch.rand(n, 2, generator=generator, dtype=torch.float64)
        Y = Y.round(decimals=1) if i % 2 else Y  # ties and duplicate rows in half of them
        worst = max(worst, abs(hypervolume(Y, ref) - botorch_hypervolume(Y, ref)))

    curve = torch.rand(args.curve, 2, generator=generator, dtype=torch.float64)
    ours = median_seconds(lambda: [hypervolume(curve[:k], ref) for k in range(1, args.curve + 1)], args.repeats)
    theirs = median_seconds(lambda: [botorch_hypervolume(curve[:k], ref) for k in range(1, args.curve + 1)],
                            args.repeats)

    front = torch.rand(30, 2, generator=generator, dtype=torch.float64)
    draws = torch.rand(args.candidates, 64, 2, generator=generator, dtype=torch.float64)
    base = botorch_hypervolume(front, ref)
    few = draws[: max(1, args.candidates // 10)]
    expected = torch.tensor([[botorch_hypervolume(torch.cat([front, y.unsqueeze(0)]), ref) - base for y in row]
                             for row in few], dtype=torch.float64)
    gap = float((hypervolume_improvement(few, front, ref) - expected).abs().max())
    fast = median_seconds(lambda: hypervolume_improvement(draws, front, ref), args.repeats)
    slow = median_seconds(lambda: [[botorch_hypervolume(torch.cat([front, y.unsqueeze(0)]), ref) for y in row]
                                   for row in few], 1) * (args.candidates / len(few))

    rows = [
        {"what": f"hypervolume, {args.fronts} random fronts", "largest_difference": worst, "latentnas_s": None,
         "botorch_s": None, "ratio": None},
        {"what": f"hypervolume of every prefix of {args.curve} points", "largest_difference": None,
         "latentnas_s": ours, "botorch_s": theirs, "ratio": theirs / ours},
        {"what": f"hypervolume improvement, {args.candidates} candidates x 64 draws", "largest_difference": gap,
         "latentnas_s": fast, "botorch_s": slow, "ratio": slow / fast},
    ]
    columns = [Column("what"), Column("largest_difference", "largest |difference|", "{:.1e}"),
               Column("latentnas_s", "latentnas (s)", "{:.4f}"), Column("botorch_s", "BoTorch (s)", "{:.4f}"),
               Column("ratio", "BoTorch / latentnas", "{:.1f}x")]
    caption = (f"Two-objective hypervolume by latentnas.pareto's hand-written paths and by BoTorch, one torch thread, "
               f"medians of {args.repeats} (BoTorch's improvement timed once on a tenth of the candidates and "
               "scaled).")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=columns)
    print((args.out / "table.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
