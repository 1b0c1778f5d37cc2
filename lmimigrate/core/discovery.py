"""Which files a run reads.

Directories are walked (inside a git work tree, honouring .gitignore through `git ls-files`); files named on
the command line are always read. Symlinks are read only when they resolve inside the tree they were found
in, and are never written through. FIFOs, sockets and devices are skipped.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from dataclasses import dataclass
from typing import Iterator

from lmimigrate.surfaces import classify

DEFAULT_EXCLUDES = (".git", ".venv", "venv", ".tox", "node_modules", "build", "dist", ".lmimigrate_cache", "__pycache__")

#: Files read only to detect the versions in use (never rewritten).
PIN_FILES = ("requirements*.txt", "requirements/*.txt", "pyproject.toml", "constraints*.txt", "setup.cfg")


@dataclass(frozen=True)
class Candidate:
    fs_path: str  # path to open
    display: str  # path as the user gave it (relative when the input was relative)
    surface: str | None  # None: a pin file, read for version detection only
    explicit: bool  # named on the command line
    root: str  # the tree it was found in (for the symlink check)


@dataclass(frozen=True)
class Skipped:
    display: str
    reason: str


@functools.lru_cache(maxsize=16)
def _exclude_regexes(excludes: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """(any path part matches a pattern, the whole path matches `pat` or `pat/*`), as two compiled regexes."""
    pats = [p.rstrip("/") for p in excludes]
    part = "|".join(fnmatch.translate(p) for p in pats) or "(?!x)x"
    whole = "|".join(fnmatch.translate(p) + "|" + fnmatch.translate(p + "/*") for p in pats) or "(?!x)x"
    return re.compile(part), re.compile(whole)


def _excluded(rel: str, excludes: tuple[str, ...]) -> bool:
    norm = rel.replace(os.sep, "/")
    part_rx, whole_rx = _exclude_regexes(tuple(excludes))
    if whole_rx.match(norm):
        return True
    return any(part_rx.match(p) for p in norm.split("/"))


def _is_pin_file(rel: str) -> bool:
    rel = rel.replace(os.sep, "/")
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, "*/" + p) or fnmatch.fnmatchcase(rel, p) for p in PIN_FILES)


def _git_files(directory: str) -> list[str] | None:
    import subprocess  # only when a directory is walked: a pre-commit run names its files

    try:
        out = subprocess.run(
            ["git", "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [p for p in os.fsdecode(out).split("\0") if p]


def _walk(directory: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = [d for d in dirnames if d not in DEFAULT_EXCLUDES]
        rel_dir = os.path.relpath(dirpath, directory)
        for name in filenames:
            yield os.path.normpath(os.path.join(rel_dir, name))


def inside(path: str, root: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def discover(paths: list[str], excludes: tuple[str, ...] = ()) -> Iterator[Candidate | Skipped]:
    seen: set[str] = set()
    all_excludes = tuple(excludes) + DEFAULT_EXCLUDES
    for given in paths:
        try:
            st = os.stat(given)
        except OSError as e:
            yield Skipped(given, f"cannot read: {e.strerror or e}")
            continue
        if not stat.S_ISDIR(st.st_mode):
            if given not in seen:
                seen.add(given)
                surface = classify(given)
                if surface or _is_pin_file(given):
                    yield Candidate(given, given, surface, True, os.path.dirname(given) or ".")
            continue
        rels = _git_files(given)
        if rels is None:
            # Sorted like `git ls-files`, so findings come out in the same order inside and outside git.
            rels = sorted(_walk(given))
        for rel in rels:
            if _excluded(rel, all_excludes):
                continue
            surface = classify(rel)
            if surface is None and not _is_pin_file(rel):
                continue
            display = rel if given in (".", "./") else os.path.join(given, rel)
            if display in seen:
                continue
            seen.add(display)
            fs_path = os.path.join(given, rel)
            if os.path.islink(fs_path) and not inside(fs_path, given):
                yield Skipped(display, "symlink leading out of the tree; not followed")
                continue
            yield Candidate(fs_path, display, surface, False, given)


def read_candidate(c: Candidate, max_size: int) -> bytes | Skipped:
    """The file's bytes, or why it was skipped. Refuses non-regular files without blocking on FIFOs."""
    try:
        st = os.stat(c.fs_path)
    except OSError as e:
        return Skipped(c.display, f"cannot read: {e.strerror or e}")
    if stat.S_ISDIR(st.st_mode):
        return Skipped(c.display, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        return Skipped(c.display, "not a regular file (FIFO, socket or device); skipped")
    if st.st_size > max_size:
        return Skipped(c.display, f"{st.st_size} bytes, over the size limit of {max_size} bytes (max-file-size); skipped")
    try:
        with open(c.fs_path, "rb") as fh:
            return fh.read(max_size + 1)
    except OSError as e:
        return Skipped(c.display, f"cannot read: {e.strerror or e}")
