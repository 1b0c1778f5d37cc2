"""The tree memo (core/treememo.py): a warm pre-commit batch takes the repository-wide detections without
listing the work tree; anything they were made from that moved is a miss."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lmimigrate.core import api, registry, scoping

OLD = time.time() - 3600  # older than the memo's racy window


def _write(root: Path, rel: str, text: str, age: float = 0) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    os.utime(p, (OLD + age, OLD + age))
    return p


def _repo(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
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


@pytest.mark.parametrize("change", ["new-anchor", "edited-anchor", "deleted-anchor", "ignored-anchor"])
def test_what_the_detections_were_made_from_moving_is_a_miss(tmp_path, listings, change):
    root = _repo(tmp_path / "repo")
    assert _batch(root)["lmi"][0] == "14"
    if change == "new-anchor":  # a second anchor in another directory: the repository has two versions
        _write(root, "deploy/sm.py", "image_uri = '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.31.0-lmi13.0.0-cu124'\n", 10)
        expected = "None"
    elif change == "edited-anchor":
        _write(root, "docker/Dockerfile", "FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.31.0-lmi13.0.0-cu124\n", 10)
        expected = "13"
    elif change == "deleted-anchor":
        (root / "docker" / "Dockerfile").unlink()
        expected = "None"
    else:
        _write(root, ".gitignore", "docker/\n", 10)
        expected = "None"
    listings.clear()
    got = _batch(root)
    assert listings, "the tree was listed again"
    assert str(got["lmi"][0]) == expected, got
