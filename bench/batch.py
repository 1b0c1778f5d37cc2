"""Issue 14 item 4: what repository-wide version detection costs a warm pre-commit batch.

pre-commit passes the changed files by name (`lmimigrate check a.py b/serving.properties`). A named file with
no version anchor in its directory tree takes the repository's anchors, which means looking at every file of
the repository; that look is cached with the same stat keys as the results. This runs such a batch in corpus
A (a `sagemaker_deploy.py` and a `serving.properties`, warm cache), in a fresh process each time, and reports
the time spent in the version planning that holds the repository-wide detection (`core.scoping.plan`), next to
the whole run's, and the part of it that takes the tree's detections from the tree memo (`treememo.detections`:
the memo's stats; the rest of planning is mostly loading the built-in stacks for the version pairs).
Goal: <= 20 ms.

    python -m bench.batch            # 7 runs after one warm-up, medians
    python -m bench.batch --before PYTHON [--before-path DIR] --runs 15
                                     # A/B: another installation (its lmimigrate on DIR, else its own) runs the
                                     # same batch in the same corpus copy, interleaved (orders alternate)

In an A/B, each installation keeps its own tree memo in the corpus's cache (the memo's key holds the package's
location), and each run says whether its tree memo served it: a run that listed the tree is counted as a miss.
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
import lmimigrate
from lmimigrate.core import scoping
spent, memo, listed = [0.0], [0.0], [0]
plan, tree_files = scoping.plan, scoping.tree_files
def timed_memo(detections):
    def timed(*a, **k):
        t = time.perf_counter()
        try:
            return detections(*a, **k)
        finally:
            memo[0] += time.perf_counter() - t
    timed.probe = True
    return timed
def timed(*a, **k):
    t = time.perf_counter()
    try:
        from lmimigrate.core import treememo  # (here, not before the run: plan pays for its import)
        if not hasattr(treememo.detections, "probe"):
            treememo.detections = timed_memo(treememo.detections)
        return plan(*a, **k)
    finally:
        spent[0] += time.perf_counter() - t
def counting(*a, **k):
    listed[0] += 1
    return tree_files(*a, **k)
scoping.plan, scoping.tree_files = timed, counting
from lmimigrate.cli import main
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(["check", "--exit-zero", *sys.argv[1:]])
print(json.dumps([spent[0], time.perf_counter() - t, listed[0], lmimigrate.__file__, memo[0]]))
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


class Side:
    """One installation's runs of the batch."""

    def __init__(self, python: str, env: dict[str, str], root: str, files: list[str]):
        self.cmd, self.env, self.root = [python, "-c", _PROBE, *files], env, root
        self.plans: list[float] = []
        self.totals: list[float] = []
        self.memos: list[float] = []
        self.misses = 0
        self.package = ""

    def once(self, keep: bool = True) -> None:
        out = subprocess.run(self.cmd, cwd=self.root, env=self.env, capture_output=True, text=True, check=True)
        plan, total, listed, self.package, memo = json.loads(out.stdout.strip().splitlines()[-1])
        if keep:
            self.memos.append(memo)
            self.plans.append(plan)
            self.totals.append(total)
            self.misses += bool(listed)

    def medians(self) -> dict[str, float]:
        return {"plan_ms": statistics.median(self.plans) * 1000, "run_ms": statistics.median(self.totals) * 1000,
                "tree_ms": statistics.median(self.memos) * 1000,
                "misses": self.misses, "runs": len(self.plans)}


def run(runs: int) -> dict[str, float]:
    root = corpus.corpus_a()
    files = batch_files(root)
    side = Side(sys.executable, child_env(), root, files)
    side.once(keep=False)  # warm the caches
    for _ in range(runs):
        side.once()
    return {"files": len(files), **side.medians()}


def ab(runs: int, before: str, before_path: str | None) -> tuple[dict[str, float], dict[str, float]]:
    """(before, after) medians of `runs` interleaved runs each, in the same corpus copy."""
    root = corpus.corpus_a()
    files = batch_files(root)
    env = child_env()
    env.pop("PYTHONPATH", None)
    if before_path:
        env["PYTHONPATH"] = before_path
    sides = [Side(before, env, root, files), Side(sys.executable, child_env(), root, files)]
    for s in sides:  # warm: bytecode, each side's tree memo
        s.once(keep=False)
        s.once(keep=False)
    if sides[0].package == sides[1].package:
        raise SystemExit(f"bench.batch: both sides import {sides[0].package}: give --before-path")
    for i in range(runs):
        for s in (sides if i % 2 == 0 else sides[::-1]):
            s.once()
    return sides[0].medians(), sides[1].medians()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--before", help="python of an installation to compare against (A/B, interleaved)")
    p.add_argument("--before-path", help="PYTHONPATH of the --before side (where its lmimigrate is)")
    args = p.parse_args(argv)
    if args.before:
        before, after = ab(args.runs, args.before, args.before_path)
        for label, got in (("before", before), ("after", after)):
            print(f"{label}: version planning {got['plan_ms']:.1f} ms (the tree's detections {got['tree_ms']:.1f} ms) "
                  f"of {got['run_ms']:.1f} ms in the run "
                  f"(medians of {got['runs']} runs; tree memo missed {got['misses']})")
        print(f"after/before: planning {after['plan_ms'] / before['plan_ms']:.2f}, the tree's detections "
              f"{after['tree_ms'] / before['tree_ms']:.2f}, run {after['run_ms'] / before['run_ms']:.2f}"
              f" (load {os.getloadavg()[0]:.1f})")
        return 0
    got = run(args.runs)
    print(f"warm pre-commit batch of {got['files']} files in corpus A: version planning (repository-wide detection) "
          f"{got['plan_ms']:.1f} ms (the tree's detections {got['tree_ms']:.1f} ms) of {got['run_ms']:.1f} ms in the run "
          "(goal: <= 20 ms) "
          f"{'met' if got['plan_ms'] <= 20 else 'NOT met'}"
          + (f"; the tree memo missed {got['misses']} of {got['runs']} runs" if got["misses"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
