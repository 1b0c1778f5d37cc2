"""Issue 14 item 4: what repository-wide version detection costs a warm pre-commit batch.

pre-commit passes the changed files by name (`lmimigrate check a.py b/serving.properties`). A named file with
no version anchor in its directory tree takes the repository's anchors, which means looking at every file of
the repository; that look is cached with the same stat keys as the results. This runs such a batch in corpus
A (a `sagemaker_deploy.py` and a `serving.properties`, warm cache), in a fresh process each time, and reports
the time spent in the version planning that holds the repository-wide detection (`core.scoping.plan`), next to
the whole run's. Goal: <= 20 ms.

    python -m bench.batch            # 7 runs after one warm-up, medians
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from bench import corpus
from bench.run import child_env

_PROBE = """
import contextlib, io, json, sys, time
from lmimigrate.core import scoping
spent = [0.0]
plan = scoping.plan
def timed(*a, **k):
    t = time.perf_counter()
    try:
        return plan(*a, **k)
    finally:
        spent[0] += time.perf_counter() - t
scoping.plan = timed
from lmimigrate.cli import main
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(["check", "--exit-zero", *sys.argv[1:]])
print(json.dumps([spent[0], time.perf_counter() - t]))
"""


def batch_files(root: str) -> list[str]:
    """Two files pre-commit might pass: the first SageMaker script and the first serving.properties."""
    found: dict[str, str] = {}
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in ("sagemaker_deploy.py", "serving.properties"):
            if name in files and name not in found:
                found[name] = os.path.relpath(os.path.join(d, name), root)
    return [found[k] for k in sorted(found)]


def run(runs: int) -> dict[str, float]:
    root = corpus.corpus_a()
    files = batch_files(root)
    cmd = [sys.executable, "-c", _PROBE, *files]
    subprocess.run(cmd, cwd=root, env=child_env(), capture_output=True, check=True)  # warm the caches
    plans, totals = [], []
    for _ in range(runs):
        out = subprocess.run(cmd, cwd=root, env=child_env(), capture_output=True, text=True, check=True)
        plan, total = json.loads(out.stdout.strip().splitlines()[-1])
        plans.append(plan)
        totals.append(total)
    return {"files": len(files), "plan_ms": statistics.median(plans) * 1000, "run_ms": statistics.median(totals) * 1000}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args(argv)
    got = run(args.runs)
    print(f"warm pre-commit batch of {got['files']} files in corpus A: version planning (repository-wide detection) "
          f"{got['plan_ms']:.1f} ms of {got['run_ms']:.1f} ms in the run (goal: <= 20 ms) "
          f"{'met' if got['plan_ms'] <= 20 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
