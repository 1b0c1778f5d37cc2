"""The tree memo (core/treememo.py): a warm pre-commit batch takes the repository-wide detections without
listing the work tree; anything they were made from that moved is a miss."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from lmimigrate.core import api, registry, runmemo, scoping

OLD = time.time() - 3600  # older than the memo's racy window


def _write(root: Path, rel: str, text: str, age: float = 0) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    os.utime(p, (OLD + age, OLD + age))
    return p


def _repo(root: Path) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    _write(root, "serving.properties", "option.rolling_batch=lmi-dist\n")
    _write(root, "docker/Dockerfile", "FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.32.0-lmi14.0.0-cu126\n")
    for i in range(10):
        _write(root, f"app/mod{i}.py", "print('x')\n")
    return root


def _batch(root: Path, named: str = "serving.properties") -> dict[str, tuple[str, str | None]]:
    opts = api.Options(paths=[str(root / named)], rules=registry.select(None, ["LMM"]), cache=True, jobs=1)
    report = api.run(opts)
    return {s: (str(p.from_), p.from_source) for s, p in report.pairs.items()}


@pytest.fixture(autouse=True)
def _own_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


@pytest.fixture
def listings(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = scoping.tree_files

    def counting(root, view=None):
        calls.append(root)
        return real(root, view)

    monkeypatch.setattr(scoping, "tree_files", counting)
    return calls


def test_a_warm_batch_does_not_list_the_tree(tmp_path, listings):
    root = _repo(tmp_path / "repo")
    cold = _batch(root)
    assert listings and cold["lmi"][0] == "14" and cold["lmi"][1].endswith("Dockerfile:1")
    listings.clear()
    assert _batch(root) == cold
    assert listings == []
    assert any(n.startswith("tree-") for n in os.listdir(root / ".lmimigrate_cache"))


def test_a_batch_naming_other_files_still_counts_every_anchor(tmp_path, listings):
    root = _repo(tmp_path / "repo")
    _batch(root, "docker/Dockerfile")  # the anchor file itself is named (read as a candidate) this time
    listings.clear()
    assert _batch(root)["lmi"][0] == "14"
    assert listings == []  # from the memo, which holds the whole tree


OTHER_ANCHOR = "image_uri = '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.31.0-lmi13.0.0-cu124'\n"


# From the work tree's root (as pre-commit runs), the memo keeps the paths under it relative; from elsewhere,
# absolute: both are checked.
@pytest.mark.parametrize("cwd", ["root", "elsewhere"])
@pytest.mark.parametrize("change", ["new-anchor", "edited-anchor", "deleted-anchor", "ignored-anchor",
                                    "anchor-in-another-file", "anchor-in-another-file-same-mtime"])
def test_what_the_detections_were_made_from_moving_is_a_miss(tmp_path, listings, change, cwd, monkeypatch):
    root = _repo(tmp_path / "repo")
    if change == "anchor-in-another-file-same-mtime":  # the same size too: what the edit leaves is the ctime
        _write(root, "app/mod3.py", "#" * (len(OTHER_ANCHOR) - 1) + "\n")
    if cwd == "root":
        monkeypatch.chdir(root)
    assert _batch(root)["lmi"][0] == "14"
    listings.clear()
    assert _batch(root)["lmi"][0] == "14" and listings == []  # warm: a hit
    if change == "new-anchor":  # a second anchor in another directory: the repository has two versions
        _write(root, "deploy/sm.py", "image_uri = '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.31.0-lmi13.0.0-cu124'\n", 10)
        expected = "None"
    elif change == "edited-anchor":
        _write(root, "docker/Dockerfile", "FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.31.0-lmi13.0.0-cu124\n", 10)
        expected = "13"
    elif change == "deleted-anchor":
        (root / "docker" / "Dockerfile").unlink()
        expected = "None"
    elif change == "ignored-anchor":
        _write(root, ".gitignore", "docker/\n", 10)
        expected = "None"
    elif change == "anchor-in-another-file":  # a file that had no anchor has one now
        _write(root, "app/mod3.py", OTHER_ANCHOR, 10)
        expected = "None"
    else:  # the same, by a tool that restores the mtime: only the change time (ctime) moves
        before = os.stat(root / "app" / "mod3.py")
        _write(root, "app/mod3.py", OTHER_ANCHOR)
        after = os.stat(root / "app" / "mod3.py")
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
        expected = "None"
    listings.clear()
    got = _batch(root)
    assert listings, "the tree was listed again"
    assert str(got["lmi"][0]) == expected, got


def test_a_file_modified_within_the_racy_window_writes_no_memo(tmp_path, listings):
    root = _repo(tmp_path / "repo")
    (root / "app" / "mod1.py").touch()  # now: its stat cannot prove that the next state is the same
    _batch(root)
    listings.clear()
    _batch(root)
    assert listings, "a memo was written although a file it was made from was too fresh"
    assert not any(n.startswith("tree-") for n in os.listdir(root / ".lmimigrate_cache"))


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent / "home"),
           "XDG_CONFIG_HOME": str(root.parent / "xdg")}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_a_newly_tracked_anchor_file_is_a_miss(tmp_path, listings, monkeypatch):
    # Tracked files are listed although ignored: an ignored anchor that `git add -f` tracks counts from then on.
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    _git(root, "init", "-q")
    _repo(root)
    _write(root, ".gitignore", "ignored/\n")
    _write(root, "ignored/sm.py", OTHER_ANCHOR)
    _git(root, "add", "serving.properties", "docker")
    for fresh in (".git/config", ".git/info/exclude", ".git/index"):  # (fresh files write no memo)
        if (root / fresh).exists():
            os.utime(root / fresh, (OLD, OLD))
    monkeypatch.chdir(root)
    assert _batch(root)["lmi"][0] == "14"
    listings.clear()
    assert _batch(root)["lmi"][0] == "14" and listings == []
    _git(root, "add", "-f", "ignored/sm.py")
    assert str(_batch(root)["lmi"][0]) == "None"
    assert listings


def test_the_memo_watches_lmimigrates_own_code(tmp_path, listings, monkeypatch):
    # Detection is lmimigrate's code: another version of a module of the package is a miss (the run memo's rule).
    root = _repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    _batch(root)
    (memo,) = (root / ".lmimigrate_cache").glob("tree-*.json")
    files = json.loads(memo.read_bytes())["deps"]["files"]
    recorded = {os.path.join(files["cwd"], p) for p in runmemo.unpack_paths(files["paths"])}
    assert os.path.abspath(scoping.__file__) in recorded
    assert os.path.abspath(runmemo.__file__) in recorded
    assert str(root / "app" / "mod1.py") in recorded


def test_a_symlink_in_the_tree_counts_by_its_own_stat(tmp_path, listings, monkeypatch):
    # A symlink is never read for versions (its target could move): what is recorded is the link itself.
    root = _repo(tmp_path / "repo")
    (root / "app" / "link.py").symlink_to("mod1.py")
    os.utime(root / "app" / "link.py", (OLD, OLD), follow_symlinks=False)
    os.utime(root / "app", (OLD, OLD))
    monkeypatch.chdir(root)
    _batch(root)
    listings.clear()
    assert _batch(root)["lmi"][0] == "14" and listings == []
    _write(root, "app/mod1.py", OTHER_ANCHOR)  # the target changes: the link's own stat does not
    assert _batch(root)["lmi"][0] == "None" and listings  # (mod1.py itself is in the tree)
