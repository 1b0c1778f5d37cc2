"""Never a false green: a run that checked nothing must not pass silently."""

from __future__ import annotations

import io
import json
import subprocess
import sys


from tests.cli_harness import repo, run  # noqa: F401  (repo is a fixture)

V11 = "engine=Python\noption.model_id=m\noption.rolling_batch=lmi-dist\n"
CLEAN = "option.model_id=x\noption.rolling_batch=trtllm\n"
CROSS = ["--from", "lmi==0.29.0", "--to", "lmi==0.30.0", "--select", "LMI001,LMM"]



def test_nonexistent_path_is_a_usage_error(repo, capsys):
    (repo / "serving.properties").write_text(V11)
    code, out, err = run(capsys, "check", "does/not/exist", "serving.properties")
    assert code == 2
    assert "does/not/exist: no such file or directory" in err
    assert "All checks passed" not in out


def test_named_file_no_surface_reads_is_a_finding(repo, capsys):
    (repo / "deploy-notes.txt").write_text("vllm serve m --swap-space 4\n")
    code, out, _ = run(capsys, "check", "deploy-notes.txt", "--output-format", "json")
    assert code == 1
    [finding] = json.loads(out)
    assert (finding["code"], finding["path"], finding["severity"]) == ("LMM011", "deploy-notes.txt", "warning")


def test_walked_directory_does_not_report_unread_files(repo, capsys):
    (repo / "notes.txt").write_text("hello\n")
    (repo / "serving.properties").write_text(CLEAN)
    code, out, _ = run(capsys, "check", *CROSS)
    assert code == 0
    assert "LMM011" not in out


def test_pin_file_named_is_read_for_versions_not_reported(repo, capsys):
    (repo / "requirements.txt").write_text("vllm==0.6.2\n")
    code, out, _ = run(capsys, "check", "requirements.txt", *CROSS)
    assert "LMM011" not in out
    assert code == 0


def test_empty_directory_says_no_files_checked(repo, capsys):
    (repo / "empty").mkdir()
    code, out, err = run(capsys, "check", "empty")
    assert code == 0
    assert "No files checked" in out
    assert "All checks passed" not in out


def test_empty_directory_with_machine_format_warns_on_stderr(repo, capsys):
    (repo / "empty").mkdir()
    code, out, err = run(capsys, "check", "empty", "--output-format", "json")
    assert json.loads(out) == []
    assert "no files checked" in err


def _stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_is_read_with_the_named_surface(repo, capsys, monkeypatch):
    _stdin(monkeypatch, V11.encode())
    code, out, _ = run(capsys, "check", "-", "--stdin-filename", "serving.properties", *CROSS, "--output-format", "json")
    assert code == 1
    [finding] = json.loads(out)
    assert (finding["code"], finding["path"], finding["line"]) == ("LMI001", "serving.properties", 3)


def test_stdin_needs_a_filename(repo, capsys, monkeypatch):
    _stdin(monkeypatch, V11.encode())
    code, _, err = run(capsys, "check", "-")
    assert code == 2
    assert "--stdin-filename" in err


def test_stdin_with_a_name_no_surface_reads_is_a_finding(repo, capsys, monkeypatch):
    _stdin(monkeypatch, V11.encode())
    code, out, _ = run(capsys, "check", "-", "--stdin-filename", "notes.txt", "--output-format", "json")
    assert code == 1
    assert [f["code"] for f in json.loads(out)] == ["LMM011"]


def test_stdin_fix_prints_the_fixed_text_and_writes_no_file(repo, capsys, monkeypatch):
    _stdin(monkeypatch, b"engine=MPI\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=lmi-dist\n")
    code, out, err = run(capsys, "check", "-", "--stdin-filename", "serving.properties", "--fix",
                         "--from", "lmi==0.32.0", "--to", "lmi==0.33.0", "--select", "LMI008")
    assert out == "engine=MPI\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=vllm\n"
    assert "Fixed 1 finding" in err
    assert not (repo / "serving.properties").exists()
    assert code == 0


def test_stdin_end_to_end_through_a_pipe(repo):
    proc = subprocess.run(
        [sys.executable, "-m", "lmimigrate", "check", "-", "--stdin-filename", "serving.properties", *CROSS],
        input=V11.encode(), capture_output=True, cwd=repo, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1, proc.stderr
    assert b"serving.properties:3:1: LMI001" in proc.stdout


def test_named_extensionless_file_without_a_shebang_is_passed_over(repo, capsys):
    # pre-commit passes every extensionless file (it may be a shell script); only a shebang makes one ours.
    (repo / "Makefile").write_text("all:\n\techo hi\n")
    code, out, _ = run(capsys, "check", "Makefile")
    assert code == 0
    assert "LMM011" not in out
