"""The result cache, `.lmimigrate_cache/`: a file whose bytes were checked before under the same run key is
not parsed again; its findings (none, mostly) come from the cache.

Results are stored in report mode only, as JSON (never pickle: a cache directory could come from anyone), and
never for a file whose check hit an internal error. The run key covers the tool version, the active rules, the version pairs, the
configuration that changes results (per-file ignores), and the Python version; an entry is the BLAKE2b of the
file's bytes together with its surface and display path. A cache that cannot be read or written is ignored:
it never fails a run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

DIRNAME = ".lmimigrate_cache"
FORMAT = "2"


def project_root(paths: list[str]) -> str:
    """The git work tree of the first path, else the current directory."""
    first = paths[0] if paths else "."
    start = first if os.path.isdir(first) else (os.path.dirname(first) or ".")
    try:
        out = subprocess.run(["git", "-C", start, "rev-parse", "--show-toplevel"], capture_output=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return os.fsdecode(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return os.getcwd()


def run_key(parts: list[str]) -> str:
    from lmimigrate import __version__

    h = hashlib.blake2b(digest_size=16)
    for p in [FORMAT, __version__, sys.version, *parts]:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def entry(data: bytes, surface: str, display: str) -> str:
    h = hashlib.blake2b(data, digest_size=16)
    h.update(b"\0" + surface.encode() + b"\0" + display.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def encode(findings: list, text: str | None) -> list:
    """Findings as JSON values; a unit whose text is the whole file's is stored as a reference to it."""
    units: dict[int, int] = {}
    unit_list: list = []
    out: list = [unit_list]
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


def decode(value: list, text: str | None) -> list:
    from lmimigrate.core.ftypes import Applicability, Finding, Fix, Severity, TextEdit, Unit

    unit_list = [Unit(text=text if t is None else t, surface=surface, cell=cell, newline=nl, comment_prefixes=tuple(cp))
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
MAX_ENTRIES = 200_000


class Cache:
    def __init__(self, root: str, key: str):
        self.dir = os.path.join(root, DIRNAME)
        self.path = os.path.join(self.dir, f"results-{key}.json")
        self.known: dict[str, list] = {}
        self.new: dict[str, list] = {}
        self.hits: set[str] = set()
        try:
            import json

            with open(self.path, encoding="utf-8") as fh:
                known = json.load(fh)
            if isinstance(known, dict):
                self.known = known
        except (OSError, ValueError):
            pass

    def get(self, e: str, text_of) -> list | None:
        """The cached findings of an entry (`text_of()` gives the file's decoded text), or None."""
        value = self.known.get(e)
        if value is None:
            return None
        try:
            findings = decode(value, text_of() if any(u[0] is None for u in value[0]) else None)
        except Exception:  # a damaged or foreign cache entry: check the file again
            return None
        self.hits.add(e)
        return findings

    def add(self, e: str, findings: list, text: str | None) -> None:
        try:
            self.new[e] = encode(findings, text)
        except Exception:  # pragma: no cover - an unusual finding: just do not cache it
            pass

    def save(self) -> None:
        """Merge this run's results into the entries of its run key. Never raises."""
        if not self.new:
            return
        import json

        entries = {**self.known, **self.new}
        if len(entries) > MAX_ENTRIES:  # stale entries of edited files: start again from this run
            entries = {**{e: self.known[e] for e in self.hits}, **self.new}
        try:
            os.makedirs(self.dir, exist_ok=True)
            ignore = os.path.join(self.dir, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w") as fh:
                    fh.write("# Created by lmimigrate: a cache, never commit it.\n*\n")
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(entries, fh, separators=(",", ":"))
            os.replace(tmp, self.path)
            others = [os.path.join(self.dir, n) for n in os.listdir(self.dir) if n.startswith(("results-", "clean-"))]
            others.sort(key=lambda p: os.stat(p).st_mtime, reverse=True)
            for old in others[MAX_KEYS:]:
                os.unlink(old)
        except (OSError, ValueError, TypeError):
            pass
