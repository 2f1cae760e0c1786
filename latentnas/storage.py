"""Where studies live: opening a storage by URL, the default one, creating its schema safely.

:func:`open_storage` takes an Optuna storage URL:

==========================================  ===================================  ==================================
URL                                         storage                              shared by
==========================================  ===================================  ==================================
``sqlite:///PATH.db`` (the default)         ``RDBStorage``                       a few workers on one machine
``postgresql://USER@HOST:PORT/DB``          ``RDBStorage`` (psycopg2)            many machines: the supported way
``journal:///PATH.log``, or ``PATH.log``    ``JournalStorage`` on a file         one machine or a shared file system
``grpc://HOST:PORT``                        ``GrpcStorageProxy``                 many machines, through one proxy
==========================================  ===================================  ==================================

The default is a SQLite file in :func:`data_home` (``$LATENTNAS_HOME``, else the user data folder), the same whatever
folder a command runs from. Workers that start together on a new database all start: the schema is created under a
lock.

Every storage opened here gives its running trials a heartbeat (see :mod:`latentnas.heartbeat`), so that a trial
whose worker died is noticed and its architecture evaluated again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.storages.journal import JournalFileBackend

from latentnas.errors import InvalidArgumentError, StorageError, first_line
from latentnas.heartbeat import (
    GRACE_PERIOD,
    HEARTBEAT_INTERVAL,
    MAX_RETRY,
    RetryInterrupted,
    register_heartbeat,
)

logger = logging.getLogger(__name__)

#: Environment variable naming the folder of the default storage.
HOME_ENV = "LATENTNAS_HOME"
#: Seconds to wait for a gRPC storage proxy to answer.
GRPC_TIMEOUT = 10.0

def data_home() -> Path:
    """The folder of the default storage: ``$LATENTNAS_HOME``, else ``$XDG_DATA_HOME/latentnas``, else
    ``~/.local/share/latentnas``."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "latentnas"


def default_storage() -> str:
    """The storage URL used when none is given: ``sqlite:///`` + ``data_home()/latentnas.db``."""
    return f"sqlite:///{(data_home() / 'latentnas.db').resolve()}"


def open_storage(
    url: str | None = None,
    *,
    heartbeat_interval: int = HEARTBEAT_INTERVAL,
    grace_period: int = GRACE_PERIOD,
    max_retry: int | None = MAX_RETRY,
) -> optuna.storages.BaseStorage:
    """Opens (creating if needed) the storage at ``url``, with a heartbeat for its running trials.

    Args:
        url: See the module docstring; ``None`` opens :func:`default_storage`.
        heartbeat_interval: Seconds between two heartbeats of a running trial.
        grace_period: Seconds without a heartbeat after which a running trial is failed and retried.
        max_retry: How often one interrupted architecture is queued again; ``None``: always.

    Raises:
        StorageError: When the storage cannot be opened (one line: the URL and the reason).
    """
    if heartbeat_interval < 1 or grace_period < 1:
        raise InvalidArgumentError(
            f"heartbeat_interval and grace_period must be positive, got {heartbeat_interval} and {grace_period}"
        )
    url = url or default_storage()
    retry = RetryInterrupted(max_retry)
    try:
        if url.startswith("grpc://"):
            storage: optuna.storages.BaseStorage = _open_grpc(url)
        elif url.startswith("journal://") or ("://" not in url and url.endswith(".log")):
            storage = _open_journal(url)
        else:
            return _open_rdb(url, heartbeat_interval, grace_period, retry)
    except StorageError:
        raise
    except Exception as err:  # SQLAlchemy, gRPC and the file system raise many kinds; the user needs one line.
        raise StorageError(f"cannot open storage '{url}': {first_line(err)}") from None
    register_heartbeat(storage, heartbeat_interval, grace_period, retry)
    return storage


def _postgres_driver(url: str) -> str:
    """A plain ``postgresql://`` URL with the driver that is installed (SQLAlchemy's default changed from psycopg2
    to psycopg 3 in 2.1; either serves)."""
    scheme, sep, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres"):
        return url
    for module, dialect in (("psycopg", "postgresql+psycopg"), ("psycopg2", "postgresql+psycopg2")):
        if importlib.util.find_spec(module) is not None:
            return f"{dialect}{sep}{rest}"
    raise StorageError(f"cannot open storage '{url}': PostgreSQL needs a driver: pip install 'latentnas[postgres]'")


def _open_rdb(url: str, interval: int, grace: int, retry: RetryInterrupted) -> optuna.storages.RDBStorage:
    engine_kwargs: dict[str, Any] = {}
    given, url = url, _postgres_driver(url)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        if str(path) not in ("", ":memory:"):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StorageError(f"cannot open storage '{url}': {err.strerror}") from None
        # Workers wait for each other's writes instead of failing at once with "database is locked".
        engine_kwargs["connect_args"] = {"timeout": 60}
    kwargs: dict[str, Any] = {"heartbeat_interval": interval, "grace_period": grace}
    # NOTE: Optuna 4.9 renamed failed_trial_callback; the old name warns from then on.
    if "heartbeat_stale_trial_callback" in optuna.storages.RDBStorage.__init__.__code__.co_varnames:
        kwargs["heartbeat_stale_trial_callback"] = retry
    else:
        kwargs["failed_trial_callback"] = retry
    try:
        with _schema_lock(url), warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, **kwargs)
    except StorageError:
        raise
    except Exception as err:
        raise StorageError(f"cannot open storage '{given}': {first_line(err)}") from None


@contextlib.contextmanager
def _schema_lock(url: str) -> Iterator[None]:
    """Serializes the creation of Optuna's tables: two workers creating them at once collide on a unique constraint
    (SQLite: ``alembic_version``; PostgreSQL: ``pg_type_typname_nsp_index``)."""
    if url.startswith("sqlite:///") and url[len("sqlite:///") :] not in ("", ":memory:"):
        # NOTE: flock on a side file, never on the database (SQLite's own locks are POSIX locks on it).
        path = Path(url[len("sqlite:///") :] + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StorageError(f"cannot open storage '{url}': {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock
    elif url.startswith(("postgresql:", "postgresql+", "postgres:")):
        key = int.from_bytes(hashlib.sha256(b"latentnas optuna schema").digest()[:7], "big")
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:key)"), {"key": key})
                try:
                    yield
                finally:
                    connection.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        finally:
            engine.dispose()
    else:
        yield


def _open_journal(url: str) -> optuna.storages.JournalStorage:
    path = Path(url[len("journal://") :] if url.startswith("journal://") else url)
    if not path.name:
        raise StorageError(f"cannot open storage '{url}': no file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def _open_grpc(url: str) -> optuna.storages.BaseStorage:
    host, _, port = url[len("grpc://") :].rstrip("/").rpartition(":")
    if not host or not port.isdigit():
        raise StorageError(f"cannot open storage '{url}': expected grpc://HOST:PORT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        proxy = optuna.storages.GrpcStorageProxy(host=host, port=int(port))
    try:
        proxy.wait_server_ready(timeout=GRPC_TIMEOUT)
    except ConnectionError:
        raise StorageError(f"cannot open storage '{url}': no gRPC storage proxy answers there") from None
    return proxy


def is_shared(study: optuna.Study) -> bool:
    """Whether other processes may work on ``study`` (any storage but Optuna's in-memory one)."""
    return not isinstance(study._storage, optuna.storages.InMemoryStorage)
