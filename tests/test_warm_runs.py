"""Warm re-runs (issue 14 §3): a file whose stat is unchanged is not read; its findings and detected versions
come from the cache; a run where everything is cached imports no rule module; classification is fast and
the same as the glob table's."""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lmimigrate.core import api, filememo, registry
from lmimigrate.surfaces import _NAME_GLOBS, classify

OLD = time.time() - 3600  # older than the racy window of any run in these tests


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir(parents=True)  # the project root (where .lmimigrate_cache/ goes)
    files = {
        "serving.properties": "engine=MPI\noption.rolling_batch=lmi-dist\n",
        "k8s/deploy.yaml": "image: vllm/vllm-openai:v0.8.2\nargs: [--disable-log-requests]\n",
        "app/plain.py": "print('nothing to see')\n",
    }
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        os.utime(p, (OLD, OLD))
    return tmp_path


def _run(root: Path, reads: list[str] | None = None, monkeypatch=None):
    if monkeypatch is not None:
        real = api.read_candidate

        def counting(cand, limit):
            reads.append(cand.display)
            return real(cand, limit)

        monkeypatch.setattr(api, "read_candidate", counting)
    opts = api.Options(paths=[str(root)], rules=registry.select(None, ["LMM"]), cache=True, jobs=1)
    report = api.run(opts)
    if monkeypatch is not None:
        monkeypatch.setattr(api, "read_candidate", real)
    return report


def _summary(report):
    return ([(f.path, f.line, f.code, f.message) for f in report.findings],
            {s: (str(p.from_), str(p.to), p.from_source) for s, p in report.pairs.items()})


@pytest.fixture(autouse=True)
def _own_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def test_unchanged_files_are_not_read_and_findings_and_versions_are_the_same(tmp_path, monkeypatch):
    root = _repo(tmp_path / "repo")
    cold = _summary(_run(root))
    reads: list[str] = []
    warm = _summary(_run(root, reads, monkeypatch))
    assert warm == cold
    assert cold[1]["vllm"][2].endswith("deploy.yaml:1")  # detected in the file, remembered by the memo
    plain = str(root / "app" / "plain.py")
    assert plain not in reads  # no findings: never read, not even for its text
    assert len(reads) <= 2  # at most the files with findings, for their code frames


def test_a_changed_file_is_read_and_checked_again(tmp_path, monkeypatch):
    root = _repo(tmp_path / "repo")
    _run(root)
    props = root / "serving.properties"
    props.write_text("engine=Python\n")
    os.utime(props, (OLD + 10, OLD + 10))
    reads: list[str] = []
    findings, _ = _summary(_run(root, reads, monkeypatch))
    assert str(props) in reads
    assert not [f for f in findings if f[0] == str(props)]


def test_a_file_changed_within_the_racy_window_is_read(tmp_path, monkeypatch):
    root = _repo(tmp_path / "repo")
    fresh = root / "app" / "plain.py"
    os.utime(fresh, None)  # modified now: the same stat could hide a second change in the same tick
    _run(root)
    reads: list[str] = []
    _run(root, reads, monkeypatch)
    assert str(fresh) in reads


def test_a_damaged_memo_is_ignored(tmp_path):
    root = _repo(tmp_path / "repo")
    cold = _summary(_run(root))
    (memo,) = (root / ".lmimigrate_cache").glob("files-*.json")
    data = json.loads(memo.read_bytes())
    for rec in data["files"].values():
        rec[4] = 12  # not an entry
        rec[5] = [["vllm", "not a version", 1, ["x", ""]]]
    memo.write_bytes(b'{"lmimigrate-cache":"3",' + json.dumps(data).encode()[1:])
    assert _summary(_run(root)) == cold


def test_memo_records_detections_only_in_the_shape_it_writes():
    assert filememo._valid_detections([["vllm", "0.8.2", 3, ["vllm==0.8.2", ""]]])
    for bad in (None, [["vllm"]], [["vllm", "0.8.2", "3", ["t", ""]]], [["vllm", "0.8.2", 3, ["t"]]]):
        assert not filememo._valid_detections(bad)


def test_a_fully_cached_run_imports_no_rule_module(tmp_path):
    # The second process is served by the run memo (core/runmemo.py): no version planning either; the third
    # by the file memo and the result cache (the memo was removed): still no rule module.
    root = _repo(tmp_path / "repo")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "user-cache"), LMIMIGRATE_INDEX_DIR=str(tmp_path / "index"))
    code = ("import contextlib, io, json, sys\nfrom lmimigrate.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n    rc = main(['check', '.'])\n"
            "print(json.dumps([rc, out.getvalue(), sorted(m for m in sys.modules if m.startswith('lmimigrate.rules.')),"
            " 'lmimigrate.core.scoping' in sys.modules]))")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root, timeout=120)
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        for memo in (root / ".lmimigrate_cache").glob("run-*.json") if len(runs) == 2 else ():
            memo.unlink()
    (rc1, out1, mods1, _), (rc2, out2, mods2, planned2), (rc3, out3, mods3, planned3) = runs
    assert (rc1, out1) == (rc2, out2) == (rc3, out3) and rc1 == 1 and "LMI010" in out1
    assert mods1 and mods2 == [] and mods3 == []
    assert not planned2 and planned3


def _reference_classify(path: str) -> str | None:
    name = os.path.basename(path)
    lower = name.lower()
    for glob, surface in _NAME_GLOBS:
        if fnmatch.fnmatchcase(name, glob) or (glob.startswith("*.") and fnmatch.fnmatchcase(lower, glob)):
            return surface
    return None


def test_classify_matches_the_glob_table():
    parts = ["", ".", "x", "env", ".env", "Dockerfile", "dockerfile", "serving", "properties", "PY", "py", "j2",
             "Containerfile", "template", "envrc", "tf", "yml", "YAML", "sh", "pyi", "ipynb", "json", "a.b"]
    names = {a + s1 + b + s2 + c for a, b, c in itertools.product(parts, repeat=3)
             for s1, s2 in (("", ""), (".", ""), (".", "."), ("", "."))}
    names.discard("")
    assert [n for n in sorted(names) if classify(n) != _reference_classify(n)] == []


def test_pruning_old_results_keeps_the_stat_memo(tmp_path):
    from lmimigrate.core import cachedir

    root = tmp_path / "repo"
    root.mkdir()
    fd = cachedir.open_dir(str(root), create=True)
    try:
        names = [f"files-{'a' * 32}.json", f"results-{'b' * 32}.json", f"results-{'c' * 32}.json"]
        for i, name in enumerate(names):
            cachedir.write(fd, name, cachedir.HEADER + b'"x":1}')
            os.utime(name, (OLD + i, OLD + i), dir_fd=fd)
        cachedir.prune(fd, cachedir.scan(fd), keep=1, current=names[2])
    finally:
        os.close(fd)
    assert sorted(p.name for p in (root / ".lmimigrate_cache").iterdir() if p.suffix == ".json") == [names[0], names[2]]


def test_a_record_without_entry_is_a_miss_for_a_file_to_check(tmp_path):
    st = os.stat(__file__)
    memo = filememo.FileMemo(str(tmp_path), b"k" * 32)
    memo.put("a.yaml", "yaml", st, None, [])  # recorded by a versions-only scan
    memo.known, memo.saved = memo.new, st.st_mtime_ns + 10 * filememo.RACY_NS
    assert memo.get("a.yaml", "yaml", st) is None
    assert memo.get("a.yaml", "yaml", st, need_entry=False) == (None, [])


VERSIONS = ["0.5.5", "0.6.3", "0.6.6", "0.7.3", "0.8.2", "0.8.5", "0.9.2", "0.10.2", "0.11.0", "0.13.0", "0.14.0"]


def _groups_repo(tmp_path: Path) -> Path:
    """A tree with more version groups (one results file each) than the cache keeps keys of."""
    from lmimigrate.core import cache

    root = tmp_path / "repo"  # beside the user cache of the `_own_secret` fixture, not around it
    (root / ".git").mkdir(parents=True)
    assert len(VERSIONS) > cache.MAX_KEYS
    for i, v in enumerate(VERSIONS):
        d = root / f"svc{i}"
        d.mkdir()
        (d / "run.sh").write_text(f"#!/bin/sh\n# image vllm/vllm-openai:v{v}\nvllm serve m --disable-log-requests\n")
        (d / "Dockerfile").write_text(f"FROM vllm/vllm-openai:v{v}\n")
        for p in d.iterdir():
            os.utime(p, (OLD, OLD))
    return root


def test_a_run_that_rechecks_one_group_keeps_the_results_of_the_others(tmp_path, monkeypatch):
    # One file edited: its group's results file is rewritten, and pruning deleted the (older) files of three
    # other groups the run had just used, so the next run checked those groups again.
    root = _groups_repo(tmp_path)
    _run(root)
    for i, results in enumerate(sorted((root / ".lmimigrate_cache").glob("results-*.json"))):
        os.utime(results, (OLD + i, OLD + i))  # written by an earlier process
    checked: list[str] = []
    real = api._check_guarded
    monkeypatch.setattr(api, "_check_guarded", lambda engine, cand, *a: checked.append(cand.display) or real(engine, cand, *a))
    from lmimigrate.core import cache

    for i in (0, 1):
        edited = root / f"svc{i}" / "run.sh"
        edited.write_text(edited.read_text() + "# edited\n")
        os.utime(edited, (OLD + 10, OLD + 10))
        checked.clear()
        monkeypatch.setattr(cache, "_USED", set())  # as in a process of its own
        monkeypatch.setattr(cache, "_STARTED_NS", time.time_ns())
        _run(root)
        assert checked == [str(edited)]
    assert len(list((root / ".lmimigrate_cache").glob("results-*.json"))) == len(VERSIONS)


def test_a_run_with_more_version_groups_than_kept_keys_is_warm_the_next_time(tmp_path, monkeypatch):
    # One results file per version group: pruning some of this run's own files made every later run check
    # those groups again (corpus A has 11 groups: its warm re-run took as long as the cold one).
    root = _groups_repo(tmp_path)
    first = _run(root)
    assert first.findings
    checked: list[str] = []
    real = api._check_guarded
    monkeypatch.setattr(api, "_check_guarded", lambda engine, cand, *a: checked.append(cand.display) or real(engine, cand, *a))
    second = _run(root)
    assert checked == []  # every file's findings came from the cache
    assert _summary(second) == _summary(first)
