"""Where the rule index (core/ruleindex.py) is kept between runs, and when it is still valid.

The index is built on first use by importing everything, and stored as JSON in the user's cache directory
(core/usercache.py). It is valid while every recorded file and directory (the rule packs, the
plugins, each `sys.path` entry, where installing or removing a distribution changes the directory) has the
size and mtime it had; otherwise it is rebuilt. A missing, foreign, damaged or unwritable index only costs
time. It is read and written without following symlinks, only if it belongs to the current user, and only
index files of this module's own naming are ever pruned.
"""

from __future__ import annotations

import os
import stat
import sys
import zlib

from lmimigrate.core import usercache
from lmimigrate.core.ruleindex import Problem, RuleIndex, decode_entry, encode_entry
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable

FORMAT = 5  # 3: entries as rows (ruleindex.encode_entry); 4: `also_in`; 5: `and_tokens`
KEEP = 16  # index files kept side by side (worktrees, virtual environments)
_PREFIX, _SUFFIX = "rule-index-", ".json"


# ---- the key: what must not have changed ---------------------------------------------------------------

def _stat(path: str) -> list[Any] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, stat.S_ISDIR(st.st_mode)]


def _search_path() -> list[str]:
    """`sys.path` without its first entry (the script's directory, or the current directory for `python -m`)
    nor the current directory: they change with every file created there, and hold no installed
    distribution."""
    cwd = os.getcwd()
    return [p for p in sys.path[1:] if p and p != cwd]


def watched_paths(modules: list[str]) -> list[str]:
    """The files and directories of these (imported) modules and packages, and the `sys.path` entries."""
    paths: set[str] = set(_search_path())
    for name in modules:
        mod = sys.modules.get(name)
        f = getattr(mod, "__file__", None)
        if f:
            paths.add(f)
        for d in getattr(mod, "__path__", None) or ():
            paths.add(d)
            try:
                paths.update(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".py"))
            except OSError:
                pass
    return sorted(paths)


def _location() -> str:
    """The file of this installation's index: one per package location and `sys.path`."""
    # Only a name (the content is checked): a CRC, as hashlib's import costs more than the whole lookup.
    key = "\0".join((__file__, sys.version, *_search_path())).encode("utf-8", "surrogatepass")
    return os.path.join(usercache.directory(), f"{_PREFIX}{zlib.crc32(key):08x}{zlib.adler32(key):08x}{_SUFFIX}")


def _valid(data: dict[str, Any]) -> RuleIndex | None:
    from lmimigrate import __version__

    if data.get("format") != FORMAT or data.get("version") != __version__ or data.get("python") != sys.version:
        return None
    watched = data.get("watched")
    if not isinstance(watched, list):
        return None
    for item in watched:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return None
        if _stat(item[0]) != item[1]:
            return None
    try:
        entries = tuple(decode_entry(d) for d in data["rules"])
        problems = [Problem(str(p["plugin"]), str(p["message"])) for p in data["problems"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    modules = {m for m in data.get("modules", ()) if isinstance(m, str)}
    if any(e.module not in modules for e in entries):
        return None  # only the modules the build itself imported may be imported from an index
    return RuleIndex(entries, problems)


def load(build: Callable[[], tuple[RuleIndex, list[str]]]) -> RuleIndex:
    """The index of the installed rules: from the cache when nothing it depends on changed, else `build()`,
    which returns (RuleIndex, imported module names) and is stored for the next run."""
    path = _location()
    data = usercache.read_json(path)
    if data is not None:
        index = _valid(data)
        if index is not None:
            return index
    index, modules = build()
    from lmimigrate import __version__

    data = {
        "format": FORMAT, "version": __version__, "python": sys.version,
        "watched": [[p, _stat(p)] for p in watched_paths(sorted(modules))],
        "modules": sorted({e.module for e in index.entries}),
        "rules": [encode_entry(e) for e in index.entries],
        "problems": [{"plugin": p.plugin, "message": p.message} for p in index.problems],
    }
    usercache.write_json(path, data, _PREFIX, _SUFFIX, KEEP)
    return index
