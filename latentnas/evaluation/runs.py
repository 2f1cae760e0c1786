"""Running samplers x datasets x seeds on a tabular benchmark, at one budget of unique architectures (and, where
the table records training times, of simulated seconds), on one objective or several.

Every run is a search described by a :class:`~latentnas.assembly.SearchSpec` (in memory, the study named
``DATASET-ENTRY-seedSEED``) and built and run by :func:`latentnas.assembly.assemble`, as ``latentnas search`` builds
its own; baselines and latent samplers run through the same code, on the same seeds, with the same budget. On one
objective a run is a :class:`~latentnas.evaluation.record.RunRecord`: regret, the top-fraction threshold and rank
percentiles are judged on the benchmark's main column, whatever column is searched. On several objectives, or with
constraints, it is a :class:`~latentnas.evaluation.several.FrontRecord`.

Sampler entries: ``"NAME+PRUNER"`` (``"latent-bo+asha"``, ``"tpe+hyperband"``) runs sampler ``NAME`` on every column
of the benchmark, cheapest first, with the pruner ``PRUNER`` of :func:`latentnas.study.make_pruner` deciding the
promotions (its runs pay for what they evaluated, pruned architectures included, so compare them with
``budget_seconds``); ``"NAME+transfer"`` runs ``NAME`` with the benchmark's other datasets as transfer sources.

Example:
    >>> config = ComparisonConfig("nasbench201", datasets=("cifar10",), samplers=("random", "evolution"),
    ...                           seeds=(0, 1), budget=20)
    >>> records = run_comparison(config)
"""

from __future__ import annotations

import json
import math
import multiprocessing
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import KW_ONLY, asdict, dataclass, field, fields
from typing import Any, Protocol

import optuna
import torch

from latentnas.assembly import AssembledSearch, SearchSpec, assemble, build_objective
from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError, LatentNASError, check_fields
from latentnas.evaluation.ranks import table_ranks
from latentnas.evaluation.record import CurvePoint, RunRecord
from latentnas.evaluation.several import CHECKPOINTS, FrontRecord, table_front
from latentnas.objectives import BenchmarkObjective
from latentnas.pareto import Constraint, parse_constraints
from latentnas.results import SearchResult, is_feasible, unique_trials

#: The top fraction of a table (by validation) whose discovery the protocol reports: the top 0.1 %.
TOP_FRACTION = 0.001


def split_label(label: str) -> tuple[str, bool]:
    """``(the entry without "+transfer", with transfer)`` of a sampler entry: ``NAME+transfer``, or
    ``NAME+transfer+PRUNER`` (several fidelities, see :func:`split_entry`), runs ``NAME`` with the benchmark's
    other datasets as transfer sources."""
    name, _, rest = label.partition("+")
    if rest != "transfer" and not rest.startswith("transfer+"):
        return label, False
    return name + rest[len("transfer"):], True


def split_entry(entry: str) -> tuple[str, str | None]:
    """A sampler entry as (sampler, pruner): ``"tpe+hyperband" -> ("tpe", "hyperband")``, ``"tpe" -> ("tpe", None)``.

    Raises:
        InvalidArgumentError: ``NAME+`` or ``+PRUNER``, or ``NAME+none`` (the entry without a pruner is ``NAME``).
    """
    sampler, plus, pruner = entry.partition("+")
    if plus and not (sampler and pruner):
        raise InvalidArgumentError(f"a sampler entry is NAME or NAME+PRUNER, got '{entry}'")
    if pruner == "none":
        raise InvalidArgumentError(f"'none' after '+' names no pruner: '{entry}' is '{sampler}'")
    return sampler, pruner if plus else None


@dataclass(frozen=True)
class RunJob:
    """One run of a comparison (picklable, for a process pool); ``sampler`` is an entry (see the module docstring).

    ``objectives``, ``constraints`` and ``judge`` as :class:`ComparisonConfig` has them.
    """

    benchmark: str
    dataset: str
    sampler: str
    seed: int
    _: KW_ONLY
    budget: int
    fidelity: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    budget_seconds: float | None = None
    objectives: tuple[str, ...] = ("valid",)
    constraints: tuple[str, ...] = ()
    judge: tuple[str, ...] | None = None

    @property
    def records_fronts(self) -> bool:
        """Whether the run is recorded as a :class:`FrontRecord` (several objectives, or constraints)."""
        return len(self.objectives) > 1 or bool(self.constraints) or self.judge is not None

    def spec(self) -> SearchSpec:
        """The search of this run. The study is named ``DATASET-ENTRY-seedSEED``: Hyperband assigns trials to brackets
        by a hash of the study's name, so the same name gives the same runs."""
        entry, transfer = split_label(self.sampler)
        name, pruner = split_entry(entry)
        options = {"benchmark": self.benchmark, "dataset": self.dataset}
        if self.fidelity is not None and pruner is None:  # with a pruner, every column is searched
            options["fidelity"] = self.fidelity
        return SearchSpec(objective_options=options, sampler=name, sampler_options=self.options, seed=self.seed,
                          transfer=transfer, objectives=self.objectives, constraints=self.constraints,
                          pruner=pruner or "none", budget=self.budget, budget_seconds=self.budget_seconds,
                          study_name=f"{self.dataset}-{self.sampler}-seed{self.seed}")

    def run(self) -> RunRecord | FrontRecord:
        """Runs the search and returns its record, curve included."""
        start = time.perf_counter()
        search = assemble(self.spec())
        searching = time.perf_counter()
        result = search.run()
        end = time.perf_counter()
        if self.records_fronts:
            return self._fronts(search, round(end - searching, 3))
        return self._record(search, result, round(end - start, 2))

    def _record(self, search: AssembledSearch, result: SearchResult, seconds: float) -> RunRecord:
        objective, space = search.objective, search.objective.space
        judge = BenchmarkObjective(self.benchmark, self.dataset)
        stats = judge.stats
        threshold = stats.top_threshold(TOP_FRACTION)
        pruned = search.spec.pruner != "none"
        costed = bool(result.history) and objective(space.from_string(result.history[0]["arch"])).cost_seconds is not None
        history = [row for row in result.history
                   if not costed or self.budget_seconds is None or row["cumulative_cost"] <= self.budget_seconds]
        best_valid = best_final_valid = -math.inf
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
        ranks = table_ranks(self.benchmark, self.dataset)
        return RunRecord(
            benchmark=self.benchmark, dataset=self.dataset, fidelity=None if pruned else self.fidelity,
            sampler=self.sampler, seed=self.seed, budget=self.budget, unique=len(history), trials=result.trials,
            best_valid=best_valid, test_at_best_valid=test_at_best, found_top=found_at is not None,
            queries_to_top=found_at, seconds=seconds, optimum_test=stats.best.test, best_arch=best_arch,
            valid_top_percent=ranks.valid_top_percent(best_final_valid) if history else None,
            test_top_percent=ranks.test_top_percent(test_at_best),
            simulated_seconds=result.cost_seconds if costed else None, pruned=result.pruned if pruned else None,
            budget_seconds=self.budget_seconds, seconds_to_top=seconds_to_top, curve=tuple(curve),
        )

    def _fronts(self, search: AssembledSearch, seconds: float) -> FrontRecord:
        trials = unique_trials(search.study)
        bounds = parse_constraints(self.judge if self.judge is not None else self.constraints)
        judged = [t for t in trials if all(c.violation(t.user_attrs) <= 0 for c in bounds)]
        ratios: list[tuple[int, float]] = []
        if len(self.objectives) > 1:
            front = table_front(self.benchmark, self.dataset, self.objectives)
            for n in (*[c for c in CHECKPOINTS if c < self.budget], self.budget):
                found = [t.values for t in trials[:n] if is_feasible(t)]
                ratios.append((n, round(front.ratio(found), 6) if found else 0.0))
        return FrontRecord(dataset=self.dataset, sampler=self.sampler, seed=self.seed, unique=len(trials),
                           seconds=seconds, best_feasible_valid=max((t.user_attrs["valid"] for t in judged), default=None),
                           feasible=len(judged), hv_ratios=tuple(ratios))


@dataclass(frozen=True)
class ComparisonConfig:
    """What a comparison runs: every sampler on every dataset with every seed, ``budget`` unique architectures.

    Args:
        benchmark: Registered tabular benchmark (see ``latentnas benchmarks``).
        datasets: Datasets of the benchmark.
        samplers: Sampler entries (see the module docstring): registered sampler names
            (:data:`latentnas.samplers.SAMPLERS`), ``NAME+PRUNER``, ``NAME+transfer``.
        seeds: One run per seed per sampler and dataset.
        budget: Unique architectures per run.
        fidelity: Column searched (``None``: the main column) by entries without a pruner; figures are judged on
            the main column. One objective, no constraints.
        sampler_options: Keyword arguments per sampler entry, JSON values only, e.g.
            ``{"latent-bo": {"n_initial": 10}}``.
        budget_seconds: Also stop a run once its evaluations have paid this many simulated seconds (the table's
            training times; pruned architectures pay for the columns they were looked up in). The evaluation that
            crosses it is run but not counted: figures count the evaluations that ended within it. ``None``: a
            budget of unique architectures only. One objective, no constraints.
        objectives: The metrics searched (:data:`latentnas.pareto.METRICS`); several make :class:`FrontRecord` runs.
        constraints: Bounds the searches are given (``"latency<=0.005"``).
        judge: Bounds a run's best architecture is judged by (default: ``constraints``): an unconstrained run judged
            by the bound its constrained twin searched under.
    """

    benchmark: str
    _: KW_ONLY
    datasets: tuple[str, ...]
    samplers: tuple[str, ...]
    seeds: tuple[int, ...]
    budget: int
    fidelity: str | None = None
    sampler_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    budget_seconds: float | None = None
    objectives: tuple[str, ...] = ("valid",)
    constraints: tuple[str, ...] = ()
    judge: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("datasets", "samplers", "seeds", "objectives", "constraints", "judge"):
            value = getattr(self, name)
            if value is None and name == "judge":
                continue
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise InvalidArgumentError(f"{name} must be a sequence, got {value!r}")
            object.__setattr__(self, name, tuple(value))
            if not value and name in ("datasets", "samplers", "seeds"):
                raise InvalidArgumentError(f"{name} must not be empty")
            if len(set(value)) != len(value):
                raise InvalidArgumentError(f"{name} must not repeat an entry, got {', '.join(map(str, value))}")
        bench = get_benchmark(self.benchmark)
        for dataset in self.datasets:
            bench.check_dataset(dataset)
        bench.check_fidelity(self.fidelity)
        if any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in self.seeds):
            raise InvalidArgumentError(f"seeds must be non-negative integers, got {', '.join(map(str, self.seeds))}")
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
        parse_constraints(self.judge or ())
        if self.records_fronts and (self.fidelity is not None or self.budget_seconds is not None):
            raise InvalidArgumentError("fidelity and budget_seconds apply to a comparison of valid alone without "
                                       "constraints")
        for sampler in self.samplers:  # each entry is a search description, checked as it is made, and its objective
            job = self._job(self.datasets[0], sampler, self.seeds[0])
            try:
                build_objective(job.spec())
            except LatentNASError as err:
                raise type(err)(f"sampler entry '{sampler}': {err}") from None

    @property
    def records_fronts(self) -> bool:
        """Whether runs are recorded as :class:`FrontRecord` (several objectives, or constraints)."""
        return len(self.objectives) > 1 or bool(self.constraints) or self.judge is not None

    @property
    def judged_by(self) -> tuple[Constraint, ...]:
        return parse_constraints(self.judge if self.judge is not None else self.constraints)

    def jobs(self) -> list[RunJob]:
        """One job per run, datasets outermost, then samplers, then seeds."""
        return [self._job(d, s, seed) for d in self.datasets for s in self.samplers for seed in self.seeds]

    def _job(self, dataset: str, sampler: str, seed: int) -> RunJob:
        return RunJob(self.benchmark, dataset, sampler, seed, budget=self.budget, fidelity=self.fidelity,
                      options=dict(self.sampler_options.get(sampler, {})), budget_seconds=self.budget_seconds,
                      objectives=self.objectives, constraints=self.constraints, judge=self.judge)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sampler_options": {k: dict(v) for k, v in self.sampler_options.items()}}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ComparisonConfig:
        """The config :meth:`to_dict` gave, or a record's ``config.json`` (written with fewer fields, maybe)."""
        check_fields([f.name for f in fields(cls)], values, what="a comparison's config")
        return cls(**values)


class Job(Protocol):
    """One run of a comparison, picklable for a process pool: :class:`RunJob`, or
    :class:`~latentnas.evaluation.trained.TrainingJob`."""

    def run(self) -> Any: ...


def run_one(job: Job) -> Any:
    """Runs one job and returns its record (:class:`RunRecord`, :class:`FrontRecord`, ...)."""
    return job.run()


def run_jobs(jobs: Sequence[Job], *, workers: int = 1, callback: Callable[[Any], None] | None = None,
             start_method: str | None = None) -> list[Any]:
    """Runs ``jobs``; their records come back in the jobs' order.

    Args:
        jobs: What to run.
        workers: Processes; each uses one torch thread (small GPs gain nothing from more). With 1, the runs use
            this process and its torch threads.
        callback: Called with each record as it completes, in order, e.g. to advance a progress bar or to write
            what is done so far.
        start_method: How worker processes start (``"spawn"``: each starts its own CUDA context, which a forked
            one cannot); default: the platform's.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgumentError(f"workers must be a positive integer, got {workers!r}")
    records: list[Any] = []

    def collect(results: Iterable[Any]) -> list[Any]:
        for record in results:
            records.append(record)
            if callback:
                callback(record)
        return records

    if workers == 1:
        return collect(map(run_one, jobs))
    context = multiprocessing.get_context(start_method) if start_method else None
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context, initializer=_init_worker) as pool:
        return collect(pool.map(run_one, jobs, chunksize=1))


def run_comparison(config: ComparisonConfig, *, workers: int = 1,
                   callback: Callable[[Any], None] | None = None) -> list[Any]:
    """Runs every job of ``config`` (:func:`run_jobs`); records come back in :meth:`ComparisonConfig.jobs` order:
    :class:`RunRecord` on one objective, :class:`FrontRecord` on several or with constraints."""
    return run_jobs(config.jobs(), workers=workers, callback=callback)


def _init_worker() -> None:
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
