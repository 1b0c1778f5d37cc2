"""Atomic writes: a temporary file in the same directory, then os.replace, keeping the file mode.

The original is never left half-written: any failure, KeyboardInterrupt included, removes the temporary
file and leaves the original as it was.
"""

from __future__ import annotations

import os
import stat
import tempfile


def write_atomic(path: str, expected: bytes, new: bytes) -> str | None:
    """Replace `path` with `new` if it still holds `expected`. Returns a problem description, or None."""
    if os.path.islink(path):
        return "is a symlink; fixes are never written through links"
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            current = fh.read()
    except OSError as e:
        return f"cannot re-read before writing: {e.strerror or e}; not written"
    if current != expected:
        return "changed on disk while lmimigrate was running; not written"
    if not os.access(path, os.W_OK):
        return "read-only file; not written"
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".lmimigrate-", suffix=".tmp")
    except OSError as e:
        return f"cannot create a temporary file next to it: {e.strerror or e}; not written"
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            return f"write failed: {e.strerror or e}; original left unchanged"
        raise
    return None
