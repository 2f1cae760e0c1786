"""Interrupted trials: a worker's heartbeat, and failing and queueing again the trials of a worker that died."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.heartbeat import HEARTBEAT_ATTR, WORKER_ATTR, TrialHeartbeat, fail_interrupted_trials, is_interrupted
from latentnas.storage import open_storage


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_a_trial_whose_worker_died_is_failed_and_queued_again(kind: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db" if kind == "sqlite" else f"{tmp_path}/s.log"
    study = optuna.create_study(storage=open_storage(url), study_name="s")
    dead = study.ask({"x": optuna.distributions.CategoricalDistribution(["a", "b"])})
    dead.set_user_attr("arch_key", "k")
    study._storage.set_trial_system_attr(dead._trial_id, WORKER_ATTR, f"{socket.gethostname()}:{dead_pid()}")
    alive = study.ask()
    with TrialHeartbeat(study, alive):  # names this process: alive
        assert [t.number for t in fail_interrupted_trials(study)] == [dead.number]
        assert fail_interrupted_trials(study) == []
    states = [t.state for t in study.trials]
    assert states == [TrialState.FAIL, TrialState.RUNNING, TrialState.WAITING]
    queued = study.trials[2]
    assert queued.params == study.trials[0].params and queued.user_attrs == {"arch_key": "k"}
    assert WORKER_ATTR not in queued.system_attrs  # the queued copy does not name the dead worker


def test_without_optunas_heartbeat_a_trial_beats_as_a_system_attr(tmp_path: Path) -> None:
    storage = open_storage(f"journal:///{tmp_path}/s.log", heartbeat_interval=1, grace_period=2)
    study = optuna.create_study(storage=storage, study_name="s")
    trial = study.ask()
    with TrialHeartbeat(study, trial):
        first = study.trials[0].system_attrs[HEARTBEAT_ATTR]
        time.sleep(2.5)
        frozen = study.trials[0]
        assert frozen.system_attrs[HEARTBEAT_ATTR] > first
        assert not is_interrupted(frozen, storage)
    # Another machine's worker, silent for longer than the grace period.
    study._storage.set_trial_system_attr(trial._trial_id, WORKER_ATTR, "elsewhere:1")
    frozen = study.trials[0]
    assert is_interrupted(frozen, storage, now=frozen.system_attrs[HEARTBEAT_ATTR] + 2.5)
    assert not is_interrupted(frozen, storage, now=frozen.system_attrs[HEARTBEAT_ATTR] + 1.5)


def test_optunas_heartbeat_fails_a_silent_trial_of_another_machine(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path}/s.db", heartbeat_interval=1, grace_period=1)
    study = optuna.create_study(storage=storage, study_name="s")
    trial = study.ask()
    study._storage.set_trial_system_attr(trial._trial_id, WORKER_ATTR, "elsewhere:1")
    storage.record_heartbeat(trial._trial_id)
    assert fail_interrupted_trials(study) == []
    time.sleep(2.2)
    assert [t.number for t in fail_interrupted_trials(study)] == [0]
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.WAITING]
