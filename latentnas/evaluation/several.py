"""Comparing samplers on several objectives, or under constraints, on a tabular benchmark.

Every run is a fresh in-memory study created with the comparison's metrics and constraints
(:func:`latentnas.study.create_study`), run to ``budget`` unique architectures by the same search loop as any other.
What a run reports:

- with several metrics, the hypervolume of its feasible front over that of the table's exact front, against the
  table's reference point (:class:`latentnas.pareto.Front`: the table's median of each metric, written into the
  record's ``fronts.json``), after each of ``checkpoints`` unique architectures;
- whatever the metrics, the best validation accuracy among the architectures that satisfy ``judge`` (default: the
  search's own constraints), so that a constrained search can be set beside an unconstrained one judged by the same
  bound.

Example:
    >>> config = SeveralConfig("nasbench201", datasets=("cifar10",), samplers=("random", "latent-bo"),
    ...                        seeds=(0, 1), budget=100, objectives=("valid", "params"))
    >>> rows = run_several(config)
"""

from __future__ import annotations

import csv
import dataclasses
import json
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.record import source_revision
from latentnas.evaluation.runs import RunGrid
from latentnas.pareto import Constraint, Front, metric_value, parse_constraints, parse_objectives

#: The unique-architecture counts at which a run's hypervolume ratio is also recorded (beside the budget).
CHECKPOINTS = (25, 50)


@dataclass(frozen=True, kw_only=True)
class SeveralConfig(RunGrid):
    """What a comparison on several objectives or constraints runs.

    Args:
        benchmark: A registered tabular benchmark.
        datasets: Datasets of it.
        samplers: Registered sampler names (those of several objectives where ``objectives`` has several).
        seeds: One run per seed, sampler and dataset.
        budget: Unique architectures per run.
        objectives: The metrics searched (:data:`latentnas.pareto.METRICS`).
        constraints: Bounds the search itself is given (``"latency<=0.005"``).
        judge: Bounds a run's best architecture is judged by (default: ``constraints``): an unconstrained run judged
            by the bound its constrained twin searched under.
        sampler_options: Keyword arguments per sampler, JSON values.
    """

    objectives: tuple[str, ...] = ("valid",)
    constraints: tuple[str, ...] = ()
    judge: tuple[str, ...] | None = None
    sampler_options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from latentnas.benchmarks import get_benchmark
        from latentnas.samplers import SAMPLERS, capabilities, names_with

        for name in ("datasets", "samplers", "seeds", "objectives", "constraints"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.judge is not None:
            object.__setattr__(self, "judge", tuple(self.judge))
        if not (self.datasets and self.samplers and self.seeds):
            raise InvalidArgumentError("datasets, samplers and seeds must not be empty")
        bench = get_benchmark(self.benchmark)
        for dataset in self.datasets:
            bench.check_dataset(dataset)
        parse_objectives(self.objectives)
        parse_constraints(self.constraints)
        parse_constraints(self.judge)
        for sampler in self.samplers:
            SAMPLERS.get(sampler)
            if len(self.objectives) > 1 and not capabilities(sampler).several_objectives:
                raise InvalidArgumentError(f"sampler '{sampler}' searches one objective; samplers of several: "
                                           f"{', '.join(names_with('several_objectives'))}")
        if self.budget < 1:
            raise InvalidArgumentError(f"budget must be positive, got {self.budget}")

    @property
    def judged_by(self) -> tuple[Constraint, ...]:
        return parse_constraints(self.judge if self.judge is not None else self.constraints)

    def to_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "datasets": list(self.datasets), "samplers": list(self.samplers),
                "seeds": list(self.seeds), "budget": self.budget, "objectives": list(self.objectives),
                "constraints": list(self.constraints), "judge": [str(c) for c in self.judged_by],
                "sampler_options": self.sampler_options}


@lru_cache(maxsize=16)
def table_front(benchmark: str, dataset: str, objectives: tuple[str, ...]) -> Front:
    """The exact front of a benchmark's table for ``objectives`` (computed from the table, cached per process)."""
    from latentnas.benchmarks import get_benchmark

    rows = get_benchmark(benchmark).records(dataset)
    keys = list(rows)
    values = torch.tensor([[metric_value(m, rows[k].user_attrs()) for m in objectives] for k in keys],
                          dtype=torch.float64)
    return Front.of(objectives, keys, values)


def run_one(config: SeveralConfig, dataset: str, sampler_name: str, seed: int) -> dict[str, Any]:
    """One run: its figures as a flat row (see the module's docstring)."""
    from latentnas.objectives import BenchmarkObjective
    from latentnas.samplers import make_sampler
    from latentnas.search import is_feasible, unique_trials
    from latentnas.study import create_study, run_search

    objective = BenchmarkObjective(config.benchmark, dataset)
    sampler = make_sampler(sampler_name, objective.space, seed=seed, **config.sampler_options.get(sampler_name, {}))
    study = create_study(objective.space, sampler, objectives=config.objectives, constraints=config.constraints)
    start = time.perf_counter()
    run_search(study, objective, n_unique=config.budget)
    seconds = time.perf_counter() - start
    trials = unique_trials(study)
    row: dict[str, Any] = {"dataset": dataset, "sampler": sampler_name, "seed": seed, "unique": len(trials),
                           "seconds": round(seconds, 3)}
    judged = [t for t in trials if all(c.violation(t.user_attrs) <= 0 for c in config.judged_by)]
    row["best_feasible_valid"] = max((t.user_attrs["valid"] for t in judged), default=None)
    row["feasible"] = len(judged)
    if len(config.objectives) > 1:
        front = table_front(config.benchmark, dataset, config.objectives)
        for n in (*[c for c in CHECKPOINTS if c < config.budget], config.budget):
            found = [t.values for t in trials[:n] if is_feasible(t)]
            row[f"hv_ratio@{n}"] = round(front.ratio(found), 6) if found else 0.0
    return row


def _run_job(job: tuple[SeveralConfig, str, str, int]) -> dict[str, Any]:
    return run_one(*job)


def _init_worker() -> None:
    import optuna

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def run_several(config: SeveralConfig, *, workers: int = 1) -> list[dict[str, Any]]:
    """Every run of ``config``, in (dataset, sampler, seed) order; ``workers`` processes run them at once."""
    jobs = [(config, d, s, seed) for d in config.datasets for s in config.samplers for seed in config.seeds]
    if workers <= 1:
        _init_worker()
        return [_run_job(job) for job in jobs]
    with ProcessPoolExecutor(min(workers, len(jobs)), initializer=_init_worker) as pool:
        return list(pool.map(_run_job, jobs))


def summary_table(config: SeveralConfig, rows: Sequence[dict[str, Any]]) -> str:
    """A markdown table: one row per dataset and sampler, the mean ± std of each hypervolume ratio (several
    objectives) and of the best judged-feasible validation accuracy, and the seconds per run."""
    hv = [k for k in rows[0] if k.startswith("hv_ratio@")] if rows else []
    header = ["dataset", "sampler", *(f"hypervolume / table's at {k.split('@')[1]} (mean ± std)" for k in hv),
              "best feasible valid (mean ± std)", "seeds", "s/run (median)"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for dataset in config.datasets:
        for sampler in config.samplers:
            group = [r for r in rows if r["dataset"] == dataset and r["sampler"] == sampler]
            cells = [dataset, sampler]
            for key in hv:
                cells.append(_mean_std([r[key] for r in group], 3))
            best = [r["best_feasible_valid"] for r in group if r["best_feasible_valid"] is not None]
            cells.append(_mean_std(best, 2) + ("" if len(best) == len(group) else f" ({len(best)} found one)"))
            cells += [str(len(group)), f"{statistics.median(r['seconds'] for r in group):.1f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def paired_table(config: SeveralConfig, constrained: Sequence[dict[str, Any]],
                 unconstrained: Sequence[dict[str, Any]]) -> str:
    """A markdown table: per dataset and sampler, in how many seeds the search given the constraints found a best
    feasible architecture at least as good as the same sampler's unconstrained search, judged by the same bounds
    (a search that found no feasible architecture loses to one that did), and both means."""
    header = ["dataset", "sampler", "constrained >= unconstrained (seeds)", "best feasible valid, constrained",
              "best feasible valid, unconstrained", "feasible architectures evaluated (mean, constrained / not)"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for dataset in config.datasets:
        for sampler in config.samplers:
            pairs = []
            for a in constrained:
                if a["dataset"] == dataset and a["sampler"] == sampler:
                    b = next(r for r in unconstrained if (r["dataset"], r["sampler"], r["seed"]) ==
                             (dataset, sampler, a["seed"]))
                    pairs.append((a, b))
            wins = sum(1 for a, b in pairs if b["best_feasible_valid"] is None or (
                a["best_feasible_valid"] is not None and a["best_feasible_valid"] >= b["best_feasible_valid"]))
            share = f"{wins} of {len(pairs)} ({100 * wins / max(len(pairs), 1):.0f} %)"
            means = []
            for side in ([a for a, _ in pairs], [b for _, b in pairs]):
                found = [r["best_feasible_valid"] for r in side if r["best_feasible_valid"] is not None]
                means.append(_mean_std(found, 2) + ("" if len(found) == len(side) else
                                                     f" ({len(found)} of {len(side)} found one)"))
            feasible = " / ".join(f"{statistics.fmean(r['feasible'] for r in side):.1f}"
                                  for side in ([a for a, _ in pairs], [b for _, b in pairs]))
            lines.append("| " + " | ".join([dataset, sampler, share, *means, feasible]) + " |")
    return "\n".join(lines) + "\n"


def read_several(folder: str | Path) -> tuple[SeveralConfig, list[dict[str, Any]]]:
    """The config and rows of a record written by :func:`write_several` (numbers read back as numbers)."""
    folder = Path(folder)
    if not (folder / "runs.csv").is_file() or not (folder / "config.json").is_file():
        raise InvalidArgumentError(f"no record of several objectives in {folder}: runs.csv or config.json is missing")
    raw = json.loads((folder / "config.json").read_text())
    config = SeveralConfig(raw["benchmark"], datasets=raw["datasets"], samplers=raw["samplers"], seeds=raw["seeds"],
                           budget=raw["budget"], objectives=raw["objectives"], constraints=raw["constraints"],
                           judge=raw["judge"], sampler_options=raw["sampler_options"])
    with open(folder / "runs.csv", newline="") as f:
        rows = [{k: _number(k, v) for k, v in row.items()} for row in csv.DictReader(f)]
    return config, rows


def _number(key: str, text: str) -> Any:
    if key in ("dataset", "sampler", "searched_with"):
        return text
    if text == "":
        return None
    value = float(text)
    return int(value) if key in ("seed", "unique", "feasible") else value


def render_several(folder: str | Path, *, paired: bool = False, link: str | None = None) -> str:
    """A README block of a record of several objectives: a caption and its table (``paired``: the table of a
    constrained search beside its unconstrained twin)."""
    config, rows = read_several(folder)
    searched = [r for r in rows if r.get("searched_with") != "none"]
    what = (f"{', '.join(config.objectives)}" + (f" under {', '.join(config.constraints)}" if config.constraints
                                                 else ""))
    caption = (f"{config.benchmark}, {what}, {config.budget} unique architectures per run, {len(config.seeds)} seeds "
               f"({config.seeds[0]}-{config.seeds[-1]}), every sampler on the same seeds (`{link or folder}`):")
    if paired:
        twin = [r for r in rows if r.get("searched_with") == "none"]
        if not twin:
            raise InvalidArgumentError(f"record {folder} has no unconstrained twin to pair with")
        return f"{caption}\n\n{paired_table(config, searched, twin)}\n"
    return f"{caption}\n\n{summary_table(config, searched)}\n"


def _mean_std(values: Sequence[float], digits: int) -> str:
    if not values:
        return "-"
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.{digits}f} ± {std:.{digits}f}"


def write_several(folder: str | Path, config: SeveralConfig, rows: Sequence[dict[str, Any]], *, command: str,
                  revision: str | None = None) -> list[Path]:
    """A record: ``runs.csv``, ``table.md``, ``fronts.json`` (each table front and reference point, several
    objectives), ``config.json``, ``command.txt``, ``commit.txt``. Rows of an unconstrained twin (``searched_with``
    ``"none"``, beside ``"constraints"``) get their own table and the paired one after the main table."""
    if not rows:
        raise InvalidArgumentError("no runs to record")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "runs.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    searched = [r for r in rows if r.get("searched_with") != "none"]
    twin = [r for r in rows if r.get("searched_with") == "none"]
    table = summary_table(config, searched)
    if twin:  # an unconstrained twin of each run, judged by the bounds
        table += ("\nThe same searches without the constraints, judged by them (paired by seed):\n\n"
                  + summary_table(config, twin) + "\n" + paired_table(config, searched, twin))
    (folder / "table.md").write_text(table)
    (folder / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    (folder / "command.txt").write_text(command.strip() + "\n")
    (folder / "commit.txt").write_text((revision or source_revision()).strip() + "\n")
    written = [folder / n for n in ("runs.csv", "table.md", "config.json", "command.txt", "commit.txt")]
    if len(config.objectives) > 1:
        fronts = {}
        for dataset in config.datasets:
            front = table_front(config.benchmark, dataset, config.objectives)
            fronts[dataset] = {"metrics": list(front.metrics), "reference": list(front.reference),
                               "hypervolume": front.hypervolume, "front": front.values.tolist()}
        (folder / "fronts.json").write_text(json.dumps(fronts, indent=2) + "\n")
        written.append(folder / "fronts.json")
    return written


def merge_records(records: Sequence[str | Path], out: str | Path, *, command: str) -> str:
    """Merges records of the same comparison on disjoint seeds into ``out`` (their commands and commits listed, the
    merging ``command`` last) and returns its main table.

    Raises:
        InvalidArgumentError: The configurations differ in more than their seeds, or share a seed.
    """
    folders = [Path(r) for r in records]
    parts = [read_several(f) for f in folders]
    first = parts[0][0]
    seeds: list[int] = []
    for config, _ in parts:
        if dataclasses.replace(config, seeds=first.seeds) != first:
            raise InvalidArgumentError(f"records differ in more than their seeds: {first} and {config}")
        if set(config.seeds) & set(seeds):
            raise InvalidArgumentError(f"records share seeds: {sorted(set(config.seeds) & set(seeds))}")
        seeds += config.seeds
    merged = dataclasses.replace(first, seeds=tuple(sorted(seeds)))
    rows = sorted((row for _, part in parts for row in part),
                  key=lambda r: (merged.datasets.index(r["dataset"]), merged.samplers.index(r["sampler"]),
                                 r.get("searched_with", ""), r["seed"]))
    commands = [(f / "command.txt").read_text().strip() for f in folders]
    commits = [f"seeds {c.seeds[0]}-{c.seeds[-1]}: {(f / 'commit.txt').read_text().strip()}"
               for f, (c, _) in zip(folders, parts)]
    write_several(out, merged, rows, command="\n".join([*commands, command]), revision="\n".join(commits))
    return summary_table(merged, [r for r in rows if r.get("searched_with") != "none"])
