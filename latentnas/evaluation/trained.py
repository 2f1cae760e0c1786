"""Runs that train every candidate for real: samplers side by side on one graph dataset, same seeds, same budget.

A :class:`TrainingJob` is one sampler entry with one seed: a search with ``--objective train`` on the dataset (the
space of a table of the benchmark, NAS-Bench-Graph by default), described by a :class:`~latentnas.assembly.SearchSpec`
and run by :func:`latentnas.assembly.assemble` like any other. For context, the best architecture found is also looked
up in that table, which was trained under another protocol. Each run is a :class:`TrainingRecord`, one row of the
record's ``runs.csv`` (its curve a JSON list in it); :func:`~latentnas.evaluation.runs.run_jobs` runs many in processes,
:func:`~latentnas.evaluation.experiment.write_record` writes them.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, fields
from typing import Any

import optuna
import torch

from latentnas.assembly import SearchSpec, assemble
from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.paired import paired_table
from latentnas.evaluation.report import mean_std, pyplot, seeds_text
from latentnas.evaluation.runs import split_label


@dataclass(frozen=True)
class TrainingRecord:
    """What one run with real training found.

    Attributes:
        dataset: The dataset trained on.
        sampler: The sampler entry (``NAME`` or ``NAME+transfer``).
        seed: The search's seed (sampler and training).
        trials: Unique architectures trained.
        epochs: Training epochs per architecture.
        best_arch: The best architecture by validation (``None``: none trained).
        best_valid: Its validation accuracy.
        test_at_best_valid: Its test accuracy: the figure reported.
        failures: Trials that failed (out of memory, a NaN loss).
        table_valid_of_best: The table's validation accuracy of the best architecture (context: another protocol).
        table_test_of_best: The table's test accuracy of it.
        training_seconds: Seconds the trained architectures took, summed.
        seconds: Wall-clock seconds of the search.
        device: Where the candidates trained.
        curve: The best validation accuracy after each trained architecture.
    """

    dataset: str
    sampler: str
    seed: int
    trials: int
    epochs: int
    best_arch: str | None
    best_valid: float | None
    test_at_best_valid: float | None
    failures: int
    table_valid_of_best: float | None
    table_test_of_best: float | None
    training_seconds: float
    seconds: float
    device: str
    curve: tuple[float, ...] = ()

    def to_row(self) -> dict[str, Any]:
        """The ``runs.csv`` row: every field, the curve a list."""
        return {f.name: list(self.curve) if f.name == "curve" else getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> TrainingRecord:
        """Parses a ``runs.csv`` row as :meth:`to_row` wrote it."""
        number = lambda name: float(row[name]) if row.get(name) else None
        return cls(dataset=row["dataset"], sampler=row["sampler"], seed=int(row["seed"]), trials=int(row["trials"]),
                   epochs=int(row["epochs"]), best_arch=row["best_arch"] or None, best_valid=number("best_valid"),
                   test_at_best_valid=number("test_at_best_valid"), failures=int(row["failures"]),
                   table_valid_of_best=number("table_valid_of_best"), table_test_of_best=number("table_test_of_best"),
                   training_seconds=float(row["training_seconds"]), seconds=float(row["seconds"]),
                   device=row["device"], curve=tuple(json.loads(row.get("curve") or "[]")))


@dataclass(frozen=True)
class TrainingJob:
    """One run with real training (picklable, for a process pool).

    Args:
        dataset: A dataset :func:`~latentnas.datasets.load_dataset` knows (Cora and CiteSeer ship offline).
        sampler: A sampler entry: ``NAME``, or ``NAME+transfer`` (the table's other datasets as sources).
        seed: The search's seed.
        budget: Unique architectures trained.
        epochs: Training epochs per architecture.
        table: The dataset of ``benchmark`` whose space is searched and whose table gives context.
        benchmark: The benchmark of ``table``.
        hidden: The networks' width (default: the space's).
        options: The sampler's keyword arguments.
        data_root: The dataset's folder (default: a cache).
        threads: Torch threads of the run.
    """

    dataset: str
    sampler: str
    seed: int
    _: KW_ONLY
    budget: int
    epochs: int
    table: str = "cora"
    benchmark: str = "nasbench-graph"
    hidden: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    data_root: str | None = None
    threads: int = 1

    def spec(self) -> SearchSpec:
        """The search of this run (in memory)."""
        name, transfer = split_label(self.sampler)
        options: dict[str, Any] = {"dataset": self.dataset, "epochs": self.epochs}
        if self.data_root is not None:
            options["data_root"] = self.data_root
        if self.hidden is not None:
            options["network"] = {"hidden": self.hidden}
        return SearchSpec(objective="train", objective_options=options,
                          space=get_benchmark(self.benchmark).space(self.table).name, sampler=name,
                          sampler_options=self.options, seed=self.seed, transfer=transfer, budget=self.budget)

    def run(self) -> TrainingRecord:
        """Runs the search and returns its record."""
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        torch.set_num_threads(self.threads)
        start = time.perf_counter()
        search = assemble(self.spec())
        result = search.run()
        seconds = time.perf_counter() - start
        curve: list[float] = []
        for row in result.history:
            curve.append(max(row["valid"], curve[-1]) if curve else row["valid"])
        bench, space = get_benchmark(self.benchmark), search.objective.space
        table = bench.query(space.from_string(result.best_arch), self.table) if result.best_arch else None
        return TrainingRecord(
            dataset=self.dataset, sampler=self.sampler, seed=self.seed, trials=result.unique_evaluations,
            epochs=self.epochs, best_arch=result.best_arch, best_valid=result.best_valid,
            test_at_best_valid=result.best_test, failures=result.failures,
            table_valid_of_best=table.valid if table else None, table_test_of_best=table.test if table else None,
            training_seconds=round(result.history[-1]["cumulative_cost"], 1) if result.history else 0.0,
            seconds=round(seconds, 1), device=str(getattr(search.objective, "device", "cpu")), curve=tuple(curve))


#: The simplest peers a real search is paired with, where the record ran them: uniform random search and the
#: zero-shot portfolio.
PAIRED_BASELINES = ("random", "portfolio")


def training_table(records: Sequence[TrainingRecord]) -> str:
    """A record's ``table.md``: what ran, then one row per sampler (in first-seen order) of mean ± std over seeds,
    then each other sampler's paired difference in test accuracy at the best validation from each of
    :data:`PAIRED_BASELINES` the record ran (:func:`~latentnas.evaluation.paired.paired_table`)."""
    if not records:
        raise InvalidArgumentError("no runs to tabulate")
    first = records[0]
    devices = ", ".join(sorted({r.device for r in records}))
    lines = [f"Real training on {first.dataset}: {first.trials} unique architectures per run, {first.epochs} epochs "
             f"each, seeds {seeds_text(sorted({r.seed for r in records}))}, trained on {devices}", "",
             "| sampler | best valid | test at best valid | table valid of best | table test of best | seeds |"
             " s/run (median) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for sampler in dict.fromkeys(r.sampler for r in records):
        group = [r for r in records if r.sampler == sampler]
        cells = [_mean_std([getattr(r, name) for r in group]) for name in
                 ("best_valid", "test_at_best_valid", "table_valid_of_best", "table_test_of_best")]
        lines.append(f"| {sampler} | {' | '.join(cells)} | {len(group)} | "
                     f"{statistics.median(r.seconds for r in group):.0f} |")
    tests = {sampler: {r.seed: r.test_at_best_valid for r in records
                       if r.sampler == sampler and r.test_at_best_valid is not None}
             for sampler in dict.fromkeys(r.sampler for r in records)}
    paired: list[str] = []  # a baseline already paired with is not paired again with the next one
    for baseline in PAIRED_BASELINES:
        others = {s: v for s, v in tests.items() if v and s not in paired}
        if tests.get(baseline) and len(others) > 1:
            lines += ["", f"Paired by seed with {baseline} (bootstrap over seeds):", "",
                      paired_table(others, baseline, what="test at best valid").rstrip("\n")]
            paired.append(baseline)
    return "\n".join(lines) + "\n"


def training_figure(records: Sequence[TrainingRecord]) -> Any:
    """The mean over seeds of each sampler's best validation accuracy after each trained architecture (a matplotlib
    figure; needs matplotlib)."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(5, 3.5))
    for sampler in dict.fromkeys(r.sampler for r in records):
        curves = [r.curve for r in records if r.sampler == sampler and r.curve]
        if curves:
            n = min(len(c) for c in curves)
            ax.plot(range(1, n + 1), [statistics.fmean(c[i] for c in curves) for i in range(n)], label=sampler)
    ax.set_xlabel("trained architectures")
    ax.set_ylabel("best validation accuracy (%), mean over seeds")
    ax.legend()
    figure.tight_layout()
    return figure


def _mean_std(values: Sequence[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    return mean_std(statistics.fmean(known), statistics.stdev(known) if len(known) > 1 else 0.0)
