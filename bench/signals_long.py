"""Long signal test: `python -m bench.signals_long [TRIALS]` kills `check --fix` with SIGINT, SIGTERM, SIGHUP
and SIGKILL at random points, serial (120 files) and pooled (300 files), TRIALS times per case (default 25),
with the invariants of tests/test_signals.py asserted on every run, and prints what happened: how many runs
were cut mid-way (some files fixed, some not), the exit statuses, and the files seen in each state."""

from __future__ import annotations

import collections
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_signals import reference, trial  # noqa: E402


def main(argv: list[str]) -> int:
    trials = int(argv[0]) if argv else 25
    rng = random.Random(int(time.time()))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        expected = reference(tmp_path / "reference")
        print(f"{'case':<18} {'runs':>4} {'cut mid-way':>11} {'all fixed':>9} {'untouched':>9}  exit statuses")
        for pooled in (False, True):
            n = 300 if pooled else 120
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
                cut = done = none = 0
                codes: collections.Counter = collections.Counter()
                for _ in range(trials):
                    fixed, original, code = trial(tmp_path, n, sig, rng.uniform(0.2, 6.0 if pooled else 4.0), expected)
                    codes[code] += 1
                    cut += bool(fixed and original)
                    done += not original
                    none += not fixed
                name = f"{signal.Signals(sig).name} {'pooled' if pooled else 'serial'}"
                print(f"{name:<18} {trials:>4} {cut:>11} {done:>9} {none:>9}  {dict(sorted(codes.items()))}", flush=True)
    print("every run: each file original or fully fixed, no temporary file, no surviving worker, no traceback")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
