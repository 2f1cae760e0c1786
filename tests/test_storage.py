from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from latentnas.errors import InvalidArgumentError, StorageError
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
