"""Safe writes: atomic replace, mode kept, refusals, and the original intact when any step fails."""

from __future__ import annotations

import os

import pytest

from lmimigrate.core import writer


@pytest.fixture
def target(tmp_path):
    p = tmp_path / "serving.properties"
    p.write_bytes(b"option.a=1\n")
    os.chmod(p, 0o604)
    return p


def _no_temp_left(directory):
    return not [n for n in os.listdir(directory) if n.startswith(".lmimigrate-")]


def test_replaces_and_keeps_mode(target):
    assert writer.write_atomic(str(target), b"option.a=1\n", b"option.a=2\n") is None
    assert target.read_bytes() == b"option.a=2\n"
    assert target.stat().st_mode & 0o777 == 0o604
    assert _no_temp_left(target.parent)


def test_refuses_when_changed_on_disk(target):
    problem = writer.write_atomic(str(target), b"something else\n", b"new\n")
    assert "changed on disk" in problem and target.read_bytes() == b"option.a=1\n"


def test_refuses_read_only(target, monkeypatch):
    os.chmod(target, 0o444)  # as root too: the mode bits decide, not os.access (which says yes to root)
    assert "read-only" in writer.write_atomic(str(target), b"option.a=1\n", b"x\n")
    assert target.read_bytes() == b"option.a=1\n"


def test_refuses_symlinks(target, tmp_path):
    link = tmp_path / "link.properties"
    link.symlink_to(target)
    assert "symlink" in writer.write_atomic(str(link), b"option.a=1\n", b"x\n")
    assert target.read_bytes() == b"option.a=1\n" and link.is_symlink()


@pytest.mark.parametrize("step", ["write", "fsync", "chmod", "replace"])
@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_fault_at_each_step_leaves_original_intact(target, monkeypatch, step, exc):
    def boom(*a, **k):
        raise exc

    if step == "write":
        real_write_all = writer._write_all

        def partial(fd, data):
            real_write_all(fd, data[: len(data) // 2])  # a partial write, then the failure
            raise exc

        monkeypatch.setattr(writer, "_write_all", partial)
    elif step == "fsync":
        monkeypatch.setattr(writer.os, "fsync", boom)
    elif step == "chmod":
        monkeypatch.setattr(writer.os, "fchmod", boom)
    else:
        monkeypatch.setattr(writer.os, "replace", boom)
    if isinstance(exc, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            writer.write_atomic(str(target), b"option.a=1\n", b"option.a=2\n" * 1000)
    else:
        problem = writer.write_atomic(str(target), b"option.a=1\n", b"option.a=2\n" * 1000)
        assert "original left unchanged" in problem
    assert target.read_bytes() == b"option.a=1\n"
    assert _no_temp_left(target.parent)
