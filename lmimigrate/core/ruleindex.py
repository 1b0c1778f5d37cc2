"""The rule index: what `check` needs to know of every rule, without importing the rule packs.

Importing every rule pack builds ~200 classes and costs more than the rest of a one-file run. The index maps
each code to the module that defines it and to the metadata the engine plans with (stack, version window,
surfaces, prefilter tokens), so a run imports only the modules whose tokens occur in its files and whose
window its version pairs cross. The data is kept raw (the `tokens` dict or tuple, the `surfaces` tuple) so
the engine's own planning works on an entry as it does on a class.

It is built by `registry` (importing everything) and kept between runs by `indexstore`.
"""

from __future__ import annotations

import importlib
import sys
from operator import itemgetter

from lmimigrate.core.ftypes import Severity

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any
    from collections.abc import Iterable
    from typing import TypeGuard

    from lmimigrate.core.rule import Rule
    from lmimigrate.core.versions import VersionPair


def window_active(stack: str, trigger: str, changed_in: str | None, removed_in: str | None, until: str | None,
                  pairs: dict[str, VersionPair], also_in: tuple[str, ...] = ()) -> bool:
    """`Rule.active` for the class attributes alone (a rule that overrides `active` is asked itself).
    `also_in`: further releases whose crossing wakes the rule too, whatever `until` says (a default changed
    twice; a key of a rename row removed later than the row's release); for trigger "default" only with a
    known source, like `changed_in`."""
    if trigger == "always" or stack == "tool":
        return True
    pair = pairs.get(stack)
    if pair is None:
        return False
    if _window_active(pair, trigger, changed_in, removed_in, until):
        return True
    crossed = pair.crosses_known if trigger == "default" else pair.crosses
    return any(crossed(v) for v in also_in)


def _window_active(pair: VersionPair, trigger: str, changed_in: str | None, removed_in: str | None,
                   until: str | None) -> bool:
    from lmimigrate.core.versions import release

    if until is not None and pair.to >= release(until):
        return False
    if changed_in is None:
        return True
    if trigger == "default":
        return pair.crosses_known(changed_in)
    if trigger == "target":
        return pair.target_at_least(changed_in)
    # A deprecation window is crossed at either end: someone already on the deprecating release must
    # still migrate before the removal.
    return pair.crosses(changed_in) or bool(removed_in and pair.crosses(removed_in))


def tokens_for(tokens: tuple[bytes, ...] | dict[str, tuple[bytes, ...]], surface: str) -> tuple[bytes, ...]:
    """A rule's prefilter tokens for one surface: a dict gives them per surface, with "*" for the others."""
    if isinstance(tokens, dict):
        return tokens.get(surface, tokens.get("*", ()))
    return tokens


#: The fields of an index entry, in order; the names are the rule class's attributes.
FIELDS = ("code", "name", "stack", "summary", "severity", "module", "attr", "plugin", "surfaces", "tokens", "and_tokens", "trigger",
          "changed_in", "removed_in", "until", "also_in", "generic", "checks", "own_active", "introduces", "file", "docs")


class RuleEntry(tuple):  # type: ignore[type-arg]  # a row of FIELDS, read through the properties below
    """One rule as the index knows it; the attribute names are the class's, so the engine reads either.
    A tuple of `FIELDS` (with properties of those names): a run reads ~200 of them from the index file, and
    making one is a single allocation, not twenty attribute stores.

    `module`/`attr`: where to import the class from; `plugin`: "" for the built-in packs, else the entry
    point's name; `checks`: False for a documentation-only rule (the tool's own diagnostics), which `check`
    never runs; `own_active`: the class overrides `active`, so only the class can say whether a version pair
    wakes it; `file`: the module's file when the index was built (the result cache's key covers it)."""

    __slots__ = ()

    if TYPE_CHECKING:
        code: str
        name: str
        stack: str
        summary: str
        severity: Severity
        module: str
        attr: str
        plugin: str
        surfaces: tuple[str, ...]
        tokens: Any  # tuple[bytes, ...] | dict[str, tuple[bytes, ...]]
        and_tokens: Any  # the same
        trigger: str
        changed_in: str | None
        removed_in: str | None
        until: str | None
        also_in: tuple[str, ...]
        generic: bool
        checks: bool
        own_active: bool
        introduces: tuple[str, ...]
        file: str
        docs: str  # the documentation URL (`Rule.url()`)

    def __new__(cls, **values: Any) -> RuleEntry:
        values.setdefault("introduces", ())
        values.setdefault("and_tokens", ())
        values.setdefault("also_in", ())
        values.setdefault("file", "")
        values.setdefault("docs", "")
        row = [values.pop(name) for name in FIELDS]
        if values:
            raise TypeError(f"unknown index fields: {', '.join(values)}")
        return tuple.__new__(cls, row)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleEntry) and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"<RuleEntry {self.code} in {self.module}>"

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy: the row, not `__new__`'s keywords
        return _entry_of_row, (tuple(self),)

    def tokens_for(self, surface: str) -> tuple[bytes, ...]:
        return tokens_for(self.tokens, surface)

    def and_tokens_for(self, surface: str) -> Any:  # one clause or several (`prefilter.clauses`)
        return tokens_for(self.and_tokens, surface)

    def url(self) -> str:
        return self.docs

    def window_active(self, pairs: dict[str, VersionPair]) -> bool:
        return window_active(self.stack, self.trigger, self.changed_in, self.removed_in, self.until, pairs,
                             self.also_in)

    def load(self) -> type[Rule]:
        """The rule class (imports its module)."""
        module = importlib.import_module(self.module)
        cls = getattr(module, self.attr, None)
        if _is_rule_class(cls) and cls.code == self.code:
            return cls
        for value in vars(module).values():
            for candidate in value if isinstance(value, (list, tuple)) else (value,):
                if _is_rule_class(candidate) and candidate.code == self.code:
                    return candidate
        raise LookupError(f"rule {self.code} is no longer in {self.module}")


def _entry_of_row(row: tuple[Any, ...]) -> RuleEntry:
    return tuple.__new__(RuleEntry, row)


for _i, _name in enumerate(FIELDS):
    setattr(RuleEntry, _name, property(itemgetter(_i), doc=f"index field `{_name}`"))


def _is_rule_class(obj: object) -> TypeGuard[type[Rule]]:
    from lmimigrate.core.rule import Rule

    return isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and "code" in vars(obj)


class LazyRule:
    """An index entry standing in for its rule in the engine until a file needs the rule: the engine plans
    with the entry's data (same attribute names as the class), and the module is imported, once, when a
    file's tokens call for it. `rule()` is None when the rule overrides `active` and is not active."""

    def __init__(self, entry: RuleEntry, pairs: dict[str, VersionPair]):
        self.entry = entry
        self.pairs = pairs
        self._rule: Rule | None = None
        self._loaded = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "entry":  # copy/pickle probing a half-built object
            raise AttributeError(name)
        return getattr(self.entry, name)

    def rule(self) -> Rule | None:
        if not self._loaded:
            rule = self.entry.load()()
            self._rule = rule if not self.entry.own_active or rule.active(self.pairs) else None
            self._loaded = True
        return self._rule


def activate(rules: Iterable[type[Rule] | RuleEntry], pairs: dict[str, VersionPair]) -> list[Rule | LazyRule]:
    """The rules a run with these version pairs may need: rule classes are instantiated and asked; index
    entries become LazyRules when their window is crossed (or when only the class can tell)."""
    out: list[Rule | LazyRule] = []
    for r in rules:
        if isinstance(r, RuleEntry):
            if r.own_active or r.window_active(pairs):
                out.append(LazyRule(r, pairs))
        else:
            rule = r()
            if rule.active(pairs):
                out.append(rule)
    return out


def materialize(rules: Iterable[Rule | LazyRule]) -> list[Rule]:
    """Rule instances for a list of rules and LazyRules (imports what is not imported yet)."""
    out: list[Rule] = []
    for r in rules:
        rule = r.rule() if isinstance(r, LazyRule) else r
        if rule is not None:
            out.append(rule)
    return out


class Problem:
    """A plugin that could not be loaded, or a rule whose code another rule already claims."""

    def __init__(self, plugin: str, message: str):
        self.plugin = plugin
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and (self.plugin, self.message) == (other.plugin, other.message)

    def __repr__(self) -> str:
        return f"Problem({self.plugin!r}, {self.message!r})"


class RuleIndex:
    def __init__(self, entries: tuple[RuleEntry, ...], problems: list[Problem] | None = None):
        self.entries = entries
        self.problems = problems or []

    def by_code(self, code: str) -> RuleEntry | None:
        code = code.upper()
        return next((e for e in self.entries if e.code == code), None)

    def select(self, select: list[str] | None, ignore: list[str] | None) -> list[RuleEntry]:
        from lmimigrate.core.registry import matches

        return [e for e in self.entries
                if (not select or matches(e.code, select)) and not (ignore and matches(e.code, ignore))]


# ---- building ------------------------------------------------------------------------------------------

def entry_of(cls: type[Rule], module: str, attr: str, plugin: str, surfaces_known: tuple[str, ...]) -> RuleEntry:
    from lmimigrate.core.rule import Rule

    tokens: Any = cls.tokens
    if getattr(cls.tokens_for, "__func__", None) is not getattr(Rule.tokens_for, "__func__", None):
        # A class that computes its tokens: record them for every surface name it could be asked about.
        names = set(surfaces_known) | (set(tokens) if isinstance(tokens, dict) else set())
        tokens = {s: tuple(cls.tokens_for(s)) for s in sorted(names)}
        tokens["*"] = tuple(cls.tokens_for("*"))
    return RuleEntry(
        code=cls.code, name=cls.name, stack=cls.stack, summary=cls.summary, severity=cls.severity,
        module=module, attr=attr, plugin=plugin, surfaces=tuple(cls.surfaces), tokens=tokens,
        and_tokens=getattr(cls, "and_tokens", ()),
        trigger=cls.trigger, changed_in=cls.changed_in, removed_in=cls.removed_in, until=cls.until,
        also_in=tuple(cls.also_in), generic=bool(cls.generic), checks=cls.check is not Rule.check, own_active=cls.active is not Rule.active,
        introduces=tuple(getattr(cls, "introduces", ())),
        file=getattr(sys.modules.get(module), "__file__", None) or "",
        docs=cls.url(),
    )


def _enc_tokens(value: Any) -> Any:
    """Tokens or and-tokens (a tuple, clauses of tuples, or either per surface) as JSON: bytes as latin-1 text."""
    if isinstance(value, dict):
        return {k: _enc_tokens(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_enc_tokens(v) for v in value]
    return value.decode("latin-1")


def _dec_tokens(value: Any, clauses: bool = False) -> Any:
    """`_enc_tokens` undone; lists of lists only where clauses may be (and-tokens)."""
    if isinstance(value, dict):
        return {str(k): _dec_tokens(v, clauses) for k, v in value.items()}
    if clauses and value and all(isinstance(c, list) for c in value):
        return tuple(_dec_token_list(c) for c in value)
    return _dec_token_list(value)


def _dec_token_list(value: list[str]) -> tuple[bytes, ...]:
    return tuple([t.encode("latin-1") for t in value])  # (a non-str token: AttributeError, a damaged index)


_TOKENS, _AND_TOKENS, _SEVERITY, _SURFACES, _INTRODUCES, _ALSO_IN = (
    FIELDS.index(f) for f in ("tokens", "and_tokens", "severity", "surfaces", "introduces", "also_in"))
_SEVERITIES = {s.value: s for s in Severity}
_TEXT_FIELDS = tuple(FIELDS.index(f) for f in ("code", "name", "stack", "module", "attr", "trigger"))


def encode_entry(e: RuleEntry) -> list[Any]:
    """An entry as a JSON row: its FIELDS in order (tokens as latin-1 text, the severity as its value)."""
    row = list(e)
    row[_TOKENS] = _enc_tokens(e.tokens)
    row[_AND_TOKENS] = _enc_tokens(e.and_tokens)
    row[_SEVERITY] = e.severity.value
    row[_SURFACES] = list(e.surfaces)
    row[_INTRODUCES] = list(e.introduces)
    row[_ALSO_IN] = list(e.also_in)
    return row


def decode_entry(row: Any) -> RuleEntry:
    """The entry of a JSON row (`encode_entry`). Raises ValueError (or TypeError) for a row it did not write."""
    if not isinstance(row, list) or len(row) != len(FIELDS):
        raise ValueError("not an index row")
    row = row.copy()
    row[_TOKENS] = _dec_tokens(row[_TOKENS])
    row[_AND_TOKENS] = _dec_tokens(row[_AND_TOKENS], clauses=True)
    row[_SEVERITY] = _SEVERITIES[row[_SEVERITY]]
    row[_SURFACES] = tuple(row[_SURFACES])
    row[_INTRODUCES] = tuple(row[_INTRODUCES])
    row[_ALSO_IN] = tuple(row[_ALSO_IN])
    if not all(isinstance(v, str) for v in row[_ALSO_IN]):
        raise ValueError("also_in")
    for i in _TEXT_FIELDS:
        if not isinstance(row[i], str):
            raise ValueError(FIELDS[i])
    return _entry_of_row(tuple(row))
