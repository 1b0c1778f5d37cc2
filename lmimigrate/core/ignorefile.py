"""The patterns of one ignore file (`.gitignore`, `info/exclude`, `core.excludesFile`), with pathspec's
`GitIgnoreSpec` semantics but without importing pathspec on every run.

pathspec is the source of truth for turning a gitignore line into a regular expression. Importing it costs
more than the rest of a one-file `check` (on Python < 3.12 it pulls in asyncio), and pre-commit starts the
tool on every commit. So each line's translation is kept in the user cache (core/usercache.py), keyed by the
installed pathspec's version, and pathspec is imported only for lines never seen before. Matching is
`GitIgnoreSpec`'s own rule (pathspec/_backends/simple/gitignore.py): the last matching pattern wins, except
that a match of the path itself outranks a match through a parent directory (the `ps_d` group).
tests/test_ignorefile.py checks it against `GitIgnoreSpec` itself.
"""

from __future__ import annotations

import os
import re
import zlib

from lmimigrate.core import usercache

_PREFIX, _SUFFIX = "gitignore-", ".json"
MAX_LINES = 4096  # translations kept; past that the file starts again (a few repositories' worth)
_memo: dict[str, tuple[str | None, bool | None]] | None = None
_memo_path: str | None = None
_dir_mark = "ps_d"


class IgnoreRules:
    """Compiled patterns of one file, newest first (the order `GitIgnoreSpec` checks them in)."""

    __slots__ = ("_patterns",)

    def __init__(self, patterns: list[tuple[re.Pattern[str], bool]]) -> None:
        self._patterns = patterns[::-1]

    def include(self, path: str) -> bool | None:
        """True when `path` ('/'-separated, relative to the file's directory, a directory with a trailing
        '/') is ignored, False when a negation re-includes it, None when no pattern matches."""
        out: bool | None = None
        out_priority = 0
        for regex, include in self._patterns:
            match = regex.search(path)
            if match is None:
                continue
            if match.groupdict().get(_dir_mark):
                if out_priority < 1:
                    out, out_priority = include, 1
            else:
                return include
        return out


def _pathspec_key() -> str | None:
    """The installed pathspec's version text, read without importing it (its `_version.py`)."""
    from importlib.machinery import PathFinder  # not importlib.util: its import costs more than this lookup

    try:
        spec = PathFinder.find_spec("pathspec")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    try:
        with open(os.path.join(os.path.dirname(spec.origin), "_version.py"), "rb") as fh:
            return f"{zlib.crc32(fh.read()):08x}"
    except OSError:
        return None


def _load_memo() -> dict[str, tuple[str | None, bool | None]]:
    global _memo, _memo_path, _dir_mark
    if _memo is not None:
        return _memo
    _memo = {}
    key = _pathspec_key()
    if key is None:
        return _memo
    _memo_path = os.path.join(usercache.directory(), f"{_PREFIX}{key}{_SUFFIX}")
    data = usercache.read_json(_memo_path) or {}
    lines, mark = data.get("lines"), data.get("dir_mark")
    if isinstance(lines, dict) and isinstance(mark, str):
        for line, value in lines.items():
            if (isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, type(None)))
                    and isinstance(value[1], (bool, type(None)))):
                _memo[line] = (value[0], value[1])
        _dir_mark = mark
    return _memo


def _translate(lines: list[str]) -> None:
    """Adds pathspec's translation of these lines to the memo, and stores it."""
    global _dir_mark
    from pathspec.patterns.gitignore.spec import _DIR_MARK, GitIgnoreSpecPattern

    memo = _load_memo()
    if _dir_mark != _DIR_MARK:
        memo.clear()
        _dir_mark = _DIR_MARK
    if len(memo) + len(lines) > MAX_LINES:
        memo.clear()
    for line in lines:
        regex, include = GitIgnoreSpecPattern.pattern_to_regex(line)
        memo[line] = (regex, include)
    if _memo_path is not None:
        data = {"dir_mark": _dir_mark, "lines": {k: list(v) for k, v in memo.items()}}
        usercache.write_json(_memo_path, data, _PREFIX, _SUFFIX, keep=2)


def compile_lines(lines: list[str]) -> IgnoreRules | None:
    """The rules of an ignore file's lines, or None when none of them is a pattern."""
    memo = _load_memo()
    missing = [line for line in dict.fromkeys(lines) if line not in memo]
    if missing:
        _translate(missing)
    patterns = []
    for line in lines:
        regex, include = memo[line]
        if regex is not None and include is not None:
            patterns.append((re.compile(regex), include))
    return IgnoreRules(patterns) if patterns else None
