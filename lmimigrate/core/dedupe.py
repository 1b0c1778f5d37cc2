"""Findings that say the same thing twice: a generic finding covered by a specific one, and exact repeats."""

from __future__ import annotations

from lmimigrate.core.ftypes import Finding


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

    def covered(f: Finding, g: Finding) -> bool:
        if f.span[0] <= g.span[0] and g.span[1] <= f.span[1]:
            return True
        if g.fix is None:
            return False
        spans = g.fix.touches or tuple((e.start, e.end) for e in g.fix.edits)
        return any(a < f.span[1] and f.span[0] < b for a, b in spans)

    return [
        f
        for f in findings
        if not (f.code in generic and f.unit is not None and any(covered(f, g) for g in specific.get(id(f.unit), ())))
    ]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        key = (f.code, f.cell, f.span, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
