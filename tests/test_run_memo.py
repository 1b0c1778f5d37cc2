"""The run memo (core/runmemo.py): a warm re-run with nothing changed reuses the last report, without discovery,
planning or any rule; anything the report depended on that changed makes it a miss, and the report is then the
one a fresh run gives."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from pathlib import Path

import pytest

from lmimigrate.cli import main
from lmimigrate.core import api, filememo, registry, runmemo

OLD = time.time() - 3600  # older than the racy window


def _write(root: Path, rel: str, text: str, when: float = OLD) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    os.utime(p, (when, when))
    return p


def _repo(root: Path) -> Path:
    (root / ".git" / "info").mkdir(parents=True, exist_ok=True)
    _write(root, "serving.properties", "engine=MPI\noption.rolling_batch=lmi-dist\n")
    _write(root, "k8s/deploy.yaml", "image: vllm/vllm-openai:v0.8.2\nargs: [--disable-log-requests]\n")
    _write(root, "app/plain.py", "print('nothing to see')\n")
    _write(root, ".gitignore", "ignored/\n")
    _write(root, "ignored/deploy.yaml", "args: [--disable-log-requests]\n")
    return root


@pytest.fixture(autouse=True)
def _own_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def walks(monkeypatch):
    """How many runs walked the tree (a memo hit walks nothing)."""
    count = [0]
    real = api.discover

    def counting(*a, **k):
        count[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(api, "discover", counting)
    return count


def _summary(report):
    return ([(o.path, [(f.path, f.line, f.column, f.code, f.message, f.severity.value, f.fix is not None,
                        f.file_location) for f in o.findings]) for o in report.outcomes],
            {s: (str(p.from_), str(p.to), p.from_source) for s, p in report.pairs.items()},
            [(d.stack, str(d.version), d.path, d.line, d.text) for d in report.detections],
            report.notes, report.files_checked, report.skipped_checks,
            [({s: str(p.from_) for s, p in pairs.items()}, n) for pairs, n in report.version_groups])


def _run(root: Path, cache: bool = True, **kw):
    opts = api.Options(paths=[str(root)], rules=registry.select(None, ["LMM"]), cache=cache, jobs=1, **kw)
    return api.run(opts)


def _fresh(root: Path, **kw):
    return _summary(_run(root, cache=False, **kw))


def _hit(root: Path, walks, **kw) -> bool:
    """Run twice more: the first may rebuild the memo; says whether the second was served by it (and checks
    that what it served is what a fresh run finds)."""
    _run(root, **kw)
    before = walks[0]
    report = _run(root, **kw)
    hit = walks[0] == before
    assert _summary(report) == _fresh(root, **kw)
    return hit


def test_a_warm_run_with_nothing_changed_walks_nothing_and_reports_the_same(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    first = _summary(_run(root))
    assert walks[0] == 1
    second = _run(root)
    assert walks[0] == 1  # served by the memo: no discovery, no planning, no check
    assert _summary(second) == first == _fresh(root)
    assert any(f.code.startswith("LMI") for f in second.findings)


def _changes_miss(root: Path, walks, change) -> None:
    _run(root)
    _run(root)
    before = walks[0]
    assert _run(root) is not None and walks[0] == before  # warm: a hit
    change()
    report = _run(root)
    assert walks[0] == before + 1, "the memo served a run after a change"
    assert _summary(report) == _fresh(root)


def test_a_new_file_is_a_miss(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    _changes_miss(root, walks, lambda: _write(root, "k8s/more/other.yaml", "args: [--disable-log-requests]\n"))


def test_a_deleted_file_is_a_miss(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    _changes_miss(root, walks, lambda: (root / "serving.properties").unlink())


def test_an_edit_that_keeps_size_and_mtime_is_a_miss(tmp_path, walks):
    # A tool that restores the mtime after writing: the change time (ctime) still moves.
    root = _repo(tmp_path / "repo")
    props = root / "serving.properties"

    def edit():
        text = props.read_text()
        _write(root, "serving.properties", text.replace("engine=MPI", "engine=Pyt"))

    _changes_miss(root, walks, edit)


def test_a_changed_gitignore_is_a_miss(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    _changes_miss(root, walks, lambda: _write(root, ".gitignore", "ignored/\nk8s/\n"))


def test_a_new_gitignore_in_a_subdirectory_is_a_miss(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    _changes_miss(root, walks, lambda: _write(root, "k8s/.gitignore", "deploy.yaml\n"))


def test_a_changed_info_exclude_is_a_miss(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    _changes_miss(root, walks, lambda: _write(root, ".git/info/exclude", "serving.properties\n"))


def test_a_global_excludes_file_is_watched(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    _changes_miss(root, walks, lambda: _write(tmp_path / "xdg", "git/ignore", "*.properties\n"))


def test_a_file_in_an_ignored_directory_changes_nothing(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    assert _hit(root, walks)
    _write(root, "ignored/new.yaml", "args: [--disable-log-requests]\n")
    assert _hit(root, walks)


def test_a_directory_whose_names_did_not_change_is_still_a_hit(tmp_path, walks):
    # Creating and removing an entry moves the directory's mtime; its names are what matter. The cache
    # directory itself is created in the root by the first run.
    root = _repo(tmp_path / "repo")
    _run(root)
    _run(root)
    before = walks[0]
    (root / "k8s" / "tmp.yaml").write_text("x: 1\n")
    (root / "k8s" / "tmp.yaml").unlink()
    os.utime(root / "k8s", (OLD + 5, OLD + 5))
    _run(root)
    assert walks[0] == before


def test_a_different_target_or_option_is_a_miss(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    assert _hit(root, walks)
    from packaging.version import Version

    before = walks[0]
    report = _run(root, from_={"vllm": Version("0.6.2")})
    _run(root, to={"vllm": Version("0.8.5")})
    _run(root, excludes=("k8s",))
    assert walks[0] == before + 3
    assert _summary(report) == _fresh(root, from_={"vllm": Version("0.6.2")})


def test_a_fresh_file_writes_no_memo(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    (root / "app" / "plain.py").touch()  # modified now: its stat cannot prove the next state unchanged
    _run(root)
    _run(root)
    assert not list((root / ".lmimigrate_cache").glob("run-*.json"))


def test_a_symlinked_file_writes_no_memo(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    (root / "k8s" / "link.yaml").symlink_to("deploy.yaml")
    _run(root)
    assert not list((root / ".lmimigrate_cache").glob("run-*.json"))


def test_named_files_fixes_and_stdin_do_not_use_the_memo(tmp_path, walks, monkeypatch):
    root = _repo(tmp_path / "repo")
    _run(root)
    _run(root)
    loads = []
    monkeypatch.setattr(runmemo, "load", lambda *a: loads.append(a))
    opts = api.Options(paths=[str(root / "serving.properties")], rules=registry.select(None, ["LMM"]), cache=True, jobs=1)
    api.run(opts)
    from lmimigrate.core.ftypes import Applicability

    _run(root, fix=Applicability.SAFE, write=False)
    opts = api.Options(paths=["-"], rules=registry.select(None, ["LMM"]), cache=True, jobs=1,
                       stdin=("serving.properties", b"engine=MPI\n"))
    api.run(opts)
    assert loads == []


PROBE_RULE = """from lmimigrate.core.ftypes import Evidence
from lmimigrate.core.rule import Rule


class ProbeRule(Rule):
    code = "PROBE001"
    name = "probe"
    stack = "lmi"
    trigger = "always"
    summary = "a rule in a module of its own"
    tokens = (b"rolling_batch",)
    evidence = (Evidence("probe 1", "probe.py", "probe"),)

    def check(self, ctx):
        for s in ctx.settings("lmi", "option.rolling_batch"):
            yield ctx.report(s, "PROBE001 saw option.rolling_batch")
"""


def test_an_edited_rule_module_is_a_miss(tmp_path, walks, monkeypatch):
    # The memo watches the code of the rules it ran (here a plugin-style rule class in a module of its own).
    plugin = tmp_path / "plug" / "memo_probe_rules.py"
    plugin.parent.mkdir()
    plugin.write_text(PROBE_RULE)
    os.utime(plugin, (OLD, OLD))
    monkeypatch.syspath_prepend(str(plugin.parent))
    import importlib

    module = importlib.import_module("memo_probe_rules")
    rules = [module.ProbeRule]
    root = _repo(tmp_path / "repo")
    opts = api.Options(paths=[str(root)], rules=rules, cache=True, jobs=1)
    api.run(opts)
    api.run(opts)
    before = walks[0]
    assert [f.code for f in api.run(opts).findings] == ["PROBE001"]
    assert walks[0] == before
    plugin.write_text(plugin.read_text() + "# edited\n")
    os.utime(plugin, (OLD + 5, OLD + 5))
    api.run(opts)
    assert walks[0] == before + 1


def test_a_damaged_memo_is_a_miss(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    assert _hit(root, walks)
    (memo,) = (root / ".lmimigrate_cache").glob("run-*.json")
    data = json.loads(memo.read_bytes())
    first = next(iter(data["value"]["findings"]))
    data["value"]["findings"][first][0] = [["not", "findings"]]
    memo.write_bytes(b'{"lmimigrate-cache":"3",' + json.dumps(data).encode()[1:])
    before = walks[0]
    report = _run(root)
    assert walks[0] == before + 1
    assert _summary(report) == _fresh(root)


# ---- through the command line: the output is the same bytes, and no rule module is loaded ------------------------

FORMATS = (["--output-format", "full"], ["--output-format", "concise"], ["--output-format", "grouped"],
           ["--output-format", "json"], ["--output-format", "sarif"], ["--output-format", "github"], ["--statistics"])


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def test_the_memoized_output_is_byte_for_byte_a_fresh_runs(tmp_path, walks, monkeypatch):
    root = _repo(tmp_path / "repo")
    _write(root, "nb/demo.ipynb", json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                                           "source": ["!vllm serve m --disable-log-requests\n"]}],
                                              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    monkeypatch.chdir(root)
    _cli(["check", "."])
    _cli(["check", "."])
    for fmt in FORMATS:
        before = walks[0]
        memoized = _cli(["check", ".", *fmt])
        assert walks[0] == before, fmt
        assert memoized == _cli(["check", "--no-cache", ".", *fmt]), fmt
        assert memoized[0] == 1 and memoized[1]


def test_a_changed_configuration_is_a_miss(tmp_path, walks, monkeypatch):
    root = _repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    _cli(["check", "."])
    _cli(["check", "."])
    before = walks[0]
    _cli(["check", "."])
    assert walks[0] == before
    _write(root, "pyproject.toml", '[tool.lmimigrate]\nexclude = ["k8s"]\n')
    memoized = _cli(["check", "."])
    assert walks[0] == before + 1
    assert memoized == _cli(["check", "--no-cache", "."])
    assert "deploy.yaml" not in memoized[1]


def test_the_racy_window_is_the_file_memos():
    assert runmemo.filememo.RACY_NS == filememo.RACY_NS > 0


def _git(root: Path, *args: str) -> None:
    import subprocess

    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}  # (HOME and XDG_CONFIG_HOME: the fixture's)
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_a_rewritten_git_index_with_the_same_paths_is_a_hit_and_a_newly_tracked_file_a_miss(tmp_path, walks):
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    _repo(root)
    _git(root, "add", "serving.properties", "k8s")
    for fresh in (".git/config", ".git/info/exclude"):  # (read by the listing: fresh files write no memo)
        os.utime(root / fresh, (OLD, OLD))
    assert _hit(root, walks)
    index = root / ".git" / "index"
    data = index.read_bytes()
    index.unlink()
    index.write_bytes(data)  # as `git status` rewrites it: another inode and mtime, the same paths
    assert _hit(root, walks)
    _run(root)
    before = walks[0]
    _git(root, "add", "-f", "ignored/deploy.yaml")  # tracked now: listed although ignored
    report = _run(root)
    assert walks[0] == before + 1
    assert any("ignored" in o.path for o in report.outcomes if o.findings)
    assert _summary(report) == _fresh(root)


def test_a_file_whose_stat_changed_between_two_reads_of_one_run_spoils_the_record(tmp_path):
    f = _write(tmp_path, "start", "#!/bin/sh\n")
    deps = runmemo.Deps()
    deps.stat(str(f))  # sniffed for a shebang
    deps.file(str(f), os.stat(f))  # stat again before the check: the same
    assert deps.usable
    _write(tmp_path, "start", "#!/bin/sh\nexit 1\n", when=OLD + 10)
    deps.file(str(f), os.stat(f))
    assert not deps.usable


def test_a_tree_outside_git_is_watched_too(tmp_path, walks, monkeypatch):
    # No work tree: discovery walks the directories itself, and the repository-wide detection walks the
    # configuration's directory (os.walk); both listings are recorded.
    root = tmp_path / "plain"
    _write(root, "pyproject.toml", "[tool.lmimigrate]\n")
    _write(root, "serving.properties", "engine=MPI\noption.rolling_batch=lmi-dist\n")
    _write(root, "k8s/deploy.yaml", "image: vllm/vllm-openai:v0.8.2\nargs: [--disable-log-requests]\n")
    monkeypatch.chdir(root)  # (the cache directory goes to the current directory outside git)
    opts = {"config_root": str(root)}
    assert _hit(root, walks, **opts)
    _run(root, **opts)
    before = walks[0]
    _write(root, "k8s/more/other.yaml", "args: [--disable-log-requests]\n")
    report = _run(root, **opts)
    assert walks[0] == before + 1
    assert _summary(report) == _fresh(root, **opts)
    assert _hit(root, walks, **opts)


def test_a_subdirectory_run_watches_the_gitignore_files_above_it(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    sub = root / "k8s"
    assert _hit(sub, walks)
    _run(sub)
    before = walks[0]
    _write(root, ".gitignore", "ignored/\nk8s/deploy.yaml\n")
    report = _run(sub)
    assert walks[0] == before + 1
    assert not report.findings and _summary(report) == _fresh(sub)


def test_the_memo_refers_to_a_files_text_instead_of_holding_it(tmp_path, walks):
    root = _repo(tmp_path / "repo")
    _write(root, "serving.properties", "# a comment only this file has: memo-marker-7f3a\nengine=MPI\n"
                                       "option.rolling_batch=lmi-dist\n")
    assert _hit(root, walks)
    (memo,) = (root / ".lmimigrate_cache").glob("run-*.json")
    assert b"memo-marker-7f3a" not in memo.read_bytes()
    report = _run(root)
    props = [o for o in report.outcomes if o.path.endswith("serving.properties")][0]
    assert props.findings and "memo-marker-7f3a" in props.findings[0].unit.text


# ---- the record itself (Deps.encode and what a hit checks) ---------------------------------------------------------

def _fake_stat(ino: int, mtime_ns: int, size: int = 10) -> os.stat_result:
    return os.stat_result((0o100644, ino, 1, 1, 0, 0, size, 0, mtime_ns // 10**9, mtime_ns // 10**9),
                          {"st_mtime_ns": mtime_ns, "st_ctime_ns": mtime_ns})


@pytest.mark.parametrize("ino, mtime_ns", [(2**64 - 5, 10**18), (7, 2**63 + 10**9)])
def test_stat_numbers_beyond_64_bits_are_recorded_and_compared(tmp_path, monkeypatch, ino, mtime_ns):
    # Some file systems give inode numbers of 64 bits (unsigned); an mtime after 2262 takes more than 63.
    f = str(tmp_path / "f")
    now = {f: _fake_stat(ino, mtime_ns)}

    def fake(path, *a, **k):
        try:
            return now[path if os.path.isabs(path) else os.path.join(os.getcwd(), path)]
        except KeyError:
            raise FileNotFoundError(path) from None

    deps = runmemo.Deps()
    deps.file(f, now[f], follow=False)
    encoded = json.loads(json.dumps(deps.encode()))  # (as stored)
    monkeypatch.setattr(runmemo.os, "lstat", fake)
    monkeypatch.setattr(runmemo.os, "stat", fake)
    assert runmemo._unchanged(encoded, time.time_ns())
    now[f] = _fake_stat(ino - 1, mtime_ns)
    assert not runmemo._unchanged(encoded, time.time_ns())
    now[f] = _fake_stat(ino, mtime_ns + 1)
    assert not runmemo._unchanged(encoded, time.time_ns())


def test_paths_under_the_current_directory_are_kept_relative_and_only_used_from_it(tmp_path, monkeypatch):
    # here/x and there/x are one file (a hard link): the same stat. A memo written in `here` says nothing
    # about `there`: from another directory it is a miss, however its relative paths would resolve there.
    here, there = tmp_path / "here", tmp_path / "there"
    x = _write(here, "sub/x", "x\n")
    (there / "sub").mkdir(parents=True)
    os.link(x, there / "sub" / "x")
    outside = _write(tmp_path, "outside", "o\n")
    monkeypatch.chdir(here)
    listing = runmemo.Deps()
    listing.directory(str(here / "sub"))
    listing.directory(str(tmp_path))
    assert list(listing.encode()["dirs"]) == ["sub", str(tmp_path)]
    deps = runmemo.Deps()
    deps.stat(str(x))
    deps.stat(str(outside))
    encoded = json.loads(json.dumps(deps.encode()))
    assert runmemo.unpack_paths(encoded["files"]["paths"]) == [os.path.join("sub", "x"), str(outside)]
    assert runmemo._unchanged(encoded, time.time_ns())
    monkeypatch.chdir(there)
    assert not runmemo._unchanged(encoded, time.time_ns())
    monkeypatch.chdir(here)
    _write(here, "sub/x", "y\n", when=OLD + 10)
    assert not runmemo._unchanged(encoded, time.time_ns())
