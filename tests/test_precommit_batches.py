"""pre-commit runs the hook on batches of files (and on staged files only): the findings must be the ones a
single `check .` gives, because version detection looks at the whole repository (issue 13 §2)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

RUN = "vllm serve m --max-num-seqs 8 --use-v2-block-manager\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


def _hook_repo(tmp: Path) -> Path:
    """The project's hooks, run with this interpreter (language: system) instead of a fresh virtualenv."""
    repo = tmp / "hooks"
    repo.mkdir()
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for h in hooks:
        h["language"] = "system"
        h["entry"] = f"{sys.executable} -m lmimigrate " + h["entry"].removeprefix("lmimigrate ") + \
            " --no-cache --output-format github --to vllm==0.10.0 --select VLLM002,VLLM010"
    (repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump(hooks))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "hooks")
    return repo


def _sample(tmp: Path) -> Path:
    """Two services pinned to different vLLM versions, with many files so that pre-commit splits them."""
    repo = tmp / "sample"
    for svc, version in (("old", "0.6.2"), ("new", "0.8.2")):
        d = repo / svc
        (d / "scripts").mkdir(parents=True)
        (d / "Dockerfile").write_text(f"FROM vllm/vllm-openai:v{version}\n")
        for i in range(40):
            (d / "scripts" / f"run{i:02}.sh").write_text(RUN)
    (repo / "bin").mkdir()
    (repo / "old" / "serve").write_text("#!/usr/bin/env bash\n" + RUN)
    os.chmod(repo / "old" / "serve", 0o755)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "sample")
    return repo


_LINE = re.compile(r"^::(?:error|warning|notice) file=([^,]+),line=(\d+)[^:]*::(\w+)", re.M)


def _findings(output: str) -> list[tuple[str, str, str]]:
    return sorted(set(_LINE.findall(output)))


def test_pre_commit_batches_give_the_findings_of_one_run(tmp_path):
    pytest.importorskip("pre_commit")
    hooks, sample = _hook_repo(tmp_path), _sample(tmp_path)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "NO_COLOR": "1"}
    single = subprocess.run([sys.executable, "-m", "lmimigrate", "check", ".", "--no-cache", "--output-format",
                             "github", "--to", "vllm==0.10.0", "--select", "VLLM002,VLLM010"],
                            cwd=sample, capture_output=True, text=True, env=env)
    expected = _findings(single.stdout)
    # The old service (0.6.2) gets the V1 default note, the new one (0.8.2) does not; both lose the flag.
    assert ("old/scripts/run00.sh", "1", "VLLM002") in expected
    assert ("new/scripts/run00.sh", "1", "VLLM002") not in expected
    assert ("old/serve", "2", "VLLM010") in expected
    assert len(expected) == 2 * 40 + 40 + 2

    batched = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "lmimigrate", "--all-files",
                              "--verbose"], cwd=sample, capture_output=True, text=True, env=env)
    assert _findings(batched.stdout) == expected, batched.stdout[-3000:]

    # At commit time only the staged files are passed: one file, far from its anchor's directory.
    staged = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "lmimigrate", "--files",
                             "old/scripts/run07.sh", "--verbose"], cwd=sample, capture_output=True, text=True, env=env)
    assert _findings(staged.stdout) == [f for f in expected if f[0] == "old/scripts/run07.sh"]
