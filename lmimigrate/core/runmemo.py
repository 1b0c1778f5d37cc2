"""The run memo: a warm re-run in which nothing changed reuses the previous run's report, without discovery,
version planning or loading a rule.

A run (report mode, with the cache, on directories) records what its report depended on besides its options
(`Deps`): the directories it listed (stat, and a digest of the names and kinds of their entries), every file
it read or looked for (stat, or absence: the checked files, the files read for versions, `.gitignore` files,
`info/exclude`, git's config and index, the `.git` it found), and the code that made the report (the
lmimigrate package, the rule modules, the `sys.path` directories). `.lmimigrate_cache/run-<keyed name>.json`
keeps that record and the report under a key of the options (core/runkey.py). The next run with the
same key stats the same paths; when every one is as recorded, the report is reused. A directory whose stat
moved is listed again and matches when its names did not change (creating `.lmimigrate_cache/` changes the
root's mtime, not its relevant names). Anything else (a new, deleted or edited file, a changed `.gitignore`,
another version of a rule module) is a miss, and the run takes the normal path, which writes a new memo.

A file modified within `RACY_NS` of the run that recorded it could change again without changing its stat
(see core/filememo.py): such a run writes no memo. The stat compared includes the change time (ctime), which
a tool that restores a file's mtime after writing it cannot set back. A run that meets a symlink among the
files it checks writes none either (its target could move while the link's stat stays), nor one that saw a
file's stat change between two of its reads. The memo's name is keyed with the per-user secret and the
directory is handled by core/cachedir.py, so a repository cannot plant one.

Checking a memo is one stat per recorded path (corpus A: ~3,000) and little else: the files' stats are packed as
64-bit numbers and compared through one digest (no text is made per file), and paths under the current directory
are kept relative to it (a memo is used from the directory that wrote it: the kernel resolves fewer components).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import sys
import time

from lmimigrate.core import cachedir, filememo

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any
    from lmimigrate.core.api import Report
    from lmimigrate.core.detection import Detection

KIND = "run"
FORMAT = "3"  # 2: the report under "value" (load_value); 3: stats digested as 64-bit numbers, paths relative to "cwd"
KEEP = 8  # memos of other option sets (formats do not matter: the report is memoized, not the output)


def _names_digest(entries: list[os.DirEntry[str]], skip: frozenset[str]) -> str:
    """The names and kinds (directory or not) of a directory's entries, less the directories no listing
    enters (`skip`: `.lmimigrate_cache`, `__pycache__`, ...)."""
    names = []
    for e in entries:
        try:
            is_dir = e.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if not (is_dir and e.name in skip):
            names.append(("/" if is_dir else "") + e.name)
    return _digest(names)


def _digest(names: list[str] | set[str]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for n in sorted(names):
        h.update(n.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()




_ABSENT = (-1, -1, -1, -1)  # the row of a path that is not there (no file has a negative size)
_ROW = struct.Struct("<qqqq")  # (array would be one more module to load: struct is loaded already)
_HALF = 1 << 63


def _row(st: os.stat_result | None) -> tuple[int, int, int, int]:
    """What says a file is unchanged: a chmod or a rewrite moves the ctime, a replacement the inode."""
    return _ABSENT if st is None else (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _stat_record(st: os.stat_result) -> list[int]:
    """`_row` as JSON keeps it (a git index's stat in the memo)."""
    return list(_row(st))


def _pack_row(rows: bytearray, offset: int, st: os.stat_result | None) -> None:
    """Write a file's row into `rows` at `offset` as four signed 64-bit numbers. A number beyond 64 bits (an inode
    number of some file systems is, an mtime after 2262 can be) is taken modulo 2**64: the bytes a 64-bit field
    holds. The hot loop of `_unchanged` inlines the common case; both must write the same bytes."""
    row = _row(st)
    try:
        _ROW.pack_into(rows, offset, *row)
    except struct.error:
        _ROW.pack_into(rows, offset, *[(v + _HALF) % (_HALF << 1) - _HALF for v in row])


def _rows_digest(rows: bytearray) -> str:
    return hashlib.blake2b(rows, digest_size=16).hexdigest()


def _relative_to(cwd: str) -> Callable[[str], str]:
    """A path under `cwd` relative to it (the others as they are)."""
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    n = len(prefix)
    return lambda p: p[n:] if p.startswith(prefix) and len(p) > n else p


def pack_paths(paths: list[str]) -> list[list[Any]]:
    """Paths as [directory part, [names]] runs: a memo of a large tree is mostly repeated directories."""
    out: list[list[Any]] = []
    for p in paths:
        i = p.rfind(os.sep) + 1
        head = p[:i]
        if out and out[-1][0] == head:
            out[-1][1].append(p[i:])
        else:
            out.append([head, [p[i:]]])
    return out


def unpack_paths(packed: list[list[Any]]) -> list[str]:
    return [head + name for head, names in packed for name in names]


def skip_dirs() -> frozenset[str]:
    from lmimigrate.core.discovery import DEFAULT_EXCLUDES

    return frozenset(DEFAULT_EXCLUDES)


class Deps:
    """What a run's report depended on, recorded as it is read (a stat is taken before the read, so a change
    made while the run reads shows up as a changed stat next time)."""

    def __init__(self) -> None:
        self.started = time.time_ns()
        self.files: dict[str, tuple[bool, os.stat_result | None]] = {}  # path -> (follow symlinks, stat; None: absent)
        self.kinds: dict[str, int] = {}  # path -> S_IFMT of its lstat, 0: absent (existence and kind only)
        self.dirs: dict[str, list[Any]] = {}  # path -> [mtime, ctime, inode, names digest]
        self.indexes: dict[str, list[Any]] = {}  # git dir -> [its index's stat record or None, tracked paths digest]
        self.usable = True
        self._skip = skip_dirs()

    def file(self, path: str, st: os.stat_result | None, follow: bool = True) -> None:
        seen = self.files.get(path)
        if seen is not None and (seen[0] != follow or _row(seen[1]) != _row(st)):
            self.usable = False  # it changed between two reads (a sniff and the check): what was learnt is mixed
        self.files[path] = (follow, st)

    def stat(self, path: str, follow: bool = True) -> os.stat_result | None:
        """os.stat (or lstat), recorded."""
        try:
            st = os.stat(path, follow_symlinks=follow)
        except OSError:
            st = None
        self.file(path, st, follow)
        return st

    def kind(self, path: str) -> int:
        """The S_IFMT bits of `path`'s lstat (0: absent), recorded."""
        try:
            k = stat.S_IFMT(os.lstat(path).st_mode)
        except OSError:
            k = 0
        self.kinds[path] = k
        return k

    def listed(self, path: str, st: os.stat_result | None, entries: list[os.DirEntry[str]]) -> None:
        """A directory listing (`st`: its stat, taken before the listing)."""
        if st is None:
            self.usable = False
            return
        self.dirs[path] = [st.st_mtime_ns, st.st_ctime_ns, st.st_ino, _names_digest(entries, self._skip)]

    def directory(self, path: str) -> list[os.DirEntry[str]]:
        """A directory read by someone else's listing (os.walk): stat and list it here; its entries."""
        try:
            st = os.stat(path)
            with os.scandir(path) as it:
                entries = list(it)
        except OSError:
            self.usable = False
            return []
        self.listed(path, st, entries)
        return entries

    def tracked(self, git_dir: str, st: os.stat_result | None, paths: set[str]) -> None:
        """The paths of a git index (`st`: its stat, taken before it was read)."""
        self.indexes[git_dir] = [None if st is None else _stat_record(st), _digest(paths)]

    def refuse(self) -> None:
        self.usable = False

    def code(self, module_files: list[str]) -> None:
        """The code that makes a report: every module of the lmimigrate package and of the packages of the rule
        modules (`module_files`), and the `sys.path` directories (an installed or upgraded library)."""
        import lmimigrate
        from lmimigrate.core.indexstore import _search_path

        dirs: set[str] = set()
        for top, subdirs, _ in os.walk(os.path.dirname(lmimigrate.__file__)):
            subdirs[:] = [d for d in subdirs if d not in self._skip]
            dirs.add(top)
        for f in module_files:
            d = os.path.dirname(os.path.abspath(f))
            while d not in dirs and os.path.exists(os.path.join(d, "__init__.py")):
                dirs.add(d)
                d = os.path.dirname(d)
            dirs.add(os.path.dirname(os.path.abspath(f)))
        for d in sorted(dirs):
            for e in self.directory(d):
                if e.name.endswith(".py"):
                    self.stat(e.path)
        for p in _search_path():
            if os.path.isdir(p):
                self.directory(p)
            else:
                self.stat(p)

    def racy(self) -> bool:
        """A recorded file modified within RACY_NS of this run's start: its stat does not prove it unchanged."""
        limit = self.started - filememo.RACY_NS
        return any(st is not None and st.st_mtime_ns >= limit for _, st in self.files.values())

    def encode(self) -> dict[str, Any]:
        """The files as their paths, a 0/1 per path for lstat/stat, and one digest of their stats (the memo of
        corpus A was 300 KB of stat numbers); the paths of files and directories under the current directory
        relative to it."""
        cwd = os.getcwd()
        rel = _relative_to(cwd)
        rows = bytearray(_ROW.size * len(self.files))
        for i, (_, st) in enumerate(self.files.values()):
            _pack_row(rows, i * _ROW.size, st)
        files = {"cwd": cwd, "paths": pack_paths([rel(p) for p in self.files]),
                 "follow": "".join("1" if f else "0" for f, _ in self.files.values()), "digest": _rows_digest(rows)}
        return {"files": files, "kinds": self.kinds, "dirs": {rel(p): rec for p, rec in self.dirs.items()},
                "indexes": self.indexes}


def _unchanged(deps: dict[str, Any], saved: int) -> bool:
    """Every recorded path is as it was (see the module's docstring)."""
    files, kinds, dirs = deps["files"], deps["kinds"], deps["dirs"]
    if files["cwd"] != os.getcwd():  # (relative paths; the memos' keys hold the directory anyway)
        return False
    packed, follow = files["paths"], files["follow"]
    if sum(len(names) for _, names in packed) != len(follow):
        return False
    # One stat per path and no other work per path that can be spared: ~3,000 of them in corpus A.
    size = _ROW.size
    rows = bytearray(size * len(follow))
    pack, lstat, stat_ = _ROW.pack_into, os.lstat, os.stat
    flags = iter(follow)
    at = 0
    for head, names in packed:
        for name, f in zip(names, flags):  # (zip asks `names` first: no flag is taken past a run's end)
            try:
                st = lstat(head + name) if f == "0" else stat_(head + name)
            except OSError:
                pack(rows, at, *_ABSENT)
            else:
                try:
                    pack(rows, at, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)  # (_pack_row, inlined)
                except struct.error:
                    _pack_row(rows, at, st)
            at += size
    if _rows_digest(rows) != files["digest"]:
        return False
    for path, k in kinds.items():
        try:
            now = stat.S_IFMT(os.lstat(path).st_mode)
        except OSError:
            now = 0
        if now != k:
            return False
    for git_dir, (rec, digest) in deps["indexes"].items():
        try:
            index: list[int] | None = _stat_record(os.stat(os.path.join(git_dir, "index")))
        except OSError:
            index = None
        if index != rec:  # rewritten (a `git status` refreshes stat data): the same paths are as good
            from lmimigrate.core.gitfiles import tracked

            if _digest(tracked(git_dir)) != digest:
                return False
    skip = None
    for path, rec in dirs.items():
        try:
            st = os.stat(path)
        except OSError:
            return False
        if [st.st_mtime_ns, st.st_ctime_ns, st.st_ino] == rec[:3] and rec[0] < saved - filememo.RACY_NS:
            continue
        if st.st_ino != rec[2]:
            return False
        skip = skip or skip_dirs()
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError:
            return False
        if _names_digest(entries, skip) != rec[3]:
            return False
    return True


def _name(secret: bytes, key: str, kind: str = KIND) -> str:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), key=secret, digest_size=16).hexdigest()
    return f"{kind}-{digest}.json"


def key(parts: list[str]) -> str:
    from lmimigrate import __version__

    return json.dumps([FORMAT, __version__, sys.version, os.path.abspath(sys.modules["lmimigrate"].__file__ or ""),
                       *parts])


def load(root: str, secret: bytes, run_key: str) -> Report | None:
    """The memoized report of this key when nothing it depended on changed, else None. Never raises."""
    value = load_value(root, secret, run_key, KIND)
    try:
        from lmimigrate.core.runreport import decode_report

        return None if value is None else decode_report(value)
    except Exception:  # a damaged or foreign memo: the normal path
        return None


def save(root: str, secret: bytes, run_key: str, deps: Deps, report: Report) -> None:
    """Keep the report for the next run with this key, unless something it read was too fresh. Never raises."""
    if report.internal_error:
        return
    try:
        from lmimigrate.core.runreport import encode_report

        value = encode_report(report)
    except (ValueError, TypeError):
        return
    save_value(root, secret, run_key, KIND, deps, value, KEEP)


def load_value(root: str, secret: bytes, memo_key: str, kind: str) -> Any:
    """The value a memo of `kind` keeps under this key when nothing it depended on changed, else None (the tree
    memo, core/treememo.py, keeps its detections this way). Never raises."""
    try:
        data = cachedir.load(root, _name(secret, memo_key, kind))
    except cachedir.Unusable:
        return None
    if data is None:
        return None
    try:
        value = json.loads(data)
        if value["key"] != memo_key or not _unchanged(value["deps"], value["saved"]):
            return None
        return value["value"]
    except Exception:  # a damaged or foreign memo: the normal path
        return None


def save_value(root: str, secret: bytes, memo_key: str, kind: str, deps: Deps, value: Any, keep: int) -> None:
    """Keep `value` under this key, unless something it was made from was too fresh. Never raises."""
    if not deps.usable or deps.racy():
        return
    try:
        body = json.dumps({"key": memo_key, "saved": deps.started, "deps": deps.encode(), "value": value},
                          separators=(",", ":"))
        fd = cachedir.open_dir(root, create=True)
    except (cachedir.Unusable, OSError, ValueError, TypeError):
        return
    try:
        ours = cachedir.scan(fd)
        cachedir.ensure_gitignore(fd)
        name = _name(secret, memo_key, kind)
        cachedir.write(fd, name, cachedir.HEADER + body[1:].encode("utf-8", "surrogatepass"))
        cachedir.prune(fd, ours, keep, name)
    except (cachedir.Unusable, OSError):
        pass
    finally:
        os.close(fd)


def decode_detection(item: list[Any]) -> Detection:
    from lmimigrate.core.detection import Detection
    from lmimigrate.core.pep440 import Version

    s, v, p, line, text, note, refused = item
    return Detection(s, None if v is None else Version(v), p, line, text, note, refused)


def encode_detection(d: Any) -> list[Any]:
    return [d.stack, None if d.version is None else str(d.version), d.path, d.line, d.text, d.note, d.refused]
