"""One-shot GPU check: builds sampled networks of every space, trains them on CUDA, eager vs mixed precision.

Prints samples/s and peak memory per space and mode (bfloat16 autocast, as TrainingObjective uses on CUDA), and
that a seeded TrainingObjective run gives a finite result on the device; whether the same seed gives the same
accuracies twice on the device (CiteSeer); and, on a GPU, seconds to train two GNNs for 30 epochs on CiteSeer there
against one CPU thread. Without a GPU it runs a tiny version on CPU and says so. Writes a record under --out after
each part (so that a run stopped at a time limit keeps what it measured): the throughput rows (runs.csv, table.md,
the other parts below the table), everything measured (gpu_check.json), command and commit.

Example:
  python scripts/gpu_check.py --out docs/results/gpu-check    # the throughput part took 26 s on an H200
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from latentnas.datasets import load_dataset
from latentnas.evaluation.measurements import Column, command_line, write_measurements
from latentnas.networks import Task
from latentnas.networks.darts import DartsConfig
from latentnas.networks.nasbench101 import NB101Config
from latentnas.networks.nasbench201 import NB201Config
from latentnas.networks.nasbench_graph import GNNConfig
from latentnas.objectives.training import TrainingObjective
from latentnas.spaces import get_space


def measure(model: torch.nn.Module, inputs: tuple[torch.Tensor, ...], y: torch.Tensor, mask: torch.Tensor | None,
            *, device: torch.device, amp: bool, steps: int) -> dict[str, float]:
    model = model.to(device).train()
    optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for i in range(steps + 2):  # 2 warm-up steps
        if i == 2:
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            out = model(*inputs)
        loss = F.cross_entropy((out if mask is None else out[mask]).float(), y if mask is None else y[mask])
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    samples = len(y) * steps  # images, or every node of the graph (the forward computes them all)
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else float("nan")
    return {"samples_per_s": samples / seconds, "peak_mib": peak, "loss": float(loss.detach())}


COLUMNS = (Column("space"), Column("amp", "bfloat16 autocast"), Column("samples_per_s", "samples/s", "{:,.0f}"),
           Column("peak_mib", "peak MiB", "{:,.0f}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/gpu-check"), help="record folder")
    args = parser.parse_args(argv)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda:
        print("no GPU found: running a tiny version on CPU")
        torch.set_num_threads(1)
    steps, batch, size = (20, 256, 32) if cuda else (2, 16, 8)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(batch, 3, size, size, generator=g).to(device)
    y = torch.randint(0, 10, (batch,), generator=g).to(device)
    image = Task("image", 3, 10)
    configs = {"nasbench201": NB201Config() if cuda else NB201Config(4, 1),
               "nasbench101": NB101Config(128, 3, 3) if cuda else NB101Config(4, 1, 1),
               "darts": DartsConfig(36, 20) if cuda else DartsConfig(4, 3)}
    rows = []
    for name, config in configs.items():
        space = get_space(name)
        for amp in (False, True):
            torch.manual_seed(0)
            net = space.build(space.sample(0), image, config=config)
            rows.append({"space": name, "amp": amp, **measure(net, (X,), y, None, device=device, amp=amp, steps=steps)})
    data, task = load_dataset("Cora")
    data = data.to(device)
    space = get_space("nasbench-graph")
    for amp in (False, True):
        torch.manual_seed(0)
        net = space.build(space.from_string("[0,0,1,2] [gat,gcn,sage,arma]"), task)
        try:
            row = measure(net, (data.x, data.edge_index), data.y, data.train_mask, device=device, amp=amp, steps=steps)
        except RuntimeError as err:  # report, do not hide, an op without bfloat16 support
            row = {"error": str(err).splitlines()[0]}
        rows.append({"space": "nasbench-graph (Cora, all nodes)", "amp": amp, **row})
    objective = TrainingObjective(space, load_dataset("Cora")[0], task, epochs=20 if cuda else 2, device=device)
    evaluation = objective(space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]"))
    print(f"{'space':34s} {'amp':5s} {'samples/s':>12s} {'peak MiB':>10s}")
    for r in rows:
        if "error" in r:
            print(f"{r['space']:34s} {r['amp']!s:5s} error: {r['error']}")
        else:
            print(f"{r['space']:34s} {r['amp']!s:5s} {r['samples_per_s']:12.1f} {r['peak_mib']:10.1f}")
    print(f"TrainingObjective on {objective.device} (amp={objective.amp}): valid {evaluation.valid:.2f}, "
          f"{evaluation.cost_seconds:.1f}s", flush=True)
    # Each part prints and saves when it is done, so that a run stopped at a time limit keeps what it measured.
    record = {"device": str(device), "rows": rows, "training_valid": evaluation.valid}
    notes = [f"TrainingObjective on {objective.device} (amp={objective.amp}), Cora, {objective.epochs} epochs: "
             f"valid {evaluation.valid:.2f}, {evaluation.cost_seconds:.1f} s."]
    columns = COLUMNS + ((Column("error"),) if any("error" in r for r in rows) else ())
    caption = (f"Training throughput on {device}, mean over {steps} steps after 2 warm-up steps (images: random "
               f"{size}x{size}, batch {batch}; graphs: every node of Cora), without and with bfloat16 autocast.")

    def save() -> None:
        write_measurements(args.out, rows, command=command_line(__file__, argv), caption=caption, columns=columns,
                           notes="\n\n".join(notes), data={"gpu_check.json": record})

    save()
    epochs = 30 if cuda else 2
    citeseer = load_dataset("CiteSeer")
    repeats = repeatability(space, citeseer, device, epochs=epochs)
    same = sum(r["same"] for r in repeats)
    print(f"same seed twice on {device} (CiteSeer, {epochs} epochs): {same} of {len(repeats)} architectures gave the same "
          f"valid and test accuracy", flush=True)
    for r in repeats:
        if not r["same"]:
            print(f"  {r['arch']}: valid {r['valid']} test {r['test']}")
    record["repeatability"] = repeats
    notes.append(f"Same seed twice on {device} (CiteSeer, {epochs} epochs, hidden 64): {same} of {len(repeats)} "
                 "architectures gave the same valid and test accuracy; " + "; ".join(
                     f"{r['arch']}: valid {r['valid'][0]}/{r['valid'][1]}, test {r['test'][0]}/{r['test'][1]}"
                     for r in repeats) + ".")
    save()
    speed = cpu_vs_device(space, citeseer, device, epochs=30) if cuda else []
    for r in speed:
        print(f"CiteSeer, {r['epochs']} epochs, hidden 64, {r['arch']}: {r['cpu_seconds']:.2f}s on one CPU thread, "
              f"{r['device_seconds']:.2f}s on {device} ({r['cpu_seconds'] / r['device_seconds']:.1f}x)", flush=True)
    record["cpu_vs_device"] = speed
    notes += [f"CiteSeer, {r['epochs']} epochs, hidden 64, {r['arch']}: {r['cpu_seconds']:.2f} s on one CPU thread, "
              f"{r['device_seconds']:.2f} s on {device}." for r in speed]
    save()
    return 0


#: One architecture per op of NAS-Bench-Graph's space, so that each op's kernels are seen.
GNN_ARCHS = ("[0,0,1,2] [gcn,gat,sage,gin]", "[0,1,2,3] [cheb,arma,graph,fc]", "[0,0,0,1] [gat,skip,arma,gcn]",
             "[0,1,1,2] [sage,cheb,gin,graph]")


def repeatability(space, citeseer, device: torch.device, *, epochs: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each of :data:`GNN_ARCHS` trained twice with the same seed on ``device``: are the accuracies equal? (Scatter
    additions on a GPU run in no fixed order, so they need not be.) ``citeseer``: ``load_dataset("CiteSeer")``."""
    data, task = citeseer
    objective = TrainingObjective(space, data, task, epochs=epochs, device=device, network_config=GNNConfig(hidden=64))
    rows = []
    for arch in GNN_ARCHS:
        first, second = (objective(space.from_string(arch)) for _ in range(2))
        rows.append({"arch": arch, "same": (first.valid, first.test) == (second.valid, second.test),
                     "valid": [first.valid, second.valid], "test": [first.test, second.test]})
    return rows


def cpu_vs_device(space, citeseer, device: torch.device, *, epochs: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """Seconds to train each of the first two :data:`GNN_ARCHS` on CiteSeer (hidden 64) on one CPU thread and on
    ``device``. NOTE: at 200 epochs and NAS-Bench-Graph's hidden 256, the CPU side had not finished after 150 s on one
    thread of an H200 machine: too long for a check."""
    data, task = citeseer
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        config = GNNConfig(hidden=64)  # the setting of the real-search records
        on_cpu = TrainingObjective(space, data, task, epochs=epochs, device="cpu", network_config=config)
        on_device = TrainingObjective(space, data, task, epochs=epochs, device=device, network_config=config)
        rows = []
        for arch in GNN_ARCHS[:2]:
            on_device(space.from_string(arch))  # warm-up: kernels compiled and cached
            rows.append({"arch": arch, "epochs": epochs,
                         "cpu_seconds": on_cpu(space.from_string(arch)).cost_seconds,
                         "device_seconds": on_device(space.from_string(arch)).cost_seconds})
        return rows
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    sys.exit(main())
