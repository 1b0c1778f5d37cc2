"""Findings filtered out: suppressed by a comment, or saying the same thing twice (a generic finding covered by a
specific one, and exact repeats)."""

from __future__ import annotations

from bisect import bisect_left

from lmimigrate.core.ftypes import Finding, Unit
from lmimigrate.core.patterns import lazy_pattern


class _Covering:
    """The specific findings of one unit, indexed so that "does one cover this span" takes O(log n): a scan of
    every specific finding per generic one made 10k duplicate .env keys quadratic."""

    def __init__(self, specific: list[Finding]):
        spans = sorted(g.span for g in specific)
        self.starts = [a for a, _ in spans]
        # min_end[i]: the smallest end among the spans from i on (sorted by start)
        self.min_end = [b for _, b in spans] + [float("inf")]
        for i in range(len(spans) - 1, -1, -1):
            self.min_end[i] = min(self.min_end[i], self.min_end[i + 1])
        touched = sorted(t for g in specific if g.fix is not None
                         for t in (g.fix.touches or tuple((e.start, e.end) for e in g.fix.edits)))
        self.touch_starts = [a for a, _ in touched]
        # max_end[i]: the largest end among the first i edited spans (sorted by start)
        self.max_end = [float("-inf")]
        for _, b in touched:
            self.max_end.append(max(self.max_end[-1], b))

    def covers(self, span: tuple[int, int]) -> bool:
        """A specific finding lies inside `span`, or a specific fix edits text inside it (a < end, start < b)."""
        start, end = span
        if self.min_end[bisect_left(self.starts, start)] <= end:
            return True
        return self.max_end[bisect_left(self.touch_starts, end)] > start


def _drop_generic_duplicates(findings: list[Finding], generic: set[str]) -> list[Finding]:
    """Drop a generic finding when a specific one covers the same setting: the specific finding lies inside
    the generic one's span (same setting), or its fix edits that span (it rewrites the setting). A note about
    a whole command or file is wider and edits nothing there, so it does not count."""
    if not generic:
        return findings
    specific: dict[int, list[Finding]] = {}
    for f in findings:
        if f.code not in generic and f.unit is not None:
            specific.setdefault(id(f.unit), []).append(f)
    index = {u: _Covering(fs) for u, fs in specific.items()}
    return [f for f in findings
            if not (f.code in generic and f.unit is not None and id(f.unit) in index and index[id(f.unit)].covers(f.span))]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        key = (f.code, f.cell, f.span, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# ---- suppression comments ------------------------------------------------------------------------------

_SUPPRESS = lazy_pattern(r"lmimigrate:\s*ignore(?:\[([A-Za-z0-9_,\s-]*)\])?")


def suppressions(unit: Unit) -> dict[int, frozenset[str] | None]:
    """line -> suppressed codes (None: all). A comment alone on its line covers the next line."""
    out: dict[int, frozenset[str] | None] = {}
    text = unit.text
    if "lmimigrate:" not in text or not unit.comment_prefixes:
        return out
    idx = unit.index
    for m in _SUPPRESS.finditer(text):
        line, _ = idx.position(m.start())
        start, _end = idx.line_span(line)
        before = text[start : m.start()]
        pos = min((before.find(p) for p in unit.comment_prefixes if p in before), default=-1)
        if pos < 0:
            continue  # not inside a comment
        codes = None if m.group(1) is None else frozenset(c.strip() for c in m.group(1).split(",") if c.strip())
        target = line + 1 if not before[:pos].strip() else line
        prev = out.get(target, frozenset())
        out[target] = None if codes is None or prev is None else prev | codes
    return out


def _suppressed(f: Finding, table: dict[int, frozenset[str] | None]) -> bool:
    if f.line not in table:
        return False
    codes = table[f.line]
    return codes is None or f.code in codes
