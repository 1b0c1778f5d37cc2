"""Which files a run reads.

Directories are walked (inside a git work tree, honouring .gitignore, info/exclude and core.excludesFile as
`git ls-files` would, read by `gitfiles` without running git; iteratively, so any depth works); files named
on the command line are always read, once however they are spelled. Symlinks are read only when they resolve inside the tree they were found
in, and are never written through. FIFOs, sockets and devices are skipped.

A run's `View` lists each directory once (the repository-wide version detection of core/scoping.py reads the
same listing) and classifies each path once; when the run memo (core/runmemo.py) is recorded, the listings
and sniffs report what they read to it.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from lmimigrate.core.record import record

from lmimigrate.core import gitfiles
from lmimigrate.surfaces import PIN_GLOBS, SNIFF_BYTES, classify, classify_content, is_pin_file, sniffable
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Iterator

if TYPE_CHECKING:
    from lmimigrate.core.runmemo import Deps

DEFAULT_EXCLUDES = (".git", ".venv", "venv", ".tox", "node_modules", "build", "dist", ".lmimigrate_cache", "__pycache__")

#: Files read only to detect the versions in use (never rewritten); the classifier owns the list.
PIN_FILES = PIN_GLOBS
#: View.surface of an extensionless name: its first bytes decide (not a surface name: those are words).
SNIFF = "?"


@record(frozen=True)
class Candidate:
    fs_path: str  # path to open
    display: str  # path as the user gave it (relative when the input was relative)
    surface: str | None  # None: a pin file, read for version detection only
    explicit: bool  # named on the command line
    root: str  # the tree it was found in (for the symlink check)


@record(frozen=True)
class Skipped:
    display: str
    reason: str


@functools.lru_cache(maxsize=16)
def _exclude_matchers(excludes: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern[str] | None, re.Pattern[str] | None]:
    """(plain names: a path with such a part is excluded; any path part matches a pattern; the whole path
    matches `pat` or `pat/*`). A plain name (no glob character, no `/`) needs no regex: `build` excludes a path
    exactly when one of its parts is `build` (the default excludes are all plain, and they are asked of every
    file of a tree)."""
    pats = [p.rstrip("/") for p in excludes]
    plain = frozenset(p for p in pats if p and not any(c in p for c in "*?[/"))
    rest = [p for p in pats if p not in plain]
    if not rest:
        return plain, None, None
    part = "|".join(fnmatch.translate(p) for p in rest)
    whole = "|".join(fnmatch.translate(p) + "|" + fnmatch.translate(p + "/*") for p in rest)
    return plain, re.compile(part), re.compile(whole)


def _excluded(rel: str, excludes: tuple[str, ...]) -> bool:
    parts = rel.replace(os.sep, "/").split("/")
    plain, part_rx, whole_rx = _exclude_matchers(tuple(excludes))
    if not plain.isdisjoint(parts):
        return True
    if part_rx is None or whole_rx is None:
        return False
    if whole_rx.match("/".join(parts)):
        return True
    return any(part_rx.match(p) for p in parts)


def _is_pin_file(rel: str) -> bool:
    return is_pin_file(rel)


class View:
    """One run's view of the files: each directory listed once (discovery and the repository-wide version
    detection both list the work tree in a `check .`), each path classified once, each directory made absolute
    once; `deps`, when a run memo is being recorded, gets what the listings and sniffs read."""

    def __init__(self, deps: Deps | None = None):
        self.deps = deps
        self._listings: dict[str, list[str] | None] = {}
        self._surfaces: dict[str, str | None] = {}
        self._pins: dict[str, bool] = {}
        self._abs_dirs: dict[str, str] = {}
        #: The stat of each walked file that is not a symlink, taken when it was found (before it is read).
        self.stats: dict[str, os.stat_result] = {}

    def list_files(self, directory: str) -> list[str] | None:
        """gitfiles.list_files, once per directory; the default excludes are not entered."""
        key = os.path.normpath(os.path.abspath(directory))
        if key not in self._listings:
            self._listings[key] = gitfiles.list_files(directory, self.deps, frozenset(DEFAULT_EXCLUDES))
        return self._listings[key]

    def surface(self, rel: str) -> str | None:
        """The surface that reads a path by its name (classify), and whether an extensionless name is to be
        sniffed: "?" """
        try:
            return self._surfaces[rel]
        except KeyError:
            surface = classify(rel)
            if surface is None and sniffable(rel):
                surface = SNIFF
            self._surfaces[rel] = surface
            return surface

    def pin(self, rel: str) -> bool:
        """A pin file (read for versions only); only asked of a path without a surface."""
        pin = self._pins.get(rel)
        if pin is None:
            pin = self._pins[rel] = is_pin_file(rel)
        return pin

    def absdir(self, path: str) -> str:
        """The normalized absolute directory of `path` (os.path.abspath per file was a third of planning),
        remembered by the path's directory part."""
        head = path[:path.rfind(os.sep) + 1]
        a = self._abs_dirs.get(head)
        if a is None:
            a = self._abs_dirs[head] = os.path.normpath(os.path.abspath(os.path.dirname(path) or "."))
        return a

    def abspath(self, path: str) -> str:
        """os.path.normpath(os.path.abspath(path)) of a file's path."""
        return _join(self.absdir(path), path[path.rfind(os.sep) + 1:])


def _join(directory: str, name: str) -> str:
    """os.path.join of a directory and a plain name, without its generality (per file, on large trees)."""
    return directory + name if directory.endswith(os.sep) else directory + os.sep + name


def _surface(fs_path: str, rel: str, view: View | None = None) -> str | None:
    """The classifier's surface; an extensionless name is decided by its first bytes (a shell shebang)."""
    surface = view.surface(rel) if view is not None else classify(rel) or (SNIFF if sniffable(rel) else None)
    if surface == SNIFF:
        if view is not None and view.deps is not None:
            view.deps.stat(fs_path)  # its bytes decide whether it is checked
        try:
            with open(fs_path, "rb") as fh:
                return classify_content(rel, fh.read(SNIFF_BYTES))
        except OSError:
            return None
    return surface


def _walk(directory: str, deps: Deps | None = None) -> Iterator[str]:
    """Every non-directory under `directory` outside the default excludes; iterative (deep trees)."""
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        path = os.path.join(directory, rel_dir) if rel_dir else directory
        try:
            st = os.stat(path) if deps is not None else None
            entries = list(os.scandir(path))
        except OSError:
            if deps is not None:
                deps.refuse()
            continue
        if deps is not None:
            deps.listed(path, st, entries)
        for e in entries:
            rel = os.path.join(rel_dir, e.name) if rel_dir else e.name
            try:
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if e.name not in DEFAULT_EXCLUDES:
                    stack.append(rel)
            else:
                yield rel


def _identity(path: str, real_dirs: dict[str, str]) -> str:
    """One name per file however it was spelled (`sub/x`, `./sub/x`, `/abs/sub/x`): the real path of its
    directory and its own name (a symlink keeps its name: it is a file of its own). `real_dirs` remembers each
    directory's real path for the walk (resolving it per file cost an lstat per path component)."""
    i = path.rfind(os.sep) + 1
    head = path[:i]
    real = real_dirs.get(head)
    if real is None:
        real = real_dirs[head] = os.path.realpath(os.path.dirname(path) or ".")
    return _join(real, path[i:])


def inside(path: str, root: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def discover(paths: list[str], excludes: tuple[str, ...] = (), view: View | None = None) -> Iterator[Candidate | Skipped]:
    seen: set[str] = set()
    real_dirs: dict[str, str] = {}
    all_excludes = tuple(excludes) + DEFAULT_EXCLUDES
    view = view if view is not None else View()
    deps = view.deps
    for given in paths:
        try:
            st = os.stat(given)
        except OSError as e:
            if deps is not None:
                deps.file(given, None)
            yield Skipped(given, f"cannot read: {e.strerror or e}")
            continue
        if not stat.S_ISDIR(st.st_mode):
            if deps is not None:
                deps.refuse()  # (the memo serves directories: file lists change from run to run)
            ident = _identity(given, real_dirs)
            if ident not in seen:
                seen.add(ident)
                surface = _surface(given, given) if stat.S_ISREG(st.st_mode) else classify(given)
                if surface or _is_pin_file(given):
                    yield Candidate(given, given, surface, True, os.path.dirname(given) or ".")
            continue
        rels = view.list_files(given)
        if rels is None:
            # Sorted like `git ls-files`, so findings come out in the same order inside and outside git.
            rels = sorted(_walk(given, deps))
        for rel in rels:
            if _excluded(rel, all_excludes):
                continue
            fs_path = os.path.join(given, rel)
            surface = _surface(fs_path, rel, view)
            if surface is None and not view.pin(rel):
                continue
            display = rel if given in (".", "./") else fs_path
            ident = _identity(fs_path, real_dirs)
            if ident in seen:
                continue
            seen.add(ident)
            try:
                lst = os.lstat(fs_path)
            except OSError:
                lst = None
            if lst is not None and not stat.S_ISLNK(lst.st_mode):
                view.stats[fs_path] = lst  # (the check's stat, taken here: one system call less per file)
            elif lst is not None:
                if deps is not None:
                    deps.refuse()  # a link's target can move while the link's stat stays the same
                if not inside(fs_path, given):
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
        # O_NONBLOCK and fstat: a file swapped for a FIFO after the stat above is refused, not waited on.
        fd = os.open(c.fs_path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        return Skipped(c.display, f"cannot read: {e.strerror or e}")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return Skipped(c.display, "not a regular file (FIFO, socket or device); skipped")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(max_size + 1)
    except OSError as e:
        return Skipped(c.display, f"cannot read: {e.strerror or e}")
    finally:
        os.close(fd)
