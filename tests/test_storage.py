from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.errors import InvalidArgumentError, StorageError
from latentnas.heartbeat import HEARTBEAT_ATTR, WORKER_ATTR, TrialHeartbeat, fail_interrupted_trials, is_interrupted
from latentnas.storage import data_home, default_storage, open_storage


def test_the_default_storage_is_the_same_from_any_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LATENTNAS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    here = default_storage()
    monkeypatch.chdir("/")
    assert default_storage() == here == f"sqlite:///{tmp_path}/home/latentnas.db"
    monkeypatch.delenv("LATENTNAS_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "xdg" / "latentnas"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert data_home() == tmp_path / "user" / ".local" / "share" / "latentnas"


def test_a_missing_default_folder_is_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LATENTNAS_HOME", str(tmp_path / "new" / "home"))
    assert isinstance(open_storage(None), optuna.storages.RDBStorage)
    assert (tmp_path / "new" / "home" / "latentnas.db").is_file()


@pytest.mark.parametrize("url", ["journal:///{tmp}/a/study.log", "{tmp}/a/study.log"])
def test_a_journal_file(url: str, tmp_path: Path) -> None:
    storage = open_storage(url.format(tmp=tmp_path))
    assert isinstance(storage, optuna.storages.JournalStorage)
    optuna.create_study(storage=storage, study_name="s").optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert (tmp_path / "a" / "study.log").is_file()
    again = open_storage(url.format(tmp=tmp_path))
    assert len(optuna.load_study(study_name="s", storage=again).trials) == 2


@pytest.mark.parametrize(("url", "reason"), [
    ("grpc://127.0.0.1:1", "no gRPC storage proxy answers there"),
    ("grpc://nohostport", "expected grpc://HOST:PORT"),
    ("journal://", "no file name"),
])
def test_bad_urls_are_one_line(url: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("latentnas.storage.GRPC_TIMEOUT", 1.0)
    with pytest.raises(StorageError, match=f"^cannot open storage '{url}': {reason}$"):
        open_storage(url)


def test_heartbeat_settings_must_be_positive() -> None:
    with pytest.raises(InvalidArgumentError, match="heartbeat_interval and grace_period must be positive, got 0 and 5"):
        open_storage("sqlite:///:memory:", heartbeat_interval=0, grace_period=5)


def test_rdb_storages_carry_optunas_heartbeat(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path}/s.db", heartbeat_interval=3, grace_period=7)
    assert isinstance(storage, optuna.storages.RDBStorage)
    assert (storage.heartbeat_interval, storage.grace_period) == (3, 7)
    assert storage.failed_trial_callback is not None


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
