"""A/B in one run: two installations of lmimigrate (say, main before and after a change), interleaved
round-robin with the start-up floor and ruff, so that their ratios hold on a noisy machine.

    python -m bench.ab --before /path/to/old-venv/bin/python [--after PYTHON] [--rounds 7] [--cold]

The "before" installation checks its own copy of corpus A (bench/.cache/corpus-a-before): two versions may
keep incompatible caches in `.lmimigrate_cache/`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

from bench import corpus
from bench.run import PYCACHE


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ab")
    p.add_argument("--before", required=True, help="python of the installation to compare against")
    p.add_argument("--after", default=sys.executable)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--cold", action="store_true", help="also corpus A with the cache removed (slow)")
    args = p.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    single, a_after = corpus.single_files(), corpus.corpus_a()
    a_before = os.path.join(corpus.CACHE, "corpus-a-before")
    if not os.path.isdir(a_before):
        shutil.copytree(a_after, a_before, ignore=shutil.ignore_patterns(".lmimigrate_cache"), symlinks=True)

    def check(py, *words):
        return [py, "-m", "lmimigrate", "check", *words]

    def rm(d):
        return lambda: shutil.rmtree(os.path.join(d, ".lmimigrate_cache"), ignore_errors=True)

    ms = [("floor: python -c 'import argparse, json, re'", [args.after, "-c", "import argparse, json, re"], single, None)]
    for label, py, a in (("before", args.before, a_before), ("after", args.after, a_after)):
        ms += [(f"{label}: check serving.properties", check(py, "--no-cache", "serving.properties"), single, None),
               (f"{label}: check app.py", check(py, "--no-cache", "app.py"), single, None)]
        if args.cold:
            ms.append((f"{label}: A cold", check(py, "--exit-zero", "."), a, rm(a)))
        ms.append((f"{label}: A warm", check(py, "--exit-zero", "."), a, None))
    ms.append(("ruff: A --select UP --no-cache", ["ruff", "check", "--select", "UP", "--no-cache", "--exit-zero", "-q", "."],
               a_after, None))
    times: dict[str, list[float]] = {m[0]: [] for m in ms}
    for _, argv_, cwd, _ in ms:  # warm-up: bytecode, page cache, the warm caches
        subprocess.run(argv_, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for i in range(args.rounds):
        for name, argv_, cwd, before in ms:
            if before:
                before()
            t0 = time.perf_counter()
            subprocess.run(argv_, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t0)
        print(f"bench.ab: round {i + 1}/{args.rounds}, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print("| measurement | median | min | max |\n| --- | ---: | ---: | ---: |")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts) * 1000:.0f} ms | {min(ts) * 1000:.0f} ms | {max(ts) * 1000:.0f} ms |")
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
