"""The reporting protocol of NAS papers, as package code: run samplers x datasets x seeds on a tabular benchmark (one
objective, several, or under constraints) or with real training, record each run, summarize over seeds, and write
tables, plots and records.

Example:
    >>> from latentnas.evaluation import ComparisonConfig, run_comparison, summarize, runs_table
    >>> config = ComparisonConfig("nasbench201", datasets=("cifar10",), samplers=("random", "evolution"),
    ...                           seeds=(0, 1, 2), budget=50)
    >>> print(runs_table(summarize(run_comparison(config))))
"""

from __future__ import annotations

from latentnas.evaluation.experiment import (
    merge_records,
    read_fronts,
    read_record,
    rebuild_tables,
    record_table,
    render_table,
    source_revision,
    tables_in,
    write_record,
)
from latentnas.evaluation.paired import PairedDifference, paired_difference, paired_table
from latentnas.evaluation.protocol import Summary, common_seeds, regret_curves, summarize
from latentnas.evaluation.ranks import TableRanks, table_ranks, with_ranks
from latentnas.evaluation.record import CurvePoint, RunRecord, read_curves, read_runs, write_curves, write_runs
from latentnas.evaluation.report import cost_table, dataset_table, plot_regret, runs_table, sampler_table
from latentnas.evaluation.runs import (
    TOP_FRACTION,
    ComparisonConfig,
    RunJob,
    run_comparison,
    run_jobs,
    run_one,
    split_entry,
)
from latentnas.evaluation.several import FrontRecord
from latentnas.evaluation.trained import TrainingJob, TrainingRecord

__all__ = [
    "TOP_FRACTION",
    "ComparisonConfig",
    "CurvePoint",
    "FrontRecord",
    "PairedDifference",
    "RunJob",
    "RunRecord",
    "Summary",
    "TableRanks",
    "TrainingJob",
    "TrainingRecord",
    "common_seeds",
    "cost_table",
    "dataset_table",
    "merge_records",
    "paired_difference",
    "paired_table",
    "plot_regret",
    "read_curves",
    "read_fronts",
    "read_record",
    "read_runs",
    "rebuild_tables",
    "record_table",
    "regret_curves",
    "render_table",
    "run_comparison",
    "run_jobs",
    "run_one",
    "runs_table",
    "sampler_table",
    "source_revision",
    "split_entry",
    "summarize",
    "table_ranks",
    "tables_in",
    "with_ranks",
    "write_curves",
    "write_record",
    "write_runs",
]
