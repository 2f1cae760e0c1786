"""How workers sharing a study notice a trial whose worker died.

A worker killed mid-trial leaves its trial RUNNING. Each running trial therefore beats (Optuna's heartbeat on RDB
storages; a trial system attr on the others, which have none), names its worker (``host:pid``), and
:func:`fail_interrupted_trials` fails the trials whose heartbeat stopped for ``grace_period`` seconds, or whose worker
on this machine is gone, and queues each architecture again (Optuna's ``RetryHeartbeatStaleTrialCallback``). A worker
stopped by an interrupt (Ctrl-C, SIGTERM) fails its own trial the same way before it exits
(:func:`fail_interrupted`): an interrupted trial is FAIL without a ``fail_reason`` and names its worker.
"""

from __future__ import annotations

import copy
import logging
import os
import socket
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from latentnas.errors import first_line
from latentnas.records import FAIL_ATTR, KEY_ATTR

logger = logging.getLogger(__name__)

#: Seconds between two heartbeats of a running trial.
HEARTBEAT_INTERVAL = 10
#: Seconds without a heartbeat after which a running trial counts as interrupted.
GRACE_PERIOD = 60
#: How often an interrupted trial's architecture is queued again (a trial that kills its worker every time, e.g.
#: by running out of host memory, must not stall the study for ever).
MAX_RETRY = 3

#: Trial system attr: ``host:pid`` of the worker running it.
WORKER_ATTR = "latentnas:worker"
#: Trial system attr (storages without Optuna's heartbeat): the time of its last heartbeat, in seconds since the epoch.
HEARTBEAT_ATTR = "latentnas:heartbeat"


@dataclass(frozen=True)
class _Heartbeat:
    interval: int
    grace_period: int
    retry: Callable[[optuna.Study, FrozenTrial], None] | None


# Heartbeat settings of the storages opened here that have no heartbeat of their own (journal, gRPC).
_HEARTBEATS: weakref.WeakKeyDictionary[optuna.storages.BaseStorage, _Heartbeat] = weakref.WeakKeyDictionary()


def register_heartbeat(
    storage: optuna.storages.BaseStorage,
    interval: int,
    grace_period: int,
    retry: Callable[[optuna.Study, FrozenTrial], None] | None,
) -> None:
    """Gives the running trials of ``storage`` (one without Optuna's heartbeat: journal, gRPC) a heartbeat attr."""
    _HEARTBEATS[storage] = _Heartbeat(interval, grace_period, retry)


class RetryInterrupted:
    """Optuna's retry callback, given the failed trial without this module's system attrs: the queued copy must
    not carry the dead worker's name or last heartbeat."""

    def __init__(self, max_retry: int | None) -> None:
        # NOTE: Optuna 4.9 renamed RetryFailedTrialCallback; the old name warns from then on.
        cls = (getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None)
               or optuna.storages.RetryFailedTrialCallback)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            self._callback: Callable[[optuna.Study, FrozenTrial], None] = cls(max_retry=max_retry)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        trial = copy.copy(trial)
        trial.system_attrs = {k: v for k, v in trial.system_attrs.items() if k not in (WORKER_ATTR, HEARTBEAT_ATTR)}
        self._callback(study, trial)


# ------------------------------------------------------------------------------------------ interrupted trials
def worker_name() -> str:
    """``host:pid`` of this process, as :data:`WORKER_ATTR` records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _heartbeat_of(storage: optuna.storages.BaseStorage) -> tuple[str, int, int] | None:
    """``(kind, interval, grace_period)``: ``"optuna"`` for a storage with Optuna's heartbeat, ``"attr"`` for one
    opened here without it; ``None`` when running trials do not beat."""
    interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
    if interval is not None:
        backend = getattr(storage, "_backend", storage)
        grace = getattr(backend, "grace_period", None) or 2 * interval
        return "optuna", interval, grace
    settings = _HEARTBEATS.get(storage)
    return ("attr", settings.interval, settings.grace_period) if settings else None


def _retry_of(storage: optuna.storages.BaseStorage) -> Callable[[optuna.Study, FrozenTrial], None] | None:
    for name in ("get_heartbeat_stale_trial_callback", "get_failed_trial_callback"):
        getter = getattr(storage, name, None)
        if getter is not None:
            callback: Callable[[optuna.Study, FrozenTrial], None] | None = getter()
            return callback
    settings = _HEARTBEATS.get(storage)
    return settings.retry if settings else None


class TrialHeartbeat:
    """Marks ``trial`` as alive while the ``with`` block runs: names its worker, then beats every ``interval``
    seconds from a daemon thread (Optuna's ``record_heartbeat``, or :data:`HEARTBEAT_ATTR`)."""

    def __init__(self, study: optuna.Study, trial: optuna.Trial) -> None:
        self._storage = study._storage
        self._trial_id = trial._trial_id
        self._settings = _heartbeat_of(self._storage)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> TrialHeartbeat:
        self._storage.set_trial_system_attr(self._trial_id, WORKER_ATTR, worker_name())
        if self._settings is not None:
            self._beat()
            self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self._trial_id}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        assert self._settings is not None
        if self._settings[0] == "optuna":
            self._storage.record_heartbeat(self._trial_id)  # type: ignore[attr-defined]
        else:
            self._storage.set_trial_system_attr(self._trial_id, HEARTBEAT_ATTR, time.time())

    def _run(self) -> None:
        assert self._settings is not None
        while not self._stop.wait(self._settings[1]):
            try:
                self._beat()
            except UpdateFinishedTrialError:  # told meanwhile; the main thread is about to stop us
                return
            except Exception as err:  # a lost beat is retried at the next interval; the trial goes on
                logger.warning("heartbeat of trial %d failed: %s", self._trial_id, first_line(err))


def is_interrupted(trial: FrozenTrial, storage: optuna.storages.BaseStorage, *, now: float | None = None) -> bool:
    """Whether RUNNING ``trial`` has lost its worker: a process of this host that is gone, or (storages without
    Optuna's heartbeat, whose staleness :func:`fail_interrupted_trials` asks Optuna for) no heartbeat for the grace
    period."""
    if trial.state != TrialState.RUNNING:
        return False
    host, _, pid = str(trial.system_attrs.get(WORKER_ATTR, "")).rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _process_alive(int(pid)):
        return True
    settings = _heartbeat_of(storage)
    if settings is None or settings[0] == "optuna":
        return False
    start = trial.datetime_start.timestamp() if trial.datetime_start else time.time()
    beat = float(trial.system_attrs.get(HEARTBEAT_ATTR, start))
    return (now if now is not None else time.time()) - beat > settings[2]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def fail_interrupted_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Fails the RUNNING trials of ``study`` whose worker is gone (see :func:`is_interrupted`; on RDB storages
    also Optuna's ``fail_stale_trials``) and queues each again through the storage's retry callback.

    Returns:
        The trials failed here (other workers may fail some at the same time; each is failed once).
    """
    storage = study._storage
    running = {t._trial_id: t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
    if not running:
        return []
    failed: list[FrozenTrial] = []
    retry = _retry_of(storage)
    now = time.time()
    for trial in running.values():
        if not is_interrupted(trial, storage, now=now):
            continue
        frozen = _fail(storage, trial._trial_id)
        if frozen is None:
            continue
        failed.append(frozen)
        if retry is not None:
            retry(study, frozen)
    settings = _heartbeat_of(storage)
    if settings is not None and settings[0] == "optuna":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        done = {t._trial_id for t in failed}
        failed += [t for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
                   if t._trial_id in running and t._trial_id not in done and FAIL_ATTR not in t.user_attrs]
    for trial in failed:
        logger.info("trial %d was interrupted (worker %s); its architecture is queued again", trial.number,
                    trial.system_attrs.get(WORKER_ATTR, "unknown"))
    return failed


def fail_interrupted(study: optuna.Study, trial_id: int) -> FrozenTrial | None:
    """Fails this worker's RUNNING trial ``trial_id`` when an interrupt (or an error) stops its search, as
    :func:`fail_interrupted_trials` would once the worker is gone, so that nobody waits for the grace period: it names
    its worker, has no ``fail_reason``, and its architecture is queued again through the storage's retry callback.
    A trial stopped before it named its architecture (while the sampler proposed) is not queued: the next proposal
    takes its place.

    Returns:
        The failed trial; ``None`` where it had finished (told, or failed by another worker).
    """
    storage = study._storage
    try:
        if WORKER_ATTR not in storage.get_trial(trial_id).system_attrs:  # its heartbeat had not started
            storage.set_trial_system_attr(trial_id, WORKER_ATTR, worker_name())
    except UpdateFinishedTrialError:
        return None
    frozen = _fail(storage, trial_id)
    retry = _retry_of(storage)
    if frozen is not None and retry is not None and KEY_ATTR in frozen.user_attrs:
        retry(study, frozen)
    return frozen


def _fail(storage: optuna.storages.BaseStorage, trial_id: int) -> FrozenTrial | None:
    """Sets RUNNING trial ``trial_id`` FAIL; ``None`` where it had finished (told, or failed by another worker)."""
    try:
        if not storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
            return None
    except UpdateFinishedTrialError:
        return None
    return copy.deepcopy(storage.get_trial(trial_id))
