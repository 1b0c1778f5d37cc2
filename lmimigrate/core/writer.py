"""Writing a fix: the file is replaced whole (a temporary file in its directory, then a rename), keeping what
the user would expect to survive an edit, and never over a change made since it was read.

- Everything goes through a descriptor of the file's directory, opened once and checked to be inside the
  tree: a parent swapped for a symlink during the run cannot send the write elsewhere.
- Right before the rename, (size, mtime_ns, inode) and then the content are compared with what was read: a
  save made meanwhile is kept, and the fix refused (LMM007).
- Kept: mode (setuid/setgid included), owner and group (when permitted: root, or your own file), extended
  attributes. A setuid/setgid file whose owner cannot be kept is not written.
- A file with other hard links is refused (a new file would split them: the other names keep the old
  content), unless `in_place_links`: then it is rewritten in place, which every name sees but which is not
  atomic (a SIGKILL or power loss mid-write can leave it partial).
- Read-only is decided by the mode bits for root (for whom os.access always says yes), else by os.access.
- Stop signals wait for the write to finish or roll back (interrupt.deferred); the temporary file is
  unnamed until its last moment where the system allows it (O_TMPFILE), so even SIGKILL leaves no litter.
"""

from __future__ import annotations

import errno
import os
import stat

from lmimigrate.core import interrupt

CHANGED = "changed on disk while lmimigrate was running; not written"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class _Refused(Exception):
    pass


def write_atomic(path: str, expected: bytes, new: bytes, root: str | None = None, in_place_links: bool = False) -> str | None:
    """Replace `path` with `new` if it still holds `expected`. Returns a problem description, or None."""
    directory, name = os.path.split(os.path.abspath(path))
    real = os.path.realpath(directory)
    if root is not None:
        base = os.path.realpath(root)
        if real != base and not real.startswith(base.rstrip(os.sep) + os.sep):
            return "its directory now leads out of the tree (a symlink); not written"
    try:
        dfd = os.open(real, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    except OSError as e:
        return f"cannot open its directory: {e.strerror or e}; not written"
    try:
        if os.path.realpath(real) != real:  # swapped between the check and the open
            return "its directory changed while lmimigrate was running; not written"
        return _write(dfd, name, expected, new, in_place_links)
    except _Refused as e:
        return str(e)
    finally:
        os.close(dfd)


def _read(dfd: int, name: str) -> tuple[bytes, os.stat_result]:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=dfd)
    except OSError as e:
        if e.errno == errno.ELOOP:  # O_NOFOLLOW on a symlink (swapped in since the lstat)
            raise _Refused("is a symlink; fixes are never written through links") from None
        raise _Refused(f"cannot re-read before writing: {e.strerror or e}; not written") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Refused("is no longer a regular file; not written")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks), st
    finally:
        os.close(fd)


def _writable(dfd: int, name: str, st: os.stat_result) -> bool:
    if os.geteuid() == 0:
        return bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return os.access(name, os.W_OK, dir_fd=dfd)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ino, a.st_dev) == (b.st_size, b.st_mtime_ns, b.st_ino, b.st_dev)


def _unchanged_since(dfd: int, name: str, st: os.stat_result, expected: bytes) -> None:
    """The last check, right before the file is replaced: metadata first (cheap), then the bytes."""
    try:
        now = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except OSError:
        raise _Refused(CHANGED) from None
    if not _same(now, st):
        raise _Refused(CHANGED)
    if _read(dfd, name)[0] != expected:
        raise _Refused(CHANGED)


def _write(dfd: int, name: str, expected: bytes, new: bytes, in_place_links: bool) -> str | None:
    try:
        lst = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except OSError as e:
        return f"cannot re-read before writing: {e.strerror or e}; not written"
    if stat.S_ISLNK(lst.st_mode):
        return "is a symlink; fixes are never written through links"
    current, st = _read(dfd, name)
    if current != expected:
        return CHANGED
    if not _writable(dfd, name, st):
        return f"read-only file (mode {stat.S_IMODE(st.st_mode):04o}); not written"
    if st.st_nlink > 1 and not in_place_links:
        return (f"has {st.st_nlink} hard links: replacing it would split them (the other names keep the old content);"
                " not written (--fix-hard-links rewrites such files in place)")
    with interrupt.deferred():
        if st.st_nlink > 1:
            return _write_in_place(dfd, name, st, expected, new)
        return _replace(dfd, name, st, expected, new)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _replace(dfd: int, name: str, st: os.stat_result, expected: bytes, new: bytes) -> str | None:
    tmp = None
    fd = None
    try:
        try:
            fd = os.open(".", os.O_TMPFILE | os.O_WRONLY | _CLOEXEC, 0o600, dir_fd=dfd)
        except (AttributeError, OSError):
            tmp = _temp_name()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=dfd)
        _write_all(fd, new)
        problem = _copy_metadata(dfd, name, st, fd)
        if problem:
            return problem
        os.fsync(fd)
        _unchanged_since(dfd, name, st, expected)
        if tmp is None:  # give the unnamed file a name only now, one syscall before the rename: a SIGKILL
            tmp = _temp_name()  # before this leaves nothing (the re-read check above would widen the window)
            os.link(f"/proc/self/fd/{fd}", tmp, dst_dir_fd=dfd, follow_symlinks=True)
        os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        tmp = None
        try:
            os.fsync(dfd)  # the rename itself survives a crash
        except OSError:
            pass
        return None
    except _Refused as e:
        return str(e)
    except OSError as e:
        return f"write failed: {e.strerror or e}; original left unchanged"
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass


def _temp_name() -> str:
    # os.urandom, not `secrets`: that module's import (hmac, hashlib) is paid by every run, written or not.
    return f".lmimigrate-{os.urandom(6).hex()}.tmp"


def _copy_metadata(dfd: int, name: str, st: os.stat_result, fd: int) -> str | None:
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid != os.geteuid() or st.st_gid != os.getegid():
        try:
            os.fchown(fd, st.st_uid, st.st_gid)  # before fchmod: a chown clears setuid/setgid
        except OSError:
            if mode & (stat.S_ISUID | stat.S_ISGID):
                return "a setuid/setgid file whose owner cannot be kept; not written"
    os.fchmod(fd, mode)
    _copy_xattrs(dfd, name, fd)
    return None


def _copy_xattrs(dfd: int, name: str, fd: int) -> None:
    if not hasattr(os, "listxattr"):
        return
    try:
        src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=dfd)
    except OSError:
        return
    try:
        for attr in os.listxattr(src):
            try:
                os.setxattr(fd, attr, os.getxattr(src, attr))
            except OSError:
                pass  # e.g. security.* without the privilege: the rest are still kept
    except OSError:
        pass
    finally:
        os.close(src)


def _write_in_place(dfd: int, name: str, st: os.stat_result, expected: bytes, new: bytes) -> str | None:
    try:
        fd = os.open(name, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=dfd)
    except OSError as e:
        return f"cannot open for writing: {e.strerror or e}; not written"
    try:
        if (os.fstat(fd).st_ino, os.fstat(fd).st_dev) != (st.st_ino, st.st_dev):
            return CHANGED
        _unchanged_since(dfd, name, st, expected)
        _write_all(fd, new)
        os.ftruncate(fd, len(new))
        os.fsync(fd)
        return None
    except _Refused as e:
        return str(e)
    except OSError as e:
        return f"write in place failed: {e.strerror or e}; the file may be partly written"
    finally:
        os.close(fd)
