"""Small JSON files in the user's cache directory, shared by every checked tree: the rule index
(core/indexstore.py) and the gitignore translations (core/ignorefile.py).

The directory is `$LMIMIGRATE_INDEX_DIR`, else `$XDG_CACHE_HOME/lmimigrate`, else `~/.cache/lmimigrate`;
`--no-cache` is about the result cache of a tree, not this. Files are read and written without following
symlinks, only if they belong to the current user, and only files of the caller's own naming are pruned.
A missing, foreign, damaged or unwritable file only costs time: nothing here raises.
"""

from __future__ import annotations

import json
import os
import stat
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


def directory() -> str:
    return os.environ.get("LMIMIGRATE_INDEX_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "lmimigrate")


def read_json(path: str) -> dict[str, Any] | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = json.loads(fh.read())
    except (OSError, ValueError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    return data if isinstance(data, dict) else None


def write_json(path: str, data: dict[str, Any], prefix: str, suffix: str, keep: int) -> None:
    """Atomically, never through a symlink; then keeps only the `keep` newest files named prefix*suffix."""
    base = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        if os.path.islink(base):
            return
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
        os.replace(tmp, path)
        own = [os.path.join(base, n) for n in os.listdir(base) if n.startswith(prefix) and n.endswith(suffix)]
        own.sort(key=lambda p: os.lstat(p).st_mtime_ns, reverse=True)
        for old in own[keep:]:
            if not os.path.islink(old):
                os.unlink(old)
    except (OSError, ValueError, TypeError):
        try:
            os.unlink(tmp)
        except OSError:
            pass
