"""Adversarial files: no crash, a clear per-file message, nothing written, and the run goes on.

Every case shares one healthy `serving.properties` that must still be found and fixed, so each test also
proves the run went on past the bad input.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat

import pytest

from lmimigrate.cli import main

GOOD = "option.model_id=x\noption.rolling_batch=vllm\n"
ARGS = ["--from", "lmi==11", "--to", "lmi==12", "--fix", "--unsafe-fixes", "--output-format", "json"]


def _snapshot(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames + dirnames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) and not name == "serving.properties":
                try:
                    with open(p, "rb") as fh:
                        out[p] = hashlib.sha256(fh.read()).hexdigest()
                except OSError:
                    out[p] = "unreadable"
            elif stat.S_ISLNK(st.st_mode):
                out[p] = "link:" + os.readlink(p)
    return out


def check(root, capsys, *paths):
    code = main(["check", *(paths or [str(root)]), *ARGS])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "serving.properties").write_text(GOOD)
    return root


def assert_went_on(root):
    assert "enable_chunked_prefill" in (root / "serving.properties").read_text()


def codes_for(findings, name):
    return [f["code"] for f in findings if f["path"].endswith(name)]


def test_binary_file(repo, capsys):
    (repo / "model.env").write_bytes(b"OPTION_A=1\x00\x01\x02\xff")
    before = _snapshot(repo)
    code, findings, _ = check(repo, capsys)
    assert codes_for(findings, "model.env") == ["LMM008"]
    assert _snapshot(repo) == before and code == 1
    assert_went_on(repo)


def test_non_utf8_reported_with_line_and_untouched(repo, capsys):
    (repo / "latin1.properties").write_bytes(b"option.model_id=caf\xe9\noption.rolling_batch=vllm\n")
    before = _snapshot(repo)
    _, findings, _ = check(repo, capsys)
    (f,) = [f for f in findings if f["path"].endswith("latin1.properties")]
    assert f["code"] == "LMM002" and f["line"] == 1 and f["column"] == 20
    assert _snapshot(repo) == before
    assert_went_on(repo)


def test_large_file_skipped_with_message(repo, capsys):
    (repo / "pyproject.toml").write_text("[tool.lmimigrate]\nmax-file-size = 1000\n")
    (repo / "huge.properties").write_bytes(b"option.a=" + b"x" * 5000 + b"\n")
    before = _snapshot(repo)
    code = main(["check", str(repo), "--config", str(repo / "pyproject.toml"), *ARGS])
    findings = json.loads(capsys.readouterr().out)
    (f,) = [f for f in findings if f["path"].endswith("huge.properties")]
    assert f["code"] == "LMM005" and "size limit" in f["message"]
    assert _snapshot(repo) == before and code == 1
    assert_went_on(repo)


def test_empty_files(repo, capsys):
    for name in ("empty.properties", "empty.env", "empty.yaml", "empty.json", "empty.py", "empty.ipynb", "empty.sh"):
        (repo / name).write_bytes(b"")
    before = _snapshot(repo)
    code, findings, _ = check(repo, capsys)
    assert all(f["code"] in ("LMM001",) for f in findings if os.path.basename(f["path"]).startswith("empty"))
    # An empty notebook or JSON document is not valid JSON: a parse finding, never a crash.
    assert not [f for f in findings if f["code"] == "LMM009"]
    assert _snapshot(repo) == before
    assert_went_on(repo)


def test_directory_named_like_a_config(repo, capsys):
    (repo / "conf.properties").mkdir()
    (repo / "conf.properties" / "serving.properties").write_text("option.model_id=y\n")
    code, findings, _ = check(repo, capsys)
    assert not [f for f in findings if f["code"] in ("LMM009", "LMM010")]
    _, findings, _ = check(repo, capsys, str(repo / "conf.properties"))  # a directory argument is walked
    assert_went_on(repo)


def test_symlink_loop_and_escape(repo, tmp_path, capsys):
    outside = tmp_path / "outside.properties"
    outside.write_text(GOOD)
    (repo / "escape.properties").symlink_to(outside)
    (repo / "loop_a.properties").symlink_to(repo / "loop_b.properties")
    (repo / "loop_b.properties").symlink_to(repo / "loop_a.properties")
    (repo / "subdir").mkdir()
    (repo / "subdir" / "up").symlink_to(repo, target_is_directory=True)
    code, findings, err = check(repo, capsys)
    assert outside.read_text() == GOOD  # never written through a link
    assert (repo / "escape.properties").is_symlink()
    assert not [f for f in findings if f["code"] == "LMM009"]
    assert_went_on(repo)


def test_symlink_inside_tree_is_read_not_written(repo, capsys):
    (repo / "sub").mkdir()
    real = repo / "sub" / "real.properties"
    real.write_text(GOOD)
    (repo / "alias.properties").symlink_to(real)
    code, findings, _ = check(repo, capsys, str(repo / "alias.properties"))
    assert [f["code"] for f in findings] == ["LMM007"] or any(f["code"] == "LMI001" for f in findings)
    assert real.read_text() == GOOD and (repo / "alias.properties").is_symlink()


def test_fifo_and_socket_skipped(repo, tmp_path, capsys):
    os.mkfifo(repo / "pipe.env")
    sock_path = repo / "sock.env"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(sock_path))
        code, findings, _ = check(repo, capsys)
        assert not [f for f in findings if f["code"] == "LMM009"]
        code, findings, _ = check(repo, capsys, str(repo / "pipe.env"), str(repo / "serving.properties"))
        assert codes_for(findings, "pipe.env") == ["LMM010"]
    finally:
        s.close()
    assert_went_on(repo)


def test_unreadable_file_and_directory(repo, capsys, monkeypatch):
    (repo / "secret.env").write_text("OPTION_ROLLING_BATCH=vllm\n")
    real_open = os.open

    def guarded(path, *a, **k):  # root ignores file modes, so deny the read the way the kernel would
        if str(path).endswith("secret.env"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", guarded)
    # (A path that does not exist is a usage error since issue 13: tests/test_false_green.py.)
    code, findings, _ = check(repo, capsys, str(repo / "secret.env"), str(repo / "serving.properties"))
    assert codes_for(findings, "secret.env") == ["LMM010"]
    assert any("Permission denied" in f["message"] for f in findings)
    assert code == 1
    assert_went_on(repo)


@pytest.mark.parametrize("name", ["with space.properties", "new\nline.properties", "ünïcödé.properties", "-dash.properties"])
def test_unusual_file_names(repo, capsys, name):
    p = repo / name
    p.write_text(GOOD)
    code, findings, _ = check(repo, capsys)
    assert any(f["path"].endswith(name) and f["code"] == "LMI001" for f in findings) or "enable_chunked_prefill" in p.read_text()
    assert "enable_chunked_prefill" in p.read_text()
    assert_went_on(repo)
