from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation import write_record
from latentnas.evaluation.measurements import Column, command_line, markdown_table, missing_parts, write_measurements
from tests.evaluation.conftest import record


@dataclass(frozen=True)
class Proxy:
    proxy: str
    spearman: float
    finite: int | None = None


ROWS = [Proxy("snip", 0.27512, 500), Proxy("synflow", 0.11423)]


def test_a_record_holds_runs_table_command_and_commit(tmp_path: Path) -> None:
    written = write_measurements(tmp_path / "zc", ROWS, command="python scripts/zc.py --archs 2", revision="abc123",
                                 caption="Two proxies.", columns=[Column("proxy"), Column("spearman", "rho", "{:.2f}")],
                                 notes="Measured twice.")
    assert [p.name for p in written] == ["runs.csv", "table.md", "command.txt", "commit.txt"]
    assert (tmp_path / "zc" / "runs.csv").read_bytes() == (
        b"proxy,spearman,finite\r\nsnip,0.27512,500\r\nsynflow,0.11423,\r\n")
    assert (tmp_path / "zc" / "table.md").read_text() == (
        "Two proxies.\n\n| proxy | rho |\n| --- | --- |\n| snip | 0.28 |\n| synflow | 0.11 |\n\nMeasured twice.\n")
    assert (tmp_path / "zc" / "command.txt").read_text() == "python scripts/zc.py --archs 2\n"
    assert (tmp_path / "zc" / "commit.txt").read_text() == "abc123\n"
    assert missing_parts(tmp_path / "zc") == []


def test_the_table_defaults_to_every_field_and_rows_keep_lists_as_json(tmp_path: Path) -> None:
    rows = [{"space": "nb201", "seconds": [1.5, 2.25], "amp": True}, {"space": "darts", "peak": None, "amp": False}]
    write_measurements(tmp_path, rows, command="x", revision="abc")
    assert (tmp_path / "table.md").read_text() == (
        "| space | seconds | amp | peak |\n| --- | --- | --- | --- |\n| nb201 | 1.500, 2.250 | True | - |\n"
        "| darts | - | False | - |\n")
    each = Column("seconds", "runs (s)", "{:.2f}")  # a format applies to each item of a list
    assert markdown_table(rows[:1], [each]) == "| runs (s) |\n| --- |\n| 1.50, 2.25 |\n"
    with (tmp_path / "runs.csv").open(newline="") as handle:
        assert list(csv.DictReader(handle)) == [
            {"space": "nb201", "seconds": "[1.5, 2.25]", "amp": "True", "peak": ""},
            {"space": "darts", "seconds": "", "amp": "False", "peak": ""}]


def test_a_given_table_json_files_and_figures_are_written(tmp_path: Path) -> None:
    matplotlib = pytest.importorskip("matplotlib.figure")
    figure = matplotlib.Figure()
    figure.add_subplot().plot([0, 1], [1, 0])
    summary = markdown_table([{"measure": "Spearman", "value": 0.54}])
    written = write_measurements(tmp_path, ROWS, command="x", revision="abc", table=summary,
                                 data={"summary.json": {"spearman": 0.54}}, figures={"scatter.png": figure})
    assert [p.name for p in written] == ["runs.csv", "table.md", "command.txt", "commit.txt", "summary.json",
                                         "scatter.png"]
    assert (tmp_path / "table.md").read_text() == "| measure | value |\n| --- | --- |\n| Spearman | 0.540 |\n"
    assert json.loads((tmp_path / "summary.json").read_text()) == {"spearman": 0.54}
    assert (tmp_path / "scatter.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_commit_defaults_to_the_source_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("latentnas.evaluation.measurements.source_revision", lambda: "f00d (with uncommitted changes)")
    write_measurements(tmp_path, ROWS, command="x")
    assert (tmp_path / "commit.txt").read_text() == "f00d (with uncommitted changes)\n"


def test_an_empty_record_or_command_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="no measurements to record"):
        write_measurements(tmp_path / "a", [], command="x", revision="abc")
    with pytest.raises(InvalidArgumentError, match="command must be the command line .* got an empty one"):
        write_measurements(tmp_path / "b", ROWS, command=" \n", revision="abc")
    with pytest.raises(InvalidArgumentError, match=r"no row has the column\(s\) rho; the rows have proxy, spearman"):
        write_measurements(tmp_path / "c", ROWS, command="x", revision="abc", columns=[Column("rho")])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("data", "figures", "message"), [
    ({"runs.csv": []}, {}, "data names a file of the record: a plain name ending in .json, got 'runs.csv'"),
    ({"../out.json": []}, {}, "data names .* got '../out.json'"),
    ({}, {"plot.jpg": None}, "figures names .* ending in .png, .svg, .pdf, got 'plot.jpg'"),
])
def test_extra_files_must_be_plain_names(tmp_path: Path, data: dict, figures: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        write_measurements(tmp_path, ROWS, command="x", revision="abc", data=data, figures=figures)
    assert list(tmp_path.iterdir()) == []


def test_a_row_must_be_a_dict_or_a_dataclass(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="a row must be a dict or a dataclass instance, got tuple"):
        write_measurements(tmp_path, [("snip", 0.3)], command="x", revision="abc")
    with pytest.raises(InvalidArgumentError, match="no rows to tabulate"):
        markdown_table([])


def test_the_command_line_names_the_script_from_the_current_folder(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert command_line(tmp_path / "scripts" / "zc.py", ["--archs", "500", "--note", "two words"]) == \
        "python scripts/zc.py --archs 500 --note 'two words'"
    assert command_line("/elsewhere/zc.py", []) == "python /elsewhere/zc.py"


def test_missing_parts_names_what_a_record_lacks(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "README.md").write_text("A table whose runs were not kept.\n")
    (tmp_path / "old" / "table.md").write_text("| a |\n| --- |\n")
    (tmp_path / "old" / "commit.txt").write_text("\n")
    assert missing_parts(tmp_path / "old") == ["command.txt", "commit.txt", "data"]
    (tmp_path / "old" / "results.json").write_text("{}")
    (tmp_path / "old" / "command.txt").write_text("python scripts/x.py\n")
    (tmp_path / "old" / "commit.txt").write_text("abc\n")
    assert missing_parts(tmp_path / "old") == []
    (tmp_path / "old" / "table.md").unlink()
    (tmp_path / "old" / "README.md").write_text("| a |\n| --- |\n")
    assert missing_parts(tmp_path / "old") == ["table"]
    with pytest.raises(InvalidArgumentError, match="no record folder .*gone"):
        missing_parts(tmp_path / "gone")


def test_a_folder_of_records_lacks_what_its_records_lack(tmp_path: Path) -> None:
    write_measurements(tmp_path / "pilot" / "mapped", ROWS, command="x", revision="abc")
    (tmp_path / "pilot" / "ignore").mkdir()
    (tmp_path / "pilot" / "ignore" / "table.md").write_text("| a |\n")
    (tmp_path / "pilot" / "README.md").write_text("Two variants.\n")
    assert missing_parts(tmp_path / "pilot") == ["ignore/command.txt", "ignore/commit.txt", "ignore/data"]
    # A folder with a table of its own is a record, whatever its sub-folders hold.
    (tmp_path / "pilot" / "table.md").write_text("| a |\n")
    assert missing_parts(tmp_path / "pilot") == ["command.txt", "commit.txt", "data"]


def test_a_comparison_record_is_complete(tmp_path: Path) -> None:
    write_record(tmp_path, [record("random", 0, 90.0)], command="latentnas compare", revision="abc", plot=False)
    assert missing_parts(tmp_path) == []
    os.remove(tmp_path / "commit.txt")
    assert missing_parts(tmp_path) == ["commit.txt"]
