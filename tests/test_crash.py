"""A worker killed with SIGKILL mid-trial: the rerun fails the interrupted trial, evaluates its architecture again,
stops at exactly the budget, and loses nothing that was completed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.cli import main
from latentnas.heartbeat import WORKER_ATTR
from latentnas.records import ARCH_ATTR, DUPLICATE_ATTR, KEY_ATTR
from tests.test_workers import ROOT, evaluations, finish, start_workers


def wait_for(condition: Any, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def unique_keys(study: optuna.Study) -> list[str]:
    return [t.user_attrs[KEY_ATTR] for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if DUPLICATE_ATTR not in t.user_attrs]


def test_a_worker_killed_mid_trial_is_resumed_to_exactly_the_budget(tmp_path: Path) -> None:
    log = tmp_path / "evaluations.log"
    url = f"sqlite:///{tmp_path}/s.db"
    config = {"storage": url, "study": "shared", "trials": 6, "sampler": "random", "seed": 0, "sleep": 1.5,
              "log": str(log)}
    [worker] = start_workers(1, config)
    lines = lambda: log.read_text().splitlines() if log.exists() else []
    # Kill it while its third architecture is being evaluated (two completed before).
    wait_for(lambda: len(lines()) == 5)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed = lines()[-1].split()
    assert killed[0] == "start"
    study = optuna.load_study(study_name="shared", storage=url)
    before = unique_keys(study)
    assert len(before) == 2 and [t.state for t in study.trials].count(TrialState.RUNNING) == 1

    [result] = finish(start_workers(1, {**config, "sleep": 0.0}))
    study = optuna.load_study(study_name="shared", storage=url)
    after = unique_keys(study)
    figures = {"killed": 1, "retried": result["resumed"]["interrupted"], "completed": len(after),
               "lost": len(set(before) - set(after)),
               "running": [t.state for t in study.trials].count(TrialState.RUNNING)}
    print(f"kill -9 mid-trial, then rerun: {figures}")
    assert result["resumed"] == {"done": 2, "total": 6, "interrupted": 1, "running": 0}
    assert figures == {"killed": 1, "retried": 1, "completed": 6, "lost": 0, "running": 0}
    assert killed[2] in after and evaluations(log)[killed[2]] == 1  # the killed architecture, evaluated once
    assert (result["unique_evaluations"], result["interrupted"]) == (6, 1)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_search_says_what_it_resumed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["search", "--benchmark", "nasbench201", "--dataset", "cifar10", "--sampler", "random", "--seed", "0",
            "--storage", f"sqlite:///{tmp_path}/s.db", "--study", "s", "--json"]
    assert main([*argv, "--trials", "3"]) == 0
    assert json.loads(capsys.readouterr().out)["resumed"] == {"done": 0, "total": 3, "interrupted": 0, "running": 0}
    # A trial whose worker on this machine was killed mid-evaluation.
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/s.db")
    from latentnas.spaces import get_space

    space = get_space("nasbench201")
    arch = next(a for a in (space.sample(seed) for seed in range(100)) if space.canonical_key(a) not in
                unique_keys(study))
    study.enqueue_trial(space.to_params(arch))
    trial = study.ask(space.distributions())
    trial.set_user_attr(ARCH_ATTR, space.to_string(arch))
    trial.set_user_attr(KEY_ATTR, space.canonical_key(arch))
    study._storage.set_trial_system_attr(trial._trial_id, WORKER_ATTR, f"{socket.gethostname()}:{dead_pid()}")

    assert main([*argv, "--trials", "5"]) == 0
    out, err = capsys.readouterr()
    assert "latentnas search: resumed: 3 of 5 done, 1 interrupted trial retried" in err.splitlines()
    result = json.loads(out)
    assert result["resumed"] == {"done": 3, "total": 5, "interrupted": 1, "running": 0}
    assert (result["unique_evaluations"], result["interrupted"]) == (5, 1)
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/s.db")
    assert space.canonical_key(arch) in unique_keys(study)
    assert not study.get_trials(states=(TrialState.RUNNING,))


@pytest.mark.slow
def test_a_real_training_killed_mid_epoch_is_trained_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    argv = [sys.executable, "-m", "latentnas.cli", "search", "--objective", "train", "--space", "nasbench-graph",
            "--dataset", "Cora", "--epochs", "40", "--trials", "3", "--seed", "0", "--threads", "1", "--storage", url,
            "--study", "t", "--json"]
    env = {**os.environ, "LATENTNAS_HOME": str(tmp_path)}
    worker = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def training_second() -> bool:
        try:
            trials = optuna.load_study(study_name="t", storage=url).trials
        except KeyError:
            return False
        return [t.state for t in trials].count(TrialState.COMPLETE) == 1 and any(
            t.state == TrialState.RUNNING and t.intermediate_values for t in trials)

    wait_for(training_second, timeout=600)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    study = optuna.load_study(study_name="t", storage=url)
    [killed] = study.get_trials(states=(TrialState.RUNNING,))
    before = unique_keys(study)
    rerun = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "latentnas search: resumed: 1 of 3 done, 1 interrupted trial retried" in rerun.stderr
    study = optuna.load_study(study_name="t", storage=url)
    after = unique_keys(study)
    print(f"real training killed at epoch {max(killed.intermediate_values)}: completed {len(after)}, "
          f"lost {len(set(before) - set(after))}")
    assert len(after) == 3 and set(before) <= set(after) and killed.user_attrs[KEY_ATTR] in after
    assert not study.get_trials(states=(TrialState.RUNNING,))


def test_a_stalled_worker_whose_trial_was_failed_elsewhere_goes_on(tmp_path: Path) -> None:
    from latentnas.benchmarks import Evaluation
    from latentnas.objectives import BenchmarkObjective
    from latentnas.samplers import RandomArchitectureSampler
    from latentnas.study import create_study, run_search

    lookup = BenchmarkObjective("nasbench201", "cifar10")

    class FailedMeanwhile:
        """The first evaluation's trial is failed by 'another worker' (its heartbeat looked stale) while it runs."""

        reports_intermediate = True
        space = lookup.space

        def __call__(self, arch: Any, trial: optuna.Trial) -> Evaluation:
            if trial.number == 0:
                study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
            return lookup(arch)

    study = create_study(lookup.space, RandomArchitectureSampler(lookup.space, seed=0),
                         storage=f"sqlite:///{tmp_path}/s.db", study_name="s")
    result = run_search(study, FailedMeanwhile(), n_unique=3)  # type: ignore[arg-type]
    assert [t.state for t in study.trials] == [TrialState.FAIL] + [TrialState.COMPLETE] * 3
    assert result.unique_evaluations == 3
