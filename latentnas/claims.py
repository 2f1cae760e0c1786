"""Which worker evaluates which architecture, when several share one study.

Samplers avoid the architectures a study has evaluated or is evaluating (latent BO enters running trials as
``X_pending``), but two workers asking at the same moment can still propose the same one, and two workers that each
see 59 of 60 architectures done would both evaluate a 60th. So each trial, once its architecture is known, *claims* it
by the rule of Lamport's bakery, with Optuna's trial numbers as tickets:

1. Wait until every trial with a lower number has written its architecture key (or finished, or lost its worker).
2. If a lower trial already evaluated the same key, answer from it (a duplicate); if one is evaluating it, wait for
   its result.
3. If the lower trials hold ``n_unique`` distinct keys (evaluated, running or queued), the budget is spent: wait while
   any of them runs (it may fail and free its place), then give up without evaluating.
4. Otherwise evaluate.

A trial decides only on trials with lower numbers, and step 1 makes sure that it sees each of their keys, so of two
trials with the same key only the lower one evaluates, and no more than ``n_unique`` keys are evaluated. This needs only
what every Optuna storage offers (trial numbers in creation order, user attrs, states), so it holds alike on SQLite,
PostgreSQL, a journal file and the gRPC proxy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from latentnas.heartbeat import GRACE_PERIOD, fail_interrupted_trials, is_interrupted
from latentnas.records import DUPLICATE_ATTR, FAIL_ATTR, KEY_ATTR

#: On a trial that was not evaluated because other workers had spent the budget: why.
NOT_EVALUATED_ATTR = "not_evaluated"

_HOLDING = (TrialState.RUNNING, TrialState.WAITING, TrialState.COMPLETE)


@dataclass(frozen=True)
class Claim:
    """The outcome of :func:`claim`: ``evaluate``; or ``duplicate_of``, the trial whose result to reuse; or neither
    (the budget is spent)."""

    evaluate: bool
    duplicate_of: FrozenTrial | None = None


@dataclass(frozen=True)
class Progress:
    """Distinct architecture keys of a study: evaluated, being evaluated, and whether trials wait in the queue."""

    done: frozenset[str]
    running: frozenset[str]
    queued: int

    @classmethod
    def of(cls, study: optuna.Study) -> Progress:
        done: set[str] = set()
        running: set[str] = set()
        queued = 0
        for t in study.get_trials(deepcopy=False):
            if t.state == TrialState.WAITING:
                queued += 1
            elif KEY_ATTR not in t.user_attrs:
                continue
            elif t.state == TrialState.COMPLETE and DUPLICATE_ATTR not in t.user_attrs:
                done.add(t.user_attrs[KEY_ATTR])
            elif t.state == TrialState.RUNNING:
                running.add(t.user_attrs[KEY_ATTR])
        return cls(frozenset(done), frozenset(running - done), queued)


def claim(
    study: optuna.Study,
    number: int,
    key: str,
    *,
    n_unique: int,
    poll_interval: float = 0.25,
    choosing_timeout: float = GRACE_PERIOD,
) -> Claim:
    """Decides, for RUNNING trial ``number`` of ``study`` that holds architecture ``key``, whether it evaluates it.

    Args:
        study: A study shared by any number of workers.
        number: The trial's number; its :data:`KEY_ATTR` is already written.
        key: The architecture's canonical key.
        n_unique: The study's budget of unique architectures.
        poll_interval: Seconds between two looks at the study while waiting.
        choosing_timeout: Seconds after which a running trial that still has no key counts as gone (a worker killed
            between creating a trial and naming its architecture, on a storage without heartbeat).
    """
    storage = study._storage
    while True:
        trials = [t for t in study.get_trials(deepcopy=False) if t.number < number]
        now = time.time()
        choosing = [
            t for t in trials
            if t.state == TrialState.RUNNING and KEY_ATTR not in t.user_attrs and not is_interrupted(t, storage, now=now)
            and (t.datetime_start is None or now - t.datetime_start.timestamp() < choosing_timeout)
        ]
        holders = [t for t in trials if t.state in _HOLDING and KEY_ATTR in t.user_attrs]
        same = [t for t in holders if t.user_attrs[KEY_ATTR] == key]
        evaluated = [t for t in same if t.state == TrialState.COMPLETE and DUPLICATE_ATTR not in t.user_attrs]
        if choosing:
            pass
        elif evaluated:
            return Claim(evaluate=False, duplicate_of=evaluated[0])
        elif any(t.state == TrialState.RUNNING for t in same):
            pass  # its worker evaluates it: wait for the result
        elif any(t.state == TrialState.WAITING for t in same):
            # A queued retry of our architecture: take it out of the queue and evaluate here. Whoever pops it first
            # owns it; if that is another worker, we wait for its result at the next look.
            for t in same:
                if t.state == TrialState.WAITING:
                    _drop_queued(study, t, by=number)
            continue
        elif len({t.user_attrs[KEY_ATTR] for t in holders}) < n_unique:
            return Claim(evaluate=True)
        elif not any(t.state == TrialState.RUNNING for t in holders):
            return Claim(evaluate=False)
        time.sleep(poll_interval)
        fail_interrupted_trials(study)


def _drop_queued(study: optuna.Study, trial: FrozenTrial, *, by: int) -> None:
    storage = study._storage
    try:
        if storage.set_trial_state_values(trial._trial_id, state=TrialState.RUNNING):
            storage.set_trial_user_attr(trial._trial_id, FAIL_ATTR, f"evaluated by trial {by}, which proposed it too")
            storage.set_trial_user_attr(trial._trial_id, NOT_EVALUATED_ATTR, f"trial {by} evaluates it")
            storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
    except UpdateFinishedTrialError:  # another worker popped and finished it meanwhile
        pass
