from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation import CurvePoint, RunRecord, read_curves, read_runs, write_curves, write_runs
from latentnas.evaluation.record import RUN_FIELDS
from tests.evaluation.conftest import record

#: The columns and cells of a runs.csv written before rank percentiles and simulated seconds were kept.
LEGACY = """benchmark,dataset,fidelity,sampler,seed,budget,unique,trials,best_valid,test_at_best_valid,found_top,\
queries_to_top,seconds,optimum_test
nasbench201,cifar10,,random,0,100,100,100,91.27,93.76,False,,0.07,94.37
nasbench201,cifar10,,tpe,0,100,100,113,91.719,94.37,True,56,2.42,94.37
"""


def test_runs_and_curves_round_trip(tmp_path: Path) -> None:
    runs = [record("random", 0, 90.25, found_at=12, rank=0.125, simulated=3.5, regrets=(2.5, 0.0)),
            record("tpe", 1, 91.0),
            record("tpe+hyperband", 1, 91.5, found_at=3, simulated=9.5, to_top=4.25, pruned=7, budget_seconds=10.0)]
    write_runs(tmp_path / "runs.csv", runs)
    write_curves(tmp_path / "curves.csv.gz", runs)
    assert read_runs(tmp_path / "runs.csv", curves=[tmp_path / "curves.csv.gz"]) == runs
    assert read_runs(tmp_path / "runs.csv")[0].curve == ()
    header = (tmp_path / "runs.csv").read_text().splitlines()[0]
    assert header == ",".join(RUN_FIELDS)


def test_gzipped_curves_are_the_same_bytes_every_time(tmp_path: Path) -> None:
    runs = [record("random", 0, 90.0, regrets=(1.0,))]
    a = write_curves(tmp_path / "a.csv.gz", runs).read_bytes()
    b = write_curves(tmp_path / "a.csv.gz", runs).read_bytes()
    assert a == b
    assert gzip.decompress(a).decode().splitlines() == [
        "dataset,sampler,seed,query,test_at_best_valid,valid_regret,simulated_seconds", "cora,random,0,1,90.0000,1.0000,"]


def test_a_legacy_runs_file_reads_with_the_new_fields_empty(tmp_path: Path) -> None:
    (tmp_path / "runs.csv").write_text(LEGACY)
    random, tpe = read_runs(tmp_path / "runs.csv")
    assert random == RunRecord(
        benchmark="nasbench201", dataset="cifar10", fidelity=None, sampler="random", seed=0, budget=100, unique=100,
        trials=100, best_valid=91.27, test_at_best_valid=93.76, found_top=False, queries_to_top=None, seconds=0.07,
        optimum_test=94.37)
    assert (tpe.found_top, tpe.queries_to_top, tpe.valid_top_percent, tpe.simulated_seconds) == (True, 56, None, None)
    assert (tpe.pruned, tpe.budget_seconds, tpe.seconds_to_top) == (None, None, None)


def test_legacy_curves_without_simulated_seconds(tmp_path: Path) -> None:
    (tmp_path / "curves.csv").write_text(
        "dataset,sampler,seed,query,test_at_best_valid,valid_regret\ncora,tpe,3,1,79.5,2.1000\ncora,tpe,3,2,80.0,0.5\n")
    assert read_curves(tmp_path / "curves.csv") == {
        ("cora", "tpe", 3): (CurvePoint(1, 79.5, 2.1, None), CurvePoint(2, 80.0, 0.5, None))}


def test_combining_files_that_hold_the_same_run_is_refused(tmp_path: Path) -> None:
    write_runs(tmp_path / "a.csv", [record("random", 0, 90.0)])
    write_runs(tmp_path / "b.csv", [record("random", 0, 91.0), record("random", 1, 91.0)])
    with pytest.raises(InvalidArgumentError, match=r"run \('cora', 'random', 0\) is in both .*a.csv and .*b.csv"):
        read_runs(tmp_path / "a.csv", tmp_path / "b.csv")


def test_bad_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="no such file: .*missing.csv"):
        read_runs(tmp_path / "missing.csv")
    (tmp_path / "runs.csv").write_text("benchmark,dataset\nnasbench201,cifar10\n")
    with pytest.raises(InvalidArgumentError, match="a runs.csv row lacks the column"):
        read_runs(tmp_path / "runs.csv")
    (tmp_path / "runs.csv").write_text(LEGACY.replace("False", "maybe"))
    with pytest.raises(InvalidArgumentError, match="found_top must be True or False, got 'maybe'"):
        read_runs(tmp_path / "runs.csv")
