"""Exit codes by severity (--fail-on), --fix-only, --exit-non-zero-on-fix, -q, --silent, -V."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lmimigrate import __version__
from lmimigrate.core import registry
from lmimigrate.cli import main
from tests.cli_harness import repo, run  # noqa: F401  (repo is a fixture)


def _example(severity: str):
    """A rule of this severity with a self-contained env/properties example that has no fix:
    (code, filename, source, --from, --to)."""
    for r in registry.all_rules():
        if r.severity.value != severity or r.stack == "tool":
            continue
        for ex in r.invalid:
            if ex.filename.endswith((".properties", ".env")) and ex.from_ and ex.to and ex.fixed is None:
                return r.code, ex.filename, ex.source, ex.from_, ex.to
    raise AssertionError(f"no {severity} rule with a properties or env example")



def _write(repo, severity):
    code, filename, source, frm, to = _example(severity)
    (repo / filename).write_text(source)
    return [filename, "--from", frm, "--to", to, "--select", code], code


def test_info_notes_are_printed_but_do_not_fail_by_default(repo, capsys):
    args, code = _write(repo, "info")
    status, out, _ = run(capsys, "check", *args)
    assert code in out
    assert status == 0
    assert "info note" in out and "not fail the run (see --fail-on)" in out


@pytest.mark.parametrize("fail_on, expected", [("info", 1), ("warning", 0), ("error", 0)])
def test_fail_on_threshold_for_info(repo, capsys, fail_on, expected):
    args, _ = _write(repo, "info")
    assert run(capsys, "check", *args, "--fail-on", fail_on)[0] == expected


@pytest.mark.parametrize("fail_on, expected", [("info", 1), ("warning", 1), ("error", 0)])
def test_fail_on_threshold_for_warning(repo, capsys, fail_on, expected):
    args, _ = _write(repo, "warning")
    assert run(capsys, "check", *args, "--fail-on", fail_on)[0] == expected


def test_fail_on_from_the_configuration(repo, capsys):
    args, _ = _write(repo, "info")
    (repo / "lmimigrate.toml").write_text('fail-on = "info"\n')
    assert run(capsys, "check", *args)[0] == 1


FIXABLE = "engine=MPI\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=lmi-dist\n"
FIX_ARGS = ["--from", "lmi==0.32.0", "--to", "lmi==0.33.0", "--select", "LMI008"]


def test_fix_only_applies_fixes(repo, capsys):
    (repo / "serving.properties").write_text(FIXABLE)
    status, out, _ = run(capsys, "check", "--fix-only", *FIX_ARGS)
    assert (repo / "serving.properties").read_text() == FIXABLE.replace("lmi-dist", "vllm")
    assert (status, out.strip()) == (0, "Fixed 1 finding.")


def test_fix_only_does_not_report_or_fail_on_leftovers(repo, capsys):
    args, code = _write(repo, "warning")
    status, out, _ = run(capsys, "check", *args, "--fix-only", "--fail-on", "info")
    assert code not in out
    assert (status, out.strip()) == (0, "No fixes applied.")


def test_exit_non_zero_on_fix(repo, capsys):
    (repo / "serving.properties").write_text(FIXABLE)
    assert run(capsys, "check", "--fix", *FIX_ARGS, "--exit-non-zero-on-fix")[0] == 1
    assert run(capsys, "check", "--fix", *FIX_ARGS, "--exit-non-zero-on-fix")[0] == 0  # nothing left to fix


def test_fix_without_exit_non_zero_on_fix_exits_0_when_all_fixed(repo, capsys):
    (repo / "serving.properties").write_text(FIXABLE)
    assert run(capsys, "check", "--fix", *FIX_ARGS)[0] == 0


def test_show_fixes_lists_fixed_codes_per_file(repo, capsys):
    (repo / "serving.properties").write_text(FIXABLE)
    _, out, _ = run(capsys, "check", "--fix", *FIX_ARGS, "--show-fixes")
    assert "Fixed 1 finding:\n- serving.properties:\n    1 x LMI008 (lmi-dist-removed)" in out


def test_quiet_prints_findings_only(repo, capsys):
    (repo / "serving.properties").write_text(FIXABLE)
    status, out, err = run(capsys, "check", *FIX_ARGS, "-q")
    assert status == 1
    assert out.startswith("serving.properties:3:1: LMI008")
    assert "Found" not in out and err == ""


def test_silent_prints_nothing_but_still_fails(repo, capsys):
    (repo / "serving.properties").write_text(FIXABLE)
    status, out, err = run(capsys, "check", *FIX_ARGS, "--silent")
    assert (status, out, err) == (1, "", "")


def test_dash_capital_v_prints_the_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["-V"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"lmimigrate {__version__}"


def test_version_flag_in_a_subprocess():
    out = subprocess.run([sys.executable, "-m", "lmimigrate", "-V"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"lmimigrate {__version__}"
