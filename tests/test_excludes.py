"""Exclude patterns (discovery._excluded): plain names are matched without regular expressions (they are asked
of every file of a tree); the answers are the glob translation's, for plain names and globs alike."""

from __future__ import annotations

import fnmatch
import itertools
import os
import re

from lmimigrate.core.discovery import DEFAULT_EXCLUDES, _excluded


def _reference(rel: str, excludes: tuple[str, ...]) -> bool:
    pats = [p.rstrip("/") for p in excludes]
    norm = rel.replace(os.sep, "/")
    if any(re.match(fnmatch.translate(p), norm) or re.match(fnmatch.translate(p + "/*"), norm) for p in pats):
        return True
    return any(re.match(fnmatch.translate(p), part) for p in pats for part in norm.split("/"))


PATTERNS = [(), DEFAULT_EXCLUDES, ("build",), ("build/",), ("docs/build",), ("*.py",), ("tests", "*.yaml"),
            ("a.b",), ("x]",), ("sub/*",), ("[ab]",), ("",), ("/",), ("a\\\\b",), ("Build",)]
PARTS = ["", "build", "Build", "a", "b", "a.b", "aXb", "x]", "docs", "sub", "tests", "x.py", "y.yaml", "node_modules",
         "a\\\\b", ".venv", "venv2"]


def test_excluded_agrees_with_the_glob_translation():
    paths = {"/".join(p) for n in (1, 2, 3) for p in itertools.product(PARTS, repeat=n)}
    wrong = [(rel, ex) for ex in PATTERNS for rel in sorted(paths) if _excluded(rel, ex) != _reference(rel, ex)]
    assert wrong == []
