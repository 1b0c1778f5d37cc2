"""One change table: a `KeyChange` row per upstream change, and the one factory that makes each row a rule.

A row is data only: which settings (a namespace and its keys), what happened to them (an action), when (the
version window), how safe its fix is, the rule's documentation and evidence, and sample values per surface
for the generated examples. The logic every row of a kind shares (where the settings are found, the finding's
words, the edits, the examples) lives in a base class the stack writes once: a `Rule` subclass with a
`row_attrs(row)` class method. `rule_classes(ROWS, Base, globals())` then defines one class per row, named
`Rule<CODE>` (`RuleVLLM010`), in the calling module, where the registry and the rule index find it.

Adding a change is adding a row; a hand-written class is left only where a change needs logic of its own.
"""

from __future__ import annotations

from lmimigrate.core.record import KW_ONLY, field, record

from lmimigrate.core.ftypes import Applicability, Evidence, Example, Severity
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

#: What happened to a row's keys:
#: - "delete": the setting is gone (the fix deletes it; `fix=None`: report only);
#: - "rename": the key is now `new_key`, same value;
#: - "switch": a boolean key; on, it becomes `new_key=new_value`; off, it is deleted;
#: - "revalue": the values in `values` are no longer accepted; the fix writes `new_value`;
#: - "nested-delete": sub-keys of a dict-valued setting (`speculative_config.num_lookahead_slots`) are gone;
#: - "default-changed": the default changed; a launch that relies on it is reported (the fix, if any, sets
#:   `new_key` to `new_value`, the old default).
ACTIONS = ("delete", "rename", "switch", "revalue", "nested-delete", "default-changed")

#: The trigger (see `core.rule.TRIGGERS`) of an action, unless the row names its own; other actions take the
#: base class's.
TRIGGER_OF = {"default-changed": "default"}


@record(frozen=True)
class KeyChange:
    """One upstream change to one or more settings: one row, one rule code.

    `changed_in` is the first release where the rule applies (the new spelling exists, or the old one is
    gone); `removed_in` the release that removed the old spelling when it differs (a deprecation window);
    `until` the target release from which the rule stops applying. `key_removed_in` names keys of the row that
    were removed later than `changed_in` (each is checked against its own release). `samples` and `context`
    are per surface ("cli", "yaml", "env", "properties"...): a value of the key, and the settings an example needs
    beside it. `requires`: keys that must be set in the same scope for the change to matter (a delete's fix is
    offered only then; a default change is reported only then). `extra`: stack-specific facts its base class
    reads (documented there).
    """

    code: str
    name: str
    source: str  # where the reference records the change ("§3.2 S11"); "" when it does not
    keys: tuple[str, ...]
    changed_in: str
    action: str
    _: KW_ONLY
    namespace: str  # the settings' namespace: "vllm" (EngineArgs names), "env", "lmi" (serving.properties)...
    why: str
    evidence: tuple[Evidence, ...]
    summary: str = ""  # empty: the base class words it from the row
    fix_safety: str = ""  # empty: the base class words it
    what: str = ""  # empty: the base class words it from the row
    message: str = ""  # the finding's text, where the base class does not word it from the row
    stack: str = ""  # empty: the base class's stack
    fix: Applicability | None = Applicability.SAFE
    severity: Severity | None = None  # None: the base class's
    trigger: str | None = None  # None: by the action (TRIGGER_OF), else the base class's
    removed_in: str | None = None
    until: str | None = None
    key_removed_in: Mapping[str, str] = field(default_factory=dict)
    new_key: str | None = None
    new_value: Any = None
    values: tuple[Any, ...] = ()  # revalue: the values that fire
    defaults: tuple[tuple[str, str], ...] = ()  # default-changed: each key's (old, new) default, for the docs
    requires: tuple[str, ...] = ()
    samples: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, str] = field(default_factory=dict)
    sample_from: str | None = None  # the generated examples' `--from`/`--to` ("vllm==0.8.5"); None: the
    sample_to: str | None = None  # base class's choice
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: Hand-written examples, where the base class cannot generate them from `samples` (Python imports).
    invalid: tuple[Example, ...] = ()
    valid: tuple[Example, ...] = ()

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"{self.code}: unknown action {self.action!r} (one of {', '.join(ACTIONS)})")
        if (self.action == "switch" and not self.new_key) or (self.action == "rename" and not (self.new_key or self.new_value)):
            raise ValueError(f"{self.code}: a {self.action} row needs `new_key`"
                             + (" (or `new_value`, a map of new names)" if self.action == "rename" else ""))
        if self.defaults and len(self.defaults) != len(self.keys):
            raise ValueError(f"{self.code}: `defaults` needs one (old, new) pair per key")

    @property
    def looks_at(self) -> tuple[str, ...]:
        return tuple(f"{self.namespace}:{k}" for k in self.keys)


def class_name(code: str) -> str:
    """The one naming scheme of generated rule classes: `RuleVLLM010`."""
    return "Rule" + code


def key_tokens(keys: Iterable[str]) -> tuple[bytes, ...]:
    """Prefilter tokens derived from the keys: each key as written, and with `_` and `-` swapped (a flag's
    `--swap-space` for the key `swap_space`). The one derivation: table rows get it by default, hand-written
    vLLM rules call it for their `tokens`. A base class whose settings have more spellings overrides
    `tokens_of`."""
    out: list[bytes] = []
    for key in keys:
        words = [w for w in key.replace("-", "_").split("_") if w]
        # A mixed spelling (`--max-seq_len-to-capture`) holds neither full form, but always its last two words
        # joined by `_` or `-`: those let the file through the prefilter so the specific rule sees it.
        tail = words[-2:] if len(words) > 2 else []
        for t in (key, key.replace("_", "-"), key.replace("-", "_"), "_".join(tail), "-".join(tail)):
            if t and t.encode() not in out:
                out.append(t.encode())
    return tuple(out)


def make_rule(row: KeyChange, base: type, module: str) -> type:
    """The rule class for one row: the generic metadata from the row, then the base class's `row_attrs(row)`
    (its documentation, examples and anything row-specific it computes)."""
    attrs: dict[str, Any] = dict(
        code=row.code,
        name=row.name,
        row=row,
        summary=row.summary,
        changed_in=row.changed_in,
        removed_in=row.removed_in,
        until=row.until,
        fix_applicability=row.fix,
        looks_at=row.looks_at,
        why=row.why,
        fix_safety=row.fix_safety,
        evidence=row.evidence,
        __module__=module,
    )
    trigger = row.trigger or TRIGGER_OF.get(row.action)
    if trigger:  # else the base class's (a rule's default: "crossing")
        attrs["trigger"] = trigger
    if row.stack:
        attrs["stack"] = row.stack
    if row.severity is not None:
        attrs["severity"] = row.severity
    tokens_of = getattr(base, "tokens_of", None)
    attrs["tokens"] = tokens_of(row) if tokens_of else key_tokens(row.keys)
    row_attrs = getattr(base, "row_attrs", None)
    if row_attrs is not None:
        attrs.update(row_attrs(row))
    for field_name in ("what", "invalid", "valid"):
        if getattr(row, field_name):
            attrs[field_name] = getattr(row, field_name)
    attrs["__doc__"] = attrs["summary"]
    name = class_name(row.code)
    attrs["__qualname__"] = name
    return type(name, (base,), attrs)


def rule_classes(rows: Iterable[KeyChange], base: type, namespace: dict[str, Any]) -> tuple[type, ...]:
    """Define one rule class per row in a module: `rule_classes(ROWS, Base, globals())`."""
    made = []
    for row in rows:
        cls = make_rule(row, base, namespace["__name__"])
        if cls.__name__ in namespace:
            raise ValueError(f"{row.code}: {namespace['__name__']}.{cls.__name__} is already defined")
        namespace[cls.__name__] = cls
        made.append(cls)
    return tuple(made)
