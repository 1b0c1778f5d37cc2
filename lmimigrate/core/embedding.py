"""Findings on embedded text, in the coordinates of the file that holds it.

A rule reports on an embedded unit (a properties file inside a Python string) in that unit's own offsets, and
its fix edits that unit's text. `rehome` moves such a finding to the outermost (root) unit: its span is
mapped through each host, and its fix becomes one edit that rewrites the host's literal with the encoded new
content. The fix is dropped (the finding stays, without a fix) when the embedded text is read-only, when an
edit touches a placeholder, when the new content would not parse as its own surface, or when the host
syntax cannot hold it. Outputs, suppressions, the cache and the fix engine then see ordinary findings.
"""

from __future__ import annotations

from collections.abc import Iterable

from lmimigrate.core.ftypes import Finding, Fix, ParseError, TextEdit, Unit


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    out = []
    pos = 0
    for e in sorted(edits):
        out.append(text[pos : e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def _touches_opaque(unit: Unit, edits: tuple[TextEdit, ...]) -> bool:
    for e in edits:
        for a, b in unit.opaque:
            if e.start < b and a < e.end or a < e.start < b:
                return True
    return False


def _still_parses(unit: Unit, text: str) -> bool:
    from lmimigrate import surfaces

    try:
        surfaces.parse_file(unit.label or "<embedded>", text, unit.surface)
    except (ParseError, RecursionError):
        return False
    return True


def _lift_fix(unit: Unit, fix: Fix) -> Fix | None:
    """The fix as one edit of the host's text, or None when it cannot be made there."""
    if unit.encode is None or unit.host is None or _touches_opaque(unit, fix.edits):  # (an embedded unit has both)
        return None
    new = apply_edits(unit.text, fix.edits)
    if not _still_parses(unit, new):
        return None
    try:
        encoded = unit.encode(new)
    except ValueError:
        return None
    start, end = unit.host_span
    spans = fix.touches or tuple((e.start, e.end) for e in fix.edits)
    touches = tuple((unit.host_offset(a), unit.host_offset(b)) for a, b in spans)
    return Fix(fix.applicability, fix.message, (_narrowed(unit.host.text, start, end, encoded),), touches)


def _narrowed(text: str, start: int, end: int, new: str) -> TextEdit:
    """The edit that turns text[start:end] into `new`, without the unchanged head and tail: other fixes of the
    same literal then do not overlap it, and positions outside it map back through it exactly."""
    old = text[start:end]
    limit = min(len(old), len(new))
    p = 0
    while p < limit and old[p] == new[p]:
        p += 1
    s = 0
    while s < limit - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    return TextEdit(start + p, end - s, new[p : len(new) - s])


def rehome(f: Finding) -> Finding:
    """`f` in its root unit's coordinates (unchanged when its unit is not embedded)."""
    unit = f.unit
    while unit is not None and unit.host is not None:
        if f.fix is not None:
            f.fix = _lift_fix(unit, f.fix)
        f.span = (unit.host_offset(f.span[0]), unit.host_offset(f.span[1]))
        unit = unit.host
    f.unit = unit
    return f
