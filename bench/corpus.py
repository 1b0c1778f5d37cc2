"""Build the benchmark corpora reproducibly from pinned PyPI wheels, and cache them under bench/.cache/.

Corpus A ("an application repo"): the .py files of a few large, popular pure-Python packages, with about 1% of
its files being realistic LMI / vLLM / Gaudi configurations scattered through the tree.
Corpus B ("everything is relevant"): the .py files of the vLLM 0.11.0 wheel, where nearly every file imports vllm.
Corpus A3 and A5: three and five copies of corpus A side by side (the 3x and 5x trees of the scaling check: with
A, three points on a line).

Each corpus is its own git repository (lmimigrate and ruff both read `git ls-files` / .gitignore), with an
empty `pyproject.toml` so that neither tool picks up this repository's configuration.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import zipfile

from bench import configs

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
DL = os.path.join(CACHE, "dl")

#: (pip requirement, wheel file name) -- pinned; bump CORPUS_VERSION when changing anything here.
CORPUS_A_PACKAGES = [
    ("django==5.1.4", "Django-5.1.4-py3-none-any.whl"),
    ("sympy==1.13.3", "sympy-1.13.3-py3-none-any.whl"),
    ("botocore==1.35.80", "botocore-1.35.80-py3-none-any.whl"),
]
CORPUS_B_PACKAGE = ("vllm==0.11.0", "vllm-0.11.0-cp38-abi3-manylinux1_x86_64.whl")
CORPUS_VERSION = "1"
SEED = 20240601
SCATTER_RATIO = 0.01


def _download(req: str, wheel: str) -> str:
    path = os.path.join(DL, wheel)
    if not os.path.exists(path):
        os.makedirs(DL, exist_ok=True)
        print(f"bench: downloading {req} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", req, "--no-deps", "--only-binary=:all:", "-d", DL],
                       check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(path):
        raise SystemExit(f"bench: pip did not produce {wheel}")
    return path


def _extract_py(wheel: str, dest: str) -> int:
    n = 0
    with zipfile.ZipFile(wheel) as z:
        for name in sorted(z.namelist()):
            if not name.endswith(".py") or ".dist-info/" in name or ".data/" in name:
                continue
            target = os.path.join(dest, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(z.read(name))
            n += 1
    return n


def _git_init(root: str) -> None:
    with open(os.path.join(root, "pyproject.toml"), "w") as fh:
        fh.write("# benchmark corpus: no tool configuration\n[project]\nname = \"bench-corpus\"\nversion = \"0\"\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@localhost",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@localhost",
               GIT_AUTHOR_DATE="2024-06-01T00:00:00Z", GIT_COMMITTER_DATE="2024-06-01T00:00:00Z")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "corpus"]):
        subprocess.run(cmd, cwd=root, check=True, env=env, stdout=subprocess.DEVNULL)


def _scatter(root: str, rng: random.Random) -> int:
    """Drop configs next to ~1% of the existing files, in their directories, cycling through the generators."""
    dirs: list[str] = []
    nfiles = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if ".git" in dirnames:
            dirnames.remove(".git")
        nfiles += len(filenames)
        dirs.append(dirpath)
    count = max(len(configs.GENERATORS), round(nfiles * SCATTER_RATIO))
    written = 0
    for i in range(count):
        gen = configs.GENERATORS[i % len(configs.GENERATORS)]
        rel, text = gen(rng)
        target = os.path.join(rng.choice(dirs), rel)
        if os.path.exists(target):
            base, ext = os.path.splitext(target)
            target = f"{base}_{i}{ext}" if not rel.startswith(".env") else f"{target}.{i}"
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as fh:
            fh.write(text)
        written += 1
    return written


def _stamp(root: str) -> str:
    return os.path.join(root, ".bench-corpus-version")


def _ready(root: str) -> bool:
    try:
        with open(_stamp(root)) as fh:
            return fh.read().strip() == CORPUS_VERSION
    except OSError:
        return False


def _finish(root: str) -> None:
    with open(os.path.join(root, ".gitignore"), "w") as fh:
        fh.write(".bench-corpus-version\n")
    _git_init(root)
    with open(_stamp(root), "w") as fh:
        fh.write(CORPUS_VERSION + "\n")


def corpus_a() -> str:
    root = os.path.join(CACHE, "corpus-a")
    if _ready(root):
        return root
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    for req, wheel in CORPUS_A_PACKAGES:
        _extract_py(_download(req, wheel), root)
    _scatter(root, random.Random(SEED))
    _finish(root)
    return root


def _copies_of_a(name: str, n: int) -> str:
    """`n` copies of corpus A side by side (copy0 ... copy<n-1>), one git repository with one `pyproject.toml`:
    the same files, configurations and version anchors n times over."""
    src = corpus_a()
    root = os.path.join(CACHE, name)
    if _ready(root):
        return root
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    ignore = shutil.ignore_patterns(".git", ".lmimigrate_cache", ".ruff_cache", ".bench-corpus-version", "pyproject.toml",
                                    ".gitignore")
    for i in range(n):
        shutil.copytree(src, os.path.join(root, f"copy{i}"), ignore=ignore)
    _finish(root)
    return root


def corpus_a3() -> str:
    return _copies_of_a("corpus-a3", 3)


def corpus_a5() -> str:
    return _copies_of_a("corpus-a5", 5)


def corpus_b() -> str:
    root = os.path.join(CACHE, "corpus-b")
    if _ready(root):
        return root
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    _extract_py(_download(*CORPUS_B_PACKAGE), root)
    _finish(root)
    return root


def single_files() -> str:
    """A small git repo with the two files of the pre-commit single-file checks."""
    root = os.path.join(CACHE, "single")
    if _ready(root):
        return root
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    rng = random.Random(SEED)
    with open(os.path.join(root, "serving.properties"), "w") as fh:
        fh.write(configs.serving_properties(rng)[1])
    with open(os.path.join(root, "app.py"), "w") as fh:
        fh.write(configs.python_300(rng))
    _finish(root)
    return root


def count_files(root: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for skip in (".git", ".lmimigrate_cache", ".ruff_cache"):
            if skip in dirnames:
                dirnames.remove(skip)
        for f in filenames:
            ext = os.path.splitext(f)[1] or f
            out[ext] = out.get(ext, 0) + 1
    return out


if __name__ == "__main__":
    for build in (corpus_a, corpus_a3, corpus_a5, corpus_b, single_files):
        r = build()
        print(r, sum(count_files(r).values()), "files")
