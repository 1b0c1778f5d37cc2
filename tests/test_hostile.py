"""Hostile repositories (issue 15, acceptance): a tree the user did not write must not make a plain
`lmimigrate check` (or `--fix`) write, delete or run anything outside it.

Every case builds `outer/repo`, puts valuables in `outer` (and an absolute target elsewhere), runs the CLI on
`repo`, and asserts that nothing outside `repo` changed and that no marker program ran.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from lmimigrate.cli import main

PROPS = "engine=Python\noption.model_id=meta-llama/Llama-3.1-70B\noption.rolling_batch=lmi-dist\n"
ARGS = ["--from", "lmi==0.29.0", "--to", "lmi==0.30.0", "--output-format", "json"]


def _snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry under root (not under `skip`): kind, bytes digest, mode, mtime."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if skip is not None and Path(dirpath).resolve() == skip.resolve():
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            if skip is not None and p == skip:
                continue  # the checked tree itself (its mtime changes with its content)
            st = p.lstat()
            digest = ""
            if p.is_file() and not p.is_symlink():
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
            elif p.is_symlink():
                digest = os.readlink(p)
            out[str(p.relative_to(root))] = (st.st_mode, digest, st.st_mtime_ns)
    return out


@pytest.fixture
def world(tmp_path, monkeypatch):
    """outer/ holds the user's other files, including names the old cache pruned (results-*, clean-*)."""
    outer = tmp_path / "outer"
    repo = outer / "repo"
    repo.mkdir(parents=True)
    for i in range(12):
        (outer / f"results-q{i}-2025.xlsx").write_bytes(b"spreadsheet %d" % i)
        (outer / f"clean-room-notes-{i}.md").write_text(f"notes {i}\n")
    (outer / ".gitignore").write_text("precious\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for i in range(12):
        (elsewhere / f"results-{i:032x}.json").write_text("{}")
    (repo / "serving.properties").write_text(PROPS)
    (repo / "app.env").write_text("FOO=1\n")
    marker = tmp_path / "PWNED"
    monkeypatch.chdir(repo)
    before = {"outer": _snapshot(outer, skip=repo), "elsewhere": _snapshot(elsewhere)}

    class World:
        pass

    w = World()
    w.tmp, w.outer, w.repo, w.elsewhere, w.marker = tmp_path, outer, repo, elsewhere, marker

    def unchanged():
        assert _snapshot(outer, skip=repo) == before["outer"]
        assert _snapshot(elsewhere) == before["elsewhere"]
        assert not marker.exists(), "a program planted by the repository ran"

    w.unchanged = unchanged
    return w


def _run(capsys, *extra):
    code = main(["check", *ARGS, *extra])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _findings(out: str) -> list[dict]:
    return json.loads(out)


# ---- the cache directory ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["..", "absolute"])
def test_cache_symlink_is_ignored_with_a_note(world, capsys, target):
    link = world.repo / ".lmimigrate_cache"
    link.symlink_to(world.elsewhere if target == "absolute" else Path(".."))
    for _ in range(2):  # cold, then a run that would prune
        code, out, err = _run(capsys)
        assert code == 1 and {f["path"] for f in _findings(out)} == {"serving.properties"}
        assert ".lmimigrate_cache" in err and "symlink" in err
    world.unchanged()
    assert link.is_symlink()


def test_cache_dir_with_unexpected_entries_is_not_written_or_pruned(world, capsys):
    cache = world.repo / ".lmimigrate_cache"
    cache.mkdir()
    planted = cache / "results-planted.txt"
    planted.write_text("not ours\n")
    theirs = {cache / f"results-{i:032x}.json": f"their data {i}" for i in range(10)}
    for p, text in theirs.items():
        p.write_text(text)  # our name pattern, but without our header: not ours either
    code, out, err = _run(capsys)
    assert code == 1 and "cache is not used" in err
    assert planted.read_text() == "not ours\n"
    assert all(p.read_text() == text for p, text in theirs.items())
    world.unchanged()


def test_cache_files_named_like_ours_without_the_header_are_never_pruned(world, capsys):
    cache = world.repo / ".lmimigrate_cache"
    _run(capsys)  # a real cache
    names = sorted(os.listdir(cache))
    fake = [cache / f"results-{i:032x}.json" for i in range(12)]
    for p in fake:
        p.write_text('{"some": "user file"}')
    for n in range(3):  # runs under different keys (rules), each saving: pruning happens
        _run(capsys, "--ignore", f"LMI04{n}")
    assert all(p.exists() for p in fake)
    assert set(names) <= set(os.listdir(cache))
    world.unchanged()


def test_dangling_gitignore_symlink_in_cache_is_not_followed(world, capsys):
    cache = world.repo / ".lmimigrate_cache"
    cache.mkdir()
    target = world.outer / "created-by-cache"
    (cache / ".gitignore").symlink_to(target)
    code, _out, err = _run(capsys)
    assert code == 1
    assert not target.exists() and not target.is_symlink()
    world.unchanged()


def test_cache_dir_that_is_a_fifo_or_file_is_left_alone(world, capsys):
    os.mkfifo(world.repo / ".lmimigrate_cache")
    code, out, _ = _run(capsys)  # must not block
    assert code == 1 and _findings(out)
    assert (world.repo / ".lmimigrate_cache").is_fifo()
    world.unchanged()


def _cache_file(repo: Path) -> Path:
    files = [p for p in (repo / ".lmimigrate_cache").iterdir() if p.name.startswith("results-")]
    assert len(files) == 1
    return files[0]


def _rewrite_entries(path: Path, value) -> None:
    """Tamper with every entry, keeping the file's exact header (compact JSON, as the cache writes it)."""
    data = json.loads(path.read_text())
    entries = data["entries"] if "entries" in data else data
    for k in entries:
        entries[k] = value
    path.write_text(json.dumps(data, separators=(",", ":")))


@pytest.mark.parametrize(
    "value",
    [
        [],
        [[], []],
        "x",
        None,
        [[["t", 1, None, "\n", []]], ["LMI001", 5, "error", "p", 0, [0, 1], None, None, 1, 1, 1, 1]],
        [[], ["LMI001", "m", "nonsense", "p", None, [0, 1], None, None, 1, 1, 1, 1]],
        [[], ["LMI001", "m", "error", "p", None, "ab", None, None, "1", 1, 1, 1]],
        [[], ["LMI001", "m", "error", "p", None, [0, 1], [1, 2, 3], None, 1, 1, 1, 1]],
    ],
)
def test_planted_cache_entries_never_hide_findings_or_crash(world, capsys, value):
    first = _run(capsys)
    _rewrite_entries(_cache_file(world.repo), value)
    second = _run(capsys)
    assert second[0] == first[0] == 1
    assert _findings(second[1]) == _findings(first[1])
    world.unchanged()


def test_planted_results_file_cannot_supply_findings(world, capsys):
    """A repository ships a cache that says "no findings" (`[[]]`) for its files, under entry names computed
    as the cache once did (unkeyed BLAKE2b of bytes, surface, path), in a file with our exact header and the
    run key of this run. Entry names are keyed with the user's secret, so none of them can match."""
    import hashlib

    first = _run(capsys)
    path = _cache_file(world.repo)
    entries = {}
    for name, surface in (("serving.properties", "properties"), ("app.env", "env")):
        data = (world.repo / name).read_bytes()
        for key in (b"", b"guess"):
            h = hashlib.blake2b(data, digest_size=16, key=key)
            h.update(b"\0" + surface.encode() + b"\0" + name.encode())
            entries[h.hexdigest()] = [[]]
    path.write_text('{"lmimigrate-cache":"3","entries":' + json.dumps(entries, separators=(",", ":")) + "}")
    second = _run(capsys)
    assert second[0] == 1 and _findings(second[1]) == _findings(first[1])
    world.unchanged()


def test_planted_cache_with_deep_nesting_does_not_break_later_runs(world, capsys):
    first = _run(capsys)
    _cache_file(world.repo).write_text("[" * 200_000 + "]" * 200_000)
    for _ in range(2):
        again = _run(capsys)
        assert again[0] == 1 and _findings(again[1]) == _findings(first[1])
    _cache_file(world.repo).write_text('{"lmimigrate-cache":"3","entries":' + "[" * 200_000 + "]" * 200_000 + "}")
    for _ in range(2):
        again = _run(capsys)
        assert again[0] == 1 and _findings(again[1]) == _findings(first[1])
    world.unchanged()


def test_planted_fifo_results_file_does_not_block(world, capsys):
    first = _run(capsys)
    path = _cache_file(world.repo)
    path.unlink()
    os.mkfifo(path)
    again = _run(capsys)
    assert again[0] == 1 and _findings(again[1]) == _findings(first[1])
    assert path.is_fifo()
    world.unchanged()


def test_cache_dir_owned_by_someone_else_is_not_used(world, capsys):
    cache = world.repo / ".lmimigrate_cache"
    cache.mkdir()
    os.chown(cache, 12345, 12345)
    code, _out, err = _run(capsys)
    assert code == 1 and "owned" in err
    assert os.listdir(cache) == []
    world.unchanged()


# ---- no program from the checked tree ---------------------------------------------------------------------


def _plant_git(world) -> None:
    subprocess.run(["git", "init", "-q", str(world.repo)], check=True)
    script = world.tmp / "evil.sh"
    script.write_text(f"#!/bin/sh\necho ran \"$@\" >> {world.marker}\n")
    script.chmod(0o755)
    hooks = world.repo / "hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        (hooks / hook).symlink_to(script)
    with open(world.repo / ".git" / "config", "a") as fh:
        fh.write(
            f"[core]\n\tfsmonitor = {script}\n\thooksPath = {hooks}\n\tpager = {script}\n"
            f"\tsshCommand = {script}\n\teditor = {script}\n\taskPass = {script}\n"
            f"[diff]\n\texternal = {script}\n[credential]\n\thelper = !{script}\n"
            f"[filter \"x\"]\n\tclean = {script}\n\tsmudge = {script}\n\tprocess = {script}\n"
        )
    (world.repo / ".gitattributes").write_text("* filter=x\n")
    (world.repo / "ignored.properties").write_text(PROPS)
    (world.repo / ".gitignore").write_text("ignored.properties\n")


def test_planted_git_config_runs_no_program(world, capsys):
    _plant_git(world)
    for extra in ([], ["--fix", "--unsafe-fixes"]):
        code, out, err = _run(capsys, *extra)
        assert code in (0, 1), err
        paths = {f["path"] for f in _findings(out)}
        assert "ignored.properties" not in paths  # .gitignore is still honoured
    world.unchanged()


def test_no_subprocess_at_all(world, capsys, monkeypatch):
    """Finding files and the project root needs no program: any subprocess is a failure."""
    _plant_git(world)
    (world.repo / "sub").mkdir()
    (world.repo / "sub" / "serving.properties").write_text(PROPS)

    def refuse(*a, **k):
        raise AssertionError(f"lmimigrate started a program: {a!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "posix_spawn", refuse)
    monkeypatch.setattr(os, "execv", refuse)
    code, out, err = _run(capsys, "sub", ".")
    assert code == 1, err
    assert {f["path"] for f in _findings(out)} == {"sub/serving.properties", "serving.properties"}
    world.unchanged()


def test_symlinked_gitignore_is_not_followed(world, capsys):
    """Like git (>= 2.32), a .gitignore that is a symlink is not read: here it points at a FIFO outside the
    tree, which would block, and at a file listing patterns."""
    subprocess.run(["git", "init", "-q", str(world.repo)], check=True)
    fifo = world.outer / "pipe"
    os.mkfifo(fifo)
    (world.repo / ".gitignore").symlink_to(fifo)
    code, out, err = _run(capsys)
    assert code == 1 and _findings(out)
    os.unlink(fifo)
    world.unchanged()


def test_gitignore_outside_the_root_is_not_read_above_the_repository(world, capsys):
    """outer/.gitignore ignores `precious`; it is not part of repo's git tree, so it does not apply."""
    subprocess.run(["git", "init", "-q", str(world.repo)], check=True)
    (world.repo / "precious").mkdir()
    (world.repo / "precious" / "serving.properties").write_text(PROPS)
    code, out, _ = _run(capsys)
    assert "precious/serving.properties" in {f["path"] for f in _findings(out)}
    world.unchanged()


# ---- configuration that points outside --------------------------------------------------------------------


def test_pyproject_exclude_outside_the_tree_changes_nothing_outside(world, capsys):
    (world.repo / "pyproject.toml").write_text('[tool.lmimigrate]\nexclude = ["../*", "/", "..", "/etc"]\n')
    for extra in ([], ["--fix", "--unsafe-fixes"]):
        code, _out, err = _run(capsys, *extra)
        assert code in (0, 1), err
    world.unchanged()


@pytest.mark.parametrize("key", ["cache-dir", "cache"])
def test_pyproject_cache_location_is_not_configurable(world, capsys, key):
    (world.repo / "pyproject.toml").write_text(f'[tool.lmimigrate]\n{key} = "{world.outer}"\n')
    code, _out, err = _run(capsys)
    assert code == 2 and key in err
    world.unchanged()


def test_config_that_is_a_fifo_does_not_hang(world, capsys):
    fifo = world.repo / "lmimigrate.toml"
    os.mkfifo(fifo)
    code, _out, err = _run(capsys, "--config", str(fifo))
    assert code == 2 and "regular file" in err
    world.unchanged()


def test_pyproject_that_is_a_fifo_is_not_opened(world, capsys):
    os.mkfifo(world.repo / "pyproject.toml")
    code, out, _err = _run(capsys)  # not a configuration file: the run goes on without it
    assert code == 1 and _findings(out)
    world.unchanged()


# ---- terminal escapes -------------------------------------------------------------------------------------


def test_control_characters_from_names_contents_and_cache_are_escaped_in_text_output(world, capsys):
    (world.repo / "evil\x1b]0;owned\x07").mkdir()
    (world.repo / "evil\x1b]0;owned\x07" / "serving.properties").write_text("option.rolling_batch=lmi-dist\x1b[2J\x9b31m\noption.rolling_batch=vllm\n")
    for _ in range(2):  # cold, then from the cache
        code = main(["check", "--from", "lmi==0.29.0", "--to", "lmi==0.30.0", "--output-format", "text"])
        out = capsys.readouterr().out
        assert code == 1
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert "evil\\x1b]0;owned\\x07/serving.properties:1:1:" in out
        assert "lmi-dist\\x1b[2J\\x9b31m" in out
    world.unchanged()
