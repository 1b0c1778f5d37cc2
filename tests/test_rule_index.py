"""The rule index (core/ruleindex.py): complete, equal to the classes, rebuilt when anything it depends on
changes, and enough for `check` to import only the rule modules a run needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lmimigrate.core import api, indexstore, registry, ruleindex
from lmimigrate.core.prefilter import clauses
from lmimigrate.core.rule import Rule
from lmimigrate.core.ruleindex import RuleEntry
from lmimigrate.surfaces import SURFACE_MODULES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "projects"
SURFACE_NAMES = (*SURFACE_MODULES, "*", "a-surface-no-rule-names")


def test_index_rows_read_back_as_written():
    """Every entry survives the index file's JSON (and-tokens as one clause, several, or per surface)."""
    for entry in registry.index().entries:
        assert ruleindex.decode_entry(json.loads(json.dumps(ruleindex.encode_entry(entry)))) == entry, entry.code
    assert any(isinstance(e.and_tokens, dict) for e in registry.index().entries)


@pytest.mark.parametrize("rule", registry.all_rules(), ids=lambda r: r.code)
def test_index_entry_equals_the_class(rule):
    entry = registry.index().by_code(rule.code)
    assert entry is not None, f"{rule.code} is missing from the rule index"
    for name in ("code", "name", "stack", "summary", "severity", "trigger", "changed_in", "removed_in", "until"):
        assert getattr(entry, name) == getattr(rule, name), name
    assert entry.surfaces == tuple(rule.surfaces)
    assert entry.generic == bool(rule.generic)
    assert entry.introduces == tuple(getattr(rule, "introduces", ()))
    for surface in SURFACE_NAMES:
        # (order is irrelevant, and differs between processes where a rule builds its tokens from a set)
        assert sorted(entry.tokens_for(surface)) == sorted(rule.tokens_for(surface)), surface
        assert clauses(entry.and_tokens_for(surface)) == clauses(rule.and_tokens_for(surface)), surface
    assert entry.load() is rule
    assert entry.checks == (rule.check is not Rule.check)
    assert entry.own_active == (rule.active is not Rule.active)


def test_index_has_nothing_else():
    assert [e.code for e in registry.index().entries] == [r.code for r in registry.all_rules()]


def test_window_matches_the_class_for_every_rule_and_pair():
    from lmimigrate.core.pep440 import Version

    from lmimigrate.core.versions import NEWEST, OLDEST, VersionPair

    pair_sets = [{}]
    for stack in NEWEST:
        for frm in (None, OLDEST[stack], NEWEST[stack]):
            for to in (OLDEST[stack], NEWEST[stack], Version("0.9.0") if stack == "vllm" else NEWEST[stack]):
                if frm is None or frm <= to:
                    pair_sets.append({stack: VersionPair(stack, frm, to)})
    for entry in registry.index().entries:
        if entry.own_active:
            continue
        rule = entry.load()()
        for pairs in pair_sets:
            assert entry.window_active(pairs) == rule.active(pairs), (entry.code, pairs)


@pytest.mark.parametrize("code, woken, quiet", [
    # The default changed again in 0.8.4: a known source crossing only that release is told.
    ("VLLM102", [("0.8.2", "0.8.4")], [("0.7.0", "0.8.3"), (None, "0.8.4")]),
    # `--enable-prompt-adapter` outlived the row's 0.10.0 removal until 0.10.2.
    ("VLLM153", [("0.10.1", "0.10.2"), ("0.9.2", "0.10.0")], [("0.10.2", "0.11.0"), ("0.9.0", "0.9.2")]),
])
def test_a_second_window_is_in_the_index(code, woken, quiet):
    """A rule woken by a second release declares it (`also_in`), so the index tells without its module."""
    from lmimigrate.core.pep440 import Version
    from lmimigrate.core.versions import VersionPair

    entry = registry.index().by_code(code)
    assert entry is not None and not entry.own_active and entry.also_in

    def pairs(frm, to):
        return {"vllm": VersionPair("vllm", None if frm is None else Version(frm), Version(to))}

    assert [entry.window_active(pairs(f, t)) for f, t in woken] == [True] * len(woken)
    assert [entry.window_active(pairs(f, t)) for f, t in quiet] == [False] * len(quiet)


def test_only_gaudi_rules_need_their_module_to_say_whether_they_run():
    """A rule overriding `active` is imported wherever its tokens occur, whatever the versions: keep that to
    the Gaudi rules (the fork/plugin hand-over), whose windows the index cannot express."""
    own = sorted(e.code for e in registry.index().entries if e.own_active and e.stack not in ("vllm-fork", "vllm-gaudi"))
    assert own in ([], ["HPU900"]), own  # HPU900: documentation only, never active


def test_entries_round_trip_through_json():
    for entry in registry.index().entries:
        assert ruleindex.decode_entry(json.loads(json.dumps(ruleindex.encode_entry(entry)))) == entry


# ---- the stored index -----------------------------------------------------------------------------------


def _store(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LMIMIGRATE_INDEX_DIR", str(tmp_path / "index"))
    indexstore.load(registry._build)
    (path,) = (tmp_path / "index").iterdir()
    return path


def test_index_is_stored_and_read_back_without_building(tmp_path, monkeypatch):
    path = _store(tmp_path, monkeypatch)

    def fail():
        raise AssertionError("the stored index should have been used")

    index = indexstore.load(fail)
    assert [e.code for e in index.entries] == [r.code for r in registry.all_rules()]
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_index_is_rebuilt_when_a_watched_file_changes(tmp_path, monkeypatch):
    path = _store(tmp_path, monkeypatch)
    data = json.loads(path.read_text())
    watched = tmp_path / "plugin_rules.py"
    watched.write_text("x = 1\n")
    data["watched"].append([str(watched), indexstore._stat(str(watched))])
    path.write_text(json.dumps(data))
    assert indexstore._valid(json.loads(path.read_text())) is not None
    watched.write_text("x = 22\n")  # another size: a plugin was edited
    assert indexstore._valid(json.loads(path.read_text())) is None
    built = []
    indexstore.load(lambda: built.append(1) or registry._build())
    assert built == [1]


@pytest.mark.parametrize("damage", ["garbage", "foreign-module", "wrong-types", "symlink"])
def test_a_damaged_or_planted_index_is_rebuilt(tmp_path, monkeypatch, damage):
    path = _store(tmp_path, monkeypatch)
    data = json.loads(path.read_text())
    if damage == "garbage":
        path.write_text("{[")
    elif damage == "foreign-module":
        data["rules"][0][ruleindex.FIELDS.index("module")] = "os"  # an index must only name modules its own build imported
        path.write_text(json.dumps(data))
    elif damage == "wrong-types":
        data["rules"][0][ruleindex.FIELDS.index("tokens")] = 5
        path.write_text(json.dumps(data))
    else:
        elsewhere = tmp_path / "elsewhere.json"
        elsewhere.write_text(path.read_text())
        path.unlink()
        path.symlink_to(elsewhere)
    built = []
    index = indexstore.load(lambda: built.append(1) or registry._build())
    assert built == [1]
    assert index.by_code("LMI001").module.startswith("lmimigrate.rules.")


def test_unwritable_index_directory_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LMIMIGRATE_INDEX_DIR", str(blocker / "sub"))
    index = indexstore.load(registry._build)
    assert len(index.entries) == len(registry.all_rules())


# ---- what a run imports ---------------------------------------------------------------------------------


def _fresh_python(code: str, tmp_path: Path, cwd: Path | None = None) -> dict:
    env = dict(os.environ, LMIMIGRATE_INDEX_DIR=str(tmp_path / "index"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=cwd or tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


HEAVY = ("rich", "libcst", "ruamel", "packaging", "importlib.metadata")


def test_importing_the_cli_imports_nothing_heavy(tmp_path):
    got = _fresh_python(
        "import json, sys; import lmimigrate.cli\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY[:3]!r} "
        f"or m.startswith({HEAVY[3:]!r}))))",
        tmp_path,
    )
    assert got == []


def test_a_properties_check_imports_only_the_rules_it_needs(tmp_path):
    (tmp_path / "serving.properties").write_text("engine=MPI\noption.rolling_batch=lmi-dist\n")
    code = (
        "import contextlib, io, json, sys\n"
        "from lmimigrate.cli import main\n"
        "for _ in range(2):  # the first run builds the index, the second reads it\n"
        "    for name in [m for m in sys.modules\n"
        "                 if m.startswith(('lmimigrate.rules', 'lmimigrate.surfaces.', 'importlib.metadata'))]:\n"
        "        del sys.modules[name]\n"
        "    with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "        rc = main(['check', '--no-cache', '--from', 'lmi==v14', '--to', 'lmi==v15', 'serving.properties'])\n"
        "print(json.dumps([rc, out.getvalue(), sorted(m for m in sys.modules if m.startswith('lmimigrate.')"
        " or m.split('.')[0] in ('libcst', 'ruamel', 'importlib'))]))"
    )
    rc, out, modules = _fresh_python(code, tmp_path)
    assert rc == 1 and "LMI010" in out and "LMI008" in out
    assert "lmimigrate.rules.lmi.lmi_dist" in modules
    assert not [m for m in modules if m.startswith(("lmimigrate.rules.gaudi", "lmimigrate.rules.vllm.python_imports",
                                                    "lmimigrate.surfaces.python", "lmimigrate.surfaces.yaml",
                                                    "libcst", "ruamel", "importlib.metadata"))], modules


def test_a_fix_preview_into_vllm_imports_no_default_change_rules(tmp_path):
    """`rolling_batch=scheduler` previews as `vllm`, which wakes the vLLM rules' tokens; with no vLLM version
    pair, the default-change rules are out of their window, and the index says so without their module."""
    (tmp_path / "serving.properties").write_text("engine=Python\noption.rolling_batch=scheduler\n")
    code = (
        "import contextlib, io, json, sys\n"
        "from lmimigrate.cli import main\n"
        "for _ in range(2):  # the first run builds the index, the second reads it\n"
        "    for name in [m for m in sys.modules if m.startswith('lmimigrate.rules')]:\n"
        "        del sys.modules[name]\n"
        "    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):\n"
        "        rc = main(['check', '--no-cache', 'serving.properties'])\n"
        "print(json.dumps([rc, out.getvalue(), sorted(m for m in sys.modules if m.startswith('lmimigrate.'))]))"
    )
    rc, out, modules = _fresh_python(code, tmp_path)
    assert rc == 1 and "LMI015" in out
    assert "lmimigrate.rules.vllm.defaults" not in modules and "lmimigrate.rules.vllm.flags" not in modules, modules


@pytest.mark.parametrize("case", sorted(p for p in FIXTURES.iterdir() if (p / "before").is_dir()), ids=lambda p: p.name)
def test_index_entries_and_classes_find_the_same(case):
    args = json.loads((case / "case.json").read_text()).get("args", [])
    from lmimigrate.core.versions import parse_spec

    frm = dict(parse_spec(args[i + 1]) for i, a in enumerate(args) if a == "--from")
    to = dict(parse_spec(args[i + 1]) for i, a in enumerate(args) if a == "--to")

    def found(rules):
        report = api.run(api.Options(paths=[str(case / "before")], from_=frm, to=to, rules=rules))
        return [(f.path, f.line, f.column, f.code, f.message) for f in report.findings]

    by_entry = found(registry.select(None, None))
    assert all(isinstance(e, RuleEntry) for e in registry.select(None, None))
    assert by_entry == found(list(registry.all_rules()))


def test_index_entries_pickle_and_copy_as_themselves():
    import copy
    import pickle

    entry = registry.index().entries[0]
    assert pickle.loads(pickle.dumps(entry)) == entry and copy.deepcopy(entry) == entry
    assert type(pickle.loads(pickle.dumps(entry))) is RuleEntry
    assert entry != tuple(entry)  # an entry equals entries only
