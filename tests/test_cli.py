"""The command-line contract: exit codes, output formats, suppression, --diff, --fix, config, detection."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lmimigrate.core import registry
from lmimigrate.cli import main
from tests.cli_harness import repo, run  # noqa: F401  (repo is a fixture)

V11_CONFIG = "engine=Python\noption.model_id=meta-llama/Llama-3.1-70B\noption.rolling_batch=lmi-dist\n"
CROSS_V12 = ["--from", "lmi==0.29.0", "--to", "lmi==0.30.0"]
# The contract tests watch one rule (and the tool's own codes), so that new rules don't change their counts.
CROSS = CROSS_V12 + ["--select", "LMI001,LMM"]



# ---- exit codes -----------------------------------------------------------------------------------------


def test_exit_0_when_clean(repo, capsys):
    (repo / "serving.properties").write_text("option.model_id=x\noption.rolling_batch=trtllm\n")
    code, out, _ = run(capsys, "check", *CROSS)
    assert code == 0
    assert "All checks passed!" in out


def test_exit_1_with_findings_and_0_with_exit_zero(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG)
    assert run(capsys, "check", *CROSS)[0] == 1
    assert run(capsys, "check", *CROSS, "--exit-zero")[0] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--from", "lmi==0.99.0"],
        ["check", "--to", "nope==1.0"],
        ["check", "--to", "lmi"],
        ["check", "--from", "lmi==13", "--to", "lmi==12"],
        ["check", "--select", "XYZ"],
        ["check", "--unsafe-fixes"],
        ["check", "--output-format", "xml"],
        ["explain", "NOPE999"],
        ["frobnicate"],
        [],
    ],
)
def test_exit_2_on_usage_errors(repo, capsys, args):
    try:
        code = main(args)
    except SystemExit as e:  # argparse's own usage errors
        code = e.code
    assert code == 2


def test_exit_2_on_bad_config(repo, capsys):
    (repo / "pyproject.toml").write_text("[tool.lmimigrate]\nbogus = 1\n")
    code, _, err = run(capsys, "check")
    assert code == 2 and "bogus" in err


def test_lmi_036_is_ambiguous(repo, capsys):
    code, _, err = run(capsys, "check", "--to", "lmi==0.36.0")
    assert code == 2 and "v18" in err


def test_python_dash_m(repo):
    (repo / "serving.properties").write_text(V11_CONFIG)
    proc = subprocess.run(
        [sys.executable, "-m", "lmimigrate", "check", *CROSS, "--output-format", "json"],
        capture_output=True,
        text=True,
        cwd=repo,
    )
    assert proc.returncode == 1
    assert [f["code"] for f in json.loads(proc.stdout)] == ["LMI001"]


# ---- output formats -------------------------------------------------------------------------------------


def test_json_format(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG)
    code, out, _ = run(capsys, "check", "serving.properties", *CROSS, "--output-format", "json")
    (f,) = json.loads(out)
    assert set(f) == {"code", "message", "severity", "path", "line", "column", "end_line", "end_column", "fix", "url"}
    assert (f["code"], f["path"], f["line"], f["column"], f["severity"]) == ("LMI001", "serving.properties", 3, 1, "warning")
    assert f["fix"]["applicability"] == "unsafe"
    (edit,) = f["fix"]["edits"]
    assert edit == {"path": "serving.properties", "line": 4, "column": 1, "end_line": 4, "end_column": 1,
                    "content": "option.enable_chunked_prefill=true\n"}
    assert f["url"].endswith("/LMI001.md")


def test_github_format(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG)
    _, out, _ = run(capsys, "check", "serving.properties", *CROSS, "--output-format", "github")
    assert out.startswith("::warning file=serving.properties,line=3,col=1,endLine=3,endColumn=30,title=lmimigrate LMI001::LMI001 ")
    assert out.count("\n") == 1


def test_sarif_format_structure(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG)
    _, out, _ = run(capsys, "check", "serving.properties", *CROSS, "--output-format", "sarif")
    doc = json.loads(out)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "lmimigrate" and driver["rules"][0]["id"] == "LMI001"
    assert driver["rules"][0]["defaultConfiguration"]["level"] == "warning"
    (res,) = run_["results"]
    assert res["ruleId"] == "LMI001" and res["ruleIndex"] == 0 and res["level"] == "warning"
    assert isinstance(res["message"]["text"], str)
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "serving.properties"
    assert loc["region"] == {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 30}
    repl = res["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert repl["insertedContent"]["text"] == "option.enable_chunked_prefill=true\n"
    assert set(repl["deletedRegion"]) == {"startLine", "startColumn", "endLine", "endColumn"}


def test_text_format_plain_when_piped(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG)
    _, out, _ = run(capsys, "check", *CROSS)
    assert "\x1b[" not in out
    assert "serving.properties:3:1: LMI001" in out
    assert "3 | option.rolling_batch=lmi-dist" in out
    assert "unsafe fix: enable chunked prefill" in out
    assert out.rstrip().endswith("Found 1 finding (1 more with --unsafe-fixes).")


# ---- fixing ---------------------------------------------------------------------------------------------


def test_diff_writes_nothing(repo, capsys):
    p = repo / "serving.properties"
    p.write_text(V11_CONFIG)
    before = p.stat().st_mtime_ns, p.read_bytes()
    code, out, _ = run(capsys, "check", *CROSS, "--diff", "--unsafe-fixes")
    assert code == 1
    assert "+option.enable_chunked_prefill=true" in out and out.startswith("--- a/serving.properties")
    assert (p.stat().st_mtime_ns, p.read_bytes()) == before


def test_safe_fix_does_not_apply_unsafe(repo, capsys):
    p = repo / "serving.properties"
    p.write_text(V11_CONFIG)
    code, _, _ = run(capsys, "check", *CROSS, "--fix")
    assert code == 1 and p.read_text() == V11_CONFIG


def test_fix_is_idempotent_and_exit_0(repo, capsys):
    p = repo / "serving.properties"
    p.write_text(V11_CONFIG)
    code, out, _ = run(capsys, "check", *CROSS, "--fix", "--unsafe-fixes")
    assert code == 0 and "Fixed 1 finding" in out
    fixed = p.read_bytes()
    assert fixed == (V11_CONFIG + "option.enable_chunked_prefill=true\n").encode()
    code, _, _ = run(capsys, "check", *CROSS, "--fix", "--unsafe-fixes")
    assert code == 0 and p.read_bytes() == fixed


@pytest.mark.parametrize(
    "raw,expected",
    [
        (b"option.model_id=x\r\noption.rolling_batch=vllm\r\n", b"option.model_id=x\r\noption.rolling_batch=vllm\r\noption.enable_chunked_prefill=true\r\n"),
        (b"\xef\xbb\xbfoption.model_id=x\noption.rolling_batch=vllm\n", b"\xef\xbb\xbfoption.model_id=x\noption.rolling_batch=vllm\noption.enable_chunked_prefill=true\n"),
        (b"option.model_id=x\noption.rolling_batch=vllm", b"option.model_id=x\noption.rolling_batch=vllm\noption.enable_chunked_prefill=true"),
        (b"option.model_id=x\roption.rolling_batch=vllm\r", b"option.model_id=x\roption.rolling_batch=vllm\roption.enable_chunked_prefill=true\r"),
    ],
    ids=["crlf", "bom", "no-final-newline", "cr"],
)
def test_fix_keeps_line_endings_bom_and_final_newline(repo, capsys, raw, expected):
    p = repo / "serving.properties"
    p.write_bytes(raw)
    os.chmod(p, 0o640)
    run(capsys, "check", *CROSS, "--fix", "--unsafe-fixes")
    assert p.read_bytes() == expected
    assert p.stat().st_mode & 0o777 == 0o640


def test_unparsable_file_is_a_finding_and_untouched(repo, capsys):
    bad = repo / "deploy.yaml"
    raw = b"env:\n  - name: OPTION_ROLLING_BATCH\n    value: [vllm\n"
    bad.write_bytes(raw)
    (repo / "serving.properties").write_text(V11_CONFIG)
    code, out, _ = run(capsys, "check", *CROSS, "--fix", "--unsafe-fixes", "--output-format", "json")
    codes = {(f["path"], f["code"]) for f in json.loads(out)}
    assert ("deploy.yaml", "LMM001") in codes
    assert code == 1  # a parse error is a finding, not exit 2
    assert bad.read_bytes() == raw
    assert "enable_chunked_prefill" in (repo / "serving.properties").read_text()  # the run went on


# ---- suppression ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,suppressed",
    [
        ("option.model_id=x\noption.rolling_batch=vllm # lmimigrate: ignore[LMI001]\n", True),
        ("option.model_id=x\n# lmimigrate: ignore[LMI001]\noption.rolling_batch=vllm\n", True),
        ("option.model_id=x\n! lmimigrate: ignore\noption.rolling_batch=vllm\n", True),
        ("option.model_id=x\n# lmimigrate: ignore[LMM003]\noption.rolling_batch=vllm\n", False),
        ("# lmimigrate: ignore[LMI001]\noption.model_id=x\noption.rolling_batch=vllm\n", False),
    ],
    ids=["same-line", "line-above", "bare", "other-code", "wrong-line"],
)
def test_suppression_comments(repo, capsys, text, suppressed):
    (repo / "serving.properties").write_text(text)
    code, out, _ = run(capsys, "check", *CROSS, "--output-format", "json")
    assert (json.loads(out) == []) is suppressed


# ---- selection, config, detection -----------------------------------------------------------------------


def test_select_and_ignore(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG + "option.rolling_batch=lmi-dist\n")
    _, out, _ = run(capsys, "check", *CROSS_V12, "--output-format", "json", "--select", "LMM")
    assert [f["code"] for f in json.loads(out)] == ["LMM003"]
    _, out, _ = run(capsys, "check", *CROSS_V12, "--output-format", "json", "--ignore", "LMM003,LMI")
    assert json.loads(out) == []


def test_pyproject_config_and_cli_precedence(repo, capsys):
    (repo / "pyproject.toml").write_text(
        '[tool.lmimigrate]\nfrom = "lmi==0.29.0"\nto = "lmi==0.30.0"\nexclude = ["skipped"]\nselect = ["LMI001"]\n'
        '[tool.lmimigrate.per-file-ignores]\n"legacy/*" = ["LMI001"]\n'
    )
    for d in ("skipped", "legacy", "live"):
        (repo / d).mkdir()
        (repo / d / "serving.properties").write_text(V11_CONFIG)
    _, out, _ = run(capsys, "check", "--output-format", "json")
    assert [(f["path"], f["code"]) for f in json.loads(out)] == [("live/serving.properties", "LMI001")]
    # The command line wins: the pair no longer crosses v12.
    _, out, _ = run(capsys, "check", "--from", "lmi==0.30.0", "--to", "lmi==0.31.0", "--output-format", "json")
    assert json.loads(out) == []


def test_from_is_detected_and_reported(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG)
    (repo / "Dockerfile").write_text("FROM 763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.29.0-lmi11.0.0-cu124\n")
    code, out, err = run(capsys, "check", "--to", "lmi==0.30.0", "--select", "LMI001", "--output-format", "json")
    assert "LMI v11 (0.29.0) detected at Dockerfile:1" in err
    assert [f["code"] for f in json.loads(out)] == ["LMI001"]


def test_default_change_rules_skip_without_from(repo, capsys):
    (repo / "serving.properties").write_text(V11_CONFIG)
    _, out, _ = run(capsys, "check", "--to", "lmi==0.30.0", "--output-format", "json", "--select", "LMI001")
    assert json.loads(out) == []


def test_gitignore_and_default_excludes_honoured(repo, capsys):
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text("ignored/\n")
    for d in ("ignored", "node_modules", "ok dir"):
        (repo / d).mkdir()
        (repo / d / "serving.properties").write_text(V11_CONFIG)
    _, out, _ = run(capsys, "check", *CROSS, "--output-format", "json")
    assert [f["path"] for f in json.loads(out)] == ["ok dir/serving.properties"]
    # A file named on the command line is always checked (pre-commit passes files).
    _, out, _ = run(capsys, "check", "ignored/serving.properties", *CROSS, "--output-format", "json")
    assert [f["path"] for f in json.loads(out)] == ["ignored/serving.properties"]


# ---- explain / rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", registry.all_rules(), ids=lambda r: r.code)
def test_explain_every_code(capsys, rule):
    code, out, _ = run(capsys, "explain", rule.code)
    assert code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety", "## References"):
        assert heading in out
    for ev in rule.evidence:
        assert ev.file in out and ev.release in out


def test_rules_listing(capsys):
    code, out, _ = run(capsys, "rules", "--output-format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["code"] for r in rows} == {r.code for r in registry.all_rules()}


def test_fix_does_not_raise_default_notes_the_source_did_not_have(repo, capsys):
    # Deleting `--disable-log-requests` (VLLM080) must not make VLLM081 ("logging is now off by default,
    # add --enable-log-requests") appear: the source had logging off already.
    script = repo / "run.sh"
    script.write_text("#!/bin/sh\nvllm serve m --disable-log-requests\n")
    args = ["check", "--from", "vllm==0.8.2", "--to", "vllm==0.11.0", "--select", "VLLM080,VLLM081", "--output-format", "json"]
    _, out, _ = run(capsys, *args)
    assert [f["code"] for f in json.loads(out)] == ["VLLM080"]
    code, out, _ = run(capsys, *args, "--fix")
    assert json.loads(out) == [] and code == 0
    # Issue 12: the explicit "off" is kept, so a later check (with the same --from) does not raise VLLM081.
    assert script.read_text() == "#!/bin/sh\nvllm serve m --no-enable-log-requests\n"
    _, out, _ = run(capsys, *args)
    assert json.loads(out) == []


def test_color_output_in_a_narrow_terminal_keeps_frames_aligned(repo, capsys, monkeypatch):
    import re

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    (repo / "serving.properties").write_text("option.model_id=meta-llama/Llama-3.1-70B-Instruct\n"
                                           "option.rolling_batch" + " " * 40 + "= lmi-dist\n")
    _, out, _ = run(capsys, "check", *CROSS)
    assert "\x1b[" in out  # rich drew it
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out).splitlines()
    i = next(n for n, line in enumerate(plain) if line.startswith("2 | "))
    assert plain[i + 1].startswith("  | ^")  # the caret row follows its code row: nothing wrapped between
    assert all(len(line) <= 40 for line in plain[i : i + 2])


# ---- the end of the process ---------------------------------------------------------------------------


@pytest.mark.parametrize("own_command_line", [True, False])
def test_only_the_process_command_line_hides_its_objects_from_the_last_collection(repo, monkeypatch, own_command_line):
    """`main()` on the process's own command line (the console script) is followed by the interpreter's exit,
    whose last cycle collection it spares; a program calling `main([...])` goes on and keeps a normal collector."""
    import lmimigrate.cli as cli

    (repo / "serving.properties").write_text("option.model_id=x\noption.rolling_batch=trtllm\n")
    frozen = []
    monkeypatch.setattr(cli.gc, "freeze", lambda: frozen.append(True))
    argv = ["check", "--no-cache", *CROSS, "serving.properties"]
    if own_command_line:
        monkeypatch.setattr(sys, "argv", ["lmimigrate", *argv])
        assert cli.main() == 0
    else:
        assert cli.main(argv) == 0
    assert frozen == ([True] if own_command_line else [])
