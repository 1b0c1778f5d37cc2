"""A progress bar for long runs: on standard error, only when it is a terminal, only once the run has taken
over a second, and never in CI, in pre-commit or with a machine output format."""

from __future__ import annotations

import os
import sys
import time

from lmimigrate.output import terminal

#: Seconds before the bar appears: a pre-commit batch or a small repository finishes before it would.
DELAY = 1.0
#: Set by CI services (GitHub Actions, GitLab, Jenkins ...) and by pre-commit for its hooks.
_NO_BAR_ENV = ("CI", "PRE_COMMIT", "GITHUB_ACTIONS", "BUILD_NUMBER", "TF_BUILD")


def wanted(output_format: str, quiet: bool, stream=None) -> bool:
    stream = stream or sys.stderr
    if quiet or output_format in ("json", "github", "sarif"):
        return False
    if any(os.environ.get(name) for name in _NO_BAR_ENV) or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


class ProgressBar:
    """The api's `progress(done, total)` callback. Draws nothing until DELAY has passed, then one line, redrawn
    at most every REDRAW seconds, and erased by `close`. Written by hand: `rich.progress` cost ~110 ms of CPU
    to import and redrew from a thread of its own, which took a core from the workers (a cold corpus A run was
    1.13x slower with the bar)."""

    REDRAW = 0.1

    def __init__(self, stream=None, delay: float = DELAY, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self._shown = False
        self._drawn_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if not self._shown:
            if done >= total or now - self.started < self.delay:
                return
            self._shown = True
        elif done < total and now - self._drawn_at < self.REDRAW:
            return
        self._drawn_at = now
        self._draw(done, total, now)

    def _draw(self, done: int, total: int, now: float) -> None:
        counts = f" {done}/{total}"
        elapsed = now - self.started
        left = ""
        if 0 < done < total and elapsed > 0:
            seconds = int((total - done) * elapsed / done)
            left = f" {seconds // 60}:{seconds % 60:02d} left"
        width = terminal.width(self.stream) or 80
        room = width - len("checking [") - len("]") - len(counts) - len(left) - 1
        size = max(0, min(40, room))
        filled = size * done // total if total else size
        bar = f"checking [{'=' * filled}{' ' * (size - filled)}]" if size >= 10 else "checking"
        self.stream.write("\r" + (bar + counts + left)[: max(width - 1, 1)] + "\x1b[K")
        self.stream.flush()

    @property
    def shown(self) -> bool:
        return self._shown

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")  # the bar is gone: the report starts on a clean line
            self.stream.flush()
            self._shown = False

