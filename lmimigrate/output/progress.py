"""A progress bar for long runs: on standard error, only when it is a terminal, only once the run has taken
over a second, and never in CI, in pre-commit or with a machine output format."""

from __future__ import annotations

import os
import sys
import time

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
    """The api's `progress(done, total)` callback. Draws nothing until DELAY has passed."""

    def __init__(self, stream=None, delay: float = DELAY, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if done >= total or self.clock() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(file=self.stream, stderr=self.stream is sys.stderr)
            self._bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=console, transient=True)
            self._task = self._bar.add_task("check", total=total)
            self._bar.start()
        self._bar.update(self._task, completed=done, total=total)

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
