"""Several fidelities of a tabular benchmark: each architecture is looked up at a cheap column first and promoted to
the next only when the study's pruner lets it go on, as successive halving, Hyperband and BOHB do with training
epochs.

Every column is reported to the trial at its training epochs (NB201: the 12-epoch column at step 12, the 200-epoch
column at step 200), so any Optuna pruner decides the promotions: ``SuccessiveHalvingPruner``,
``HyperbandPruner``, ``PercentilePruner``, ``MedianPruner`` (see :func:`latentnas.study.make_pruner`). Each trial
records what it paid (``cost_seconds``), pruned trials included, so budgets can be counted in simulated seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import optuna

from latentnas.benchmarks import Evaluation, TableStats, TabularBenchmark, get_benchmark
from latentnas.errors import InvalidArgumentError

#: The user attr a pruned trial keeps of the column it was stopped at (the completed ones end at the last column).
FIDELITY_ATTR = "fidelity"
#: How the CLI and records name a benchmark's main column (``fidelity=None``).
MAIN_FIDELITY = "main"


class MultiFidelityObjective:
    """Looks an architecture up column after column, cheapest first, while the trial's pruner lets it go on.

    Column ``i`` is reported as ``trial.report(valid_i, step=epochs_i)``; after every column but the last the trial
    asks ``trial.should_prune()`` and stops there (``optuna.TrialPruned``) if told to. The figure returned is the last
    column's (validation and test), with ``cost_seconds`` the sum of what the trial paid. Without a trial (a plain
    call) every column is paid.

    Args:
        benchmark: A benchmark or its registered name; it must record the training epochs of each column searched
            (``benchmark.fidelity_epochs``).
        dataset: One of the benchmark's datasets.
        fidelities: The columns, cheapest first (``None``: the main column); default: every column of the benchmark,
            in order of epochs. The last one is the figure searched; figures are judged on the main column.
        restart: ``True``: each column is a training run from scratch, so a promotion pays that column's whole cost on
            top of what was paid. NOTE: the default, because NB201's 12-epoch column is its own run (cosine schedule
            annealed over 12 epochs), not the first 12 epochs of the 200-epoch run, so no run can go on from it.
            ``False``: a column continues the previous one (a checkpoint trained further), and a promotion pays the
            difference of their costs.

    Example:
        >>> objective = MultiFidelityObjective("nasbench201", "cifar10")   # 12 epochs, then 200
        >>> study = create_study(objective.space, sampler, pruner=make_pruner("asha", objective))
    """

    reports_intermediate = True

    def __init__(
        self,
        benchmark: TabularBenchmark | str,
        dataset: str,
        *,
        fidelities: Sequence[str | None] | None = None,
        restart: bool = True,
    ) -> None:
        self.benchmark = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
        self.dataset = self.benchmark.check_dataset(dataset)
        epochs = self.benchmark.fidelity_epochs
        if fidelities is None:
            fidelities = sorted(epochs, key=lambda f: epochs[f])
        fidelities = tuple(self.benchmark.check_fidelity(f) for f in fidelities)
        if len(fidelities) < 2 or len(set(fidelities)) != len(fidelities):
            raise InvalidArgumentError(f"fidelities must name at least two distinct columns of '{self.benchmark.name}'"
                                       f", got {', '.join(map(fidelity_name, fidelities)) or 'none'}")
        unknown = [fidelity_name(f) for f in fidelities if f not in epochs]
        if unknown:
            raise InvalidArgumentError(f"benchmark '{self.benchmark.name}' records no training epochs for column "
                                       f"'{unknown[0]}', so it cannot be reported as a step")
        steps = tuple(epochs[f] for f in fidelities)
        if any(b <= a for a, b in zip(steps, steps[1:])):
            raise InvalidArgumentError(f"fidelities must go from fewer epochs to more, got "
                                       f"{', '.join(f'{fidelity_name(f)} ({s})' for f, s in zip(fidelities, steps))}")
        self.fidelities: tuple[str | None, ...] = fidelities
        #: The step each column is reported at: its training epochs.
        self.steps: tuple[int, ...] = steps
        self.restart = restart
        self.space = self.benchmark.space(dataset)

    @property
    def epochs(self) -> int:
        """Epochs of the last column (the most a trial trains)."""
        return self.steps[-1]

    def __call__(self, arch: Any, trial: optuna.Trial | None = None) -> Evaluation:
        paid = 0.0
        previous = 0.0
        for i, (fidelity, step) in enumerate(zip(self.fidelities, self.steps)):
            evaluation = self.benchmark.query(arch, self.dataset, fidelity=fidelity)
            cost = evaluation.cost_seconds or 0.0
            paid += cost if self.restart else max(cost - previous, 0.0)
            previous = cost
            if trial is None:
                continue
            trial.report(evaluation.valid, step)
            if i < len(self.steps) - 1 and trial.should_prune():
                # NOTE: stored now: the search loop keeps a pruned trial's user attrs, and its cost is paid.
                trial.set_user_attr("cost_seconds", paid)
                trial.set_user_attr(FIDELITY_ATTR, fidelity_name(fidelity))
                raise optuna.TrialPruned(f"pruned at {fidelity_name(fidelity)} (step {step}) with validation "
                                         f"{evaluation.valid:.4g}")
        extras = {**evaluation.extras, "epochs": float(self.steps[-1])}
        return Evaluation(valid=evaluation.valid, test=evaluation.test, cost_seconds=paid, extras=extras)

    @property
    def stats(self) -> TableStats:
        """Optimum and top-fraction thresholds of the table (the main column, for regret)."""
        return self.benchmark.stats(self.dataset)

    def __repr__(self) -> str:
        columns = ", ".join(map(fidelity_name, self.fidelities))
        return (f"MultiFidelityObjective({self.benchmark.name!r}, {self.dataset!r}, fidelities=({columns}), "
                f"restart={self.restart})")


def fidelity_name(fidelity: str | None) -> str:
    """A column's name: its own, or :data:`MAIN_FIDELITY` for the main column."""
    return MAIN_FIDELITY if fidelity is None else fidelity
