"""Rule-pack invariants, over every example of every rule (valid and invalid) and every fixture project.

- Fixes converge within the engine's iteration bound (no "did not converge" LMM006), and a second run with the
  same options applies nothing.
- Every fixed output parses (no LMM006 "would not parse" either: a fix that breaks the file is a rule bug).
- No safe fix deletes a comment: every full-line comment of a file is still there after `--fix` (only
  `--unsafe-fixes` may remove one).
- Two rules never produce overlapping edits that corrupt a file: a synthetic pair of rules whose edits overlap
  shows the engine applies one, defers the other to the next iteration, and the file stays valid; the same
  for two insertions at one point.
"""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pytest

from lmimigrate.core import api, registry
from lmimigrate import surfaces
from lmimigrate.core.engine import MAX_ITERATIONS, Engine, apply_edits, decode
from lmimigrate.core.ftypes import Applicability, Example, Finding, TextEdit
from lmimigrate.core.rule import Rule
from lmimigrate.core.versions import parse_spec
from tests.rule_examples import versions_for

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "fixtures" / "projects"
CASES = sorted(p for p in PROJECTS.iterdir() if (p / "case.json").exists()) if PROJECTS.is_dir() else []
ALL_RULES = list(registry.all_rules())


def comment_lines(path: str, data: bytes) -> collections.Counter:
    """Full-line comments of a file, per unit (notebook cells are read as their source text)."""
    decoded = decode(data, path)
    if isinstance(decoded, Finding):
        return collections.Counter()
    surface = surfaces.classify_content(path, data[: surfaces.SNIFF_BYTES])  # extensionless scripts too
    prefixes = surfaces.COMMENTS.get(surface, ("#",))
    if not prefixes:
        return collections.Counter()
    try:
        units = [u.text for u in surfaces.parse_file(path, decoded.text, surface).units] if surface == "notebook" else [decoded.text]
    except Exception:
        units = [decoded.text]
    out = collections.Counter()
    for text in units:
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            s = line.strip()
            if s.startswith(prefixes) and "lmimigrate:" not in s:
                out[s] += 1
    return out


def _run(paths, frm, to, level):
    opts = api.Options(paths=[str(p) for p in paths], from_=frm, to=to, rules=ALL_RULES, fix=level)
    return api.run(opts)


def assert_invariants(paths: list[Path], root: Path, frm, to, label: str) -> None:
    """Run --fix then --fix --unsafe-fixes over `paths`, checking every invariant on every file."""
    files = [p for p in root.rglob("*") if p.is_file()]
    for level in (Applicability.SAFE, Applicability.UNSAFE):
        before = {p: p.read_bytes() for p in files}
        report = _run(paths, frm, to, level)
        assert not report.internal_error, [f.message for f in report.findings if f.code == "LMM009"]
        dropped = [f"{f.path}: {f.message}" for f in report.findings if f.code == "LMM006"]
        assert not dropped, f"{label}: {dropped}"
        for p in files:
            new = p.read_bytes()
            if new == before[p]:
                continue
            rel = str(p.relative_to(root))
            surface = surfaces.classify_content(p.name, before[p][: surfaces.SNIFF_BYTES])
            decoded = decode(new, rel)
            assert not isinstance(decoded, Finding), f"{label}/{rel}: fixed output unreadable"
            surfaces.parse_file(p.name, decoded.text, surface)  # every fixed output parses
            if level is Applicability.SAFE:
                lost = comment_lines(p.name, before[p]) - comment_lines(p.name, new)
                assert not lost, f"{label}/{rel}: a safe fix deleted comments {sorted(lost)}"
        again_before = {p: p.read_bytes() for p in files}
        again = _run(paths, frm, to, level)
        changed = [str(p.relative_to(root)) for p in files if p.read_bytes() != again_before[p]]
        assert not changed and again.fixed == 0, f"{label}: a second --fix ({level.value}) changed {changed}"


def _examples():
    for rule in ALL_RULES:
        for kind in ("invalid", "valid"):
            for i, ex in enumerate(getattr(rule, kind)):
                yield pytest.param(rule, ex, id=f"{rule.code}-{kind}-{i}-{ex.filename}")


@pytest.mark.parametrize("rule,ex", list(_examples()))
def test_rule_example_invariants(rule, ex: Example, tmp_path):
    path = tmp_path / ex.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ex.source.encode("utf-8"))
    frm, to = versions_for(rule, ex)
    assert_invariants([path], tmp_path, frm, to, f"{rule.code}:{ex.filename}")


def _case_versions(args: list[str]):
    frm, to = {}, {}
    it = iter(args)
    for a in it:
        if a in ("--from", "--to"):
            stack, version = parse_spec(next(it))
            (frm if a == "--from" else to)[stack] = version
    return frm, to


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture_project_invariants(case, tmp_path):
    spec = json.loads((case / "case.json").read_text())
    work = tmp_path / "repo"
    shutil.copytree(case / "before", work)
    frm, to = _case_versions(spec.get("args", []))
    assert_invariants([work], work, frm, to, case.name)


# ---- overlapping edits are deferred --------------------------------------------------------------------


class RenameA(Rule):
    """Renames option.a to option.b (an edit on the key)."""

    code = "ZZZ001"
    name = "rename-a"
    stack = "tool"
    summary = "test"
    surfaces = ("properties",)

    def check(self, ctx):
        for s in ctx.settings("lmi", "option.a"):
            yield ctx.report(s, "rename", edits=s.rename("option.b"))


class RewriteEntry(Rule):
    """Rewrites the whole entry of option.a/option.b to value 2 (overlaps RenameA's edit)."""

    code = "ZZZ002"
    name = "rewrite-entry"
    stack = "tool"
    summary = "test"
    surfaces = ("properties",)

    def check(self, ctx):
        for key in ("option.a", "option.b"):
            for s in ctx.settings("lmi", key):
                if s.value != "2":
                    a, b = s.delete_span
                    nl = ctx.parsed.units[0].newline
                    yield ctx.report(s, "rewrite", edits=[TextEdit(a, b, f"{s.raw_key}=2{nl}")])


def _engine(*rules) -> Engine:
    return Engine([r() for r in rules], {})


def test_overlapping_edits_are_deferred_to_the_next_iteration():
    text = "# keep\noption.a=1\noption.z=0\n"
    engine = _engine(RenameA, RewriteEntry)
    parsed = surfaces.parse_file("serving.properties", text, "properties")
    findings, _ = engine.run_rules(parsed, "serving.properties")
    edits = [e for f in findings for e in f.fix.edits]
    assert len(findings) == 2
    a, b = sorted(edits)
    assert a.start < b.end and b.start < a.end, "the two rules' edits overlap"
    # Applied together in one round, they would corrupt the entry:
    corrupted = apply_edits(text, edits)
    assert "option.b=2" not in corrupted.splitlines() and corrupted.count("option.") != 2
    # The engine applies one, defers the other, and both land over two rounds:
    findings, fixed, applied, crashed = engine.check_text("serving.properties", text, "properties", Applicability.SAFE)
    assert not crashed and fixed == "# keep\noption.b=2\noption.z=0\n" and applied == 2
    assert not findings
    surfaces.parse_file("serving.properties", fixed, "properties")


class InsertC(Rule):
    code = "ZZZ003"
    name = "insert-c"
    stack = "tool"
    summary = "test"
    surfaces = ("properties",)
    key = "option.c"

    def check(self, ctx):
        for scope in ctx.scopes("properties"):
            if scope.get("lmi", self.key) is None:
                yield ctx.report(scope, "insert", edits=scope.insert("lmi", self.key, "1"))


class InsertD(InsertC):
    code = "ZZZ004"
    name = "insert-d"
    key = "option.d"


def test_two_insertions_at_one_point_are_serialized():
    text = "option.a=1"  # no final newline: both inserts land at the very end
    engine = _engine(InsertC, InsertD)
    parsed = surfaces.parse_file("serving.properties", text, "properties")
    findings, _ = engine.run_rules(parsed, "serving.properties")
    (e1,), (e2,) = [f.fix.edits for f in findings]
    assert e1.start == e1.end == e2.start == e2.end
    findings, fixed, applied, _ = engine.check_text("serving.properties", text, "properties", Applicability.SAFE)
    assert applied == 2 and not findings
    assert fixed == "option.a=1\noption.c=1\noption.d=1"
    again = engine.check_text("serving.properties", fixed, "properties", Applicability.SAFE)
    assert again[1] == fixed and again[2] == 0


class Flipper(Rule):
    """Never converges: flips option.a between 1 and 2 forever."""

    code = "ZZZ005"
    name = "flipper"
    stack = "tool"
    summary = "test"
    surfaces = ("properties",)

    def check(self, ctx):
        for s in ctx.settings("lmi", "option.a"):
            yield ctx.report(s, "flip", edits=s.set_value("2" if s.value == "1" else "1"))


def test_a_fix_that_never_converges_stops_at_the_bound_and_says_so():
    engine = _engine(Flipper)
    findings, fixed, applied, _ = engine.check_text("serving.properties", "option.a=1\n", "properties", Applicability.SAFE)
    assert applied == MAX_ITERATIONS
    assert any(f.code == "LMM006" and "converge" in f.message for f in findings)
    surfaces.parse_file("serving.properties", fixed, "properties")


class Breaker(Rule):
    """A fix whose result does not parse (an unterminated quote in a .env file) is dropped, never written."""

    code = "ZZZ006"
    name = "breaker"
    stack = "tool"
    summary = "test"
    surfaces = ("env",)

    def check(self, ctx):
        for s in ctx.settings("env", "A"):
            yield ctx.report(s, "break", edits=[TextEdit(s.value_span[0], s.value_span[0], '"')])


def test_a_fix_that_breaks_the_file_is_dropped():
    engine = _engine(Breaker, RenameEnv)
    findings, fixed, applied, _ = engine.check_text(".env", "A=1\nB=2\n", "env", Applicability.SAFE)
    assert fixed == "A=1\nC=2\n" and applied == 1
    assert any(f.code == "LMM006" and "would not parse" in f.message for f in findings)


class RenameEnv(Rule):
    code = "ZZZ007"
    name = "rename-env"
    stack = "tool"
    summary = "test"
    surfaces = ("env",)

    def check(self, ctx):
        for s in ctx.settings("env", "B"):
            yield ctx.report(s, "rename", edits=s.rename("C"))


def test_comment_check_sees_a_lost_comment():
    """The comment invariant above is not vacuous: it notices a removed full-line comment on each surface."""
    nb = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": ["# c\n", "import vllm\n"]}], "nbformat": 4})
    for name, text in (("serving.properties", "! c\noption.a=1\n"), (".env", "# c\nA=1\n"), ("k8s.yaml", "# c\na: 1\n"),
                       ("serve.py", "import vllm\n# c\n"), ("nb.ipynb", nb)):
        lost = comment_lines(name, text.encode()) - comment_lines(name, text.replace("# c\\n", "").replace("# c\n", "").replace("! c\n", "").encode())
        assert sum(lost.values()) == 1, (name, lost)
    assert sum(sum(comment_lines(n, t.encode()).values()) for n, t in SAMPLE_COMMENTED) > 0


SAMPLE_COMMENTED = [(ex.filename, ex.source) for r in ALL_RULES for ex in r.invalid if "#" in ex.source]
