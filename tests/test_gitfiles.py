"""core/gitfiles.py lists what `git ls-files -co --exclude-standard` lists, without running git.

The reference is git itself, run by the test on a tree the test wrote (never by lmimigrate)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from lmimigrate.core import gitfiles
from lmimigrate.core.discovery import discover


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent), "XDG_CONFIG_HOME": str(root.parent / "xdg")}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env).stdout


def _reference(directory: Path) -> list[str]:
    out = _git(directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    return sorted(p for p in out.split("\0") if p and not p.endswith("/"))  # "nested/": a repository, no file


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    _git(root, "init", "-q")
    files = {
        ".gitignore": "*.log\n!keep.log\nbuild/\n/top.env\n# comment\n\\#hash.yaml\n",
        "a.yaml": "", "x.log": "", "keep.log": "", "top.env": "", "#hash.yaml": "",
        "sub/.gitignore": "*.env\n!local.env\n", "sub/a.env": "", "sub/local.env": "", "sub/top.env": "",
        "sub/deep/b.yaml": "", "sub/deep/c.env": "", "build/out.yaml": "", "sub/build/out.yaml": "",
        "forced.log": "", "private.yaml": "", "global.yaml": "",
        "nested/n.yaml": "",
        "dir with space/ü.yaml": "",
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    _git(root / "nested", "init", "-q")  # a nested repository: its own tree, not entered
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("private.yaml\n")
    (tmp_path / "xdg" / "git").mkdir(parents=True)
    (tmp_path / "xdg" / "git" / "ignore").write_text("global.yaml\n")
    (root / "link.yaml").symlink_to("a.yaml")
    _git(root, "add", "a.yaml", "sub/deep/b.yaml")
    _git(root, "add", "-f", "forced.log", "build/out.yaml")
    return root


@pytest.mark.parametrize("index_version", ["2", "3", "4"])
def test_same_files_as_git_ls_files(repo, index_version):
    _git(repo, "update-index", "--index-version", index_version)
    assert gitfiles.list_files(str(repo)) == _reference(repo)
    assert gitfiles.list_files(str(repo / "sub")) == _reference(repo / "sub")


def test_excludes_file_from_the_repository_config(repo):
    (repo.parent / "mine.ignore").write_text("a.yaml\nkeep.log\n")
    _git(repo, "config", "core.excludesFile", str(repo.parent / "mine.ignore"))
    assert gitfiles.list_files(str(repo)) == _reference(repo)
    assert "global.yaml" in gitfiles.list_files(str(repo))  # the setting replaces $XDG_CONFIG_HOME/git/ignore


def test_not_a_work_tree(tmp_path):
    (tmp_path / "plain").mkdir()
    assert gitfiles.list_files(str(tmp_path / "plain")) is None


def test_discovery_of_a_tree_1100_levels_deep_outside_git(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = tmp_path
    for i in range(1100):
        d = d / "d"
        os.mkdir(d)
    (d / "serving.properties").write_text("engine=Python\n")
    try:
        found = [c.display for c in discover(["."]) if hasattr(c, "surface")]
        assert found == ["/".join(["d"] * 1100 + ["serving.properties"])]
    finally:  # bottom-up: pytest's own (recursive) clean-up of old temporary directories would fail on it
        os.unlink(d / "serving.properties")
        while d != tmp_path:
            os.rmdir(d)
            d = d.parent
