"""Running samplers x datasets x seeds on a tabular benchmark, at one budget of unique architectures (and, where
the table records training times, of simulated seconds).

Every run is a fresh in-memory Optuna study (:func:`latentnas.study.run_search`); baselines and latent samplers run
through the same code, on the same seeds, with the same budget. Regret, the top-fraction threshold and rank
percentiles are judged on the benchmark's main column, whatever column is searched.

Several fidelities: a sampler entry ``"NAME+PRUNER"`` (``"latent-bo+asha"``, ``"tpe+hyperband"``) runs sampler
``NAME`` on :class:`~latentnas.objectives.MultiFidelityObjective` (every column of the benchmark, cheapest first) with
the pruner ``PRUNER`` of :func:`latentnas.study.make_pruner` deciding the promotions; its runs pay for what they
evaluated, pruned architectures included, so compare them with ``budget_seconds``.

Example:
    >>> config = ComparisonConfig("nasbench201", datasets=("cifar10",), samplers=("random", "evolution"),
    ...                           seeds=(0, 1), budget=20)
    >>> records = run_comparison(config)
"""

from __future__ import annotations

import bisect
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import KW_ONLY, asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.record import CurvePoint, RunRecord
from latentnas.samplers import capabilities, names_with

#: The top fraction of a table (by validation) whose discovery the protocol reports: the top 0.1 %.
TOP_FRACTION = 0.001


def split_label(label: str) -> tuple[str, bool]:
    """``(the entry without "+transfer", with transfer)`` of a comparison's sampler entry: ``NAME+transfer``, or
    ``NAME+transfer+PRUNER`` (several fidelities, see :func:`split_entry`), runs ``NAME`` with the benchmark's
    other datasets as transfer sources (a sampler that declares the ``transfer`` capability).

    Raises:
        InvalidArgumentError: The label asks transfer of a sampler that takes no sources.
    """
    name, plus, rest = label.partition("+")
    if rest != "transfer" and not rest.startswith("transfer+"):
        return label, False
    if not capabilities(name).transfer:
        raise InvalidArgumentError(f"'{label}': transfer applies to {', '.join(names_with('transfer'))}, not '{name}'")
    return name + rest[len("transfer"):], True


@dataclass(frozen=True)
class RunGrid:
    """Every sampler on every dataset with every seed, ``budget`` unique architectures per run, on one benchmark: what
    a comparison runs (:class:`ComparisonConfig`, :class:`latentnas.evaluation.several.SeveralConfig`)."""

    benchmark: str
    _: KW_ONLY
    datasets: tuple[str, ...]
    samplers: tuple[str, ...]
    seeds: tuple[int, ...]
    budget: int


@dataclass(frozen=True, kw_only=True)
class ComparisonConfig(RunGrid):
    """What a comparison runs: every sampler on every dataset with every seed, ``budget`` unique architectures.

    Args:
        benchmark: Registered tabular benchmark (see ``latentnas benchmarks``).
        datasets: Datasets of the benchmark.
        samplers: Registered sampler names (see :data:`latentnas.samplers.SAMPLERS`); ``NAME+transfer``
            (e.g. ``latent-bo+transfer``) runs ``NAME`` with transfer from the benchmark's other datasets.
        seeds: One run per seed per sampler and dataset.
        budget: Unique architectures per run.
        fidelity: Column searched (``None``: the main column) by entries without a pruner; figures are judged on
            the main column.
        sampler_options: Keyword arguments per sampler entry, JSON values only, e.g.
            ``{"latent-bo": {"n_initial": 10}}``.
        budget_seconds: Also stop a run once its evaluations have paid this many simulated seconds (the table's
            training times; pruned architectures pay for the columns they were looked up in). The evaluation that
            crosses it is run but not counted: figures count the evaluations that ended within it. ``None``: a
            budget of unique architectures only.
    """

    fidelity: str | None = None
    sampler_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    budget_seconds: float | None = None

    def __post_init__(self) -> None:
        from latentnas.benchmarks import get_benchmark
        from latentnas.samplers import SAMPLERS

        for name in ("datasets", "samplers", "seeds"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise InvalidArgumentError(f"{name} must be a sequence, got {value!r}")
            object.__setattr__(self, name, tuple(value))
            if not value:
                raise InvalidArgumentError(f"{name} must not be empty")
            if len(set(value)) != len(value):
                raise InvalidArgumentError(f"{name} must not repeat an entry, got {', '.join(map(str, value))}")
        bench = get_benchmark(self.benchmark)
        for dataset in self.datasets:
            bench.check_dataset(dataset)
        bench.check_fidelity(self.fidelity)
        for entry in self.samplers:
            sampler, pruner = split_entry(split_label(entry)[0])
            SAMPLERS.get(sampler)
            if pruner is not None:
                from latentnas.objectives import MultiFidelityObjective
                from latentnas.study import PRUNERS

                if pruner not in PRUNERS or pruner == "none":
                    raise InvalidArgumentError(f"unknown pruner '{pruner}' in sampler entry '{entry}'; choices: "
                                               f"{', '.join(p for p in PRUNERS if p != 'none')}")
                MultiFidelityObjective(bench, self.datasets[0])  # a benchmark of one column is refused here
        if self.budget_seconds is not None and (isinstance(self.budget_seconds, bool)
                                                or not isinstance(self.budget_seconds, (int, float))
                                                or not self.budget_seconds > 0):
            raise InvalidArgumentError(f"budget_seconds must be a positive number, got {self.budget_seconds!r}")
        if any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in self.seeds):
            raise InvalidArgumentError(f"seeds must be non-negative integers, got {', '.join(map(str, self.seeds))}")
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 1:
            raise InvalidArgumentError(f"budget must be a positive integer, got {self.budget!r}")
        if not isinstance(self.sampler_options, Mapping):
            raise InvalidArgumentError(f"sampler_options must map sampler names to keyword arguments, "
                                       f"got {self.sampler_options!r}")
        for name, options in self.sampler_options.items():
            if name not in self.samplers:
                raise InvalidArgumentError(
                    f"sampler_options names '{name}', which is not compared; samplers: {', '.join(self.samplers)}")
            if not isinstance(options, Mapping):
                raise InvalidArgumentError(f"sampler_options['{name}'] must be a mapping, got {options!r}")
        try:
            json.dumps(self.sampler_options)
        except TypeError as err:
            raise InvalidArgumentError(f"sampler_options must hold JSON values only: {err}") from None

    def jobs(self) -> list[RunJob]:
        """One job per run, datasets outermost, then samplers, then seeds."""
        return [RunJob(self.benchmark, d, s, seed, budget=self.budget, fidelity=self.fidelity,
                       options=dict(self.sampler_options.get(s, {})), budget_seconds=self.budget_seconds)
                for d in self.datasets for s in self.samplers for seed in self.seeds]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sampler_options": {k: dict(v) for k, v in self.sampler_options.items()}}


def split_entry(entry: str) -> tuple[str, str | None]:
    """A comparison's sampler entry as (sampler, pruner): ``"tpe+hyperband" -> ("tpe", "hyperband")``,
    ``"tpe" -> ("tpe", None)``."""
    sampler, plus, pruner = entry.partition("+")
    if plus and not (sampler and pruner):
        raise InvalidArgumentError(f"a sampler entry is NAME or NAME+PRUNER, got '{entry}'")
    return sampler, pruner if plus else None


@dataclass(frozen=True)
class RunJob:
    """One run of a comparison (picklable, for a process pool); ``sampler`` is an entry, ``NAME`` or
    ``NAME+PRUNER`` (see :func:`split_entry`)."""

    benchmark: str
    dataset: str
    sampler: str
    seed: int
    _: KW_ONLY
    budget: int
    fidelity: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    budget_seconds: float | None = None


def run_one(job: RunJob) -> RunRecord:
    """Runs one sampler entry on one dataset with one seed and returns its record, curve included.

    The study is named ``DATASET-ENTRY-seedSEED``: Hyperband assigns trials to brackets by a hash of the study's name,
    so the same name gives the same runs.
    """
    from latentnas.objectives import BenchmarkObjective, MultiFidelityObjective
    from latentnas.samplers import make_sampler
    from latentnas.study import create_study, make_pruner, run_search

    entry, transfer = split_label(job.sampler)
    name, pruner = split_entry(entry)
    objective: BenchmarkObjective | MultiFidelityObjective = (
        MultiFidelityObjective(job.benchmark, job.dataset) if pruner else
        BenchmarkObjective(job.benchmark, job.dataset, fidelity=job.fidelity))
    judge = BenchmarkObjective(job.benchmark, job.dataset)
    stats = judge.stats
    threshold = stats.top_threshold(TOP_FRACTION)
    space = objective.space
    options = dict(job.options)
    if transfer:
        options["transfer"] = transfer_sources(job.benchmark, job.dataset)
    start = time.perf_counter()
    study = create_study(space, make_sampler(name, space, seed=job.seed, **options),
                         pruner=make_pruner(pruner, objective) if pruner else None,
                         study_name=f"{job.dataset}-{job.sampler}-seed{job.seed}")
    result = run_search(study, objective, n_unique=job.budget, max_cost_seconds=job.budget_seconds)
    seconds = time.perf_counter() - start

    costed = bool(result.history) and objective(space.from_string(result.history[0]["arch"])).cost_seconds is not None
    history = [row for row in result.history
               if not costed or job.budget_seconds is None or row["cumulative_cost"] <= job.budget_seconds]
    best_valid = -math.inf
    best_final_valid = -math.inf
    test_at_best: float | None = None
    best_arch: str | None = None
    found_at: int | None = None
    seconds_to_top: float | None = None
    curve = []
    for i, row in enumerate(history, start=1):
        final = judge(space.from_string(row["arch"]))
        if found_at is None and final.valid >= threshold:
            found_at = i
            seconds_to_top = row["cumulative_cost"] if costed else None
        if row["valid"] > best_valid:
            best_valid, test_at_best, best_final_valid, best_arch = row["valid"], final.test, final.valid, row["arch"]
        curve.append(CurvePoint(i, test_at_best, stats.best.valid - best_final_valid,
                                row["cumulative_cost"] if costed else None))
    ranks = table_ranks(job.benchmark, job.dataset)
    return RunRecord(
        benchmark=job.benchmark, dataset=job.dataset, fidelity=None if pruner else job.fidelity, sampler=job.sampler,
        seed=job.seed, budget=job.budget, unique=len(history), trials=result.trials, best_valid=best_valid,
        test_at_best_valid=test_at_best, found_top=found_at is not None, queries_to_top=found_at,
        seconds=round(seconds, 2), optimum_test=stats.best.test, best_arch=best_arch,
        valid_top_percent=ranks.valid_top_percent(best_final_valid) if history else None,
        test_top_percent=ranks.test_top_percent(test_at_best),
        simulated_seconds=result.cost_seconds if costed else None, pruned=result.pruned if pruner else None,
        budget_seconds=job.budget_seconds, seconds_to_top=seconds_to_top, curve=tuple(curve),
    )


@lru_cache(maxsize=None)
def transfer_sources(benchmark: str, dataset: str) -> tuple[Any, ...]:
    """The benchmark's other datasets as transfer sources for ``dataset`` (built once per process)."""
    from latentnas.benchmarks import get_benchmark

    return tuple(get_benchmark(benchmark).transfer_sources(dataset))


def run_comparison(
    config: ComparisonConfig,
    *,
    workers: int = 1,
    callback: Callable[[RunRecord], None] | None = None,
) -> list[RunRecord]:
    """Runs every job of ``config``; records come back in :meth:`ComparisonConfig.jobs` order.

    Args:
        config: What to run.
        workers: Processes; each uses one torch thread (small GPs gain nothing from more). With 1, the runs use
            this process and its torch threads.
        callback: Called with each record as it completes, e.g. to advance a progress bar.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgumentError(f"workers must be a positive integer, got {workers!r}")
    jobs = config.jobs()
    records: list[RunRecord] = []
    if workers == 1:
        results: Iterable[RunRecord] = map(run_one, jobs)
        for record in results:
            records.append(record)
            if callback:
                callback(record)
        return records
    with ProcessPoolExecutor(min(workers, len(jobs)), initializer=_init_worker) as pool:
        for record in pool.map(run_one, jobs, chunksize=1):
            records.append(record)
            if callback:
                callback(record)
    return records


def _init_worker() -> None:
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)


# ---------------------------------------------------------------------------------------------- rank percentiles
class TableRanks:
    """Rank percentiles within one table: ``100 * rank / rows``, rank 1 the best (ties share the better rank).

    Args:
        valid: Validation accuracy of every row.
        test: Test accuracy of every row that has one.
    """

    def __init__(self, valid: Iterable[float], test: Iterable[float]) -> None:
        self._valid = sorted(valid)
        self._test = sorted(test)

    def valid_top_percent(self, value: float) -> float:
        return _top_percent(self._valid, value)

    def test_top_percent(self, value: float | None) -> float | None:
        return None if value is None or not self._test else _top_percent(self._test, value)


def _top_percent(ascending: list[float], value: float) -> float:
    better = len(ascending) - bisect.bisect_right(ascending, value)
    return 100 * (better + 1) / len(ascending)


@lru_cache(maxsize=None)
def table_ranks(benchmark: str, dataset: str) -> TableRanks:
    """The :class:`TableRanks` of ``benchmark``'s main column on ``dataset`` (built once per process)."""
    from latentnas.benchmarks import get_benchmark

    rows = get_benchmark(benchmark).records(dataset).values()
    return TableRanks((e.valid for e in rows), (e.test for e in rows if e.test is not None))


def with_ranks(records: Iterable[RunRecord]) -> list[RunRecord]:
    """Fills in the rank percentiles of records written before they were kept.

    The best validation accuracy and the test accuracy at it are in every record, so the percentiles follow from
    the table. NOTE: for a run that searched another column (``fidelity``), ``best_valid`` is on that column and
    its rank cannot be read on the main column; such records are left as they are.
    """
    out = []
    for r in records:
        if r.fidelity is None and (r.valid_top_percent is None or r.test_top_percent is None):
            ranks = table_ranks(r.benchmark, r.dataset)
            r = replace(r, valid_top_percent=ranks.valid_top_percent(r.best_valid),
                        test_top_percent=ranks.test_top_percent(r.test_at_best_valid))
        out.append(r)
    return out
