"""Signals as exceptions: SIGTERM and SIGHUP unwind like Ctrl+C, so every cleanup on the way runs."""
from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

# What a user or a service manager sends to stop a run: Ctrl+C, `kill`/systemd, a closed terminal.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_held = {"depth": 0, "signal": None}  # signals_deferred: how deep, and the signal that came meanwhile


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; a KeyboardInterrupt, so code that cleans up after Ctrl+C also runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a process a signal stopped


@contextmanager
def signals_raise() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise Interrupted; the next ones are ignored while it unwinds.

    Outside the main thread (signals cannot be caught there) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        for s in STOP_SIGNALS:  # the cleanup that follows is not itself cut short by a second Ctrl+C
            signal.signal(s, signal.SIG_IGN)
        if _held["depth"]:
            _held["signal"] = signum
            return
        raise Interrupted(signum)

    before = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        _held["signal"] = None
        for s, handler in before.items():
            signal.signal(s, handler)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """A step that must finish once begun (write the record, then move what it lists): a stop signal that comes
    meanwhile raises Interrupted when the step is done."""
    _held["depth"] += 1
    try:
        yield
    finally:
        _held["depth"] -= 1
    if not _held["depth"] and _held["signal"] is not None:
        signum, _held["signal"] = _held["signal"], None
        raise Interrupted(signum)


def interruption(exc: BaseException | None) -> Interrupted | None:
    """The Interrupted behind exc (click wraps Ctrl+C into Abort), or None."""
    while exc is not None:
        if isinstance(exc, Interrupted):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def die_with_parent(parent: int, signum: int = signal.SIGTERM) -> None:
    """Have the kernel send signum to this process when its parent dies, even by SIGKILL (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # here: only a worker asks (ctypes costs every command's start 1 ms)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signum)
