"""Paths of issue 15 §7 that were quadratic, each measured at n and 4n: work that grows linearly grows about 4x,
a quadratic path 16x. Where the work can be counted (scope visits, family searches) the counts are compared;
elsewhere the CPU time of the process (not wall-clock time, so a loaded machine matters less), the best of
three runs, against a generous ratio. `python -m bench.scaling` measures the whole command on each path."""

from __future__ import annotations

import random
import time

import pytest

from lmimigrate import surfaces
from lmimigrate.core import registry
from lmimigrate.core.dedupe import _drop_generic_duplicates
from lmimigrate.core.engine import Engine
from lmimigrate.core.ftypes import Applicability, Finding, Fix, ParsedFile, Severity, TextEdit, Unit
from bench.scaling import _big_properties, _notebook
from lmimigrate.core.versions import VersionPair
from lmimigrate.core.pep440 import Version

LINEAR_4X = 8.0  # the largest ratio accepted between 4n and n (linear: about 4; quadratic: about 16)


def _cpu(fn) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def test_rules_over_a_notebook_of_many_cells_visit_each_scope_a_bounded_number_of_times(monkeypatch):
    import lmimigrate.rules.lmi.family as family

    counts = {"scope visits": 0, "family searches": 0}
    scopes = ParsedFile.scopes

    def counted_scopes(self):
        for s in scopes(self):
            counts["scope visits"] += 1
            yield s

    def counted(find):
        def go(text):
            counts["family searches"] += 1
            return find(text)
        return go

    monkeypatch.setattr(ParsedFile, "scopes", counted_scopes)
    monkeypatch.setattr(family, "t5_in", counted(family.t5_in))
    monkeypatch.setattr(family, "mllama_in", counted(family.mllama_in))
    pairs = {"lmi": VersionPair("lmi", Version("14"), Version("15"), "given")}
    engine = Engine([r() for r in registry.all_rules() if r.stack == "lmi"], pairs)

    def work(n: int) -> dict[str, int]:
        for k in counts:
            counts[k] = 0
        findings, _, _, crashed = engine.check_text("nb.ipynb", _notebook(n), "notebook", None)
        assert not crashed and sum(f.code == "LMI010" for f in findings) == n // 2
        return dict(counts)

    small, big = work(40), work(160)
    for k in counts:
        assert small[k] > 0 and big[k] <= LINEAR_4X * small[k], (k, small[k], big[k])


def test_properties_with_many_continuation_lines_parse_in_linear_time():
    def text(n: int) -> str:
        return "option.model_id=org/m\noption.chat_template=start \\\n" + "  more \\\n" * n + "  end\nengine=MPI\n"

    def parse(t: str):
        parsed = surfaces.parse_file("serving.properties", t, "properties")
        assert [s.key for s in parsed.units[0].scopes[0].settings] == ["option.model_id", "option.chat_template", "engine"]

    small, big = text(25_000), text(100_000)
    ratio = _cpu(lambda: parse(big)) / _cpu(lambda: parse(small))
    assert ratio < LINEAR_4X, ratio


def _dedupe_findings(n: int, rng: random.Random | None = None) -> list[Finding]:
    """n specific findings with fixes and n generic ones on one unit (a duplicate-key .env file: every line
    has a specific finding and a catch-all one); with `rng`, random spans and edits instead."""
    unit = Unit(text="x" * (20 * n + 40), surface="env")

    def finding(code, a, b, edits=()):
        fix = Fix(Applicability.SAFE, "f", tuple(TextEdit(s, e, "") for s, e in edits)) if edits else None
        return Finding(code=code, message="m", severity=Severity.WARNING, path="p", unit=unit, span=(a, b), fix=fix)

    out = []
    for i in range(n):
        if rng is None:
            out.append(finding("SPEC", 20 * i, 20 * i + 10, [(20 * i, 20 * i + 14)]))
            out.append(finding("GEN", 20 * i + 12, 20 * i + 13))
        else:
            a, b = sorted(rng.randrange(0, 200) for _ in range(2))
            c, d = sorted(rng.randrange(0, 200) for _ in range(2))
            code = rng.choice(["SPEC", "GEN"])
            out.append(finding(code, a, b, [(c, d)] if rng.random() < 0.5 else ()))
    return out


def _covered_the_slow_way(f: Finding, specific: list[Finding]) -> bool:
    for g in specific:
        if f.span[0] <= g.span[0] and g.span[1] <= f.span[1]:
            return True
        if g.fix is not None and any(e.start < f.span[1] and f.span[0] < e.end for e in g.fix.edits):
            return True
    return False


@pytest.mark.parametrize("seed", range(30))
def test_generic_duplicates_are_dropped_as_before(seed):
    findings = _dedupe_findings(12, random.Random(seed))
    specific = [f for f in findings if f.code == "SPEC"]
    expected = [f for f in findings if f.code == "SPEC" or not _covered_the_slow_way(f, specific)]
    assert _drop_generic_duplicates(findings, {"GEN"}) == expected


def test_dropping_generic_duplicates_is_not_quadratic():
    small, big = _dedupe_findings(4_000), _dedupe_findings(16_000)
    assert len(_drop_generic_duplicates(small, {"GEN"})) == 4_000  # every generic one is covered by a fix
    ratio = _cpu(lambda: _drop_generic_duplicates(big, {"GEN"})) / _cpu(lambda: _drop_generic_duplicates(small, {"GEN"}))
    assert ratio < LINEAR_4X, ratio


def test_fixing_a_large_properties_file_holds_one_parse_at_a_time():
    """Python allocations while a 1 MB serving.properties is checked and fixed, against the file's size. Two
    parses alive at once (the old one kept until the fixed text was checked) came to about 24x."""
    import tracemalloc

    text = _big_properties(1_000_000)
    pairs = {"lmi": VersionPair("lmi", Version("14"), Version("15"), "given")}
    engine = Engine([r() for r in registry.all_rules() if r.stack == "lmi"], pairs)
    engine.check_text("serving.properties", "engine=MPI\n", "properties", Applicability.UNSAFE)  # imports, caches
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        _, fixed, applied, _ = engine.check_text("serving.properties", text, "properties", Applicability.UNSAFE)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert applied >= 2 and fixed.startswith("engine=Python\n")
    assert peak < 20 * len(text), f"{peak / len(text):.1f}x the file"  # the bound; about 17x now
