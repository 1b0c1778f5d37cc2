"""Version detection per directory tree, over the whole repository, never clamped and never silent."""

from __future__ import annotations

import json
import subprocess

import pytest

from lmimigrate.cli import main

A_DOCKERFILE = 'FROM vllm/vllm-openai:v0.8.2\nCMD ["--model", "m"]\n'
B_COMPOSE = "services:\n  vllm:\n    image: vllm/vllm-openai:v0.6.2\n    command: --model m --max-num-seqs 8\n"
RUN = "vllm serve m --max-num-seqs 8\n"
# VLLM002 (V1 by default, 0.8.0) is a default change: it fires only where the known `from` is older than 0.8.0.
V1_DEFAULT = ["--to", "vllm==0.9.0", "--select", "VLLM002"]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "dirA").mkdir()
    (tmp_path / "dirB").mkdir()
    (tmp_path / "dirA" / "Dockerfile").write_text(A_DOCKERFILE)
    (tmp_path / "dirA" / "run.sh").write_text(RUN)
    (tmp_path / "dirB" / "compose.yaml").write_text(B_COMPOSE)
    (tmp_path / "dirB" / "run.sh").write_text(RUN)
    return tmp_path


def _git(path):
    subprocess.run(["git", "init", "-q", str(path)], check=True)


def run(capsys, *args):
    code = main(["check", "--no-cache", "--output-format", "json", *args])
    out = capsys.readouterr()
    return code, [(f["path"], f["line"], f["code"]) for f in json.loads(out.out or "[]")], out.err


def test_each_directory_gets_its_own_version(repo, capsys):
    code, found, err = run(capsys, "dirA", "dirB", *V1_DEFAULT)
    # dirA runs 0.8.2 already: V1 is no news there. dirB runs 0.6.2.
    assert found == [("dirB/compose.yaml", 4, "VLLM002"), ("dirB/run.sh", 1, "VLLM002")]
    assert "vllm 0.8.2 detected at dirA/Dockerfile:1" in err and "vllm 0.6.2 detected at dirB/compose.yaml:3" in err


def test_a_batch_without_the_anchor_gets_the_same_answer(repo, capsys):
    _git(repo)
    _, whole, _ = run(capsys, ".", *V1_DEFAULT)
    _, alone, err = run(capsys, "dirB/run.sh", *V1_DEFAULT)  # what pre-commit passes when only run.sh is staged
    assert alone == [f for f in whole if f[0] == "dirB/run.sh"] == [("dirB/run.sh", 1, "VLLM002")]
    assert "detected at dirB/compose.yaml:3" in err
    _, alone, _ = run(capsys, "dirA/run.sh", *V1_DEFAULT)
    assert alone == []


def test_the_nearest_anchor_wins(repo, capsys):
    (repo / "dirB" / "sub").mkdir()
    (repo / "dirB" / "sub" / "Dockerfile").write_text(A_DOCKERFILE)
    (repo / "dirB" / "sub" / "run.sh").write_text(RUN)
    _, found, _ = run(capsys, ".", *V1_DEFAULT)
    assert ("dirB/sub/run.sh", 1, "VLLM002") not in found
    assert ("dirB/run.sh", 1, "VLLM002") in found


def test_conflicting_anchors_in_one_directory_name_both_locations(repo, capsys):
    (repo / "dirA" / "requirements.txt").write_text("vllm==0.6.3\n")
    _, found, err = run(capsys, "dirA", *V1_DEFAULT)
    assert "conflicting vllm versions in dirA/" in err
    assert "0.6.3 at dirA/requirements.txt:1" in err and "0.8.2 at dirA/Dockerfile:1" in err
    assert ("dirA/run.sh", 1, "VLLM002") in found  # the oldest is used


def test_a_file_outside_every_anchor_tree_is_told_which_versions_disagree(repo, capsys):
    (repo / "serve.sh").write_text(RUN)
    _, found, err = run(capsys, ".", *V1_DEFAULT)
    assert ("serve.sh", 1, "VLLM002") not in found
    assert "no vllm version applies to serve.sh" in err
    assert "skipped (VLLM002)" in err


def test_one_version_in_the_repository_applies_everywhere(repo, capsys):
    (repo / "dirA" / "Dockerfile").write_text("FROM vllm/vllm-openai:v0.6.2\n")
    (repo / "serve.sh").write_text(RUN)
    _, found, err = run(capsys, ".", *V1_DEFAULT)
    assert ("serve.sh", 1, "VLLM002") in found
    assert "vllm 0.6.2 detected at" in err and "no vllm version applies" not in err


def test_a_detection_newer_than_the_target_stops_the_run(repo, capsys):
    code, found, err = run(capsys, "dirA", "--to", "vllm==0.7.0")
    assert code == 2
    assert "vllm 0.8.2 (detected at dirA/Dockerfile:1) is newer than --to vllm==0.7.0" in err


def test_an_explicit_from_newer_than_the_newest_known_is_refused(repo, capsys):
    code, _, err = run(capsys, "dirA", "--from", "vllm==9.0.0")
    assert code == 2
    assert "newer than the newest vllm version lmimigrate knows" in err


def test_refused_spelling_is_reported(repo, capsys):
    (repo / "dirA" / "k8s.yaml").write_text("image: deepjavalibrary/djl-serving:lmi-nightly\n")
    _, _, err = run(capsys, "dirA", *V1_DEFAULT)
    assert "dirA/k8s.yaml:1: `deepjavalibrary/djl-serving:lmi-nightly` is not used as the lmi version: a nightly" in err


def test_skipped_default_checks_are_named_when_the_stack_is_in_play(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "serving.properties").write_text("engine=MPI\noption.rolling_batch=lmi-dist\n")
    _, found, err = run(capsys, ".", "--to", "lmi==v15")
    assert found  # LMI008 / LMI010 are crossings: reported without a known from
    assert "the lmi version in use is unknown (not given, not detected)" in err and "LMI001" in err
    assert "vllm version in use is unknown" not in err  # no sign of a vLLM deployment here


def test_excluded_trees_are_not_anchors(repo, capsys):
    _git(repo)
    (repo / "pyproject.toml").write_text('[tool.lmimigrate]\nexclude = ["dirA"]\n')
    (repo / "serve.sh").write_text(RUN)
    _, found, err = run(capsys, "serve.sh", *V1_DEFAULT)
    assert ("serve.sh", 1, "VLLM002") in found  # only dirB's 0.6.2 counts
