"""`check` predicts `--fix`: findings that only arise once other fixes are applied are reported up front.

The engine applies every fix (`--unsafe-fixes` level) to an in-memory copy, re-checks it, and reports each
finding that is new in the fixed copy at the place in the original text it came from. Such a finding has no
fix of its own in `check` (its edits are for the fixed text); `--fix` applies it in a later round.
"""

from __future__ import annotations

from collections.abc import Sequence


from lmimigrate.core.ftypes import Applicability, Finding, TextEdit, Unit

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from lmimigrate.core.engine import Engine
    from lmimigrate.core.ftypes import ParsedFile
    from lmimigrate.core.rule import Rule


def map_back(offset: int, edits: Sequence[TextEdit]) -> int:
    """An offset in a text after `edits` (sorted, non-overlapping, in the old text's offsets) -> the old text.
    An offset inside replaced content maps to the start of what it replaced."""
    delta = 0
    for e in edits:
        new_start = e.start + delta
        if offset < new_start:
            break
        if offset <= new_start + len(e.content):
            return e.start
        delta += len(e.content) - (e.end - e.start)
    return offset - delta


def map_span(span: tuple[int, int], rounds: Sequence[Sequence[TextEdit]]) -> tuple[int, int]:
    """A span in the text after several rounds of edits, mapped back through them to the original text."""
    start, end = span
    for edits in reversed(rounds):
        start, end = map_back(start, edits), map_back(end, edits)
    return start, max(start, end)


def foreseen(f: Finding, unit: Unit, span: tuple[int, int], after: Sequence[str]) -> Finding:
    """A finding of the fixed copy, placed in the original unit, reported without a fix."""
    codes = ", ".join(dict.fromkeys(after))
    note = f" (reported before it occurs: it arises once the fixes for {codes} are applied)"
    return Finding(code=f.code, message=f.message + note, severity=f.severity, path=f.path, unit=unit,
                   span=span, fix=None, url=f.url).locate()


def same(a: Finding, b: Finding) -> bool:
    """Two findings about one thing: same code and unit, and overlapping spans or the same first line (a note
    on a whole command keeps its code while the command's span changes under the fixes)."""
    if a.code != b.code or a.unit is not b.unit:
        return False
    return a.line == b.line or (a.span[0] <= b.span[1] and b.span[0] <= a.span[1])


def foresee(engine: Engine, parsed: ParsedFile, path: str, surface: str, rules: Sequence[Rule] | None,
            first: list[Finding], first_codes: set[str]) -> list[Finding]:
    """The findings `--fix --unsafe-fixes` would meet in later rounds, placed in the original text."""
    from lmimigrate.core.engine import MAX_ITERATIONS, _apply, _choose_fixes

    originals = parsed.units
    seen = [f for f in first if f.unit is not None]
    rounds: list[dict[int, list[TextEdit]]] = []  # per round: unit index -> its edits
    after: list[str] = []
    out: list[Finding] = []
    findings = first
    for _ in range(MAX_ITERATIONS):
        chosen = _choose_fixes(engine._only_original_default_notes(findings, first_codes), Applicability.UNSAFE)
        if not chosen:
            break
        new_text, new_parsed, applied, bad = _apply(parsed, chosen, path, surface)
        if not applied or new_text is None:  # (no text only when nothing applied)
            break
        index = {id(u): i for i, u in enumerate(parsed.units)}
        edits: dict[int, list[TextEdit]] = {}
        for f in chosen:
            if f not in bad and f.fix is not None:  # (chosen findings all have a fix)
                edits.setdefault(index[id(f.unit)], []).extend(f.fix.edits)
                after.append(f.code)
        rounds.append({i: sorted(e) for i, e in edits.items()})
        parsed = new_parsed
        if rules is not None:
            rules = engine.rules_for(surface, new_text.encode("utf-8", "surrogatepass"), path)
        findings, _ = engine.run_rules(parsed, path, rules)
        findings = engine._only_original_default_notes(findings, first_codes)
        if len(parsed.units) != len(originals):
            break  # cells came or went: positions cannot be mapped back
        where = {id(u): i for i, u in enumerate(parsed.units)}
        for f in findings:
            if f.unit is None or id(f.unit) not in where:
                continue
            i = where[id(f.unit)]
            span = map_span(f.span, [r.get(i, []) for r in rounds])
            placed = foreseen(f, originals[i], span, after)
            if not any(same(placed, g) for g in seen):
                seen.append(placed)
                out.append(placed)
    return out
