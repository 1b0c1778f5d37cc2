"""The stat memo: on a warm re-run, a file whose stat is unchanged is not read at all.

`.lmimigrate_cache/files-<keyed name>.json` maps each display path to its (size, mtime_ns, inode, ctime_ns: a
tool that restores a file's mtime after writing it cannot set its change time back), its surface,
its result-cache entry (the keyed digest of its bytes, see cache.entry) and the versions detected in it. When
a file's stat matches its record, the record stands in for the file's bytes: its entry finds its findings in
the result cache, and its detections count for the version pairs. Only files whose stat changed are read
and hashed (and, when their bytes changed, checked).

A record is trusted only when the file's mtime is older than the run that wrote it by more than
`RACY_NS`: a file written within the same clock tick as it was read could change again with the same stat
(git's "racy clean" problem); such files are read again. The memo file's name is keyed with the per-user
secret, so a repository cannot plant one (cachedir's rules apply: our header, never through a symlink).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable

from lmimigrate.core import cachedir

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any
    from lmimigrate.core.detection import Detection

KIND = "files"
RACY_NS = 2_000_000_000  # mtime resolution of some filesystems, and clock skew between writers
MAX_RECORDS = 200_000


def _name(secret: bytes) -> str:
    import hashlib

    return f"{KIND}-{hashlib.blake2b(b'stat memo', key=secret, digest_size=16).hexdigest()}.json"


def _valid_detections(found: object) -> bool:
    """The shape `put` writes (the stat fields were compared already): anything else is a miss."""
    if not isinstance(found, list):
        return False
    for d in found:
        if not (isinstance(d, list) and len(d) == 4 and isinstance(d[0], str) and isinstance(d[1], str)
                and isinstance(d[2], int) and isinstance(d[3], list) and len(d[3]) == 2
                and isinstance(d[3][0], str) and isinstance(d[3][1], str)):
            return False
    return True


class FileMemo:
    def __init__(self, root: str, secret: bytes):
        self.root = root
        self.secret = secret  # (the tree memo's name is keyed with it too)
        self.name = _name(secret)
        self.started = time.time_ns()
        self.saved = 0  # when the run that wrote the memo started
        self.known: dict[str, list[Any]] = {}
        self.new: dict[str, list[Any]] = {}
        try:
            data = cachedir.load(root, self.name)
        except cachedir.Unusable:
            return
        if data is None:
            return
        try:
            value = json.loads(data)
        except (ValueError, RecursionError, MemoryError):
            return
        files, saved = value.get("files"), value.get("saved")
        if isinstance(files, dict) and isinstance(saved, int):
            self.known, self.saved = files, saved

    def get(self, display: str, surface: str | None, st: os.stat_result,
            need_entry: bool = True) -> tuple[str | None, list[Detection]] | None:
        """(entry, detections) of an unchanged file, or None (read it). A record written by a scan that read
        the file for its versions only (repository-wide detection) has no entry: with `need_entry` (the file
        is to be checked) it is a miss."""
        rec = self.known.get(display)
        if not isinstance(rec, list) or len(rec) != 7:
            return None
        if (rec[0] != st.st_size or rec[1] != st.st_mtime_ns or rec[2] != st.st_ino or rec[3] != surface
                or rec[6] != st.st_ctime_ns):
            return None
        if st.st_mtime_ns >= self.saved - RACY_NS or not (rec[4] is None or isinstance(rec[4], str)):
            return None
        if need_entry and rec[4] is None:
            return None
        if not _valid_detections(rec[5]):
            return None
        try:
            return rec[4], [_detection(display, d) for d in rec[5]]
        except ValueError:  # not a version
            return None

    def put(self, display: str, surface: str | None, st: os.stat_result, entry: str | None,
            detections: Iterable[Detection]) -> None:
        self.new[display] = [st.st_size, st.st_mtime_ns, st.st_ino, surface, entry,
                             [[d.stack, str(d.version), d.line, [d.text, d.note]] for d in detections], st.st_ctime_ns]

    def save(self) -> None:
        """Merge this run's records into the memo. Never raises."""
        if not self.new:
            return
        records = {**self.known, **self.new}
        if len(records) > MAX_RECORDS:
            records = dict(self.new)
        try:
            fd = cachedir.open_dir(self.root, create=True)
        except (cachedir.Unusable, OSError):
            return
        try:
            cachedir.scan(fd)
            cachedir.ensure_gitignore(fd)
            body = json.dumps({"saved": self.started, "files": records}, separators=(",", ":"))
            cachedir.write(fd, self.name, cachedir.HEADER + body[1:].encode("utf-8", "surrogatepass"))
        except (cachedir.Unusable, OSError, ValueError, TypeError):
            pass
        finally:
            os.close(fd)


def _detection(path: str, d: list[Any]) -> Detection:
    from lmimigrate.core.pep440 import Version

    from lmimigrate.core.detection import Detection

    return Detection(d[0], Version(d[1]), path, d[2], d[3][0], d[3][1])
