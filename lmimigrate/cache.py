"""The result cache, `.lmimigrate_cache/`: files known to have no findings for a given run key are not re-read.

Only "no findings" verdicts are stored (files with findings are always re-checked, so their output is exact),
and only in report mode. The run key covers the tool version, the active rules, the version pairs, the
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
FORMAT = "1"


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


def entry(data: bytes, surface: str, display: str) -> bytes:
    h = hashlib.blake2b(data, digest_size=16)
    h.update(b"\0" + surface.encode() + b"\0" + display.encode("utf-8", "surrogatepass"))
    return h.digest()


MAX_KEYS = 8  # run keys kept side by side (a pre-commit run on a few files detects other versions)
MAX_ENTRIES = 200_000


class Cache:
    def __init__(self, root: str, key: str):
        self.dir = os.path.join(root, DIRNAME)
        self.path = os.path.join(self.dir, f"clean-{key}.bin")
        self.known: set[bytes] = set()
        self.hits: set[bytes] = set()
        self.new: set[bytes] = set()
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read()
            self.known = {raw[i : i + 16] for i in range(0, len(raw) - len(raw) % 16, 16)}
        except OSError:
            pass

    def clean(self, e: bytes) -> bool:
        if e in self.known:
            self.hits.add(e)
            return True
        return False

    def add(self, e: bytes) -> None:
        self.new.add(e)

    def save(self) -> None:
        """Merge this run's clean files into the entries of its run key. Never raises."""
        if not self.new:
            return
        entries = self.known | self.new
        if len(entries) > MAX_ENTRIES:  # stale entries of edited files: start again from this run
            entries = self.hits | self.new
        try:
            os.makedirs(self.dir, exist_ok=True)
            ignore = os.path.join(self.dir, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w") as fh:
                    fh.write("# Created by lmimigrate: a cache, never commit it.\n*\n")
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(b"".join(sorted(entries)))
            os.replace(tmp, self.path)
            others = [os.path.join(self.dir, n) for n in os.listdir(self.dir) if n.startswith("clean-")]
            others.sort(key=lambda p: os.stat(p).st_mtime, reverse=True)
            for old in others[MAX_KEYS:]:
                os.unlink(old)
        except OSError:
            pass
