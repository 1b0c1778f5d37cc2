"""A/B in one run: two installations of lmimigrate (say, main before and after a change), interleaved
round-robin with the start-up floor and ruff, so that their ratios hold on a noisy machine.

    python -m bench.ab --before /path/to/old-venv/bin/python [--after PYTHON] [--rounds 7] [--cold] [--corpus-a DIR]

The "before" installation checks its own copy of corpus A (bench/.cache/corpus-a-before): two versions may
keep incompatible caches in `.lmimigrate_cache/`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys

from bench import corpus
from bench.run import PYCACHE, Measure, edit_between_runs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ab")
    p.add_argument("--before", required=True, help="python of the installation to compare against")
    p.add_argument("--after", default=sys.executable)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--cold", action="store_true", help="also corpus A with the cache removed (slow)")
    p.add_argument("--corpus-a", help="a copy of corpus A to check (default: bench/.cache/corpus-a); the before side "
                   "checks DIR-before")
    args = p.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    single, a_after = corpus.single_files(), args.corpus_a or corpus.corpus_a()
    a_before = (args.corpus_a.rstrip("/") + "-before") if args.corpus_a else os.path.join(corpus.CACHE, "corpus-a-before")
    if not os.path.isdir(a_before):
        shutil.copytree(a_after, a_before, ignore=shutil.ignore_patterns(".lmimigrate_cache"), symlinks=True)

    def check(py, *words):
        return [py, "-m", "lmimigrate", "check", *words]

    def rm(d):
        return lambda: shutil.rmtree(os.path.join(d, ".lmimigrate_cache"), ignore_errors=True)

    ms = [Measure("floor: python -c 'import argparse, json, re'", [args.after, "-c", "import argparse, json, re"], single)]
    for label, py, a in (("before", args.before, a_before), ("after", args.after, a_after)):
        ms += [Measure(f"{label}: check serving.properties", check(py, "--no-cache", "serving.properties"), single),
               Measure(f"{label}: check app.py", check(py, "--no-cache", "app.py"), single)]
        if args.cold:
            ms.append(Measure(f"{label}: A cold", check(py, "--exit-zero", "."), a, rm(a)))
        ms.append(Measure(f"{label}: A warm", check(py, "--exit-zero", "."), a))
        ms.append(Measure(f"{label}: A warm, one .py file edited", check(py, "--exit-zero", "."), a, edit_between_runs(a)))
    ms.append(Measure("ruff: A --select UP --no-cache", ["ruff", "check", "--select", "UP", "--no-cache", "--exit-zero", "-q", "."],
                      a_after))
    for m in ms:  # warm-up: bytecode, page cache, the warm caches
        m.once(env)
        m.times.clear(), m.cpu.clear(), m.tree_kb.clear(), m.maxrss_kb.clear()
    for i in range(args.rounds):
        for m in ms:
            m.once(env)
        print(f"bench.ab: round {i + 1}/{args.rounds}, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    floor = statistics.median(ms[0].times)
    print("| measurement | wall median | min | max | / floor | CPU median (main process) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m in ms:
        ts = m.times
        print(f"| {m.name} | {statistics.median(ts) * 1000:.0f} ms | {min(ts) * 1000:.0f} ms | {max(ts) * 1000:.0f} ms "
              f"| {statistics.median(ts) / floor:.2f}x | {statistics.median(m.cpu) * 1000:.0f} ms |")
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
