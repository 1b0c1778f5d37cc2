"""A/B in one run: two installations of lmimigrate (say, main before and after a change), interleaved
round-robin with the start-up floor and ruff, so that their ratios hold on a noisy machine.

    python -m bench.ab --before /path/to/old-venv/bin/python [--after PYTHON] [--rounds 7] [--cold] [--corpus-a DIR] [--b]

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
from bench.run import PYCACHE, Measure, _candidates, edit_between_runs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ab")
    p.add_argument("--before", required=True, help="python of the installation to compare against")
    p.add_argument("--after", default=sys.executable)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--cold", action="store_true", help="also corpus A with the cache removed (slow)")
    p.add_argument("--corpus-a", help="a copy of corpus A to check (default: bench/.cache/corpus-a); the before side "
                   "checks DIR-before")
    p.add_argument("--b", action="store_true", help="also corpus B cold, and its 2-process libcst parse (slow)")
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
    if args.b:
        b = corpus.corpus_b()
        lst = os.path.join(corpus.CACHE, "corpus-b.python-files")
        _candidates(b, lst)
        for label, py in (("before", args.before), ("after", args.after)):
            ms.append(Measure(f"{label}: B cold", check(py, "--exit-zero", "."), b, rm(b)))
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cst_parse.py")  # (no PYTHONPATH here)
        ms.append(Measure("B libcst parse, 2 processes", [args.after, script, "-j", "2", lst], b))
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
    by = {m.name: m for m in ms}
    if args.b:  # each round's ratio to the reference measured in that round, then their median
        ref = by["B libcst parse, 2 processes"].times
        for label in ("before", "after"):
            ratios = [t / r for t, r in zip(by[f"{label}: B cold"].times, ref)]
            print(f"\n{label}: B cold / 2-process libcst parse: {statistics.median(ratios):.2f}x "
                  f"({', '.join(f'{x:.2f}' for x in ratios)})", end="")
        print()
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
