"""Check one file: decode, parse, run the rules, filter suppressions, and apply fixes to a fixpoint."""

from __future__ import annotations

import codecs
import gc
import os
from bisect import bisect_left, insort
from lmimigrate.core.record import field, record

from lmimigrate import surfaces
from lmimigrate.core import foresight, references  # noqa: F401  (references registers its fix guard)
from lmimigrate.core.dedupe import _dedupe, _drop_generic_duplicates, _suppressed, suppressions
from lmimigrate.core.embedding import apply_edits, rehome
from lmimigrate.core.ftypes import Applicability, Finding, LineIndex, ParsedFile, ParseError, Severity, TextEdit
from lmimigrate.core.prefilter import TokenIndex, clauses, pieces
from lmimigrate.core.rule import Context, Rule
from lmimigrate.core.ruleindex import LazyRule, materialize
from lmimigrate.core.versions import VersionPair

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Sequence

    Clauses = tuple[tuple[bytes, ...], ...]

MAX_ITERATIONS = 10

# The tool's own diagnostics.
PARSE_ERROR = "LMM001"
NOT_UTF8 = "LMM002"
TEMPLATE_SKIPPED = "LMM004"
TOO_LARGE = "LMM005"
FIX_DROPPED = "LMM006"
WRITE_FAILED = "LMM007"
BINARY = "LMM008"
INTERNAL_ERROR = "LMM009"
UNREADABLE = "LMM010"
PLUGIN_ERROR = "LMM020"
NOT_READ = "LMM011"
NOT_READ_MESSAGE = "no format lmimigrate reads matches this file's name, so it was not checked"

TOOL_CODES = {
    PARSE_ERROR: "parse-error",
    NOT_UTF8: "not-utf8",
    TEMPLATE_SKIPPED: "template-skipped",
    TOO_LARGE: "file-too-large",
    FIX_DROPPED: "fix-dropped",
    WRITE_FAILED: "write-failed",
    BINARY: "binary-file",
    INTERNAL_ERROR: "internal-error",
    UNREADABLE: "unreadable-path",
    PLUGIN_ERROR: "plugin-error",
    NOT_READ: "not-read",
}


@record
class FileOutcome:
    path: str
    findings: list[Finding] = field(default_factory=list)
    original: bytes | None = b""  # None only in a worker's reply when the file was not fixed (the parent has it)
    fixed: bytes | None = None  # new content when fixes changed the file
    fixes_applied: int = 0
    fixed_codes: list[str] = field(default_factory=list)  # the code of each applied fix
    internal_error: bool = False


def tool_finding(code: str, message: str, path: str, line: int = 1, column: int = 1,
                 severity: Severity = Severity.ERROR) -> Finding:
    from lmimigrate import DOCS_URL

    f = Finding(code=code, message=message, severity=severity, path=path, unit=None, span=(0, 0), url=DOCS_URL.format(code=code))
    f.line, f.column, f.end_line, f.end_column = line, column, line, column
    return f


class Decoded:
    def __init__(self, text: str, bom: bool):
        self.text = text
        self.bom = bom

    def encode(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode("utf-8")


def decode(data: bytes, path: str) -> Decoded | Finding:
    if b"\x00" in data:
        return tool_finding(BINARY, "binary file (contains NUL bytes); skipped", path, severity=Severity.WARNING)
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    try:
        return Decoded(body.decode("utf-8"), bom)
    except UnicodeDecodeError as e:
        line = body.count(b"\n", 0, e.start) + 1
        col = e.start - (body.rfind(b"\n", 0, e.start) + 1) + 1
        return tool_finding(NOT_UTF8, f"not valid UTF-8 (byte 0x{body[e.start]:02x}); skipped, nothing written", path, line, col)


def parse_error_finding(err: ParseError, path: str, text: str) -> Finding:
    line, col = err.line or 1, err.column or 1
    if err.offset is not None:
        line, col = LineIndex(text).position(err.offset)
    if getattr(err, "template", False):
        return tool_finding(TEMPLATE_SKIPPED, err.message, path, line, col, severity=Severity.INFO)
    return tool_finding(PARSE_ERROR, f"cannot parse: {err.message}; file left untouched", path, line, col)


# ---- running rules -------------------------------------------------------------------------------------


def _doc_only(rule: Rule | LazyRule) -> bool:
    """The tool's own diagnostics are rules for their docs only: the engine emits them, `check` never does."""
    if isinstance(rule, LazyRule):
        return not rule.checks
    return type(rule).check is Rule.check


@record
class Engine:
    """`rules`: Rule instances, or LazyRules (index entries) whose modules are imported when a file needs them."""

    rules: Sequence[Rule | LazyRule]
    pairs: dict[str, VersionPair]
    debug: bool = False
    _plans: dict[object, Any] = field(default_factory=dict, repr=False)  # per surface: planned rules, tokens

    @property
    def introduced(self) -> frozenset[str]:
        """The settings the run's rules declare their fixes create (`Rule.introduces`), for the catch-alls."""
        got = self._plans.get(("introduces",))
        if got is None:
            got = self._plans[("introduces",)] = frozenset(k for r in self.rules for k in r.introduces)
        return got

    def _codes(self, kind: str) -> frozenset[str]:
        """The codes of the run's generic rules ("generic") or default-change rules ("default"), once per run."""
        got = self._plans.get(("codes", kind))
        if got is None:
            got = self._plans[("codes", kind)] = frozenset(
                r.code for r in self.rules if (r.generic if kind == "generic" else r.trigger == "default"))
        return got

    def plan(self, surface: str) -> list[tuple[Rule, frozenset[bytes]]]:
        """The rules that can read a file of this surface, each with its prefilter tokens (empty: always)."""
        plan = self._plans.get(surface)
        if plan is None:
            plan = []
            host = surface in surfaces.HOSTS
            # A host that says which surfaces its text holds (a Python file: properties, env, shell text in its
            # strings) is planned with their rules, which count only in a file with one of its embedding hints;
            # other hosts (notebook cells) with every surface's rules and tokens.
            held = surfaces.HOSTED.get(surface) if host else None
            split: dict[int, tuple[frozenset[bytes] | None, frozenset[bytes] | None]] = {}
            also: dict[int, tuple[Clauses, Clauses]] = {}  # and-tokens: (own, via)
            for r in self.rules:
                if _doc_only(r) or (r.surfaces and not host and surface not in r.surfaces):
                    continue
                tokens = r.tokens
                if held is not None:
                    own = frozenset(r.tokens_for(surface)) if not r.surfaces or surface in r.surfaces else None
                    inner = [h for h in held if not r.surfaces or h in r.surfaces]
                    via = frozenset(t for h in inner for t in r.tokens_for(h)) if inner else None
                    if own is None and via is None:
                        continue
                    split[id(r)] = (own, via)
                    also[id(r)] = (clauses(r.and_tokens_for(surface)), _clauses_of_all(r, inner))
                    plan.append((r, (own or frozenset()) | (via or frozenset())))
                elif host and isinstance(tokens, dict):
                    plan.append((r, frozenset(t for ts in tokens.values() for t in ts)))
                    also[id(r)] = (_clauses_of_all(r, list(tokens)), ())
                else:
                    plan.append((r, frozenset(r.tokens_for(surface))))
                    also[id(r)] = (clauses(r.and_tokens_for(surface)), ())
            self._plans[surface] = plan
            self._plans[surface, "split"] = split
            if split:  # own tokens count in every file, those of the text it may hold only in a hinted one
                pos = {id(r): i for i, (r, _) in enumerate(plan)}
                own_index = TokenIndex((pos[k], o, also[k][0]) for k, (o, _) in split.items() if o is not None)
                via_index: TokenIndex | None = TokenIndex((pos[k], v, also[k][1]) for k, (_, v) in split.items()
                                                          if v is not None)
            else:
                own_index, via_index = TokenIndex((i, ts, also[id(r)][0]) for i, (r, ts) in enumerate(plan)), None
            self._plans[surface, "index"] = (own_index, via_index)
            hints = surfaces.EMBED_HINTS.get(surface, ())  # (none: a file never holds the text its host may hold)
            self._plans[surface, "hints"] = TokenIndex((i, tokens, also) for i, (tokens, also) in enumerate(hints))
        return plan

    def rules_for(self, surface: str, data: bytes, path: str = "") -> list[Rule]:
        """The byte-level prefilter: the rules one of whose tokens occurs in the file or its name (or that
        need none). No rule: the file is never parsed. The name counts because surfaces use it: a vLLM
        `--config` file is recognised as `vllm*.yaml` even when its content never says "vllm". In a host that
        says which surfaces its text holds (Python), the tokens of the held text count only in a file with one
        of its embedding hints. The search itself: `core/prefilter.py`."""
        plan = self.plan(surface)
        name = os.path.basename(path).encode("utf-8", "surrogateescape") if path else b""
        own, via = self._plans[surface, "index"]
        hay = pieces(data, name)
        found: dict[bytes, bool] = {}
        wanted = own.members(data, name, hay, found)
        if via is not None and self._plans[surface, "hints"].members(data, name, hay, found):
            wanted |= via.members(data, name, hay, found)
        return materialize(plan[i][0] for i in sorted(wanted))

    def run_rules(self, parsed: ParsedFile, path: str, rules: Sequence[Rule] | None = None) -> tuple[list[Finding], bool]:
        ctx = Context(path, parsed, self.pairs, self.introduced)
        present = {u.surface for u in parsed.units}
        findings: list[Finding] = []
        crashed = False
        for rule in materialize(self.rules) if rules is None else rules:
            if rule.surfaces and present.isdisjoint(rule.surfaces):
                continue
            ctx.rule = rule
            try:
                for f in rule.check(ctx):
                    findings.append(rehome(f).locate())
            except Exception as exc:  # a rule bug must not stop the run; it is still exit 2
                crashed = True
                msg = f"internal error in rule {rule.code}: {type(exc).__name__}: {exc}"
                if self.debug:
                    import traceback

                    msg += "\n" + traceback.format_exc()
                findings.append(tool_finding(INTERNAL_ERROR, msg, path))
        findings = _drop_generic_duplicates(findings, set(self._codes("generic")))
        tables = {id(u): suppressions(u) for u in parsed.units}
        kept = [f for f in findings if f.unit is None or not _suppressed(f, tables[id(f.unit)])]
        return _dedupe(_ordered(kept)), crashed

    def check_text(self, path: str, text: str, surface: str, fix: Applicability | None,
                   rules: Sequence[Rule] | None = None,
                   fixed_codes: list[str] | None = None) -> tuple[list[Finding], str, int, bool]:
        """Returns (remaining findings, final text, fixes applied, crashed). `rules`: the prefiltered subset
        for this text (recomputed after each round of fixes, whose edits may bring in other rules' tokens).
        `fixed_codes`, when given, receives the code of each applied fix (for --show-fixes)."""
        try:
            parsed = _parse(path, text, surface)
        except ParseError as err:
            return [parse_error_finding(err, path, text)], text, 0, False
        except RecursionError:
            return [tool_finding(PARSE_ERROR, "cannot parse: nested too deeply; file left untouched", path)], text, 0, False
        findings, crashed = self.run_rules(parsed, path, rules)
        first_codes = {f.code for f in findings}
        applied_total = 0
        dropped: list[Finding] = []
        skipped = [parse_error_finding(err, path, text) for err in parsed.errors]
        blocked = any(not getattr(err, "template", False) for err in parsed.errors)  # the file does not parse
        if fix is None or blocked:
            if fix is None and not blocked and any(f.fix is not None for f in findings):
                findings = findings + self._foresee(parsed, path, surface, rules, findings, first_codes)
            return _ordered(findings + skipped), text, 0, crashed
        for _ in range(MAX_ITERATIONS):
            # A default-change note that only our own fixes brought about is neither applied nor reported.
            chosen = _choose_fixes(self._only_original_default_notes(findings, first_codes), fix)
            if not chosen:
                break
            codes = [f.code for f in chosen]
            new_text = _rebuild(parsed, _edits_of(chosen))
            # The old parse goes before the new text is parsed (a 10 MB file held both; a parse is a reference
            # cycle, so it takes a collection). Only a new text that does not parse needs the old one again.
            del findings, chosen, parsed
            if len(text) > 1 << 20:
                gc.collect()
            bad: list[Finding] = []
            try:
                new_parsed, applied = _parse(path, new_text, surface), len(codes)
            except (ParseError, RecursionError):
                parsed = _parse(path, text, surface)
                findings, _ = self.run_rules(parsed, path, rules)
                chosen = _choose_fixes(self._only_original_default_notes(findings, first_codes), fix)
                good_text, new_parsed, applied, bad = _apply(parsed, chosen, path, surface)
                new_text = good_text if good_text is not None else new_text
                codes = [f.code for f in chosen if not any(f is b for b in bad)]
            for f in bad:
                dropped.append(tool_finding(FIX_DROPPED, f"fix for {f.code} dropped: the result would not parse", path, f.line, f.column))
            if not applied:
                break
            if fixed_codes is not None:
                fixed_codes.extend(codes)
            applied_total += applied
            text, parsed = new_text, new_parsed
            if rules is not None:
                rules = self.rules_for(surface, text.encode("utf-8", "surrogatepass"), path)
            findings, crashed2 = self.run_rules(parsed, path, rules)
            crashed = crashed or crashed2
        else:
            if _choose_fixes(self._only_original_default_notes(findings, first_codes), fix):
                dropped.append(tool_finding(FIX_DROPPED, f"fixes did not converge after {MAX_ITERATIONS} rounds", path))
        if applied_total:
            findings = self._only_original_default_notes(findings, first_codes)
        return _ordered(findings + skipped) + dropped, text, applied_total, crashed

    def _foresee(self, parsed: ParsedFile, path: str, surface: str, rules: Sequence[Rule] | None,
                 first: list[Finding], first_codes: set[str]) -> list[Finding]:
        return foresight.foresee(self, parsed, path, surface, rules, first, first_codes)

    def _only_original_default_notes(self, findings: list[Finding], first_codes: set[str]) -> list[Finding]:
        """Default-change notes describe the source configuration. One that appears only after our own
        fixes (deleting `--disable-log-requests` hides that logging was already off) is not about it."""
        default = self._codes("default")
        return [f for f in findings if f.code not in default or f.code in first_codes]


def _clauses_of_all(rule: Rule | LazyRule, surfaces_: list[str]) -> Clauses:
    """The and-tokens of a rule read as any of several surfaces: a condition only when they are the same in
    each of them."""
    each = {clauses(rule.and_tokens_for(s)) for s in surfaces_}
    return each.pop() if len(each) == 1 else ()


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.cell if f.cell is not None else -1, f.line, f.column, f.code))


def _choose_fixes(findings: list[Finding], level: Applicability) -> list[Finding]:
    """Fixes to apply this round: non-overlapping; a conflicting fix waits for the next round."""
    taken: dict[int, list[tuple[int, int]]] = {}
    chosen = []
    for f in findings:
        if f.fix is None or f.unit is None or not f.fix.applicability.applies_at(level):
            continue
        mine = taken.setdefault(id(f.unit), [])
        if any(_overlaps_taken(e, mine) for e in f.fix.edits):
            continue
        for e in f.fix.edits:
            insort(mine, (e.start, e.end))
        chosen.append(f)
    return chosen


def _overlaps_taken(e: TextEdit, taken: list[tuple[int, int]]) -> bool:
    """Whether `e` overlaps one of `taken`: sorted (start, end) spans, pairwise non-overlapping, so their ends
    never decrease and only the span before `e.start` and those starting up to `e.end` can meet it (a
    bisection instead of a scan: 10k fixes in one file were quadratic)."""
    i = bisect_left(taken, (e.start, e.start))
    for j in range(max(0, i - 1), len(taken)):
        start, end = taken[j]
        if start > e.end:
            break
        if _overlap(e, TextEdit(start, end, "")):
            return True
    return False


def _overlap(a: TextEdit, b: TextEdit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point: their order would be arbitrary
    return a.start < b.end and b.start < a.end


def _rebuild(parsed: ParsedFile, per_unit: dict[int, list[TextEdit]]) -> str:
    texts = []
    for u in parsed.units:
        edits = per_unit.get(id(u), [])
        if edits:
            edits = edits + [e for scope in u.scopes for e in scope.complete(edits)]
        texts.append(apply_edits(u.text, edits))
    return parsed.file_text(texts)


def _parse(path: str, text: str, surface: str) -> ParsedFile:
    parsed = surfaces.parse_file(path, text, surface)
    parsed.source = text
    return parsed


def _edits_of(fs: list[Finding]) -> dict[int, list[TextEdit]]:
    per: dict[int, list[TextEdit]] = {}
    for f in fs:
        per.setdefault(id(f.unit), []).extend(f.fix.edits)  # type: ignore[union-attr]  # (chosen: with a fix)
    return per


def _apply(parsed: ParsedFile, chosen: list[Finding], path: str,
           surface: str) -> tuple[str | None, ParsedFile, int, list[Finding]]:
    """Apply the chosen fixes; if the result does not parse, find and drop the culprits one by one."""
    edits_of = _edits_of
    new_text = _rebuild(parsed, edits_of(chosen))
    try:
        return new_text, _parse(path, new_text, surface), len(chosen), []
    except (ParseError, RecursionError):
        pass
    good: list[Finding] = []
    bad: list[Finding] = []
    for f in chosen:
        try:
            surfaces.parse_file(path, _rebuild(parsed, edits_of(good + [f])), surface)
            good.append(f)
        except (ParseError, RecursionError):
            bad.append(f)
    if not good:
        return None, parsed, 0, bad
    new_text = _rebuild(parsed, edits_of(good))
    return new_text, _parse(path, new_text, surface), len(good), bad
