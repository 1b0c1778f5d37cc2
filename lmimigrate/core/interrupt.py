"""SIGINT, SIGTERM and SIGHUP stop a run the same way: no new file is started, a file being written is either
replaced completely or left as it was, and the command exits 130, 143 or 129 (128 + the signal).

`kill`, `docker stop`, systemd and CI timeouts send SIGTERM, a closed terminal SIGHUP; Python's default for
both is to die on the spot, which can leave a temporary file beside the user's. The handlers installed by
`handled()` raise `Interrupted` (a KeyboardInterrupt, so existing `except KeyboardInterrupt` code still
applies) at the next bytecode, except inside `deferred()`: there the signal is remembered and acted on when
the block ends (a write in progress finishes or rolls back first).

Worker processes (`become_worker`) ignore SIGINT (the terminal sends it to the whole process group; the
parent decides), and exit at once on SIGTERM/SIGHUP unless inside `deferred()`, where they exit right after.
They also get SIGTERM when the parent dies (PR_SET_PDEATHSIG on Linux), so no worker outlives the command.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from types import FrameType

SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)

_pending: int | None = None
_depth = 0
_installed = False
_worker = False


class Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _handler(signum: int, _frame: FrameType | None) -> None:
    global _pending
    if _pending is None:
        _pending = signum
    if _depth == 0:
        if _worker:
            os._exit(128 + signum)
        raise Interrupted(signum)


@contextmanager
def handled() -> Iterator[None]:
    """Handle the stop signals in this (main) process while the block runs; the previous handlers are put
    back after it (a program embedding the CLI keeps its own). Outside the main thread, nothing changes."""
    global _installed, _pending, _depth
    _pending, _depth = None, 0
    try:
        previous = {sig: signal.signal(sig, _handler) for sig in SIGNALS}
    except ValueError:  # not the main thread
        yield
        return
    _installed = True
    try:
        yield
    finally:
        _installed = False
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def become_worker(parent: int) -> None:
    """In a forked worker: SIGINT ignored, SIGTERM/SIGHUP exit (after a write in progress), and die with the
    parent."""
    global _worker, _installed, _pending, _depth
    _worker, _installed, _pending, _depth = True, True, None, 0
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in SIGNALS[1:]:
        signal.signal(sig, _handler)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(143)


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the worker still stops when its task pipe closes (workers.py)


def pending() -> int | None:
    return _pending


@contextmanager
def deferred() -> Iterator[None]:
    """A block that a stop signal does not cut short; the signal takes effect when it ends."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _pending is not None and _installed:
            if _worker:
                os._exit(128 + _pending)
            raise Interrupted(_pending)
