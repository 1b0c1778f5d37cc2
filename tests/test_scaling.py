"""Paths that were quadratic (issue 15, §7), each run at a size where the quadratic version takes tens of
seconds and the linear one well under a second. The bounds are generous (a loaded 2-core CI machine), so
they catch a blow-up, not a slowdown; `python -m bench.scaling` measures how each path grows."""

from __future__ import annotations

import io
import time

from lmimigrate.core.engine import _choose_fixes
from lmimigrate.core.ftypes import Applicability, Finding, Fix, Severity, TextEdit, Unit
from lmimigrate.output import text as text_out

BOUND = 15.0  # seconds; each case's quadratic version took 60 s or more at these sizes


def _findings(n: int, unit: Unit, width: int) -> list[Finding]:
    out = []
    for i in range(n):
        start = i * width
        f = Finding(code="LMI001", message="m", severity=Severity.WARNING, path="big.properties", unit=unit,
                    span=(start, start + 5), fix=Fix(Applicability.SAFE, "fix", (TextEdit(start, start + 5, "x"),)))
        out.append(f.locate())
    return out


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def test_text_output_of_many_findings_in_one_file_is_linear():
    n = 30_000
    line = "option.rolling_batch=lmi-dist\n"
    unit = Unit(text=line * n, surface="properties")
    findings = _findings(n, unit, len(line))
    out = io.StringIO()
    assert _timed(lambda: text_out.render(findings, 0, None, stream=out)) < BOUND
    assert out.getvalue().count("option.rolling_batch=lmi-dist") == n


def test_choosing_many_fixes_in_one_file_is_linear():
    n = 40_000
    unit = Unit(text="abcdefgh" * n, surface="properties")
    findings = _findings(n, unit, 8)
    # every other finding also proposes an edit overlapping its neighbour: it waits for the next round
    findings += [Finding(code="LMI002", message="m", severity=Severity.WARNING, path="p", unit=unit, span=(0, 1),
                         fix=Fix(Applicability.SAFE, "f", (TextEdit(i * 8 + 3, i * 8 + 9, "y"),))) for i in range(0, n, 2)]
    chosen: list = []
    assert _timed(lambda: chosen.extend(_choose_fixes(findings, Applicability.SAFE))) < BOUND
    assert len(chosen) == n


def test_choose_fixes_keeps_the_overlap_rules():
    unit = Unit(text="x" * 100, surface="env")

    def f(*edits):
        return Finding(code="C", message="m", severity=Severity.WARNING, path="p", unit=unit, span=(0, 0),
                       fix=Fix(Applicability.SAFE, "f", tuple(TextEdit(a, b, "") for a, b in edits)))

    cases = [f((10, 20)), f((20, 20)), f((20, 20)), f((15, 16)), f((5, 10)), f((0, 5), (19, 21)), f((30, 30)),
             f((30, 40)), f((29, 31)), f((40, 40)), f((50, 60), (70, 80)), f((75, 75)), f((60, 70))]
    chosen = _choose_fixes(cases, Applicability.SAFE)
    kept = [c.fix.edits[0].start for c in chosen]
    # (20,20) touches (10,20) at its end: kept; the second insertion at 20 conflicts; (15,16) is inside
    # (10,20); (5,10) ends where (10,20) starts; (0,5)+(19,21) overlaps; (30,30) then (30,40) both kept;
    # (29,31) overlaps; (40,40) at the end of (30,40); (75,75) inside (70,80); (60,70) between two spans.
    assert kept == [10, 20, 5, 30, 30, 40, 50, 60]
