"""Ctrl-C and SIGTERM while a command runs: one line on stderr and the exit status a shell gives a process that the
signal ended (130, 143), no traceback.

Python raises ``KeyboardInterrupt`` on SIGINT, but SIGTERM (what ``kill`` and job schedulers send) ends the process
where it stands. While a command runs, SIGTERM raises :class:`Interrupted` instead, a ``KeyboardInterrupt``: both take
the same path, so that a search fails its trial in flight and can be resumed (see :mod:`latentnas.search`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

#: Seconds after which an interrupt that a finalizer dropped comes again.
AGAIN_AFTER = 0.05


class Interrupted(KeyboardInterrupt):
    """An interrupt by signal ``signum``; ``str()`` says where the command stopped."""

    def __init__(self, message: str = "interrupted", *, signum: int = signal.SIGINT) -> None:
        super().__init__(message)
        self.signum = signum

    @classmethod
    def of(cls, stop: KeyboardInterrupt, message: str) -> Interrupted:
        """``stop`` (an :class:`Interrupted`, or Python's ``KeyboardInterrupt`` for SIGINT), saying ``message``."""
        return cls(message, signum=getattr(stop, "signum", signal.SIGINT))

    @property
    def exit_status(self) -> int:
        """``128 + signum``, as a shell reports a process that the signal ended."""
        return 128 + self.signum


@contextmanager
def interrupts_raised() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Interrupted`, and an interrupt that never reached the command
    comes again; the previous handler and ``sys.unraisablehook`` are restored after.

    Python runs a signal handler wherever the main thread is, a finalizer or a weakref callback included, where the
    exception it raises is printed and dropped: there, the interrupt is sent again a moment later, from a thread, by
    then outside. A SIGTERM that the caller handles or ignores is left as it is, and so is every thread but the main
    one (the only one where Python runs signal handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: _send_again(unraisable, otherwise=previous_hook)
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        if previous == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum=signum)


def _send_again(unraisable: sys.UnraisableHookArgs, *, otherwise: Callable[[sys.UnraisableHookArgs], object]) -> None:
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        otherwise(unraisable)
        return
    signum = getattr(unraisable.exc_value, "signum", signal.SIGINT)
    again = threading.Timer(AGAIN_AFTER, os.kill, (os.getpid(), signum))
    again.daemon = True
    again.start()
