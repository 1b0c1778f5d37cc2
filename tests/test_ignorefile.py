"""core/ignorefile.py: gitignore lines matched like pathspec's GitIgnoreSpec, with the translations kept in
the user cache so that a run does not import pathspec for lines it has seen before."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pathspec
import pytest

from lmimigrate.core import ignorefile

LINES = [
    "*.pyc", "__pycache__/", "/build", "build/", "dist", "!keep.pyc", "docs/**/*.md", "**/tmp", "a/**/b",
    "!/build/keep/", "logs/*", "!logs/important.log", "\\#notacomment", "# a comment", "", "   ", "*.log ",
    "foo\\ ", "[abc].txt", "x?y", "!*.txt", "sub/dir/", "/root-only.txt", "**", "node_modules", "*/",
    "!dir/", "dir/", "out/**", "!out/**/keep", ".env*", "!.env.example",
]
PATHS = [
    "a.pyc", "x/a.pyc", "keep.pyc", "x/keep.pyc", "__pycache__/", "x/__pycache__/", "__pycache__", "build",
    "build/", "src/build/", "build/keep/", "build/keep/x", "dist", "dist/", "x/dist", "docs/a.md", "docs/x/y/a.md",
    "tmp", "x/tmp/", "a/b", "a/x/y/b", "logs/x.log", "logs/important.log", "#notacomment", "a.log", "a.log ",
    "foo ", "a.txt", "d.txt", "xzy", "sub/dir/", "sub/dir", "root-only.txt", "x/root-only.txt", "node_modules/",
    "x/node_modules/y", "dir/", "x/dir/", "out/a", "out/b/keep", ".env", ".env.local", ".env.example", "plain",
]


def _subsets():
    yield LINES
    for i in range(0, len(LINES), 3):
        yield LINES[i:i + 5]
    for a, b in itertools.combinations(["dir/", "!dir/", "*/", "dir", "!dir", "dir/**", "!dir/x"], 2):
        yield [a, b]


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LMIMIGRATE_INDEX_DIR", str(tmp_path / "user-cache"))
    monkeypatch.setattr(ignorefile, "_memo", None)
    monkeypatch.setattr(ignorefile, "_memo_path", None)


def test_matches_like_gitignorespec():
    checked = 0
    for lines in _subsets():
        ours = ignorefile.compile_lines(list(lines))
        theirs = pathspec.GitIgnoreSpec.from_lines(list(lines))
        for path in PATHS:
            expected = theirs.check_file(path).include
            got = ours.include(path) if ours is not None else None
            assert got == expected, (lines, path)
            checked += 1
    assert checked > 1000


def test_no_pattern_lines_give_none():
    assert ignorefile.compile_lines(["", "# only a comment", "   "]) is None


def _run(code: str, cache: str) -> str:
    env = dict(os.environ, LMIMIGRATE_INDEX_DIR=cache)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


PROBE = ("import sys; from lmimigrate.core import ignorefile as f; r = f.compile_lines(['*.pyc', '!keep.pyc', 'out/']);"
         "print('pathspec' in sys.modules, r.include('a.pyc'), r.include('keep.pyc'), r.include('x/out/'))")


def test_seen_lines_do_not_import_pathspec(tmp_path):
    cache = str(tmp_path / "c")
    assert _run(PROBE, cache).split() == ["True", "True", "False", "True"]
    assert _run(PROBE, cache).split() == ["False", "True", "False", "True"]


def test_a_damaged_or_foreign_memo_only_costs_time(tmp_path):
    cache = tmp_path / "c"
    _run(PROBE, str(cache))
    (memo,) = [p for p in cache.iterdir() if p.name.startswith("gitignore-")]
    data = json.loads(memo.read_text())
    data["lines"]["*.pyc"] = [123, "yes"]  # wrong types: translated again
    memo.write_text(json.dumps(data))
    assert _run(PROBE, str(cache)).split() == ["True", "True", "False", "True"]
    memo.write_text("{not json")
    assert _run(PROBE, str(cache)).split() == ["True", "True", "False", "True"]


def test_a_symlinked_memo_is_not_followed(tmp_path):
    cache = tmp_path / "c"
    _run(PROBE, str(cache))
    (memo,) = [p for p in cache.iterdir() if p.name.startswith("gitignore-")]
    outside = tmp_path / "outside.json"
    outside.write_text(memo.read_text())
    memo.unlink()
    memo.symlink_to(outside)
    before = outside.read_text()
    assert _run(PROBE, str(cache)).split()[0] == "True"  # not read through the link
    assert outside.read_text() == before
