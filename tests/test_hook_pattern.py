"""One classifier, one hook pattern: the pre-commit hooks pass exactly the files the tool reads (issue 13 §3)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
import yaml

from lmimigrate import surfaces
from lmimigrate.core.discovery import discover

ROOT = Path(__file__).resolve().parents[1]
AWKWARD = [
    ".envrc", "scripts/setup.zsh", "deploy/api.Dockerfile", "requirements/prod.txt", "requirements/base.txt",
    "constraints.txt", "constraints-gpu.txt", "K8S.YAML", "RUN.SH", "Deploy.Json", "model.PROPERTIES",
    "scripts/start-server", "bin/entrypoint", "Dockerfile.gpu", "Containerfile", ".env", ".env.production",
    "prod.env", "serving.template", "code/serving.properties.j2", "infra/main.tf", "infra/MAIN.TF", "nb.ipynb",
    "README.md", "LICENSE.txt", "notes.txt", "setup.cfg", "pyproject.toml", "deploy.yml", "x.pyi", ".gitignore",
    "docs/index.rst", "helm/values.yaml", "a.bash", "Makefile",
]


def _hooks() -> list[dict]:
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def _fixture_paths() -> list[str]:
    out = []
    for dirpath, _, files in os.walk(ROOT / "fixtures"):
        for name in files:
            out.append(os.path.relpath(os.path.join(dirpath, name), ROOT).replace(os.sep, "/"))
    return out


def _tool_may_read(path: str) -> bool:
    """By name: a surface, a pin file, or an extensionless name (read when it starts with a shell shebang)."""
    return bool(surfaces.classify(path) or surfaces.is_pin_file(path) or surfaces.sniffable(path))


def test_hooks_use_the_pattern_generated_from_the_classifier():
    for hook in _hooks():
        assert hook["files"] == surfaces.hook_files_regex(), hook["id"]
        assert "text" in hook["types_or"]


@pytest.mark.parametrize("path", AWKWARD + _fixture_paths())
def test_hook_pattern_and_classifier_agree(path):
    hook = re.compile(surfaces.hook_files_regex())
    assert (hook.search(path) is not None) == _tool_may_read(path), path


def test_awkward_names_the_tool_reads():
    read = {p for p in AWKWARD if surfaces.classify(p) or surfaces.is_pin_file(p)}
    assert {".envrc", "scripts/setup.zsh", "deploy/api.Dockerfile", "requirements/prod.txt", "constraints.txt",
            "K8S.YAML", "RUN.SH", "serving.template", "code/serving.properties.j2", "infra/main.tf"} <= read
    assert {"README.md", "LICENSE.txt", "notes.txt", "x.pyi", ".gitignore", "Makefile"}.isdisjoint(read)


def test_extensionless_scripts_are_read_by_their_shebang(tmp_path):
    (tmp_path / "start").write_text("#!/usr/bin/env bash\nvllm serve m\n")
    (tmp_path / "entry").write_text("#!/bin/sh -e\nexec vllm serve m\n")
    (tmp_path / "tool").write_text("#!/usr/bin/python3\nprint(1)\n")
    (tmp_path / "LICENSE").write_text("Apache License\n")
    (tmp_path / "Makefile").write_text("all:\n\techo\n")
    walked = {c.display: c.surface for c in discover([str(tmp_path)]) if hasattr(c, "surface")}
    assert {os.path.basename(k): v for k, v in walked.items()} == {"start": "shell", "entry": "shell"}
    named = [c for c in discover([str(tmp_path / "start"), str(tmp_path / "LICENSE")]) if hasattr(c, "surface")]
    assert [(os.path.basename(c.display), c.surface) for c in named] == [("start", "shell")]


@given(st.text(alphabet="ab*/.x", max_size=8), st.lists(st.text(alphabet="ab/.x", max_size=3), min_size=9, max_size=9),
       st.integers(min_value=-1, max_value=14), st.text(alphabet="ab/.x", max_size=12))
def test_the_pin_file_glob_matcher_is_fnmatch(glob, fills, flip, other):
    import fnmatch

    # A text made from the glob (each `*` filled in), then perhaps one character changed; and an unrelated one.
    pieces = glob.split("*")
    text = "".join(p + (fills[i] if i < len(pieces) - 1 else "") for i, p in enumerate(pieces))
    if 0 <= flip < len(text):
        text = text[:flip] + ("b" if text[flip] != "b" else "a") + text[flip + 1:]
    for candidate in (text, other):
        assert surfaces._star_match(candidate, glob) == fnmatch.fnmatchcase(candidate, glob), (candidate, glob)
