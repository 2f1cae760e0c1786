"""A comparison at a user's budget: where each run stood after 10, 20, 40, ... unique architectures, read from its
curve.

A person searching for their own data trains 10 to 40 networks, not 100: what matters is the rank percentile of the
best architecture found after each of those budgets (:func:`ranks_at`), and, where the table's top is within reach,
how many architectures it took to find the top 0.1 % and the optimum. Each figure is a median over seeds; a run that
did not reach the top 0.1 % or the optimum within its budget counts as never (``inf``), so the median is finite only
where at least half of the seeds reached it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.ranks import table_ranks
from latentnas.evaluation.record import REGRET_DECIMALS, RunRecord
from latentnas.evaluation.runs import TOP_FRACTION

#: The budgets of :func:`budget_table` by default (those beyond a record's budget are left out).
BUDGETS = (10, 20, 40)


def ranks_at(record: RunRecord, budgets: Sequence[int]) -> dict[int, float]:
    """The rank percentile (by validation, main column) of the best architecture ``record`` had found after each of
    ``budgets`` unique architectures (the budgets its curve reaches).

    Raises:
        InvalidArgumentError: The record keeps no curve.
    """
    if not record.curve:
        raise InvalidArgumentError(f"run {record.key} keeps no curve to read budgets from")
    optimum = get_benchmark(record.benchmark).stats(record.dataset).best.valid
    ranks = table_ranks(record.benchmark, record.dataset)
    by_query = {p.query: p for p in record.curve}
    # A curve read back from curves.csv keeps its regrets to REGRET_DECIMALS: half a unit up keeps the architecture
    # found from being counted as better than itself (table accuracies lie much further apart than that).
    slack = 0.5 * 10 ** -REGRET_DECIMALS
    return {b: ranks.valid_top_percent(optimum - by_query[b].valid_regret + slack) for b in budgets if b in by_query}


def queries_to(record: RunRecord, what: str) -> float:
    """Unique architectures until ``what`` (``"top"``: an architecture in the table's top 0.1 % by validation;
    ``"optimum"``: the table's best) was evaluated; ``inf`` where the run did not within its budget."""
    if what == "top":
        return float(record.queries_to_top) if record.queries_to_top is not None else math.inf
    if what != "optimum":
        raise InvalidArgumentError(f"queries_to takes 'top' or 'optimum', got {what!r}")
    return next((float(p.query) for p in record.curve if p.valid_regret <= 0), math.inf)


@dataclass(frozen=True)
class BudgetSummary:
    """One sampler on one dataset at a user's budgets, over its seeds (medians)."""

    dataset: str
    sampler: str
    seeds: int
    ranks: dict[int, float]
    queries_to_top: float
    queries_to_optimum: float


def summarize_budgets(records: Iterable[RunRecord], budgets: Sequence[int] = BUDGETS) -> list[BudgetSummary]:
    """One :class:`BudgetSummary` per dataset and sampler, in first-seen order."""
    groups: dict[tuple[str, str], list[RunRecord]] = {}
    for r in records:
        groups.setdefault((r.dataset, r.sampler), []).append(r)
    out = []
    for (dataset, sampler), runs in groups.items():
        at = [ranks_at(r, budgets) for r in runs]
        reached = sorted({b for a in at for b in a})
        out.append(BudgetSummary(
            dataset, sampler, len(runs),
            {b: statistics.median(a[b] for a in at if b in a) for b in reached},
            statistics.median(queries_to(r, "top") for r in runs),
            statistics.median(queries_to(r, "optimum") for r in runs)))
    return out


def budget_table(records: Iterable[RunRecord], budgets: Sequence[int] = BUDGETS) -> str:
    """Datasets down, samplers across: ``r10 / r20 / r40`` (median rank percentile of the best found after each
    budget) and, after a semicolon, the median architectures to the top 0.1 % and to the optimum (``-``: never
    within the budget in at least half of the seeds)."""
    summaries = summarize_budgets(records, budgets)
    if not summaries:
        raise InvalidArgumentError("no runs to tabulate")
    datasets = list(dict.fromkeys(s.dataset for s in summaries))
    samplers = list(dict.fromkeys(s.sampler for s in summaries))
    cells = {(s.dataset, s.sampler): s for s in summaries}

    def text(s: BudgetSummary | None) -> str:
        if s is None:
            return "-"
        ranks = " / ".join(f"{v:.2g}%" for v in s.ranks.values())
        queries = " / ".join("-" if math.isinf(q) else f"{q:.0f}" for q in (s.queries_to_top, s.queries_to_optimum))
        return f"{ranks}; {queries}"

    shown = " / ".join(str(b) for b in budgets)
    header = ["dataset", *samplers]
    lines = [f"Median rank of the best architecture found after {shown} unique architectures; median architectures "
             f"to the top {100 * TOP_FRACTION:g} % / to the table's optimum (`-`: not within the budget in half of the "
             "seeds).", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join([d, *(text(cells.get((d, s))) for s in samplers)]) + " |" for d in datasets]
    return "\n".join(lines)
