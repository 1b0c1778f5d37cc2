"""Packaging and CI: the licence as declared and shipped, project URLs, the composite GitHub Action, and the
pre-commit hooks' arguments."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_is_an_spdx_string_with_the_full_text_shipped():
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"  # the table form is deprecated by setuptools
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    requires = _pyproject()["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=") and int(r.split(">=")[1].split(".")[0]) >= 77
               for r in requires)


def test_project_urls():
    urls = _pyproject()["project"]["urls"]
    assert {"Homepage", "Repository", "Issues", "Changelog", "Documentation"} <= set(urls)
    assert all(u.startswith("https://github.com/lmimigrate/lmimigrate") for u in urls.values())


def _action() -> dict:
    return YAML(typ="safe").load((ROOT / "action.yml").read_text())


def test_action_is_composite_with_inputs():
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"args", "paths", "version", "sarif-file", "upload-sarif"} <= set(action["inputs"])
    names = [s["name"] for s in action["runs"]["steps"]]
    assert names[0] == "Install lmimigrate" and names[-1] == "Check"
    upload = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert "upload-sarif" in upload["if"]


def test_action_scripts_take_inputs_from_the_environment_only():
    # `${{ inputs.x }}` pasted into a script is a shell injection; the steps pass inputs through `env:`.
    for step in _action()["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            subprocess.run(["bash", "-n"], input=step["run"], text=True, check=True)


def _run_step(name: str, tmp_path, env: dict) -> subprocess.CompletedProcess:
    step = next(s for s in _action()["runs"]["steps"] if s["name"] == name)
    bin_dir = Path(sys.executable).parent
    full_env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "NO_COLOR": "1", **env}
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=full_env, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "serving.properties").write_text("engine=MPI\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\n"
                                                  "option.rolling_batch=lmi-dist\n")
    return tmp_path


def test_action_check_step_annotates_and_fails(project):
    proc = _run_step("Check", project, {"LMIMIGRATE_ARGS": "--from lmi==0.32.0 --to lmi==0.33.0 --no-cache",
                                        "LMIMIGRATE_PATHS": "."})
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("::") and "file=serving.properties" in proc.stdout


def test_action_sarif_step_writes_sarif_and_does_not_fail(project):
    proc = _run_step("Write SARIF", project, {"LMIMIGRATE_ARGS": "--from lmi==0.32.0 --to lmi==0.33.0 --no-cache",
                                              "LMIMIGRATE_PATHS": ".", "LMIMIGRATE_SARIF": "out.sarif"})
    assert proc.returncode == 0, proc.stderr
    import json

    doc = json.loads((project / "out.sarif").read_text())
    assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]


def test_pre_commit_hooks_pass_force_exclude():
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        # in `entry`, not `args`: a user's `args:` replace the hook's, and must not drop the excludes
        assert "--force-exclude" in hook["entry"].split(), hook["id"]
        assert "--force-exclude" not in hook.get("args", [])


def test_python_dash_m_version_matches_the_metadata():
    out = subprocess.run([sys.executable, "-m", "lmimigrate", "--version"], capture_output=True, text=True,
                         env={**os.environ, "NO_COLOR": "1"}, check=True).stdout
    assert out.strip() == f"lmimigrate {_pyproject()['project']['version']}"


def _source_packages() -> set[str]:
    out = set()
    for top, dotted in (("lmimigrate", "lmimigrate"), ("rules", "lmimigrate.rules")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            out.add(".".join((dotted, *rel)))
    return out


def test_every_package_of_the_source_tree_is_declared():
    # An editable install finds undeclared subpackages through the file system; a wheel leaves them out.
    assert set(_pyproject()["tool"]["setuptools"]["packages"]) == _source_packages()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                         capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    (built,) = out.glob("lmimigrate-*.whl")
    return built


def test_the_wheel_ships_every_module(wheel):
    import zipfile

    shipped = set(zipfile.ZipFile(wheel).namelist())
    want = {f"lmimigrate/{p.relative_to(ROOT / 'lmimigrate').as_posix()}" for p in (ROOT / "lmimigrate").rglob("*.py")}
    want |= {f"lmimigrate/rules/{p.relative_to(ROOT / 'rules').as_posix()}" for p in (ROOT / "rules").rglob("*.py")}
    want.add("lmimigrate/stacks/vllm/inventory.jsonl")
    assert not {w for w in want if "__pycache__" not in w} - shipped


#: What a one-file check must not import: each costs start-up time on every pre-commit run (issue 14).
NOT_AT_START_UP = ("typing", "dataclasses", "inspect", "packaging", "shutil", "ast", "difflib", "rich", "libcst",
                   "ruamel", "importlib.metadata", "tomllib", "subprocess", "hashlib")


def test_a_one_file_check_from_the_wheel_imports_nothing_it_does_not_need(wheel, tmp_path):
    """Installed as pre-commit installs it (the wheel, no editable finder importing things at start-up) and
    run with `-S`, so that only lmimigrate's own imports show."""
    import zipfile

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "serving.properties").write_text("engine=Python\noption.rolling_batch=scheduler\noption.dtype=fp16\n")
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from lmimigrate.cli import main\n"
        "main(['check', '--no-cache', 'serving.properties'])\n"
        f"print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in {NOT_AT_START_UP!r} "
        f"or m in {NOT_AT_START_UP!r}))"
    )
    env = {"PYTHONPATH": str(site), "LMIMIGRATE_INDEX_DIR": str(tmp_path / "index"), "PATH": os.environ.get("PATH", "")}
    first = subprocess.run([sys.executable, "-S", "-c", code], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert "LMI015" in first.stdout, first.stderr  # the first run builds the rule index (and may import more)
    again = subprocess.run([sys.executable, "-S", "-c", code], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert "LMI015" in again.stdout, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "[]"
