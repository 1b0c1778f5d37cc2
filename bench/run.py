"""The benchmark: every measurement in one run, interleaved round-robin, so that their ratios hold on a noisy machine.

    python -m bench              # build/cache the corpora, 5 runs of each measurement, print the table
    python -m bench --runs 7     # more runs
    python -m bench --only single,a   # a subset: single, a, b, scale, scaling (bench/scaling.py)

Child processes run with bytecode caching on (PYTHONDONTWRITEBYTECODE unset, PYTHONPYCACHEPREFIX under
bench/.cache/pycache), as an installed lmimigrate would, after one unmeasured warm-up run of each command.
Peak memory is the largest proportional set size (PSS) of the process tree, summed over its processes and
sampled every 10 ms from /proc (PSS counts a page shared by a parent and its forked workers once), and the
kernel's ru_maxrss of the main process (os.wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

from bench import corpus

LMIMIGRATE = [sys.executable, "-m", "lmimigrate"]


def console_script() -> list[str]:
    """`lmimigrate` as pre-commit and users start it: the installed console script (no `runpy`, whose
    `importlib.util` import `-m` pays), run by this interpreter; `-m lmimigrate` when there is none."""
    script = os.path.join(os.path.dirname(sys.executable), "lmimigrate")
    return [sys.executable, script] if os.path.isfile(script) else LMIMIGRATE
PYCACHE = os.path.join(corpus.CACHE, "pycache")
CST_PARSE = [sys.executable, "-m", "bench.cst_parse"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    repo = os.path.dirname(corpus.HERE)
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _tree_rss_kb(pid: int) -> int:
    """The memory of a process and its children: the sum of their proportional set sizes (PSS), so that pages
    a forked worker shares with its parent count once (summed RSS would count them in every process)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children") as fh:
                stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


class Measure:
    def __init__(self, name: str, argv: list[str], cwd: str, before=None, tty: bool = False):
        """`tty`: standard error is a terminal (a pseudo-terminal drained by a thread), so the progress bar
        is drawn as a user would see it."""
        self.name, self.argv, self.cwd, self.before, self.tty = name, argv, cwd, before, tty
        self.times: list[float] = []
        self.tree_kb: list[int] = []
        self.maxrss_kb: list[int] = []
        self.cpu: list[float] = []  # user + system seconds of the process and the children it waited for (its workers)

    def once(self, env: dict[str, str]) -> None:
        if self.before:
            self.before()
        peak = [0]
        t0 = time.perf_counter()
        if self.tty:
            import pty

            # As in a user's terminal: no CI / pre-commit markers (they switch the bar off), a real TERM.
            env = {k: v for k, v in env.items() if k not in ("CI", "PRE_COMMIT", "GITHUB_ACTIONS", "BUILD_NUMBER", "TF_BUILD")}
            env["TERM"] = "xterm-256color"
            master, slave = pty.openpty()
            proc = subprocess.Popen(self.argv, cwd=self.cwd, env=env, stdout=subprocess.DEVNULL, stderr=slave)
            os.close(slave)
            drained: list[bytes] = []

            def drain():
                while True:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:  # EIO: the child closed the terminal
                        break
                    if not chunk:
                        break
                    drained[:] = [b"".join(drained)[-4000:] + chunk]

            reader = threading.Thread(target=drain, daemon=True)
            reader.start()
        else:
            proc = subprocess.Popen(self.argv, cwd=self.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        done = threading.Event()

        def sample():
            while not done.wait(0.01):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, ru = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        done.set()
        th.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if self.tty:
            reader.join()
            os.close(master)
            err = b"".join(drained).decode("utf-8", "replace")
        else:
            err = proc.stderr.read().decode("utf-8", "replace")
            proc.stderr.close()
        if proc.returncode not in (0, 1):
            raise SystemExit(f"bench: {self.name}: {' '.join(self.argv)} exited {proc.returncode}\n{err[-2000:]}")
        self.times.append(elapsed)
        self.tree_kb.append(peak[0])
        self.maxrss_kb.append(ru.ru_maxrss)
        self.cpu.append(ru.ru_utime + ru.ru_stime)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def row(self) -> dict:
        return {
            "name": self.name,
            "command": f"(cd {os.path.relpath(self.cwd, os.path.dirname(corpus.HERE))} && {' '.join(_show(a) for a in self.argv)})",
            "median_s": round(self.median, 3),
            "cpu_median_s": round(statistics.median(self.cpu), 3),
            "min_s": round(min(self.times), 3),
            "max_s": round(max(self.times), 3),
            "runs": len(self.times),
            "peak_tree_mb": round(max(self.tree_kb) / 1024, 1),
            "peak_maxrss_mb": round(max(self.maxrss_kb) / 1024, 1),
        }


def _show(a: str) -> str:
    if a == sys.executable:
        return "python"
    return a


def _rm_cache(root: str):
    def go():
        shutil.rmtree(os.path.join(root, ".lmimigrate_cache"), ignore_errors=True)

    return go


EDITED = os.path.join("django", "__init__.py")  # a file of corpus A without findings (not parsed: no rule token)


def edit_between_runs(root: str, rel: str = EDITED):
    """A hook that edits one file before each run, as a developer re-running the check after an edit: a
    trailing comment is added and removed in turn (the mtime set 5 s back, so that the run may keep what it
    learnt). The file's bytes and mtime are restored when the bench ends."""
    import atexit

    path = os.path.join(root, rel)
    with open(path, "rb") as fh:
        original = fh.read()
    st = os.stat(path)
    state = [False]

    def write(data: bytes, when: tuple[float, float]) -> None:
        with open(path, "wb") as fh:
            fh.write(data)
        os.utime(path, when)

    def go() -> None:
        state[0] = not state[0]
        past = time.time() - 5
        write(original + b"# edited by the bench\n" if state[0] else original, (past, past))

    atexit.register(lambda: state[0] and write(original, (st.st_atime, st.st_mtime)))
    return go


def _candidates(root: str, out: str) -> int:
    """The Python files lmimigrate reads in `root` (its own discovery), for the plain libcst parse."""
    from lmimigrate.core.discovery import Candidate, discover

    files = [c.fs_path for c in discover(["."] if root == "." else [root]) if isinstance(c, Candidate) and c.surface == "python"]
    with open(out, "w") as fh:
        fh.write("\n".join(os.path.relpath(f, root) for f in files) + "\n")
    return len(files)


def build(only: set[str]) -> list[Measure]:
    ms: list[Measure] = []
    if "single" in only:
        s = corpus.single_files()
        ms.append(Measure("python -c pass (interpreter start-up, reference)", [sys.executable, "-c", "pass"], s))
        ms.append(Measure(STDLIB_REF, [sys.executable, "-c", "import argparse, json, re"], s))
        ms.append(Measure("single: check serving.properties", console_script() + ["check", "--no-cache", "serving.properties"], s))
        ms.append(Measure("single: check app.py (300 lines, uses vLLM)", console_script() + ["check", "--no-cache", "app.py"], s))
    if "a" in only or "scale" in only:
        a = corpus.corpus_a()
        ms.append(Measure(A_COLD, LMIMIGRATE + ["check", "--exit-zero", "."], a, _rm_cache(a)))
    if "a" in only:
        ms.append(Measure("A: lmimigrate check (warm cache)", LMIMIGRATE + ["check", "--exit-zero", "."], a))
        ms.append(Measure("A: lmimigrate check (warm cache, one .py file edited)", LMIMIGRATE + ["check", "--exit-zero", "."],
                          a, edit_between_runs(a)))
        ms.append(Measure("A: lmimigrate check (cold, progress bar on a terminal)", LMIMIGRATE + ["check", "--exit-zero", "."],
                          a, _rm_cache(a), tty=True))
        ms.append(Measure("A: ruff check --select UP --no-cache", ["ruff", "check", "--select", "UP", "--no-cache", "--exit-zero", "-q", "."], a))
    if "scale" in only:
        a3, a5 = corpus.corpus_a3(), corpus.corpus_a5()
        ms.append(Measure(A3_COLD, LMIMIGRATE + ["check", "--exit-zero", "."], a3, _rm_cache(a3)))
        ms.append(Measure(A5_COLD, LMIMIGRATE + ["check", "--exit-zero", "."], a5, _rm_cache(a5)))
    if "scaling" in only:
        from bench import scaling

        ms += scaling.measures()
    if "b" in only:
        b = corpus.corpus_b()
        lst = os.path.join(corpus.CACHE, "corpus-b.python-files")
        _candidates(b, lst)
        ms.append(Measure("B: lmimigrate check (cold)", LMIMIGRATE + ["check", "--exit-zero", "."], b, _rm_cache(b)))
        ms.append(Measure("B: lmimigrate check (warm cache)", LMIMIGRATE + ["check", "--exit-zero", "."], b))
        ms.append(Measure("B: ruff check --select UP --no-cache", ["ruff", "check", "--select", "UP", "--no-cache", "--exit-zero", "-q", "."], b))
        ms.append(Measure("B: libcst parse of the candidate .py files, 1 process", CST_PARSE + ["-j", "1", lst], b))
        ms.append(Measure("B: libcst parse of the candidate .py files, 2 processes", CST_PARSE + ["-j", "2", lst], b))
    return ms


STDLIB_REF = "python -c 'import argparse, json, re' (start-up floor, reference)"
A_COLD = "A: lmimigrate check (cold)"
A3_COLD = "A3 (3x A): lmimigrate check (cold)"
A5_COLD = "A5 (5x A): lmimigrate check (cold)"
#: The scaling goal: the marginal cost of a copy of A from A3 to A5 over that from A to A3, 1 +- 25%.
LINEAR_TOLERANCE = 0.25


class Line:
    """The cost of a check of n copies of corpus A, measured at n = 1, 3, 5 (A, A3, A5).

    Linear scaling means a constant marginal cost per copy: slope1 = (T3 - T1) / 2 (from A to A3) and
    slope2 = (T5 - T3) / 2 (from A3 to A5) agree. A fixed cost (start-up, per-version-group set-up) only moves the
    line up: it makes T5 / T1 less than 5 without making the scaling sublinear. `slope` and `intercept` are the
    least-squares line through the three points (for n = 1, 3, 5 the slope is (T5 - T1) / 4); the intercept,
    the cost at n = 0, is the run's fixed cost."""

    def __init__(self, t1: float, t3: float, t5: float):
        self.t1, self.t3, self.t5 = t1, t3, t5
        self.slope1 = (t3 - t1) / 2
        self.slope2 = (t5 - t3) / 2
        self.slope = (t5 - t1) / 4
        self.intercept = (t1 + t3 + t5) / 3 - 3 * self.slope

    @property
    def ratio(self) -> float | None:
        """slope2 / slope1: 1 when linear, > 1 superlinear, < 1 sublinear; None when A3 did not cost more than A
        (no marginal cost to compare with)."""
        return self.slope2 / self.slope1 if self.slope1 > 0 else None

    def linear(self, tolerance: float = LINEAR_TOLERANCE) -> bool:
        r = self.ratio
        return r is not None and 1 - tolerance <= r <= 1 + tolerance

    def as_dict(self) -> dict[str, float | None]:
        r = self.ratio
        return {"a_s": round(self.t1, 3), "a3_s": round(self.t3, 3), "a5_s": round(self.t5, 3),
                "slope1_s": round(self.slope1, 3), "slope2_s": round(self.slope2, 3),
                "slope_ratio": None if r is None else round(r, 3), "slope_s": round(self.slope, 3),
                "intercept_s": round(self.intercept, 3)}

    def describe(self) -> str:
        r = self.ratio
        head = "n/a (A3 no slower than A)" if r is None else f"{r:.2f}"
        return f"{head} (per copy of A: {self.slope1:.2f} s from A to A3, {self.slope2:.2f} s from A3 to A5)"


def _scale_points(ms: list[Measure]) -> tuple[Measure, Measure, Measure] | None:
    """A, A3 and A5 cold, when all three were measured."""
    a, a3, a5 = _by(ms, A_COLD), _by(ms, A3_COLD), _by(ms, A5_COLD)
    return (a, a3, a5) if a and a3 and a5 else None


def scaling_lines(ms: list[Measure]) -> dict[str, Line] | None:
    """The lines through the medians of A, A3 and A5 cold: "wall" and "cpu"; None unless all three were measured."""
    points = _scale_points(ms)
    if points is None:
        return None
    a, a3, a5 = points
    return {"wall": Line(a.median, a3.median, a5.median), "cpu": Line(*(statistics.median(m.cpu) for m in (a, a3, a5)))}


def round_ratios(ms: list[Measure], cpu: bool = False) -> list[float]:
    """slope2 / slope1 of each round alone (A, A3 and A5 of one round run one after the other), sorted: how much
    the ratio of the medians can be trusted on a machine whose load changes."""
    points = _scale_points(ms)
    if points is None:
        return []
    series = [m.cpu if cpu else m.times for m in points]
    ratios = (Line(*(s[k] for s in series)).ratio for k in range(min(len(s) for s in series)))
    return sorted(r for r in ratios if r is not None)


def _spread(ratios: list[float]) -> str:
    if not ratios:
        return "no round with A3 slower than A"
    if len(ratios) < 4:
        return f"rounds {', '.join(f'{r:.2f}' for r in ratios)}"
    q1, q2, q3 = statistics.quantiles(ratios, n=4)
    return f"rounds: median {q2:.2f}, middle half {q1:.2f}-{q3:.2f} of {len(ratios)}"


def scaling_goals(ms: list[Measure]) -> list[tuple[str, str, str, bool | None]]:
    """The scaling rows: the linearity goal on the wall-time medians of A, A3 and A5 cold, the same on their CPU
    times, the fixed cost and marginal cost of the fitted line, and A5 / A (informational: with a fixed cost it is
    below 5x however linear the scaling). `None` in the last column: informational, not a goal."""
    a, a5 = _by(ms, A_COLD), _by(ms, A5_COLD)
    out: list[tuple[str, str, str, bool | None]] = []
    band = f"1 +-{LINEAR_TOLERANCE:.0%} ({1 - LINEAR_TOLERANCE:.2f}-{1 + LINEAR_TOLERANCE:.2f}): linear"
    lines = scaling_lines(ms)
    if a and a5 and lines:
        wall, cpu = lines["wall"], lines["cpu"]
        out.append(("scaling: marginal cost per copy of A, (A5 - A3) / (A3 - A), wall medians",
                    f"{wall.describe()}; {_spread(round_ratios(ms))}", band, wall.linear()))
        out.append(("scaling, CPU time (informational): (A5 - A3) / (A3 - A)",
                    f"{cpu.describe()}; {_spread(round_ratios(ms, cpu=True))}",
                    f"{band} (within: {'yes' if cpu.linear() else 'no'})", None))
        for label, line in (("wall", wall), ("CPU", cpu)):
            share = f", {line.intercept / line.t1:.0%} of A" if line.t1 > 0 else ""
            out.append((f"scaling: fixed cost, intercept of the line through A, A3, A5 ({label}; informational)",
                        f"{line.intercept:.2f} s{share}; marginal {line.slope:.2f} s per copy of A", "-", None))
        if a.median > 0 and wall.slope > 0:
            predicted = (wall.intercept + 5 * wall.slope) / (wall.intercept + wall.slope)
            out.append(("scaling: A5 cold / A cold (informational: 5x only without a fixed cost)",
                        f"{a5.median / a.median:.2f}x (the fitted line: {predicted:.2f}x)", "-", None))
    elif a and a5:  # (no A3 measured)
        out.append(("scaling: A5 cold / A cold (informational: 5x only without a fixed cost)",
                    f"{a5.median / a.median:.2f}x", "-", None))
    return out


def _by(ms: list[Measure], prefix: str) -> Measure | None:
    return next((m for m in ms if m.name.startswith(prefix)), None)


def goals(ms: list[Measure]) -> list[tuple[str, str, str, bool | None]]:
    out = []

    def ratio(label, a, b, limit):
        ma, mb = _by(ms, a), _by(ms, b)
        if ma and mb:
            r = ma.median / mb.median
            out.append((label, f"{r:.2f}x", f"<= {limit}x", r <= limit))

    ratio("A cold / ruff --select UP", A_COLD, "A: ruff", 3)
    ratio("A cold with the progress bar / without", "A: lmimigrate check (cold, progress", A_COLD, 1.02)
    ratio("B cold / libcst parse (2 processes)", "B: lmimigrate check (cold)", "B: libcst parse of the candidate .py files, 2", 0.5)
    for label, prefix, limit in (("A warm", "A: lmimigrate check (warm cache)", 0.3), ("B warm", "B: lmimigrate check (warm", 0.5),
                                 ("single serving.properties", "single: check serving", 0.1),
                                 ("single app.py", "single: check app.py", 0.25)):
        m = _by(ms, prefix)
        if m:
            out.append((label, f"{m.median * 1000:.0f} ms", f"<= {limit * 1000:.0f} ms", m.median <= limit))
    props, floor = _by(ms, "single: check serving"), _by(ms, STDLIB_REF)
    if props and floor:
        over = (props.median - floor.median) * 1000
        out.append(("single serving.properties - start-up floor", f"{over:+.0f} ms", "<= +60 ms", over <= 60))
    big = [m for m in ms if m.name[:2] in ("A:", "B:", "A3", "A5") and "lmimigrate" in m.name]
    if big:
        peak = max(max(m.tree_kb) for m in big) / 1024
        out.append(("peak memory (process tree), any corpus check", f"{peak:.0f} MB", "<= 300 MB", peak <= 300))
    out += scaling_goals(ms)
    if any(m.name.startswith("scaling: ") for m in ms):
        from bench import scaling

        out += scaling.goals(ms)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--only", default="single,a,b,scale", help="comma-separated subset of: single, a, b, scale, scaling (issue 15's paths: slow, not in the default)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    ms = build(only)
    env = child_env()
    os.makedirs(PYCACHE, exist_ok=True)
    for m in ms:  # warm-up: compiles bytecode, fills the OS page cache and the warm lmimigrate cache
        m.once(env)
        m.times.clear(), m.tree_kb.clear(), m.maxrss_kb.clear(), m.cpu.clear()
    for i in range(args.runs):
        for m in ms:
            m.once(env)
        print(f"bench: round {i + 1}/{args.runs} done", file=sys.stderr)
    rows = [m.row() for m in ms]
    print("| measurement | median | min | max | CPU median (process tree) | peak PSS (tree) | ru_maxrss (main) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['name']} | {r['median_s']:.3f} s | {r['min_s']:.3f} s | {r['max_s']:.3f} s | {r['cpu_median_s']:.3f} s "
              f"| {r['peak_tree_mb']} MB | {r['peak_maxrss_mb']} MB |")
    print()
    print("| goal | measured | target | met |")
    print("| --- | ---: | --- | --- |")
    g = goals(ms)
    for label, got, target, ok in g:
        print(f"| {label} | {got} | {target} | {'info' if ok is None else 'yes' if ok else 'NO'} |")
    print()
    print("Commands:")
    for r in rows:
        print(f"    {r['command']}")
    if args.json:
        with open(args.json, "w") as fh:
            lines = scaling_lines(ms)
            scaling = {k: dict(v.as_dict(), round_ratios=[round(r, 3) for r in round_ratios(ms, cpu=k == "cpu")])
                       for k, v in lines.items()} if lines else None
            json.dump({"rows": rows, "goals": [dict(zip(("goal", "measured", "target", "met"), x)) for x in g],
                       "scaling": scaling}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
