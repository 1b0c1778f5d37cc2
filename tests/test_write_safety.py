"""Writing fixes (issue 15, §4 and §6): a concurrent save is never lost, the file keeps its metadata (mode with
setuid/setgid, owner, xattrs), hard links are not split, read-only files are honoured by their mode bits even
as root, and a parent directory swapped for a symlink never sends the write outside the tree.

These tests run for real (the suite runs as root in CI containers, where owner and 0444 cases matter most);
nothing is faked but the moment a concurrent writer acts (a slow fsync).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from lmimigrate.cli import main

PROPS = "engine=Python\noption.model_id=meta-llama/Llama-3.1-70B\noption.rolling_batch=lmi-dist\n"
ARGS = ["--fix", "--unsafe-fixes", "--no-cache", "--from", "lmi==0.29.0", "--to", "lmi==0.30.0", "--output-format", "json"]


def _fix(capsys, *extra):
    code = main(["check", *ARGS, *extra])
    cap = capsys.readouterr()
    return code, json.loads(cap.out), cap.err


@pytest.fixture
def props(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "serving.properties"
    p.write_text(PROPS)
    return p


def _codes(findings):
    return [f["code"] for f in findings]


# ---- §4 concurrent edits ----------------------------------------------------------------------------------


def test_save_during_the_write_is_not_lost(props, capsys, monkeypatch):
    """The user saves while lmimigrate is between its re-read check and the replace (a slow fsync)."""
    real_fsync = os.fsync
    saved = PROPS + "option.tensor_parallel_degree=8\n"

    def slow_fsync(fd):
        real_fsync(fd)
        if props.read_text() == PROPS:
            props.write_text(saved)  # the user's editor writes in place

    monkeypatch.setattr(os, "fsync", slow_fsync)
    code, findings, _ = _fix(capsys, "serving.properties")
    assert props.read_text() == saved
    assert "LMM007" in _codes(findings)
    assert not [n for n in os.listdir(props.parent) if n.endswith(".tmp")]


def test_save_by_rename_during_the_write_is_not_lost(props, capsys, monkeypatch):
    """Editors that save by rename give the file a new inode with the same size: still refused."""
    real_fsync = os.fsync
    saved = PROPS.replace("70B", "8B ")

    def slow_fsync(fd):
        real_fsync(fd)
        if props.read_text() == PROPS:
            other = props.with_name("x.swp")
            other.write_text(saved)
            os.replace(other, props)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    _code, findings, _ = _fix(capsys, "serving.properties")
    assert props.read_text() == saved and "LMM007" in _codes(findings)


def test_parent_swapped_for_a_symlink_never_writes_outside(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "serving.properties").write_text(PROPS)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "serving.properties").write_text(PROPS)
    real_read = Path.read_bytes
    import lmimigrate.core.api as api_mod

    real_check = api_mod.check_one

    def swapping_check(engine, cand, data, opts, *a):
        if "sub" in cand.fs_path and (tree / "sub").is_dir() and not (tree / "sub").is_symlink():
            os.rename(tree / "sub", tmp_path / "moved")
            os.symlink(outside, tree / "sub")
        return real_check(engine, cand, data, opts, *a)

    monkeypatch.setattr(api_mod, "check_one", swapping_check)
    _fix(capsys, "tree")
    assert (outside / "serving.properties").read_text() == PROPS
    assert real_read(tmp_path / "moved" / "serving.properties") == PROPS.encode()


# ---- §6 metadata ------------------------------------------------------------------------------------------


def test_mode_owner_and_setuid_bits_are_kept(props, capsys):
    os.chown(props, 1000, 1000)
    os.chmod(props, 0o6755)
    _fix(capsys, "serving.properties")
    st = props.stat()
    assert props.read_text() != PROPS
    assert (st.st_uid, st.st_gid) == (1000, 1000)
    assert stat.S_IMODE(st.st_mode) == 0o6755


def test_user_xattrs_are_kept(props, capsys):
    os.setxattr(props, "user.origin", b"hand-written")
    _fix(capsys, "serving.properties")
    assert props.read_text() != PROPS
    assert os.getxattr(props, "user.origin") == b"hand-written"


def test_hard_linked_file_is_refused_by_default(props, capsys):
    other = props.with_name("copy.txt")
    os.link(props, other)
    code, findings, _ = _fix(capsys, "serving.properties")
    assert props.read_text() == PROPS and other.read_text() == PROPS
    notes = [f for f in findings if f["code"] == "LMM007"]
    assert notes and "hard link" in notes[0]["message"] and "--fix-hard-links" in notes[0]["message"]


def test_hard_linked_file_is_written_in_place_when_asked(props, capsys):
    other = props.with_name("copy.txt")
    os.link(props, other)
    ino = props.stat().st_ino
    _fix(capsys, "--fix-hard-links", "serving.properties")
    assert props.read_text() != PROPS
    assert other.read_text() == props.read_text() and props.stat().st_ino == ino
    assert props.stat().st_nlink == 2


def test_read_only_file_is_not_written_even_as_root(props, capsys):
    os.chmod(props, 0o444)
    assert os.access(props, os.W_OK) == (os.geteuid() == 0)  # root may write it: the mode bits decide
    code, findings, _ = _fix(capsys, "serving.properties")
    assert props.read_text() == PROPS
    assert any(f["code"] == "LMM007" and "read-only" in f["message"] for f in findings)


def test_overlapping_path_arguments_check_each_file_once(props, capsys, monkeypatch):
    sub = props.parent / "sub"
    sub.mkdir()
    x = sub / "x.properties"
    x.write_text(PROPS)
    code, findings, _ = _fix(capsys, "sub/x.properties", "./sub/x.properties", "sub", ".", str(x))
    assert "LMM007" not in _codes(findings)
    assert x.read_text() != PROPS
    mine = [(f["code"], f["line"]) for f in findings if f["path"].endswith("x.properties")]
    assert mine and len(mine) == len(set(mine))  # reported once, not once per spelling of its path
