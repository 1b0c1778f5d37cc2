"""Machine formats stay valid: --diff goes to stderr with json/github/sarif; SARIF URIs are percent-encoded
and its rules carry fullDescription, help and helpUri."""

from __future__ import annotations

import json

import pytest

from lmimigrate.output.sarif import artifact_uri
from tests.cli_harness import repo, run  # noqa: F401  (repo is a fixture)

SOURCE = "engine=MPI\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=lmi-dist\n"
CROSS = ["--from", "lmi==0.32.0", "--to", "lmi==0.33.0", "--select", "LMI008,LMI010"]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_diff_with_a_json_format_keeps_stdout_valid(repo, capsys, fmt):
    (repo / "serving.properties").write_text(SOURCE)
    code, out, err = run(capsys, "check", *CROSS, "--diff", "--output-format", fmt)
    json.loads(out)
    assert "+++ b/serving.properties" in err and "+option.rolling_batch=vllm" in err
    assert code == 1
    assert (repo / "serving.properties").read_text() == SOURCE


def test_diff_with_github_format_keeps_stdout_to_workflow_commands(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    _, out, err = run(capsys, "check", *CROSS, "--diff", "--output-format", "github")
    assert all(line.startswith("::") for line in out.splitlines())  # (the fixed text has no finding left)
    assert "--- a/serving.properties" in err


def test_diff_with_text_stays_on_stdout(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    _, out, err = run(capsys, "check", *CROSS, "--diff")
    assert "+++ b/serving.properties" in out and "+++" not in err


@pytest.mark.parametrize("path, uri", [
    ("my deploy/run 100%.sh", "my%20deploy/run%20100%25.sh"),
    ("a#b.env", "a%23b.env"),
    ("./x/serving.properties", "x/serving.properties"),
    ("dir\\win.env", "dir/win.env"),
    ("/abs/p q.yaml", "file:///abs/p%20q.yaml"),
])
def test_sarif_uris_are_percent_encoded(path, uri):
    assert artifact_uri(path) == uri


def test_sarif_end_to_end_with_awkward_names(repo, capsys):
    (repo / "my deploy").mkdir()
    (repo / "my deploy" / "run 100%.properties").write_text(SOURCE)
    (repo / "a#b.properties").write_text(SOURCE)
    _, out, _ = run(capsys, "check", *CROSS, "--output-format", "sarif")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(out)["runs"][0]["results"]}
    assert uris == {"my%20deploy/run%20100%25.properties", "a%23b.properties"}


def test_sarif_rules_carry_descriptions_and_help(repo, capsys):
    (repo / "serving.properties").write_text(SOURCE)
    _, out, _ = run(capsys, "check", *CROSS, "--output-format", "sarif")
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["LMI008", "LMI010"]
    for r in rules:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"].startswith(f"# {r['id']} ") and r["help"]["markdown"] == r["help"]["text"]
        assert r["helpUri"].endswith(f"/{r['id']}.md")
