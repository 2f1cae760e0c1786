"""Training throughput of networks built by latentnas against the same networks written by hand.

Same process, same inputs, runs interleaved; medians over repeats of samples/s (Cora nodes or digits images per
second of forward + backward + optimizer step). Prints a table and writes a record under --out: one row per network
(runs.csv), table.md, every repeat's throughput (repeats.json), command and commit.

Example:
  python scripts/speed_vs_handwritten.py --repeats 15 --out docs/results/speed-vs-handwritten
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
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import GCNConv, SAGEConv

from latentnas.datasets import load_dataset
from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements
from latentnas.networks.nasbench201 import NB201Config, ReLUConvBN, ResidualReduction
from latentnas.spaces import get_space

GRAPH_ARCH = "[0,1,1,2] [gcn,sage,fc,gcn]"
CELL_ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


class HandGNN(nn.Module):
    """``[0,1,1,2] [gcn,sage,fc,gcn]`` by hand: x -> gcn -> (sage, fc); sage -> gcn; leaves fc + gcn summed."""

    def __init__(self, f_in: int, hidden: int, classes: int, dropout: float) -> None:
        super().__init__()
        self.c1, self.c2 = GCNConv(f_in, hidden), SAGEConv(hidden, hidden)
        self.c3, self.c4 = nn.Linear(hidden, hidden), GCNConv(hidden, hidden)
        self.post, self.out, self.p = nn.Linear(hidden, hidden), nn.Linear(hidden, classes), dropout

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        d = lambda h: F.dropout(h, self.p, self.training)
        h1 = F.relu(self.c1(d(x), edge_index))
        h2 = F.relu(self.c2(d(h1), edge_index))
        h3 = F.relu(self.c3(d(h1)))
        h4 = F.relu(self.c4(d(h2), edge_index))
        return self.out(d(F.relu(self.post(d(h3 + h4)))))


class HandCell(nn.Module):
    """The NB201 cell of :data:`CELL_ARCH` by hand."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.e10, self.e20, self.e31 = ReLUConvBN(c, c, 3, 1, 1), ReLUConvBN(c, c, 3, 1, 1), ReLUConvBN(c, c, 3, 1, 1)
        self.pool = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x: Tensor) -> Tensor:
        n1 = self.e10(x)
        n2 = self.e20(x) + self.pool(n1)
        return x + self.e31(n1) + n2


class HandNB201(nn.Module):
    def __init__(self, c: int, n: int, in_channels: int, classes: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers: list[nn.Module] = []
        for stage in range(3):
            if stage:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            layers += [HandCell(c) for _ in range(n)]
        self.cells = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.cells(self.stem(x)))


def throughput(model: nn.Module, step_inputs: Callable[[], tuple[tuple[Tensor, ...], Tensor, Tensor | None]],
               samples: int, steps: int) -> float:
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    model.train()
    start = time.perf_counter()
    for _ in range(steps):
        inputs, y, mask = step_inputs()
        out = model(*inputs)
        loss = F.cross_entropy(out if mask is None else out[mask], y if mask is None else y[mask])
        optim.zero_grad()
        loss.backward()
        optim.step()
    return samples * steps / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("docs/results/speed-vs-handwritten"), help="record folder")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    results: dict[str, dict[str, Any]] = {}

    data, task = load_dataset("Cora")
    space = get_space("nasbench-graph")
    torch.manual_seed(0)
    built = space.build(space.from_string(GRAPH_ARCH), task)
    hand = HandGNN(task.in_channels, 256, task.num_classes, 0.5)
    graph_inputs = lambda: ((data.x, data.edge_index), data.y, data.train_mask)
    results["nasbench-graph on Cora (nodes/s)"] = _compare(built, hand, graph_inputs, data.num_nodes, args)

    splits, task = load_dataset("digits")
    space = get_space("nasbench201")
    X, y = splits.train[0][:128], splits.train[1][:128]
    built = space.build(space.from_string(CELL_ARCH), task, config=NB201Config(channels=16, cells_per_stage=2))
    hand = HandNB201(16, 2, 1, 10)
    image_inputs = lambda: ((X,), y, None)
    results["nasbench201 on digits (images/s)"] = _compare(built, hand, image_inputs, len(y), args)

    rows = [{"network": name, **{k: v for k, v in r.items() if k not in ("built_each", "handwritten_each")}}
            for name, r in results.items()]
    caption = (f"Training throughput, built by latentnas against written by hand: medians over {args.repeats} "
               f"interleaved repeats of {args.steps} steps, {args.threads} torch thread(s)")
    write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=COLUMNS,
                       data={"repeats.json": results})
    print(caption + "\n\n" + markdown_table(rows, COLUMNS))
    return 0


COLUMNS = (Column("network"), Column("built", "built by latentnas", "{:.1f}"),
           Column("handwritten", "written by hand", "{:.1f}"), Column("ratio", "ratio (median of ratios)", "{:.3f}"),
           Column("ratio_of_medians", "ratio of medians", "{:.3f}"), Column("repeats"))


def _compare(built: nn.Module, hand: nn.Module, inputs: Callable[[], tuple[tuple[Tensor, ...], Tensor, Tensor | None]],
             samples: int, args: argparse.Namespace) -> dict[str, Any]:
    if sum(p.numel() for p in built.parameters()) != sum(p.numel() for p in hand.parameters()):
        raise SystemExit("the handwritten network has another parameter count: not the same network")
    throughput(built, inputs, samples, 2)
    throughput(hand, inputs, samples, 2)  # warm-up
    a, b = [], []
    for _ in range(args.repeats):  # interleaved, so that load changes hit both alike
        a.append(throughput(built, inputs, samples, args.steps))
        b.append(throughput(hand, inputs, samples, args.steps))
    ratios = [x / y for x, y in zip(a, b)]
    return {"built": statistics.median(a), "handwritten": statistics.median(b), "ratio": statistics.median(ratios),
            "ratio_of_medians": statistics.median(a) / statistics.median(b), "repeats": args.repeats,
            "built_each": a, "handwritten_each": b}


if __name__ == "__main__":
    sys.exit(main())
