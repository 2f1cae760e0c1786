from __future__ import annotations

import threading
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from latentnas.claims import NOT_EVALUATED_ATTR, Claim, Progress, claim
from latentnas.records import DUPLICATE_ATTR, KEY_ATTR
from latentnas.storage import open_storage


@pytest.fixture
def study(tmp_path: Path) -> optuna.Study:
    return optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path}/s.db"), study_name="s",
                               direction="maximize")


def running(study: optuna.Study, key: str | None) -> optuna.Trial:
    """A new RUNNING trial (not one popped from the queue, as ``study.ask()`` would)."""
    trial = optuna.Trial(study, study._storage.create_new_trial(study._study_id))
    if key is not None:
        trial.set_user_attr(KEY_ATTR, key)
    return trial


def test_the_lower_trial_evaluates_and_the_higher_reuses_its_result(study: optuna.Study) -> None:
    first, second = running(study, "a"), running(study, "a")
    assert claim(study, first.number, "a", n_unique=5) == Claim(evaluate=True)
    result: list[Claim] = []
    waiter = threading.Thread(target=lambda: result.append(claim(study, second.number, "a", n_unique=5,
                                                                 poll_interval=0.05)))
    waiter.start()
    time.sleep(0.3)
    assert not result  # waits while the lower trial evaluates
    study.tell(first, 1.0)
    waiter.join(timeout=10)
    assert [(c.evaluate, c.duplicate_of.number if c.duplicate_of else None) for c in result] == [(False, 0)]


def test_the_budget_counts_lower_trials_running_or_done(study: optuna.Study) -> None:
    a, b = running(study, "a"), running(study, "b")
    study.tell(a, 1.0)
    c = running(study, "c")
    assert claim(study, c.number, "c", n_unique=3) == Claim(evaluate=True)
    result: list[Claim] = []
    waiter = threading.Thread(target=lambda: result.append(claim(study, c.number, "c", n_unique=2,
                                                                 poll_interval=0.05)))
    waiter.start()
    time.sleep(0.3)
    assert not result  # 'b' may still fail and free its place
    study.tell(b, 2.0)
    waiter.join(timeout=10)
    assert result == [Claim(evaluate=False)]


def test_a_failed_lower_trial_frees_its_architecture_and_its_place(study: optuna.Study) -> None:
    a = running(study, "a")
    b = running(study, "a")
    study.tell(a, state=TrialState.FAIL)
    assert claim(study, b.number, "a", n_unique=1) == Claim(evaluate=True)


def test_a_queued_retry_of_the_same_architecture_is_taken_over(study: optuna.Study) -> None:
    study.add_trial(optuna.create_trial(state=TrialState.WAITING, user_attrs={KEY_ATTR: "a"}))
    trial = running(study, "a")  # proposed by a sampler while the retry waited in the queue
    assert claim(study, trial.number, "a", n_unique=5) == Claim(evaluate=True)
    queued = study.trials[0]
    assert queued.state == TrialState.FAIL and NOT_EVALUATED_ATTR in queued.user_attrs


def test_a_lower_trial_without_key_is_waited_for_until_it_names_one(study: optuna.Study) -> None:
    choosing = running(study, None)
    trial = running(study, "a")
    result: list[Claim] = []
    waiter = threading.Thread(target=lambda: result.append(claim(study, trial.number, "a", n_unique=5,
                                                                 poll_interval=0.05)))
    waiter.start()
    time.sleep(0.3)
    assert not result
    choosing.set_user_attr(KEY_ATTR, "a")  # the same architecture: it wins
    study.tell(choosing, 3.0)
    waiter.join(timeout=10)
    assert [c.duplicate_of.number if c.duplicate_of else None for c in result] == [0]
    # A keyless trial older than the timeout (its worker died before naming an architecture) is not waited for.
    running(study, None)
    late = running(study, "b")
    time.sleep(0.2)
    assert claim(study, late.number, "b", n_unique=5, choosing_timeout=0.1) == Claim(evaluate=True)


def test_progress_counts_distinct_keys(study: optuna.Study) -> None:
    a, b, dup, c = running(study, "a"), running(study, "b"), running(study, "a"), running(study, "c")
    study.tell(a, 1.0)
    dup.set_user_attr(DUPLICATE_ATTR, 0)
    study.tell(dup, 1.0)
    study.tell(c, state=TrialState.FAIL)
    study.enqueue_trial({})
    assert Progress.of(study) == Progress(done=frozenset({"a"}), running=frozenset({"b"}), queued=1)
    assert b.number == 1
