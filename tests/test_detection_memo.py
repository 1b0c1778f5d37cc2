"""Repository-wide version detection (for pre-commit batches) through the stat memo: a warm batch reads no
file of the rest of the repository, and a changed anchor is read again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lmimigrate.core import api, registry, scoping

OLD = time.time() - 3600  # older than the memo's racy window


def _repo(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    files = {
        "serving.properties": "option.rolling_batch=lmi-dist\n",
        "docker/Dockerfile": "FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.32.0-lmi14.0.0-cu126\n",
        "k8s/deploy.yaml": "image: vllm/vllm-openai:v0.8.2\n",
        **{f"app/mod{i}.py": "print('x')\n" for i in range(20)},
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        os.utime(p, (OLD, OLD))
    return root


def _batch(root: Path):
    # a pre-commit batch: one named file; detection still looks at the whole tree
    opts = api.Options(paths=[str(root / "serving.properties")], rules=registry.select(None, ["LMM"]), cache=True,
                       jobs=1)
    report = api.run(opts)
    return {s: (str(p.from_), p.from_source) for s, p in report.pairs.items()}


@pytest.fixture(autouse=True)
def _own_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def _count_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = scoping.detect_file

    def counting(fs_path, display):
        reads.append(fs_path)
        return real(fs_path, display)

    monkeypatch.setattr(scoping, "detect_file", counting)
    return reads


def test_warm_batch_reads_no_other_file_and_detects_the_same(tmp_path, monkeypatch):
    root = _repo(tmp_path / "repo")
    reads = _count_reads(monkeypatch)
    cold = _batch(root)
    assert len(reads) >= 22  # the cold run scanned the rest of the tree
    assert cold["lmi"][0] == "14" and cold["lmi"][1].endswith("Dockerfile:1")
    reads.clear()
    warm = _batch(root)
    assert warm == cold
    assert reads == []


def test_a_changed_anchor_is_read_again(tmp_path, monkeypatch):
    root = _repo(tmp_path / "repo")
    _batch(root)
    docker = root / "docker" / "Dockerfile"
    docker.write_text("FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.31.0-lmi13.0.0-cu124\n")
    os.utime(docker, (OLD + 10, OLD + 10))
    reads = _count_reads(monkeypatch)
    pairs = _batch(root)
    assert reads == [str(docker)]
    assert pairs["lmi"][0] == "13"


def test_without_the_cache_the_tree_is_read_every_time(tmp_path, monkeypatch):
    root = _repo(tmp_path / "repo")
    reads = _count_reads(monkeypatch)
    opts = api.Options(paths=[str(root / "serving.properties")], rules=registry.select(None, ["LMM"]), cache=False,
                       jobs=1)
    api.run(opts)
    first = len(reads)
    api.run(opts)
    assert first >= 22 and len(reads) == 2 * first
