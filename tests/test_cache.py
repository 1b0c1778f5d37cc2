"""The result cache (.lmimigrate_cache/) and the worker pool: same results as a run without them."""

from __future__ import annotations

import json

import pytest

from lmimigrate.core import api, registry
from lmimigrate.cli import main

V11_CONFIG = "engine=Python\noption.model_id=meta-llama/Llama-3.1-70B\noption.rolling_batch=lmi-dist\n"
ARGS = ["--from", "lmi==0.29.0", "--to", "lmi==0.30.0", "--output-format", "json"]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.env").write_text("FOO=1\n")
    (tmp_path / "serving.properties").write_text(V11_CONFIG)
    return tmp_path


def _check(capsys, *extra):
    code = main(["check", *ARGS, *extra])
    return code, json.loads(capsys.readouterr().out)


def test_cache_dir_has_gitignore_and_same_results(repo, capsys):
    first = _check(capsys)
    cache_dir = repo / ".lmimigrate_cache"
    assert (cache_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    assert _check(capsys) == first  # warm: the clean file is not re-read, the other is re-checked
    assert first[1] and all(f["path"] == "serving.properties" for f in first[1])


def test_edited_file_is_checked_again(repo, capsys):
    _check(capsys)
    (repo / "app.env").write_text("FOO=1\nFOO=2\n")
    _, findings = _check(capsys)
    assert "app.env" in {f["path"] for f in findings}


def test_no_cache_writes_nothing(repo, capsys):
    _check(capsys, "--no-cache")
    assert not (repo / ".lmimigrate_cache").exists()


def test_fix_never_uses_the_cache(repo, capsys):
    _check(capsys)
    main(["check", *ARGS, "--fix", "--unsafe-fixes"])
    capsys.readouterr()
    assert (repo / "serving.properties").read_text() != V11_CONFIG


def test_unwritable_cache_does_not_fail_the_run(repo, capsys):
    (repo / ".lmimigrate_cache").write_text("not a directory")
    code, findings = _check(capsys)
    assert code == 1 and findings


def test_pool_gives_the_serial_results(tmp_path, monkeypatch):
    for i in range(12):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "serving.properties").write_text(V11_CONFIG if i % 3 else "option.model_id=m\n")
        (tmp_path / f"d{i}" / "app.py").write_text("import os\nos.environ['OPTION_ROLLING_BATCH'] = 'lmi-dist'\n")
    monkeypatch.setattr(api, "POOL_MIN_FILES", 2)

    def run(jobs):
        opts = api.Options(paths=[str(tmp_path)], from_={}, to={}, rules=list(registry.all_rules()), jobs=jobs)
        from lmimigrate.core.versions import parse_spec

        opts.from_ = dict([parse_spec("lmi==0.29.0")])
        opts.to = dict([parse_spec("lmi==0.30.0")])
        rep = api.run(opts)
        return [(f.path, f.code, f.line, f.column, f.message) for f in rep.findings]

    serial = run(1)
    assert serial and run(2) == serial


def test_outcomes_hold_the_bytes_of_fixed_files_only(tmp_path, monkeypatch):
    """A run keeps a file's original bytes in its outcome only when the file was fixed (`--diff` shows them):
    the serial path as the pool's. It held every file's bytes to the end of the run (A5 in one process: 216 MB
    instead of 104)."""
    from lmimigrate.core.ftypes import Applicability
    from lmimigrate.core.versions import parse_spec

    for i in range(6):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / ".env").write_text("VLLM_USE_V1=0\n" if i % 2 else "HF_MODEL_ID=m\n")
    monkeypatch.setattr(api, "POOL_MIN_FILES", 2)

    def run(jobs):
        opts = api.Options(paths=[str(tmp_path)], rules=list(registry.all_rules()), jobs=jobs,
                           fix=Applicability.UNSAFE, write=False)
        opts.from_ = dict([parse_spec("vllm==0.10.0")])
        opts.to = dict([parse_spec("vllm==0.11.0")])
        return {o.path: (o.original, o.fixed) for o in api.run(opts).outcomes}

    serial = run(1)
    fixed = {p for p, (_, new) in serial.items() if new is not None}
    assert len(fixed) == 3 and len(serial) == 6
    for path, (original, new) in serial.items():
        assert original == ((tmp_path / path).read_bytes() if new is not None else b""), path
    assert run(2) == serial
