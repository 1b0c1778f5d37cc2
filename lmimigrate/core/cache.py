"""The result cache, `.lmimigrate_cache/`: a file whose bytes were checked before under the same run key is
not parsed again; its findings (none, mostly) come from the cache.

Results are stored in report mode only, as JSON (never pickle: a cache directory could come from anyone), and
never for a file whose check hit an internal error. The run key covers the tool version, the active rules, the
version pairs, the configuration that changes results (per-file ignores), and the Python version; an entry is
the keyed BLAKE2b (the per-user secret of `cachedir`) of the file's bytes together with its surface and display
path. A cache that cannot be read or written is ignored: it never fails a run. The directory itself is handled
by `cachedir`, which assumes the repository is hostile; a cache it cannot trust is ignored with a note.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

from lmimigrate.core import cachedir as cachedir  # (also the run's way to the per-user secret)

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable
    from lmimigrate.core.ftypes import Finding

DIRNAME = cachedir.DIRNAME
FORMAT = "3"


def project_root(paths: list[str]) -> str:
    """The git work tree (nearest directory holding `.git`) of the first path, else the current directory.
    Found by looking, not by running git: a checked tree's git configuration can run programs."""
    first = paths[0] if paths else "."
    start = first if os.path.isdir(first) else (os.path.dirname(first) or ".")
    d = os.path.abspath(start)
    while True:
        if os.path.lexists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return os.getcwd()
        d = parent


def run_key(parts: list[str]) -> str:
    from lmimigrate import __version__

    h = hashlib.blake2b(digest_size=16)
    for p in [FORMAT, __version__, sys.version, *parts]:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def entry(data: bytes, surface: str, display: str, key: bytes) -> str:
    h = hashlib.blake2b(data, digest_size=16, key=key)
    h.update(b"\0" + surface.encode() + b"\0" + display.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def encode(findings: list[Finding], text: str | None) -> list[Any]:
    """Findings as JSON values; a unit whose text is the whole file's is stored as a reference to it."""
    units: dict[int, int] = {}
    unit_list: list[list[Any]] = []
    out: list[Any] = [unit_list]
    for f in findings:
        u = f.unit
        ui = None
        if u is not None:
            ui = units.get(id(u))
            if ui is None:
                ui = units[id(u)] = len(unit_list)
                unit_list.append([None if u.text == text else u.text, u.surface, u.cell, u.newline, list(u.comment_prefixes)])
        fix = None
        if f.fix is not None:
            fix = [f.fix.applicability.value, f.fix.message, [[e.start, e.end, e.content] for e in f.fix.edits]]
        out.append([f.code, f.message, f.severity.value, f.path, ui, list(f.span), fix, f.url,
                    f.line, f.column, f.end_line, f.end_column])
    return out


def _is(value: Any, kinds: type[Any] | tuple[type[Any], ...], n: int | None = None) -> bool:
    return isinstance(value, kinds) and (n is None or len(value) == n)


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _valid(value: Any) -> bool:
    """The exact shape `encode` writes; anything else (a damaged or foreign entry) is a miss."""
    if not _is(value, list) or not value or not _is(value[0], list):
        return False
    for u in value[0]:
        if not (_is(u, list, 5) and _is(u[0], (str, type(None))) and _is(u[1], str) and (u[2] is None or _int(u[2]))
                and _is(u[3], str) and _is(u[4], list) and all(_is(c, str) for c in u[4])):
            return False
    for f in value[1:]:
        if not (_is(f, list, 12) and all(_is(x, str) for x in f[0:4]) and _is(f[7], str)
                and (f[4] is None or (_int(f[4]) and f[4] < len(value[0])))
                and _is(f[5], list, 2) and all(_int(x) for x in f[5]) and all(_int(x) for x in f[8:12])):
            return False
        fix = f[6]
        if fix is not None and not (_is(fix, list, 3) and _is(fix[0], str) and _is(fix[1], str) and _is(fix[2], list)
                                    and all(_is(e, list, 3) and _int(e[0]) and _int(e[1]) and _is(e[2], str) for e in fix[2])):
            return False
    return True


def decode(value: list[Any], text: str | None) -> list[Finding]:
    from lmimigrate.core.ftypes import Applicability, Finding, Fix, Severity, TextEdit, Unit

    # a unit stored as None is the whole file's: `get` then passes the file's text
    unit_list = [Unit(text=t if t is not None else text or "", surface=surface, cell=cell, newline=nl, comment_prefixes=tuple(cp))
                 for t, surface, cell, nl, cp in value[0]]
    out = []
    for code, message, sev, path, ui, span, fix, url, line, col, eline, ecol in value[1:]:
        if fix is not None:
            fix = Fix(Applicability(fix[0]), fix[1], tuple(TextEdit(a, b, c) for a, b, c in fix[2]))
        f = Finding(code=code, message=message, severity=Severity(sev), path=path,
                    unit=None if ui is None else unit_list[ui], span=tuple(span), fix=fix, url=url)
        f.line, f.column, f.end_line, f.end_column = line, col, eline, ecol
        out.append(f)
    return out


MAX_KEYS = 8  # run keys kept side by side (a pre-commit run on a few files detects other versions)
# Results files written since this (less a file system's coarse mtime) belong to this run and are kept.
_STARTED_NS = time.time_ns() - 2_000_000_000
#: Results files this process used: kept too. A run that rewrote one group's file (one file edited) pruned
#: the files of other groups it was about to read (corpus A has 11), and the next run checked them all again;
#: so a results file is written without pruning, and the run prunes once, at its end (`prune_unused`).
_USED: set[str] = set()
_WRITTEN: list[str] = []
MAX_ENTRIES = 200_000


class Cache:
    """`note` says why a cache directory was not used (None: used, or nothing to say)."""

    def __init__(self, root: str, key: str):
        self.root = root
        self.name = f"results-{key}.json"
        _USED.add(self.name)
        self.known: dict[str, list[Any]] = {}
        self.new: dict[str, list[Any]] = {}
        self.hits: set[str] = set()
        self.note: str | None = None
        self.usable = True
        try:
            data = cachedir.load(root, self.name)
        except cachedir.Unusable as e:
            self._refuse(e)
            return
        if data is None:
            return
        try:
            known = json.loads(data)
        except (ValueError, RecursionError, MemoryError):
            return
        entries = known.get("entries") if isinstance(known, dict) else None
        if isinstance(entries, dict):
            self.known = entries

    def _refuse(self, e: Exception) -> None:
        self.usable = False
        self.note = f"{e}; the cache is not used (nothing read, written or deleted there)"

    def get(self, e: str, text_of: Callable[[], str]) -> list[Finding] | None:
        """The cached findings of an entry (`text_of()` gives the file's decoded text), or None."""
        value = self.known.get(e)
        if value is None or not _valid(value):
            return None
        try:
            findings = decode(value, text_of() if any(u[0] is None for u in value[0]) else None)
        except Exception:  # a damaged or foreign cache entry: check the file again
            return None
        self.hits.add(e)
        return findings

    def add(self, e: str, findings: list[Finding], text: str | None) -> None:
        try:
            self.new[e] = encode(findings, text)
        except Exception:  # pragma: no cover - an unusual finding: just do not cache it
            pass

    def save(self) -> None:
        """Merge this run's results into the entries of its run key. Never raises."""
        if not self.new or not self.usable:
            return
        entries = {**self.known, **self.new}
        if len(entries) > MAX_ENTRIES:  # stale entries of edited files: start again from this run
            entries = {**{e: self.known[e] for e in self.hits}, **self.new}
        try:
            fd = cachedir.open_dir(self.root, create=True)
        except cachedir.Unusable as e:
            self._refuse(e)
            return
        except OSError:
            return
        try:
            cachedir.scan(fd)
            cachedir.ensure_gitignore(fd)
            body = json.dumps({"entries": entries}, separators=(",", ":"))
            cachedir.write(fd, self.name, cachedir.HEADER + body[1:].encode("utf-8", "surrogatepass"))
            _WRITTEN.append(self.name)
        except cachedir.Unusable as e:
            self._refuse(e)
        except (OSError, ValueError, TypeError):
            pass
        finally:
            os.close(fd)


def prune_unused(root: str) -> None:
    """After a run that wrote results: delete the oldest results files beyond MAX_KEYS that this process
    neither used nor wrote. Never raises."""
    if not _WRITTEN:
        return
    try:
        fd = cachedir.open_dir(root, create=False)
    except (cachedir.Unusable, OSError):
        return
    if fd is None:
        return
    try:
        cachedir.prune(fd, cachedir.scan(fd), MAX_KEYS, _WRITTEN[-1], _STARTED_NS, _USED)
    except (cachedir.Unusable, OSError):
        pass
    finally:
        os.close(fd)
        _WRITTEN.clear()
