"""Several worker processes on one study: exactly the budget of unique architectures, none evaluated twice, none lost.

Each worker is a real process (``python -m tests._worker``) whose lookups sleep, as training would, so that the
workers overlap. The PostgreSQL test needs a server: ``LATENTNAS_TEST_POSTGRES`` (a URL with rights to create
databases; ``.ci/run`` starts one) enables it.
"""

from __future__ import annotations

import collections
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.records import DUPLICATE_ATTR, KEY_ATTR

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("LATENTNAS_TEST_POSTGRES")


def start_workers(n: int, config: dict[str, Any]) -> list[subprocess.Popen[str]]:
    """``n`` worker processes started together on one study."""
    return [subprocess.Popen([sys.executable, "-m", "tests._worker", json.dumps(config)], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(n)]


def finish(workers: list[subprocess.Popen[str]], timeout: float = 300) -> list[dict[str, Any]]:
    results = []
    for w in workers:
        out, err = w.communicate(timeout=timeout)
        assert w.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def evaluations(log: Path) -> collections.Counter[str]:
    """How often each architecture key was evaluated to the end, by any worker."""
    return collections.Counter(line.split()[2] for line in log.read_text().splitlines() if line.startswith("done "))


def check_study(storage: Any, budget: int, log: Path, results: list[dict[str, Any]]) -> dict[str, int]:
    """The figures the tests assert; returns them (unique, evaluations, evaluated twice, lost, running)."""
    trials = optuna.load_study(study_name="shared", storage=storage).get_trials(deepcopy=False)
    unique = [t for t in trials if t.state == TrialState.COMPLETE and DUPLICATE_ATTR not in t.user_attrs]
    evaluated = evaluations(log)
    figures = {
        "unique": len({t.user_attrs[KEY_ATTR] for t in unique}),
        "complete_unique_trials": len(unique),
        "evaluations": sum(evaluated.values()),
        "evaluated_twice": sum(1 for c in evaluated.values() if c > 1),
        # An evaluation whose result the study does not hold.
        "lost": len(set(evaluated) - {t.user_attrs[KEY_ATTR] for t in unique}),
        "running": sum(1 for t in trials if t.state == TrialState.RUNNING),
        "workers_that_evaluated": len({line.split()[1] for line in log.read_text().splitlines()}),
    }
    assert figures["unique"] == figures["complete_unique_trials"] == figures["evaluations"] == budget, figures
    assert (figures["evaluated_twice"], figures["lost"], figures["running"]) == (0, 0, 0), figures
    assert all(r["unique_evaluations"] == budget for r in results)  # each worker reports the study's total
    return figures


def test_two_workers_start_together_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    log = tmp_path / "evaluations.log"
    url = f"sqlite:///{tmp_path}/new.db"
    config = {"storage": url, "study": "shared", "trials": 12, "sampler": "random", "seed": 0, "sleep": 0.3,
              "log": str(log)}
    figures = check_study(url, 12, log, finish(start_workers(2, config)))
    assert figures["workers_that_evaluated"] == 2


@pytest.mark.parametrize("kind", ["journal", "grpc"])
def test_two_workers_on_a_journal_file_or_the_grpc_proxy(tmp_path: Path, kind: str) -> None:
    log = tmp_path / "evaluations.log"
    server = None
    if kind == "journal":
        url = f"journal:///{tmp_path}/study.log"
        storage: Any = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(f"{tmp_path}/study.log"))
    else:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        code = ("import optuna; from latentnas.storage import open_storage; optuna.storages.run_grpc_proxy_server("
                f"open_storage('sqlite:///{tmp_path}/proxied.db'), host='127.0.0.1', port={port})")
        server = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.DEVNULL)
        url = f"grpc://127.0.0.1:{port}"
        storage = f"sqlite:///{tmp_path}/proxied.db"
    try:
        config = {"storage": url, "study": "shared", "trials": 8, "sampler": "random", "seed": 0, "sleep": 0.3,
                  "log": str(log)}
        check_study(storage, 8, log, finish(start_workers(2, config)))
    finally:
        if server is not None:
            server.kill()
            server.wait()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty database on the server of ``LATENTNAS_TEST_POSTGRES``, dropped afterwards."""
    if not POSTGRES:
        pytest.skip("LATENTNAS_TEST_POSTGRES is not set (.ci/run starts a PostgreSQL server and sets it)")
    import sqlalchemy

    from latentnas.storage import _postgres_driver

    name = f"latentnas_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(_postgres_driver(POSTGRES), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def test_four_workers_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    from latentnas.storage import _postgres_driver

    log = tmp_path / "evaluations.log"
    config = {"storage": postgres_url, "study": "shared", "trials": 24, "sampler": "random", "seed": 0, "sleep": 0.3,
              "log": str(log)}
    start = time.perf_counter()
    results = finish(start_workers(4, config))
    figures = check_study(_postgres_driver(postgres_url), 24, log, results)
    print(f"4 workers on PostgreSQL: {figures}, {time.perf_counter() - start:.1f} s")
    assert figures["workers_that_evaluated"] >= 2
