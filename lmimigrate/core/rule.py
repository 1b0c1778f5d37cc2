"""The rule plugin API: a rule is a class with metadata, examples and a `check(ctx)` generator."""

from __future__ import annotations

from lmimigrate import DOCS_URL
from lmimigrate.core.ftypes import (
    Applicability,
    Evidence,
    Example,
    Finding,
    Fix,
    ParsedFile,
    Scope,
    Setting,
    Severity,
    TextEdit,
    Unit,
)
from lmimigrate.core.ruleindex import tokens_for, window_active
from lmimigrate.core.versions import VersionPair

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, ClassVar, Iterable, Iterator
    from re import Pattern

    from lmimigrate.core.pep440 import Version

    #: What a finding is reported at, and a fix guard: `(ctx, at, edits) -> str`.
    At = Setting | Scope | tuple[Unit, int, int]
    FixGuard = Callable[["Context", At, tuple[TextEdit, ...]], str]

#: When a rule fires, given the version pair of its stack:
#: - "crossing": from < changed_in <= to (or the same for removed_in, for deprecations); with an unknown
#:   `from`, whenever to >= changed_in (removed / renamed things: invalid in the target however old the source);
#: - "target": whenever to >= changed_in (invalid in the target), same as crossing with unknown `from`;
#: - "default": a default changed; only when `from` is known and the pair crosses changed_in;
#: - "always": not version-bound (typos, no-op keys).
TRIGGERS = ("crossing", "target", "default", "always")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case
    stack: ClassVar[str]  # "lmi", "vllm", "vllm-fork", "vllm-gaudi", or "tool"
    summary: ClassVar[str]  # one line: what is wrong
    changed_in: ClassVar[str | None] = None  # version in the stack's numbering ("12" for LMI v12)
    removed_in: ClassVar[str | None] = None  # for deprecations: the release that removed it
    until: ClassVar[str | None] = None  # the rule stops applying from this target version (exclusive)
    #: Further releases whose crossing also wakes the rule (see `ruleindex.window_active`): declared here, not
    #: in an `active` override, so the rule index can tell without importing the rule's module.
    also_in: ClassVar[tuple[str, ...]] = ()
    trigger: ClassVar[str] = "crossing"
    severity: ClassVar[Severity] = Severity.WARNING
    fix_applicability: ClassVar[Applicability | None] = None  # the strongest fix it offers
    #: A catch-all rule ("unknown to the target"): its findings are dropped where a specific rule reports on
    #: the same setting, so a user sees the precise explanation once, not a generic one beside it.
    generic: ClassVar[bool] = False
    looks_at: ClassVar[tuple[str, ...]] = ()  # "lmi:option.rolling_batch", "env:VLLM_USE_V1", "python:vllm.LLM"
    #: Byte substrings; a file containing none of them is never parsed for this rule. Empty: always.
    #: A dict gives them per file surface, with "*" for the others (a vLLM --config YAML file may contain
    #: nothing more specific than underscores; a Python file must name vllm).
    tokens: ClassVar[tuple[bytes, ...] | dict[str, tuple[bytes, ...]]] = ()

    #: Byte substrings of which one must occur as well as one of `tokens` (per surface like `tokens`; a tuple of
    #: tuples: several such clauses, each needed; empty: no further condition). A vLLM flag rule's key is a
    #: common word (`task`, `-q`): in a Python file it counts only next to `vllm` and an `LLM` call or a launch
    #: (rules/vllm/common.py's PY_VLLM).
    and_tokens: ClassVar[Any] = ()

    @classmethod
    def tokens_for(cls, surface: str) -> tuple[bytes, ...]:
        return tokens_for(cls.tokens, surface)

    @classmethod
    def and_tokens_for(cls, surface: str) -> Any:  # one clause or several (`prefilter.clauses`)
        return tokens_for(cls.and_tokens, surface)
    #: Surfaces it reads; empty: all.
    surfaces: ClassVar[tuple[str, ...]] = ()
    #: Settings its fix creates, as "ns:key" ("lmi:option.acme_cache", "vllm:new_flag", "env:NEW_VAR"): the
    #: catch-all rules ("not known to the target") leave them alone, so a plugin's rename is not reported
    #: as unknown after the fix.
    introduces: ClassVar[tuple[str, ...]] = ()
    #: Where the rule's documentation lives, with `{code}` (third-party rules); None: lmimigrate's own pages.
    docs_url: ClassVar[str | None] = None
    # Documentation, rendered by `lmimigrate explain` under ruff's headings.
    what: ClassVar[str] = ""
    why: ClassVar[str] = ""
    fix_safety: ClassVar[str] = ""
    evidence: ClassVar[tuple[Evidence, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()
    valid: ClassVar[tuple[Example, ...]] = ()

    def active(self, pairs: dict[str, VersionPair]) -> bool:
        return window_active(self.stack, self.trigger, self.changed_in, self.removed_in, self.until, pairs,
                             self.also_in)

    def check(self, ctx: Context) -> Iterator[Finding]:
        """The rule's findings in one file (a generator, usually); the base class finds nothing."""
        return iter(())

    @classmethod
    def url(cls) -> str:
        return (cls.docs_url or DOCS_URL).format(code=cls.code)

    @classmethod
    def version_text(cls) -> str:
        from lmimigrate.core.versions import display

        if cls.changed_in is None:
            return "any version"
        text = display(cls.stack, _v(cls.changed_in)) if cls.stack != "tool" else cls.changed_in
        if cls.removed_in:
            text += f" (removed in {display(cls.stack, _v(cls.removed_in))})"
        return text


def _v(text: str) -> Version:
    from lmimigrate.core.pep440 import Version

    return Version(text)


#: Fix guards: callables `(ctx, at, edits) -> str` returning why a fix that looks safe is not ("" when it is).
#: Stacks register theirs at import (a custom LMI handler beside serving.properties); the core registers the
#: generic ones (a renamed key still referenced elsewhere in the file). A guard downgrades a safe fix to unsafe,
#: and the finding says why: the tool cannot prove the target behaves the same.
FIX_GUARDS: list[FixGuard] = []


def fix_guard(fn: FixGuard) -> FixGuard:
    """Register a fix guard (a decorator)."""
    if fn not in FIX_GUARDS:
        FIX_GUARDS.append(fn)
    return fn


class Context:
    """What a rule sees of one file: its scopes and settings, the version pairs, and a way to report."""

    def __init__(self, path: str, parsed: ParsedFile, pairs: dict[str, VersionPair],
                 introduced: frozenset[str] = frozenset()):
        self.path = path
        self.parsed = parsed
        self.pairs = pairs
        self.rule: Rule | None = None
        self._settings_index: dict[tuple[str, str | None], list[Setting]] | None = None
        #: "ns:key" settings the run's rules declare their fixes create (`Rule.introduces`).
        self.introduced_keys = introduced

    def introduced(self, setting: Setting) -> bool:
        """Whether a rule of this run declares (`Rule.introduces`) that its fix creates this setting: a
        catch-all rule must not report it as unknown. A dotted key counts by its base (`-cc.mode` as `-cc`)."""
        if not self.introduced_keys:
            return False
        ns, key = setting.ns, setting.key
        return f"{ns}:{key}" in self.introduced_keys or f"{ns}:{key.split('.', 1)[0]}" in self.introduced_keys

    # ---- versions ------------------------------------------------------------------------------------
    def pair(self, stack: str | None = None) -> VersionPair | None:
        return self.pairs.get(stack or (self.rule.stack if self.rule else ""))

    def crosses(self, version: str, stack: str | None = None) -> bool:
        p = self.pair(stack)
        return bool(p and p.crosses(version))

    def crosses_known(self, version: str, stack: str | None = None) -> bool:
        p = self.pair(stack)
        return bool(p and p.crosses_known(version))

    def target_at_least(self, version: str, stack: str | None = None) -> bool:
        p = self.pair(stack)
        return bool(p and p.target_at_least(version))

    # ---- content -------------------------------------------------------------------------------------
    @property
    def units(self) -> list[Unit]:
        return self.parsed.units

    def scopes(self, *kinds: str) -> Iterator[Scope]:
        for scope in self.parsed.scopes():
            if not kinds or scope.kind in kinds:
                yield scope

    def settings(self, ns: str, key: str | None = None) -> Iterator[Setting]:
        """The file's settings of a namespace (and key), in file order. Indexed once per file: rules ask
        this for every scope, and a scan of every scope per scope made a 10k-cell notebook quadratic."""
        index = self._settings_index
        if index is None:
            index = self._settings_index = {}
            for scope in self.parsed.scopes():
                for s in scope.settings:
                    index.setdefault((s.ns, None), []).append(s)
                    index.setdefault((s.ns, s.key), []).append(s)
        return iter(index.get((ns, key), ()))

    def find(self, *patterns: Pattern[str]) -> Iterator[tuple[Unit, int, Any]]:
        """(unit, pattern index, match) for each pattern's matches in each unit's text, unit by unit: for text
        no surface reads as settings (an image tag, a model id); `replace` edits what a match found."""
        for unit in self.units:
            for i, rx in enumerate(patterns):
                for m in rx.finditer(unit.text):
                    yield unit, i, m

    @staticmethod
    def replace(unit: Unit, start: int, end: int, new: str) -> list[TextEdit]:
        """Replace verbatim text of `unit` (a span `find` matched) with `new`."""
        return [TextEdit(start, end, new)]

    # ---- reporting -----------------------------------------------------------------------------------
    @staticmethod
    def edits(fn: Callable[..., list[TextEdit]], *args: Any, **kwargs: Any) -> list[TextEdit] | None:
        """Run an edit builder (`setting.rename`, `scope.insert`...); None when the syntax cannot express it
        (e.g. inserting into a flow collection), so the finding is reported without a fix."""
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError):
            return None

    def report(
        self,
        at: Setting | Scope | tuple[Unit, int, int],
        message: str,
        *,
        edits: Iterable[TextEdit] | None = None,
        applicability: Applicability | None = None,
        fix_message: str = "",
        severity: Severity | None = None,
    ) -> Finding:
        rule = self.rule
        assert rule is not None
        if isinstance(at, Setting):
            unit, span = at.unit, at.span
        elif isinstance(at, Scope):
            unit, span = at.unit, at.span
        else:
            unit, span = at[0], (at[1], at[2])
        fix = None
        if edits is not None:
            edits = tuple(sorted(edits))
            if edits:
                level = applicability or rule.fix_applicability or Applicability.SAFE
                if level is Applicability.SAFE:
                    why = next((w for w in (g(self, at, edits) for g in FIX_GUARDS) if w), "")
                    if why:
                        level = Applicability.UNSAFE
                        message = f"{message}; the fix is unsafe: {why}"
                fix = Fix(level, fix_message or message, edits)
        return Finding(
            code=rule.code,
            message=message,
            severity=severity or rule.severity,
            path=self.path,
            unit=unit,
            span=span,
            fix=fix,
            url=rule.url(),
        )


def spelled(at: Setting | Scope, key: str | None = None, value: Any = None) -> str:
    """How a setting reads, for messages. A setting: as written in its file (`OPTION_ENGINE=MPI`, `engine=MPI`,
    `--foo=1`; `value` replaces its value). A scope and a key: the key (set to `value`) as that scope's syntax
    writes it (`--runner generate`, `runner: generate`, `runner='generate'`), see `Scope.display`."""
    if isinstance(at, Scope):
        assert key is not None
        return at.display(key, value)
    raw = at.origin.raw_key
    shown = at.origin.value if value is None else value
    return f"{raw}={shown}" if shown is not None else raw


def cited(book: str) -> Callable[[str, str, str, str], Evidence]:
    """The evidence constructor of a rule pack whose facts were checked against one reference book:
    `ev = cited("vllm")`, then `ev(release, file, quote, "§3.3 C4")` records the reference "vllm §3.3 C4"."""

    def ev(release: str, file: str, quote: str, ref: str) -> Evidence:
        return Evidence(release, file, quote, f"{book} {ref}")

    return ev
