"""The cache directory, `.lmimigrate_cache/` at the project root, handled as if the repository were hostile.

A repository can commit anything under that name: a symlink to `..` or to an absolute path, a FIFO, files
named like ours, a `.gitignore` symlink. So:

- the directory is opened with O_NOFOLLOW and must be a real directory owned by the user, not writable by
  others; every file in it is reached through that directory's descriptor, never by path, with O_NOFOLLOW;
- it may hold only `.gitignore` and files named exactly like ours (`results-`, `files-`, `run-<32 hex>.json`, their `.tmp`
  siblings) that are regular files owned by the user; anything else, or a file with our name but without our
  header, makes the whole cache unused for the run, with a note: nothing is read, written or deleted there;
- FIFOs and devices are never opened (checked with lstat first, and opened O_NONBLOCK then fstat-ed);
- pruning deletes only our files (exact name and header).

Entry names are keyed with a per-user secret kept outside any repository (`$XDG_CACHE_HOME/lmimigrate/key`),
so a results file planted by a repository can never supply the findings of a file: its entries never match.
"""

from __future__ import annotations

import os
import stat
from lmimigrate.core.patterns import lazy_pattern

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Literal, overload

DIRNAME = ".lmimigrate_cache"
#: Kinds of files the cache writes, each `<kind>-<32 hex>.json` starting with HEADER.
KINDS = ("results", "files", "run", "tree")  # files: the stat memo (filememo.py); run: the run memo (runmemo.py); tree: repository-wide detections (treememo.py)
HEADER = b'{"lmimigrate-cache":"3",'
GITIGNORE = b"# Created by lmimigrate: a cache, never commit it.\n*\n"
MAX_FILE = 1 << 30  # a results file larger than this is not ours
_NAME = lazy_pattern(r"(?P<kind>[a-z]+)-[0-9a-f]{32}\.json(?P<tmp>\.\d+\.tmp)?\Z")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class Unusable(Exception):
    """The cache directory cannot be trusted; the message is the note shown to the user."""


def own_name(name: str) -> bool:
    m = _NAME.match(name)
    return m is not None and m.group("kind") in KINDS


if TYPE_CHECKING:

    @overload
    def open_dir(root: str, create: Literal[True]) -> int: ...
    @overload
    def open_dir(root: str, create: bool) -> int | None: ...


def open_dir(root: str, create: bool) -> int | None:
    """A descriptor of root/.lmimigrate_cache (created when `create`), None when absent. Raises Unusable."""
    rfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            st = os.stat(DIRNAME, dir_fd=rfd, follow_symlinks=False)
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.mkdir(DIRNAME, 0o755, dir_fd=rfd)
            except FileExistsError:
                pass
            st = os.stat(DIRNAME, dir_fd=rfd, follow_symlinks=False)
        _check_dir(st)
        try:
            fd = os.open(DIRNAME, _DIR_FLAGS, dir_fd=rfd)
        except OSError as e:
            raise Unusable(f"{DIRNAME} cannot be opened ({e.strerror or e})") from None
        fst = os.fstat(fd)
        if (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            os.close(fd)
            raise Unusable(f"{DIRNAME} changed while it was opened")
        return fd
    finally:
        os.close(rfd)


def _check_dir(st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise Unusable(f"{DIRNAME} is a symlink")
    if not stat.S_ISDIR(st.st_mode):
        raise Unusable(f"{DIRNAME} is not a directory")
    if st.st_uid != os.geteuid():
        raise Unusable(f"{DIRNAME} is owned by uid {st.st_uid}, not by you")
    if st.st_mode & stat.S_IWOTH:
        raise Unusable(f"{DIRNAME} is writable by everyone")


def scan(fd: int) -> dict[str, os.stat_result]:
    """Our files in the directory (name -> lstat). Raises Unusable for anything that is not ours."""
    ours: dict[str, os.stat_result] = {}
    for name in os.listdir(fd):
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        if name == ".gitignore":
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
                raise Unusable(f"{DIRNAME}/.gitignore is not a regular file of yours")
            continue
        if not own_name(name):
            raise Unusable(f"{DIRNAME} holds an unexpected entry {name!r}")
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            raise Unusable(f"{DIRNAME}/{name} is not a regular file of yours")
        if name.endswith(".json") and read(fd, name, len(HEADER)) != HEADER:
            raise Unusable(f"{DIRNAME}/{name} was not written by lmimigrate")
        ours[name] = st
    return ours


def load(root: str, name: str) -> bytes | None:
    """One of our files in root/.lmimigrate_cache (beginning with HEADER), or None when there is none or it
    cannot be read. Raises Unusable when the directory cannot be trusted (each reader decides what that means:
    the result cache refuses itself with a note, the memos are simply missed)."""
    try:
        fd = open_dir(root, create=False)
    except OSError:
        return None
    if fd is None:
        return None
    try:
        scan(fd)
        data = read(fd, name)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if data is not None and data.startswith(HEADER) else None


def read(fd: int, name: str, limit: int = MAX_FILE) -> bytes | None:
    """Up to `limit` bytes of a regular file in the directory, never following links nor opening FIFOs."""
    try:
        ffd = os.open(name, _READ_FLAGS, dir_fd=fd)
    except OSError:
        return None
    try:
        st = os.fstat(ffd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > MAX_FILE:
            return None
        chunks, left = [], min(limit, st.st_size)
        while left > 0:
            chunk = os.read(ffd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(ffd)


def write(fd: int, name: str, data: bytes) -> None:
    """Write `name` in the directory through a temporary sibling and a rename; raises OSError."""
    tmp = f"{name}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        os.unlink(tmp, dir_fd=fd)  # our own leftover (a killed run with our pid): the name pattern says so
    except FileNotFoundError:
        pass
    wfd = os.open(tmp, flags, 0o644, dir_fd=fd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view):]
        finally:
            os.close(wfd)
        os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=fd)
        except OSError:
            pass
        raise


def ensure_gitignore(fd: int) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        gfd = os.open(".gitignore", flags, 0o644, dir_fd=fd)  # O_EXCL: never through a (dangling) symlink
    except FileExistsError:
        return
    try:
        os.write(gfd, GITIGNORE)
    finally:
        os.close(gfd)


def prune(fd: int, ours: dict[str, os.stat_result], keep: int, current: str, since_ns: int | None = None,
          used: set[str] | frozenset[str] = frozenset()) -> None:
    """Delete our oldest results files beyond `keep`, and our stale temporary files. Never `current`, nor a file
    written since `since_ns` (the run's start) or `used` by the run: a run of many version groups has one results
    file per group, and pruning one of them made the next run check that group again."""
    import time

    kind = current.split("-", 1)[0] + "-"  # only files of the same kind: the stat memo is not a results file
    mine = {n for n in ours if n.endswith(".json") and n.startswith(kind) and n != current}
    this_run = {n for n in mine if n in used or (since_ns is not None and ours[n].st_mtime_ns >= since_ns)}
    mine -= this_run
    keep -= len(this_run)
    results = sorted(mine, key=lambda n: ours[n].st_mtime, reverse=True)
    stale_tmp = [n for n in ours if n.endswith(".tmp") and time.time() - ours[n].st_mtime > 3600]
    for name in results[max(0, keep - 1):] + stale_tmp:
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if (st.st_ino, st.st_dev) == (ours[name].st_ino, ours[name].st_dev) and stat.S_ISREG(st.st_mode):
                os.unlink(name, dir_fd=fd)
        except OSError:
            pass


# ---- the per-user secret ------------------------------------------------------------------------------------


def user_cache_home() -> str | None:
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: a relative value is invalid and ignored
        return xdg
    home = os.path.expanduser("~")
    return os.path.join(home, ".cache") if os.path.isabs(home) else None


def secret() -> bytes | None:
    """32 random bytes of this user, created once in `$XDG_CACHE_HOME/lmimigrate/key` (mode 0600), or None."""
    base = user_cache_home()
    if base is None:
        return None
    d = os.path.join(base, "lmimigrate")
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        dfd = os.open(d, _DIR_FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(dfd)
        if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        key = read(dfd, "key", 64)
        if key is None:
            try:
                kfd = os.open("key", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dfd)
            except OSError:
                return None
            try:
                key = os.urandom(32)
                os.write(kfd, key)
            finally:
                os.close(kfd)
        kst = os.stat("key", dir_fd=dfd, follow_symlinks=False)
        if len(key) != 32 or kst.st_mode & 0o077:
            return None  # being created by a concurrent run, or readable by others
        return key
    except OSError:
        return None
    finally:
        os.close(dfd)
