"""Scaling cases of issue 15 §7: each path that was quadratic (or memory-hungry), run on one file at size n and
at a multiple of n. A linear path takes about that multiple longer; a quadratic one its square.

    python -m bench.scaling                  # every case, 3 runs each (medians), prints the table
    python -m bench.scaling --only notebook,properties --runs 5
    python -m bench --only scaling           # the same cases inside the main benchmark

Each case is one `lmimigrate check --no-cache FILE` (with `--fix` where the case is about fixing) in a fresh
directory under bench/.cache/scaling/; a `--fix` case rewrites the original file before every run. The memory
case reports the peak resident set of the process next to the file size (goal: <= 20x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

from bench import corpus

ROOT = os.path.join(corpus.CACHE, "scaling")


def _findings(n: int) -> str:
    # one finding (VLLM080, with a fix) per line, cheap to find: the time goes to reporting them as text
    return "#!/bin/sh\n" + "".join(f"vllm serve org/m{i} --disable-log-requests &\n" for i in range(n))


def _notebook(n: int) -> str:
    # alternating %%writefile serving.properties cells (LMI rules ask the model family for every scope) and
    # Python cells that launch vLLM; every cell has a finding
    cells = []
    for i in range(n):
        if i % 2:
            src = ["from vllm import LLM\n", f"llm = LLM(model='org/m{i}', disable_log_stats=True)\n"]
        else:
            # no option.model_id: the rules look for the model in the rest of the file (every other cell)
            src = ["%%writefile serving.properties\n", "engine=MPI\n", "option.rolling_batch=lmi-dist\n"]
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _shell_one_line(n: int) -> str:
    return "#!/bin/sh\n" + "A=1; " * n + "vllm serve m --disable-log-requests\n"


def _continuations(n: int) -> str:
    # one value continued over n physical lines, then a setting with a fix
    return "option.model_id=org/m\noption.chat_template=start \\\n" + "    more \\\n" * n + "    end\nengine=MPI\n"


def _env_duplicates(n: int) -> str:
    return "VLLM_USE_V1=0\n" * n


def _big_properties(size: int) -> str:
    """About `size` bytes of a generated serving.properties: a head with two fixes, then blocks of a comment,
    two distinct settings and a value continued over two lines (distinct keys: no duplicate-key findings)."""
    head = "engine=MPI\noption.model_id=org/m\noption.rolling_batch=lmi-dist\noption.tensor_parallel_degree=4\n"
    out, n, i = [head], len(head), 0
    while n < size:
        block = (f"# batch {i}: tuned on p4d.24xlarge with the default scheduler settings\n"
                 f"job.max_batch_{i}=64\n"
                 f"job.prompt_{i}=You are a helpful assistant for the team of project {i}\n"
                 f"job.template_{i}={{% for m in messages %}}{{{{ m.content }}}} \\\n    {{% endfor %}} {i}\n")
        out.append(block)
        n += len(block)
        i += 1
    return "".join(out)


#: name -> (file name, generator, size n, multiple k, extra arguments): the issue's sizes at k n.
CASES = {
    "text-findings": ("run.sh", _findings, 16_000, 2, ["--select", "VLLM080", "--from", "vllm==0.10.0"]),
    "notebook": ("nb.ipynb", _notebook, 5_000, 2, []),
    "shell-one-line": ("run.sh", _shell_one_line, 12_500, 2, ["--from", "vllm==0.10.0", "--to", "vllm==0.11.0"]),
    "properties-continuations": ("serving.properties", _continuations, 75_000, 4, ["--fix", "--unsafe-fixes"]),
    "fixes-in-one-file": ("run.sh", _findings, 5_000, 2, ["--fix", "--select", "VLLM080", "--from", "vllm==0.10.0",
                                                       "--to", "vllm==0.11.0"]),
    "env-duplicates": (".env", _env_duplicates, 5_000, 2, []),
}
MEMORY_CASE = ("serving.properties", _big_properties, 10_000_000, ["--fix", "--unsafe-fixes"])


def prepare(name: str, size: int) -> tuple[str, str, bytes]:
    """(directory, file name, original bytes) of a case at `size`, written under bench/.cache/scaling/."""
    if name == "memory":
        filename, make, _, _ = MEMORY_CASE
    else:
        filename, make, _, _, _ = CASES[name]
    d = os.path.join(ROOT, f"{name}-{size}")
    os.makedirs(d, exist_ok=True)
    data = make(size).encode()
    with open(os.path.join(d, filename), "wb") as fh:
        fh.write(data)
    return d, filename, data


def measures(only: set[str] | None = None, scale: float = 1.0) -> list:
    """Measure objects (bench.run) for the cases in `only` (all when None): each case at n (times `scale`) and
    at its multiple, plus the memory case. Names: 'scaling: CASE n=N'."""
    from bench.run import LMIMIGRATE, Measure

    out = []
    for name, (filename, _, n, k, extra) in CASES.items():
        if only and name not in only:
            continue
        n = max(1, int(n * scale))
        for size in (n, n * k):
            d, fn, data = prepare(name, size)
            out.append(Measure(f"scaling: {name} n={size}", LMIMIGRATE + ["check", "--no-cache", *extra, fn], d,
                               _restore(os.path.join(d, fn), data)))
    if not only or "memory" in only:
        filename, _, size, extra = MEMORY_CASE
        d, fn, data = prepare("memory", size)
        out.append(Measure(f"scaling: memory {len(data) / 1e6:.1f} MB properties --fix",
                           LMIMIGRATE + ["check", "--no-cache", *extra, fn], d, _restore(os.path.join(d, fn), data)))
    return out


def _restore(path: str, data: bytes):
    def go():
        with open(path, "wb") as fh:
            fh.write(data)

    return go


def goals(ms: list, scale: float = 1.0) -> list[tuple[str, str, str, bool]]:
    """Per case: the CPU-time ratio between the two sizes against the size multiple k (linear: about k; the
    target allows 1.5k, a quadratic path gives k squared; CPU time rather than wall-clock time, since other
    processes on a loaded machine stretch the latter); the memory case: peak RSS / file size <= 20."""
    out = []
    by = {m.name: m for m in ms}
    for name, (_, _, n, k, _) in CASES.items():
        n = max(1, int(n * scale))
        small, big = by.get(f"scaling: {name} n={n}"), by.get(f"scaling: {name} n={n * k}")
        if small and big:
            r = statistics.median(big.cpu) / statistics.median(small.cpu)
            out.append((f"scaling {name}: CPU time at {k}n / n", f"{r:.2f}x", f"<= {1.5 * k:g}x (linear {k}x)", r <= 1.5 * k))
    mem = next((m for m in ms if m.name.startswith("scaling: memory")), None)
    if mem:
        size = len(MEMORY_CASE[1](MEMORY_CASE[2]).encode())
        r = max(mem.maxrss_kb) * 1024 / size
        out.append(("scaling memory: peak RSS / file size", f"{r:.1f}x", "<= 20x", r <= 20))
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.run import child_env, PYCACHE

    p = argparse.ArgumentParser(prog="python -m bench.scaling")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(CASES)}, memory")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every case's n (not the memory case's size)")
    args = p.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()} or None
    ms = measures(only, args.scale)
    env = child_env()
    os.makedirs(PYCACHE, exist_ok=True)
    for i in range(args.runs):
        for m in ms:
            m.once(env)
        print(f"bench.scaling: round {i + 1}/{args.runs} done", file=sys.stderr)
    print("| case | wall median | CPU median | peak RSS (main) |")
    print("| --- | ---: | ---: | ---: |")
    for m in ms:
        print(f"| {m.name[len('scaling: '):]} | {m.median:.2f} s | {statistics.median(m.cpu):.2f} s "
              f"| {max(m.maxrss_kb) / 1024:.0f} MB |")
    print()
    print("| goal | measured | target | met |")
    print("| --- | ---: | --- | --- |")
    for label, got, target, ok in goals(ms, args.scale):
        print(f"| {label} | {got} | {target} | {'yes' if ok else 'NO'} |")
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
