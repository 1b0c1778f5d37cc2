"""Configuration that behaves like ruff's: --extend-select/--extend-ignore, --exclude/--extend-exclude,
--force-exclude, and config discovery (lmimigrate.toml, .lmimigrate.toml, pyproject.toml with the table)."""

from __future__ import annotations

import json

import pytest

from lmimigrate.cli import main

# Two findings from two rules, crossing LMI v14 -> v15.
SOURCE = "engine=MPI\noption.rolling_batch=lmi-dist\n"
CROSS = ["--from", "lmi==0.32.0", "--to", "lmi==0.33.0"]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def codes(capsys, *args) -> list[str]:
    main(["check", *CROSS, "--output-format", "json", *args])
    return sorted({f["code"] for f in json.loads(capsys.readouterr().out)})


def paths(capsys, *args) -> list[str]:
    main(["check", *CROSS, "--output-format", "json", *args])
    return sorted({f["path"] for f in json.loads(capsys.readouterr().out)})


def test_extend_select_adds_to_the_configured_select(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    (repo / "lmimigrate.toml").write_text('select = ["LMI008"]\n')
    assert codes(capsys) == ["LMI008"]
    assert codes(capsys, "--extend-select", "LMI010") == ["LMI008", "LMI010"]
    assert codes(capsys, "--select", "LMI010") == ["LMI010"]  # --select replaces


def test_command_line_ignore_adds_to_the_configured_ignore(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    (repo / "pyproject.toml").write_text('[tool.lmimigrate]\nselect = ["LMI008", "LMI010", "LMM"]\nignore = ["LMI008"]\n')
    assert codes(capsys) == ["LMI010"]
    assert codes(capsys, "--ignore", "LMI010") == []
    assert codes(capsys, "--extend-ignore", "LMI010") == []


def test_command_line_select_drops_the_configured_ignore(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    (repo / "lmimigrate.toml").write_text('ignore = ["LMI008"]\n')
    assert "LMI008" not in codes(capsys)
    assert codes(capsys, "--select", "LMI008") == ["LMI008"]


def test_config_extend_select_and_extend_ignore(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    (repo / ".lmimigrate.toml").write_text('select = ["LMI008"]\nextend-select = ["LMI010"]\nextend-ignore = ["LMI008"]\n')
    assert codes(capsys) == ["LMI010"]


def _tree(repo):
    for d in ("app", "third_party/x"):
        (repo / d).mkdir(parents=True)
        (repo / d / "serving.properties").write_text(SOURCE)


def test_exclude_replaces_and_extend_exclude_adds(repo, capsys):
    _tree(repo)
    (repo / "lmimigrate.toml").write_text('exclude = ["third_party"]\n')
    assert paths(capsys, "--select", "LMI008") == ["app/serving.properties"]
    assert paths(capsys, "--select", "LMI008", "--exclude", "app") == ["third_party/x/serving.properties"]
    assert paths(capsys, "--select", "LMI008", "--extend-exclude", "app") == []


def test_named_files_ignore_excludes_without_force_exclude(repo, capsys):
    _tree(repo)
    (repo / "lmimigrate.toml").write_text('exclude = ["third_party"]\n')
    named = ["app/serving.properties", "third_party/x/serving.properties"]
    assert paths(capsys, "--select", "LMI008", *named) == named


def test_force_exclude_applies_excludes_to_named_files(repo, capsys):
    _tree(repo)
    (repo / "lmimigrate.toml").write_text('exclude = ["third_party"]\n')
    named = ["app/serving.properties", "third_party/x/serving.properties"]
    assert paths(capsys, "--select", "LMI008", "--force-exclude", *named) == ["app/serving.properties"]


def test_force_exclude_from_the_configuration(repo, capsys):
    _tree(repo)
    (repo / "lmimigrate.toml").write_text('exclude = ["third_party"]\nforce-exclude = true\n')
    assert paths(capsys, "--select", "LMI008", "third_party/x/serving.properties") == []


def test_force_exclude_when_every_named_file_is_excluded(repo, capsys):
    _tree(repo)
    (repo / "lmimigrate.toml").write_text('exclude = ["third_party"]\n')
    status = main(["check", *CROSS, "--force-exclude", "third_party/x/serving.properties"])
    out = capsys.readouterr().out
    assert status == 0
    assert "No files checked" in out


def test_nested_pyproject_without_the_table_does_not_hide_the_root_config(repo, capsys):
    (repo / "pyproject.toml").write_text('[tool.lmimigrate]\nselect = ["LMI008"]\n')
    pkg = repo / "pkg"
    pkg.mkdir()
    (pkg / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    (pkg / "serving.properties").write_text(SOURCE)
    assert codes(capsys, "pkg") == ["LMI008"]


def test_dedicated_config_file_wins_over_pyproject_in_the_same_directory(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    (repo / "pyproject.toml").write_text('[tool.lmimigrate]\nselect = ["LMI008"]\n')
    (repo / "lmimigrate.toml").write_text('select = ["LMI010"]\n')
    assert codes(capsys) == ["LMI010"]


def test_dot_lmimigrate_toml_wins_over_lmimigrate_toml(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    (repo / "lmimigrate.toml").write_text('select = ["LMI008"]\n')
    (repo / ".lmimigrate.toml").write_text('select = ["LMI010"]\n')
    assert codes(capsys) == ["LMI010"]


def test_invalid_fail_on_in_config_is_a_usage_error(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    (repo / "lmimigrate.toml").write_text('fail-on = "never"\n')
    assert main(["check"]) == 2
    assert "fail-on must be one of" in capsys.readouterr().err


def test_the_search_stops_at_the_repository_root(repo, capsys):
    # A repository checked out inside another project is configured by its own files only (black's rule).
    (repo / "pyproject.toml").write_text('[tool.lmimigrate]\nselect = ["LMI008"]\n')
    inner = repo / "checkout"
    (inner / ".git").mkdir(parents=True)
    (inner / "serving.properties").write_text(SOURCE)
    assert codes(capsys, "checkout") == ["LMI008", "LMI010"]
    (inner / ".git").rmdir()  # not a repository: the enclosing configuration applies
    assert codes(capsys, "checkout") == ["LMI008"]
