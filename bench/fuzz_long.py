"""Long fuzzing profile: run tests/test_fuzz_surfaces.py with HYPOTHESIS_PROFILE=long and report the figures.

    python -m bench.fuzz_long                 # long profile (~20x the CI example counts, randomized)
    python -m bench.fuzz_long --scale 5       # a shorter long run (HYPOTHESIS_SCALE)
    python -m bench.fuzz_long --jobs 2        # split the surfaces over processes
    python -m bench.fuzz_long --seed 1234     # reproducible (hypothesis --hypothesis-seed)

Prints, per surface: examples run (passing + failing, from hypothesis' own statistics), failing examples, and
the wall time; exits 1 when any property failed (the falsifying examples are in the pytest output it keeps in
$TMPDIR/lmimigrate-fuzz_long.log). This is the only file of bench/ that belongs to the fuzzing suite.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURFACES = ("properties", "env", "shell", "dockerfile", "yaml", "json", "python", "notebook")
_TEST = re.compile(r"^tests/test_fuzz_surfaces\.py::(\w+)\[(\w+)\]:", re.M)
_COUNTS = re.compile(r"- (\d+) passing examples?, (\d+) failing examples?")


def run_surface(surface: str, env: dict, seed: str | None) -> tuple[str, str, float, int]:
    cmd = [sys.executable, "-m", "pytest", "tests/test_fuzz_surfaces.py", "-k", f"[{surface}]", "-p", "no:warnings",
           "-q", "--hypothesis-show-statistics"]
    if seed is not None:
        cmd.append(f"--hypothesis-seed={seed}")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    return surface, proc.stdout + proc.stderr, time.perf_counter() - t0, proc.returncode


def parse_stats(output: str) -> dict[str, list[int]]:
    """test name -> [passing, failing], summed over the phases hypothesis reports."""
    per_test: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    blocks = _TEST.split(output)
    for i in range(1, len(blocks) - 2, 3):
        name, body = blocks[i], blocks[i + 2]
        for passing, failing in _COUNTS.findall(body):
            per_test[name][0] += int(passing)
            per_test[name][1] += int(failing)
    return dict(per_test)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=None, help="examples multiplier (default: the long profile's 20)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", default=None)
    ap.add_argument("--surfaces", default=",".join(SURFACES))
    args = ap.parse_args(argv)
    env = dict(os.environ, HYPOTHESIS_PROFILE="long")
    if args.scale is not None:
        env["HYPOTHESIS_SCALE"] = str(args.scale)
    surfaces = [s for s in args.surfaces.split(",") if s]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda s: run_surface(s, env, args.seed), surfaces))
    log = Path(tempfile.gettempdir()) / "lmimigrate-fuzz_long.log"
    log.write_text("\n".join(out for _, out, _, _ in results))
    total_examples = total_failing = 0
    failed = []
    print(f"{'surface':<12}{'examples':>10}{'failing':>9}{'seconds':>9}  per property")
    for surface, out, secs, code in results:
        stats = parse_stats(out)
        examples = sum(p + f for p, f in stats.values())
        failing = sum(f for _, f in stats.values())
        total_examples += examples
        total_failing += failing
        if code != 0:
            failed.append(surface)
        detail = ", ".join(f"{name.removeprefix('test_')}={p + f}" for name, (p, f) in sorted(stats.items()))
        print(f"{surface:<12}{examples:>10}{failing:>9}{secs:>9.1f}  {detail}")
    print(f"{'total':<12}{total_examples:>10}{total_failing:>9}{time.perf_counter() - t0:>9.1f}")
    print(f"pytest exit: {'FAILED in ' + ', '.join(failed) if failed else 'all passed'}; output in {log}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
