"""``latentnas search``, ``studies``, a search on your own graphs (``--data PATH``), and a search stopped by Ctrl-C or
SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.cli import main
from tests.test_workers import ROOT


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def search(tmp_path: Path, *extra: str) -> list[str]:
    return ["search", "--benchmark", "nasbench201", "--dataset", "cifar10", "--trials", "6", "--seed", "1",
            "--storage", f"sqlite:///{tmp_path}/runs.db", "--json", *extra]


def test_search_json_and_resume(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, *search(tmp_path, "--sampler", "evolution"))
    assert code == 0, err
    first = json.loads(out)
    for key in ("best_arch", "best_valid", "best_test", "unique_evaluations", "seed", "sampler"):
        assert key in first
    assert (first["unique_evaluations"], first["seed"], first["sampler"]) == (6, 1, "evolution")
    assert first["best_arch"].startswith("|") and first["best_valid"] <= first["optimum_valid"]
    # Same study name: resumed, nothing re-evaluated.
    code, out, _ = run(capsys, *search(tmp_path, "--sampler", "evolution"))
    assert json.loads(out)["trials"] == first["trials"]
    # A larger budget continues the same study.
    code, out, _ = run(capsys, *search(tmp_path, "--sampler", "evolution", "--trials", "9"))
    assert json.loads(out)["unique_evaluations"] == 9


def test_search_is_reproducible(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, a, _ = run(capsys, *search(tmp_path, "--sampler", "tpe", "--study", "a"))
    _, b, _ = run(capsys, *search(tmp_path, "--sampler", "tpe", "--study", "b"))
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k != "study"}
    assert strip(a) == strip(b)


def test_search_prints_a_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = [a for a in search(tmp_path) if a != "--json"] + ["--quiet"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "best_arch" in out and "unique_evaluations" in out and "random on nasbench201/cifar10, seed 1" in out


def test_search_takes_its_regret_from_the_benchmark(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from latentnas.benchmarks import get_benchmark

    code, out, _ = run(capsys, *search(tmp_path))
    result = json.loads(out)
    best = get_benchmark("nasbench201").stats("cifar10").best
    assert code == 0 and (result["optimum_valid"], result["optimum_test"]) == (best.valid, best.test)
    assert result["regret_test"] == best.test - result["best_test"]


def test_the_progress_bar_stays_after_the_search(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, *[a for a in search(tmp_path) if a != "--json"])
    assert code == 0
    assert err.endswith("\n") and "unique architectures: 100%" in err and "6/6" in err


def test_studies_lists_each_study_of_a_storage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, first, _ = run(capsys, *search(tmp_path, "--sampler", "evolution"))
    _, second, _ = run(capsys, *search(tmp_path, "--trials", "4"))
    url = f"sqlite:///{tmp_path}/runs.db"
    code, out, _ = run(capsys, "studies", "--storage", url, "--json")
    assert code == 0
    listed = json.loads(out)
    assert listed["storage"] == url
    rows = {row["study"]: row for row in listed["studies"]}
    for result, sampler in ((json.loads(first), "evolution"), (json.loads(second), "random")):
        assert rows[result["study"]] == {
            "study": result["study"], "space": "nasbench201", "sampler": sampler,
            "unique_evaluations": result["unique_evaluations"], "trials": result["trials"],
            "best_arch": result["best_arch"], "best_valid": result["best_valid"], "best_test": result["best_test"],
        }
    code, table, _ = run(capsys, "studies", "--storage", url)
    assert code == 0 and table.startswith(f"storage: {url}\n") and json.loads(second)["best_arch"] in table


def test_search_trains_on_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "--objective", "train", "--space", "nasbench101", "--dataset", "digits", "--epochs", "1",
                 "--trials", "2", "--storage", f"sqlite:///{tmp_path / 's.db'}", "--device", "cpu", "--no-amp",
                 "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["unique_evaluations"] == 2 and result["objective"] == "train" and 0 < result["best_valid"] <= 100
    assert result["device"] == "cpu"


def test_search_with_a_pruner_on_a_benchmark_goes_through_its_fidelities(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "--pruner", "asha", "--trials", "4", "--storage", f"sqlite:///{tmp_path / 's.db'}",
                 "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["unique_evaluations"] == 4 and result["pruned"] > 0
    assert (result["fidelity"], result["study"]) == ("12ep-main", "nasbench201-cifar10-12ep-main-random-seed0")
    assert result["cost_seconds"] > 0


def test_latent_bo_trains_with_a_pruner(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        saved: dict[str, Path]) -> None:
    code, out, _ = search_data(capsys, tmp_path, saved["cora"], "--sampler", "latent-bo", "--pruner", "asha",
                               "--trials", "6", "--json")
    result = json.loads(out)
    assert code == 0 and result["unique_evaluations"] == 6 and result["pruned"] > 0


# ----------------------------------------------------------------------------------------- Ctrl-C and SIGTERM
@pytest.mark.parametrize(("signum", "status", "where"), [
    pytest.param(signal.SIGINT, 130, "evaluation", id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, "evaluation", id="SIGTERM"),
    pytest.param(signal.SIGTERM, 143, "finalizer", id="SIGTERM-in-a-finalizer"),
])
def test_a_search_stopped_by_a_signal_says_where_and_resumes_from_there(
        signum: int, status: int, where: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from latentnas.objectives import BenchmarkObjective
    from latentnas.results import summarize

    class Finalized:
        def __del__(self) -> None:
            os.kill(os.getpid(), signum)  # handled here, in a finalizer, which drops what the handler raises

    lookup = BenchmarkObjective.__call__
    calls = [0]

    def signalled(self: BenchmarkObjective, arch: Any) -> Any:
        calls[0] += 1
        if calls[0] == 3 and where == "finalizer":
            Finalized()
            time.sleep(2)  # the interrupt comes again meanwhile
        elif calls[0] == 3:
            os.kill(os.getpid(), signum)  # handled in the main thread at its next instruction, as from outside
        return lookup(self, arch)

    monkeypatch.setattr(BenchmarkObjective, "__call__", signalled)
    code, out, err = run(capsys, *[a for a in search(tmp_path, "--study", "s") if a != "--json"], "--quiet")
    assert (code, out) == (status, "")
    assert err == "latentnas search: interrupted with 2 of 6 architectures evaluated; run the same command to resume\n"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    monkeypatch.undo()
    code, out, err = run(capsys, *[a for a in search(tmp_path, "--study", "s") if a != "--json"])
    resumed, bar = err.split("\n")[:2]
    assert (code, resumed) == (0, "latentnas search: resumed: 2 of 6 done")
    assert "| 2/6 [" in bar.split("\r")[1]  # the bar's first frame: what the study holds
    assert re.search(r"^unique_evaluations +6$", out, re.M) and re.search(r"^interrupted +1$", out, re.M)
    result = summarize(optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/runs.db"))
    assert (result.unique_evaluations, result.trials, result.interrupted, result.failures) == (6, 7, 1, 0)


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_search_process_stopped_by_a_signal_leaves_no_running_trial(signum: int, status: int, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    argv = [sys.executable, "-m", "latentnas.cli", "search", "--benchmark", "nasbench201", "--dataset", "cifar10",
            "--trials", "5000", "--seed", "0", "--threads", "1", "--storage", url, "--study", "s", "--quiet"]
    worker = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "LATENTNAS_HOME": str(tmp_path)}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def completed() -> int:
        try:
            return len(optuna.load_study(study_name="s", storage=url).get_trials(states=(TrialState.COMPLETE,)))
        except KeyError:  # not created yet
            return 0

    deadline = time.monotonic() + 120
    while completed() < 1 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(worker.pid, signum)
    try:
        out, err = worker.communicate(timeout=120)
    finally:
        worker.kill()  # nothing once it has exited
    assert (worker.returncode, out) == (status, ""), err[-2000:]
    [line] = err.splitlines()
    found = re.fullmatch(r"latentnas search: interrupted with (\d+) of 5000 architectures evaluated; run the same "
                         r"command to resume", line)
    assert found is not None, line
    trials = optuna.load_study(study_name="s", storage=url).trials
    assert TrialState.RUNNING not in {t.state for t in trials}
    assert int(found[1]) == sum(t.state == TrialState.COMPLETE for t in trials) >= 1


# ----------------------------------------------------------------------------------------- your own data (--data)
def search_data(capsys: pytest.CaptureFixture[str], tmp_path: Path, data: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["search", "--objective", "train", "--space", "nasbench-graph", "--data", str(data), "--epochs", "2",
                 "--trials", "2", "--storage", f"sqlite:///{tmp_path}/runs.db", "--threads", "1", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_search_on_a_saved_data_with_masks(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           saved: dict[str, Path]) -> None:
    code, out, _ = search_data(capsys, tmp_path, saved["cora"], "--json")
    result = json.loads(out)
    assert code == 0 and result["unique_evaluations"] == 2 and result["dataset"] == "cora"
    assert result["task"] == {"kind": "node", "in_channels": 1433, "num_classes": 7}
    assert (result["metric"], result["direction"]) == ("accuracy", "maximize")
    assert result["split"] == {"unit": "nodes", "random": False, "seed": None, "train": 140, "valid": 20, "test": 40}


def test_search_says_it_split_data_without_masks(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 saved: dict[str, Path]) -> None:
    code, out, _ = search_data(capsys, tmp_path, saved["bare"], "--json", "--seed", "3")
    result = json.loads(out)
    # The split is part of the data: seed 0 whatever the search's --seed, so that searches compare on one split.
    assert code == 0 and result["split"] == {"unit": "nodes", "random": True, "seed": 0, "train": 120, "valid": 40,
                                             "test": 40}
    code, out, _ = search_data(capsys, tmp_path, saved["bare"], "--seed", "3", "--quiet")  # resumes: nothing to train
    line = "split               random split of the nodes (the data has none), seed 0: 120/40/40 (train/valid/test)"
    assert code == 0 and line in out.splitlines()


def test_a_regression_search_minimizes_the_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 saved: dict[str, Path]) -> None:
    code, out, _ = search_data(capsys, tmp_path, saved["reg"], "--json")
    result = json.loads(out)
    assert code == 0 and result["task"] == {"kind": "node", "in_channels": 4, "target": "regression", "num_targets": 1}
    assert (result["metric"], result["direction"]) == ("mae", "minimize")
    study = optuna.load_study(study_name=result["study"], storage=result["storage"])
    values = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert study.direction == optuna.study.StudyDirection.MINIMIZE
    assert len(values) == 2 and result["best_valid"] == min(values) != max(values)
    code, out, _ = search_data(capsys, tmp_path, saved["reg"], "--quiet")  # resumes the study: nothing to train
    assert code == 0 and "metric              mae (minimized)" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["search", "--data", "x.pt"], "--data applies only with --objective train"),
    (["search", "--objective", "train", "--space", "nasbench-graph", "--data", "nowhere.pt"],
     "data path nowhere.pt does not exist"),
    (["search", "--objective", "train", "--space", "nasbench-graph", "--data", "x.pt", "--data-root", "d"],
     "--data-root applies only with --dataset"),
    (["export", "--space", "nasbench-graph", "--arch", "[0,1,2,3] [fc,fc,gcn,fc]", "--data", "x.pt", "--dataset",
      "Cora", "--out", "o"], "--dataset and --data both give the data"),
])
def test_bad_data_options_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                  message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code = main([*argv, "--storage", f"sqlite:///{tmp_path}/runs.db"] if argv[0] == "search" else argv)
    _, err = capsys.readouterr()
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_study_keeps_its_direction(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     saved: dict[str, Path]) -> None:
    assert search_data(capsys, tmp_path, saved["reg"], "--study", "mine", "--quiet")[0] == 0
    code, _, err = search_data(capsys, tmp_path, saved["cora"], "--study", "mine", "--quiet")
    assert code == 2 and "study 'mine' is to minimize, not to maximize" in err


def test_search_with_transfer_learns_from_the_other_datasets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, *search(tmp_path, "--sampler", "latent-bo", "--transfer", "--trials", "3",
                                         "--study", "t"))
    assert code == 0, err
    assert json.loads(out)["unique_evaluations"] == 3
    stored = optuna.load_study(study_name="t", storage=f"sqlite:///{tmp_path}/runs.db").user_attrs["sampler"]
    assert [s["name"] for s in stored["transfer"]] == ["nasbench201/cifar100", "nasbench201/imagenet16-120"]
    # The same study without --transfer is another sampler: refused, nothing stored changes.
    code, out, err = run(capsys, *search(tmp_path, "--sampler", "latent-bo", "--trials", "4", "--study", "t"))
    assert code == 2 and "transfer" in err and out == ""


def test_search_of_two_objectives_prints_its_front_and_its_hypervolume(capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    code, out, err = run(capsys, *search(tmp_path, "--sampler", "random", "--objectives", "valid,params"))
    assert code == 0, err
    result = json.loads(out)
    assert result["study"] == "nasbench201-cifar10-random-seed1-valid-params"
    assert result["metrics"] == ["valid", "params"] and result["pareto"]
    study = optuna.load_study(study_name=result["study"], storage=f"sqlite:///{tmp_path}/runs.db")
    assert [p["number"] for p in result["pareto"]] == [t.number for t in study.best_trials]
    assert 0.0 <= result["hypervolume_ratio"] <= 1.0 and result["hypervolume_reference"] == [88.019, 0.400346]


def test_search_under_a_constraint_reports_a_feasible_best(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    code, out, err = run(capsys, *search(tmp_path, "--sampler", "tpe", "--constraint", "params<=0.3"))
    assert code == 0, err
    result = json.loads(out)
    study = optuna.load_study(study_name=result["study"], storage=f"sqlite:///{tmp_path}/runs.db")
    feasible = [t for t in study.trials if t.user_attrs["params"] <= 0.3]
    assert result["best_valid"] == max(t.value for t in feasible)
    assert result["infeasible"] == 6 - len(feasible) and result["constraints"] == ["params<=0.3"]


@pytest.mark.parametrize(("extra", "message"), [
    (("--sampler", "evolution", "--objectives", "valid,params"),
     "sampler 'evolution' searches one objective; with --objectives valid,params choose one of random, tpe, nsga2, "
     "latent-bo"),
    (("--objectives", "valid,latency"), "benchmark 'nasbench201' has no 'latency' for cifar10; its metrics: valid, "
                                         "params"),
    (("--constraint", "params<1"), "a constraint must read METRIC<=NUMBER or METRIC>=NUMBER"),
    (("--objectives", "valid,params", "--pruner", "asha"), "--pruner applies to a search of one objective"),
    (("--sampler", "latent-bo", "--transfer", "--constraint", "params<=1"), "--transfer applies to a search of "
                                                                            "valid alone"),
])
def test_bad_objectives_and_constraints_are_refused_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                extra: tuple[str, ...], message: str) -> None:
    code, out, err = run(capsys, *search(tmp_path, *extra))
    assert code == 2 and out == ""
    assert err.startswith("latentnas search: error: " + message) and err.count("\n") == 1
    assert not (tmp_path / "runs.db").exists() or not optuna.get_all_study_names(f"sqlite:///{tmp_path}/runs.db")


def test_training_searches_accuracy_against_parameters_under_a_latency_bound(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, saved: dict[str, Path]) -> None:
    code, out, err = search_data(capsys, tmp_path, saved["cora"], "--json", "--sampler", "random", "--objectives",
                                 "valid,params", "--constraint", "latency<=10")
    assert code == 0, err
    result = json.loads(out)
    study = optuna.load_study(study_name=result["study"], storage=f"sqlite:///{tmp_path}/runs.db")
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    for t in study.trials:
        assert t.values == [t.user_attrs["valid"], t.user_attrs["params"]] and 0 < t.user_attrs["params"] < 3  # M
        assert t.constraints == {"latency<=10": t.user_attrs["latency"] - 10}
    assert result["pareto"] and "hypervolume_ratio" not in result


# ------------------------------------------------------------------- objectives that score instead of measuring
def test_search_scores_by_a_predictor_fitted_on_a_stored_study(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    from latentnas.objectives.predictor import PredictorObjective
    from latentnas.spaces import get_space

    url = f"sqlite:///{tmp_path}/runs.db"
    assert run(capsys, *search(tmp_path, "--study", "measured"))[0] == 0
    code, out, err = run(capsys, "search", "--objective", "predictor", "--from-study", "measured", "--storage", url,
                         "--trials", "4", "--seed", "2", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["study"], result["objective"], result["from_study"], result["fitted_on"]) == (
        "predictor-measured-random-seed2", "predictor", "measured", 6)
    assert result["unique_evaluations"] == 4 and result["best_test"] is None
    # Every value is the prediction of a GP fitted on the measured study with the search's seed.
    space = get_space("nasbench201")
    predictor = PredictorObjective.from_study(optuna.load_study(study_name="measured", storage=url), space, seed=2)
    study = optuna.load_study(study_name=result["study"], storage=url)
    values = [t.value for t in study.trials]
    assert values == [predictor(space.from_string(t.user_attrs["arch"])).valid for t in study.trials]
    assert result["best_valid"] == max(values)


def test_search_scores_untrained_networks_by_a_zero_cost_proxy(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                cora_root: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from latentnas.datasets import load_dataset
    from latentnas.objectives.zero_cost import ZeroCostObjective
    from latentnas.spaces import get_space

    monkeypatch.setenv("LATENTNAS_DATA", str(cora_root))
    url = f"sqlite:///{tmp_path}/runs.db"
    code, out, err = run(capsys, "search", "--objective", "zero-cost", "--space", "nasbench-graph", "--dataset", "Cora",
                         "--proxy", "snip", "--trials", "3", "--storage", url, "--device", "cpu", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["study"], result["proxy"], result["dataset"], result["device"]) == (
        "zero-cost-snip-nasbench-graph-Cora-random-seed0", "snip", "Cora", "cpu")
    space = get_space("nasbench-graph")
    data, task = load_dataset("Cora")
    proxy = ZeroCostObjective(space, data, task, proxy="snip", seed=0, device="cpu")
    study = optuna.load_study(study_name=result["study"], storage=url)
    assert [t.value for t in study.trials] == [proxy.score(space.from_string(t.user_attrs["arch"])) for t in study.trials]
    assert all(t.user_attrs["snip"] == t.value and t.user_attrs["params"] > 0 for t in study.trials)
    code, out, _ = run(capsys, "search", "--objective", "zero-cost", "--space", "nasbench-graph", "--dataset", "Cora",
                       "--proxy", "snip", "--trials", "3", "--storage", url, "--device", "cpu", "--quiet")
    assert code == 0 and "random with --objective zero-cost on Cora, seed 0" in out  # resumed: nothing scored again
