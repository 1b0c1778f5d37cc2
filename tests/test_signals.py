"""Interrupted runs (issue 15, §3): `check --fix` killed with SIGINT, SIGTERM, SIGHUP or SIGKILL at a random
point, serial and pooled, leaves every file byte-identical to its original or to its fixed version, no
temporary files, no surviving workers, and (for the catchable signals) exit 130/143/129 without a traceback.

The CI run is 2 trials per case (16 runs); `LMIMIGRATE_SIGNAL_TRIALS=N` runs N per case, and
`python -m bench.signals_long N` runs N per case with a table of outcomes (how many files were fixed when the
signal landed, exit statuses).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROPS = "engine=Python\noption.model_id=meta-llama/Llama-3.1-70B\noption.rolling_batch=lmi-dist\n"
ARGS = ["check", "--fix", "--unsafe-fixes", "--no-cache", "--from", "lmi==0.29.0", "--to", "lmi==0.30.0",
        "--output-format", "json"]
TRIALS = int(os.environ.get("LMIMIGRATE_SIGNAL_TRIALS", "2"))
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


def _tree(root: Path, n: int) -> None:
    for i in range(n):
        d = root / f"d{i % 16}"
        d.mkdir(parents=True, exist_ok=True)
        # Padding makes each write take a little time, so kills land inside writes too.
        (d / f"s{i}.properties").write_text(PROPS + f"# model {i}\n" + "# pad\n" * 2000)


def reference(root: Path) -> tuple[bytes, bytes]:
    """(original, fixed) bytes of one file of the tree, from an uninterrupted run."""
    _tree(root, 1)
    original = (root / "d0" / "s0.properties").read_bytes()
    subprocess.run([sys.executable, "-m", "lmimigrate", *ARGS, str(root)], capture_output=True, check=False)
    fixed = (root / "d0" / "s0.properties").read_bytes()
    assert fixed != original
    return original, fixed


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    return reference(tmp_path_factory.mktemp("reference"))


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def trial(tmp: Path, n: int, sig: int, delay: float, expected) -> tuple[int, int, int]:
    """One run killed after `delay` seconds; asserts the invariants. Returns (files fixed, files original,
    exit status). From POOL_MIN_FILES files on, the run uses worker processes (2 cores or more)."""
    original, fixed = expected
    root = tmp / f"t{sig}-{n}-{delay:.3f}"
    _tree(root, n)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "lmimigrate", *ARGS, str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=env)
    time.sleep(delay)
    try:
        os.kill(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"lmimigrate hung after signal {sig}")
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = _group_alive(proc.pid)
    if survivors:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not survivors, "worker processes outlived the command"
    text = err.decode(errors="replace")
    if sig != signal.SIGKILL and proc.returncode not in (0, 1):
        # Killed before the handlers were installed (interpreter start-up), the default action applies.
        assert proc.returncode in (EXIT[sig], -sig), (proc.returncode, text)
    assert "Traceback" not in text, text
    head_fixed, head_original = fixed.split(b"# model", 1)[0], original.split(b"# model", 1)[0]
    counts = [0, 0]
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            assert not name.endswith(".tmp"), f"temporary file left behind: {dirpath}/{name}"
            data = Path(dirpath, name).read_bytes()
            head = data.split(b"# model", 1)[0]
            assert head in (head_fixed, head_original), data[:300]
            assert data.endswith(b"# pad\n") and data.count(b"# pad\n") == 2000, "truncated file"
            counts[0 if head == head_fixed else 1] += 1
    shutil.rmtree(root)
    return counts[0], counts[1], proc.returncode


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
@pytest.mark.parametrize("pooled", [False, True], ids=["serial", "pooled"])
def test_killed_fix_leaves_original_or_fixed_files(tmp_path, expected, sig, pooled):
    if pooled:
        assert (os.cpu_count() or 1) > 1, "the pooled case needs 2 cores"
    n = 300 if pooled else 120
    rng = random.Random(f"{sig}-{pooled}")
    for _ in range(TRIALS):
        trial(tmp_path, n, sig, rng.uniform(0.4, 2.5), expected)
