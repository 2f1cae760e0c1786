"""The README's result tables are what `python scripts/readme_tables.py` renders from the records in docs/results."""

from __future__ import annotations

from pathlib import Path

import pytest

from latentnas.evaluation import rebuild_tables, render_table, tables_in

ROOT = Path(__file__).parents[2]
RECORDS = ROOT / "docs" / "results"
README = (ROOT / "README.md").read_text()
BLOCKS = tables_in(README)


def test_the_readme_has_its_result_tables() -> None:
    assert ("nasbench201-100-30seeds", "samplers") in BLOCKS
    assert ("nasbench-graph-100-30seeds", "datasets") in BLOCKS


@pytest.mark.parametrize(("record", "layout"), BLOCKS)
def test_a_readme_table_equals_its_record(record: str, layout: str) -> None:
    if not (RECORDS / record / "runs.csv").is_file():
        pytest.skip(f"record {record} is absent")
    rendered = render_table(RECORDS / record, layout, link=f"docs/results/{record}")
    assert rendered in README, f"README table {record} ({layout}) is stale: run python scripts/readme_tables.py"


def test_rebuilding_changes_nothing() -> None:
    if any(not (RECORDS / record / "runs.csv").is_file() for record, _ in BLOCKS):
        pytest.skip("a record is absent")
    assert rebuild_tables(README, RECORDS) == README
