"""The progress bar: only on a terminal, only after a second, never in CI, pre-commit or machine formats;
and the api's progress(done, total) callback."""

from __future__ import annotations

import io
import os
import pty

import pytest

from lmimigrate.core import api, pool, registry
from lmimigrate.output.progress import ProgressBar, wanted


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tty():
    master, slave = pty.openpty()
    stream = os.fdopen(slave, "w")
    yield stream
    stream.close()
    os.close(master)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("CI", "PRE_COMMIT", "GITHUB_ACTIONS", "BUILD_NUMBER", "TF_BUILD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")


def test_wanted_only_on_a_terminal(tty, clean_env):
    assert wanted("text", quiet=False, stream=tty)
    assert not wanted("text", quiet=False, stream=io.StringIO())  # a pipe or a file


@pytest.mark.parametrize("fmt", ["json", "github", "sarif"])
def test_never_with_machine_formats(tty, clean_env, fmt):
    assert not wanted(fmt, quiet=False, stream=tty)


@pytest.mark.parametrize("var", ["CI", "PRE_COMMIT", "GITHUB_ACTIONS"])
def test_never_in_ci_or_pre_commit(tty, clean_env, monkeypatch, var):
    monkeypatch.setenv(var, "1")
    assert not wanted("text", quiet=False, stream=tty)


def test_never_when_quiet(tty, clean_env):
    assert not wanted("concise", quiet=True, stream=tty)


def test_bar_waits_for_the_delay(clean_env):
    stream = io.StringIO()
    clock = _Clock()
    bar = ProgressBar(stream=stream, delay=1.0, clock=clock)
    bar(1, 10)
    clock.now = 0.5
    bar(5, 10)
    assert not bar.shown and stream.getvalue() == ""
    clock.now = 1.5
    bar(6, 10)
    assert bar.shown
    bar.close()
    assert not bar.shown


def test_bar_never_appears_for_a_finished_run():
    clock = _Clock()
    bar = ProgressBar(stream=io.StringIO(), delay=1.0, clock=clock)
    clock.now = 5.0
    bar(10, 10)
    assert not bar.shown


def test_api_reports_progress_for_every_file(tmp_path):
    for i in range(5):
        (tmp_path / f"s{i}.properties").write_text("option.model_id=x\n")
    calls = []
    opts = api.Options(paths=[str(tmp_path)], rules=registry.select([], []), progress=lambda d, t: calls.append((d, t)))
    report = api.run(opts)
    assert report.files_checked == 5
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_pooled_runs_report_progress_as_chunks_arrive(tmp_path):
    # The pool sends results per chunk; the bar must move with them, not jump from 0 to the end.
    n = api.POOL_MIN_FILES + 64
    for i in range(n):
        (tmp_path / f"s{i}.properties").write_text("option.model_id=x\n")
    calls = []
    opts = api.Options(paths=[str(tmp_path)], rules=registry.select([], []), jobs=2,
                       progress=lambda d, t: calls.append((d, t, pool._WORKER is not None)))
    report = api.run(opts)
    assert report.files_checked == n
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and done[0] == 0 and done[-1] == n
    while_pooled = {d for d, _, pooled in calls if pooled}
    assert len(while_pooled) > 2 and max(while_pooled) == n  # reported while the workers ran, up to the end


def test_the_bar_is_one_line_redrawn_at_most_ten_times_a_second_and_erased(clean_env):
    stream = io.StringIO()
    clock = _Clock()
    bar = ProgressBar(stream=stream, delay=1.0, clock=clock)
    clock.now = 2.0
    bar(100, 1000)
    first = stream.getvalue()
    assert first.startswith("\r") and "checking" in first and "100/1000" in first and "0:18 left" in first
    assert "\n" not in first
    for i in range(101, 200):  # many files in the same tenth of a second: no redraw
        bar(i, 1000)
    assert stream.getvalue() == first
    clock.now = 2.2
    bar(200, 1000)
    assert stream.getvalue().count("\r") == 2 and "200/1000" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K") and not bar.shown


def test_the_bar_does_not_import_rich(clean_env):
    import subprocess
    import sys

    code = ("import io, sys\nfrom lmimigrate.output.progress import ProgressBar\n"
            "b = ProgressBar(stream=io.StringIO(), delay=0.0)\nb(1, 2); b.close()\nprint('rich' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
