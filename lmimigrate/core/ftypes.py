"""All of lmimigrate's data types, in one place.

The model: a file is parsed into one or more *units* (a unit is a text that offsets point into: the whole
file, or one notebook cell). A unit holds *scopes*: groups of settings that configure one thing together
(a serving.properties file, an env file, one container's `env:` list, one `vllm serve` command line, one
`LLM(...)` call). A *setting* is normalized: a namespace and a key, whatever the syntax it was written in.

Namespaces:
- ``lmi``: LMI per-model properties, keyed as in serving.properties (``option.rolling_batch``, ``engine``).
- ``env``: environment variables (``VLLM_USE_V1``, ``OPTION_ROLLING_BATCH``).
- ``vllm``: vLLM engine arguments, keyed by their EngineArgs field name (``max_num_seqs``); for command
  lines and vLLM ``--config`` files the key is the flag without dashes, underscored.
- ``sampling``: ``SamplingParams(...)`` keyword arguments.

An env assignment that LMI reads as an option (``OPTION_MAX_ROLLING_BATCH_SIZE``) appears twice: as the
``env`` setting and as a *derived* ``lmi`` setting sharing its spans, so an LMI rule sees every spelling.
Rules never build text themselves: they ask the setting's scope to rename, re-value, delete or insert, and
the scope spells the result in its own syntax.
"""

from __future__ import annotations

import enum
from itertools import accumulate

from lmimigrate.core.patterns import lazy_pattern
from lmimigrate.core.record import field, record

from lmimigrate.core.scopeops import ScopeOps
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Sequence


class Applicability(str, enum.Enum):
    """How far a fix may be trusted, ordered by rank (not as strings) as ruff orders it: SAFE < UNSAFE < DISPLAY.
    A run applies fixes at or below its level (`--fix`: SAFE; `--unsafe-fixes`: UNSAFE), never display-only ones."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display-only"

    @property
    def rank(self) -> int:
        return type(self)._member_names_.index(self.name)  # the order of definition

    def __lt__(self, other: object) -> bool:
        return self.rank < other.rank if isinstance(other, Applicability) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.rank <= other.rank if isinstance(other, Applicability) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.rank > other.rank if isinstance(other, Applicability) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.rank >= other.rank if isinstance(other, Applicability) else NotImplemented

    def applies_at(self, level: "Applicability") -> bool:
        """Does a run at `level` apply a fix of this applicability?"""
        return self is not Applicability.DISPLAY and self <= level


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@record(frozen=True, order=True)
class TextEdit:
    """Replace unit text[start:end] with `content`. Offsets are str indices into the unit's text."""

    start: int
    end: int
    content: str


@record(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[TextEdit, ...]
    #: What the fix really rewrites, when `edits` are wider: a fix inside embedded text is applied as one edit
    #: that rewrites the whole host literal, but it touches only these spans (a generic finding elsewhere in
    #: that literal is not covered by it). Empty: the edits' own spans.
    touches: tuple[tuple[int, int], ...] = ()


class ParseError(Exception):
    """A unit that cannot be parsed. `offset` points into the unit text when known."""

    template: bool  # set (True) on a templated file's error: skipped, not broken

    def __init__(self, message: str, offset: int | None = None, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column


_LINE_END = lazy_pattern(r"\r\n|\r|\n")


class LineIndex:
    """Offset <-> 1-based (line, column) for a text, with \\n, \\r\\n and lone \\r line endings."""

    def __init__(self, text: str):
        self.length = len(text)
        if "\r" not in text:  # (the usual case: each line start is the previous one plus its length and the \n)
            self.starts = [0, *accumulate(map((1).__add__, map(len, text.split("\n")[:-1])))]
        else:
            self.starts = [0, *(m.end() for m in _LINE_END.finditer(text))]

    def position(self, offset: int) -> tuple[int, int]:
        from bisect import bisect_right

        offset = max(0, min(offset, self.length))
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def offset(self, line: int, column: int) -> int:
        """Offset of a 1-based line and 1-based column (columns clamp to the text)."""
        line = max(1, min(line, len(self.starts)))
        return min(self.starts[line - 1] + max(column, 1) - 1, self.length)

    def line_span(self, line: int) -> tuple[int, int]:
        """[start, end) of a 1-based line, its line ending included."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else self.length
        return start, end


@record(eq=False)
class Unit:
    """A text that offsets point into. A notebook has one unit per cell it reads.

    An *embedded* unit is text held inside another unit (`host`): a properties file in a Python string, a
    shell script in a YAML block scalar. Its text is the decoded content; `host_span` is where the encoded
    content sits in the host's text, `encode` turns new content back into host text (raising ValueError when
    the host syntax cannot hold it; None: read-only), `to_host` maps an offset of this text to the host's
    (None: `host_span[0] + offset`, for content written verbatim) and `opaque` lists placeholder spans
    (`{var}`, `${VAR}`, `{{ x }}`) that no fix may touch. Rules see embedded units like any other; the engine
    reports and fixes them in the host's coordinates (see `lmimigrate.core.embedding`).
    """

    text: str
    surface: str  # "properties", "env", "shell", "dockerfile", "yaml", "json", "python", ...
    cell: int | None = None  # notebook cell index, 0-based
    newline: str = "\n"
    comment_prefixes: tuple[str, ...] = ("#",)
    scopes: list["Scope"] = field(default_factory=list)
    python: Any = None  # lmimigrate.surfaces.python.PyModule for Python units
    _index: LineIndex | None = None
    host: "Unit | None" = None
    host_span: tuple[int, int] = (0, 0)
    encode: Callable[[str], str] | None = None
    to_host: Callable[[int], int] | None = None
    opaque: tuple[tuple[int, int], ...] = ()
    label: str = ""  # what holds the embedded text, for messages ("Python string", "YAML block `run`")

    @property
    def root(self) -> "Unit":
        u = self
        while u.host is not None:
            u = u.host
        return u

    def host_offset(self, offset: int) -> int:
        """An offset of this text as an offset of the host's text."""
        if self.to_host is not None:
            return self.to_host(offset)
        return self.host_span[0] + offset

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index


@record(eq=False, slots=True)
class Setting:
    ns: str
    key: str  # normalized key in `ns`
    value: Any  # the value as the runtime sees it: str for env/properties/CLI; str/int/bool/dict/... else
    raw_key: str  # the key as written
    key_span: tuple[int, int]
    value_span: tuple[int, int] | None  # None: a bare flag (`--enforce-eager`) or a value we cannot edit
    delete_span: tuple[int, int]  # what to remove to delete the whole entry
    scope: "Scope"
    derived_from: "Setting | None" = None  # an lmi view of an env setting
    literal: bool = True  # False when the value is not a literal (a variable, `valueFrom`, ${X}, f-string)
    style: dict[str, Any] = field(default_factory=dict)  # how it was written: quote, separator, prefix...

    @property
    def span(self) -> tuple[int, int]:
        end = self.value_span[1] if self.value_span else self.key_span[1]
        return self.key_span[0], max(end, self.key_span[1])

    @property
    def unit(self) -> Unit:
        return self.scope.unit

    @property
    def origin(self) -> "Setting":
        return self.derived_from or self

    # Edit helpers: rules call these; the scope decides the syntax.
    def rename(self, new_key: str, ns: str | None = None) -> list[TextEdit]:
        return self.scope.rename(self, new_key, ns or self.ns)

    def set_value(self, value: Any) -> list[TextEdit]:
        return self.scope.set_value(self, value)

    def delete(self) -> list[TextEdit]:
        return self.scope.delete(self)

    @property
    def text_value(self) -> str | None:
        """The value as a string, as an env var or properties file would carry it."""
        v = self.value
        if v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)


class Scope(ScopeOps):
    """A group of settings configuring one thing. Surfaces subclass it to spell keys and values (and ScopeOps)."""

    kind = "scope"  # "properties", "env", "cli", "vllm-config", "lmi-map", "python-call", ...
    #: Namespaces a setting in this scope may be renamed into (an env scope can hold lmi-derived settings).
    string_values = True

    def __init__(self, unit: Unit, kind: str | None = None, label: str = ""):
        self.unit = unit
        if kind:
            self.kind = kind
        self.label = label  # e.g. "container vllm", "LLM(...)": shown in messages where useful
        self.settings: list[Setting] = []
        self.facts: dict[str, Any] = {}  # surface-specific extras (e.g. the command, the call name)
        self.span: tuple[int, int] = (0, len(unit.text))

    # ---- queries -------------------------------------------------------------------------------------
    def get(self, ns: str, key: str) -> Setting | None:
        """The effective setting for a key: the last one wins (properties and env semantics)."""
        found = None
        for s in self.settings:
            if s.ns == ns and s.key == key:
                found = s
        return found

    def all(self, ns: str, key: str | None = None) -> list[Setting]:
        return [s for s in self.settings if s.ns == ns and (key is None or s.key == key)]

    def has_ns(self, ns: str) -> bool:
        return any(s.ns == ns for s in self.settings)

    # ---- spelling (surfaces override) ----------------------------------------------------------------
    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        return key

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        raise TypeError(f"{type(self).__name__} cannot insert settings")

    def insertion_point(self, after: Setting | None = None) -> tuple[int, str, str]:
        """(offset, prefix, suffix) for a new entry: placed after `after` or at the end of the scope."""
        raise TypeError(f"{type(self).__name__} cannot insert settings")

    # ---- edits ---------------------------------------------------------------------------------------
    def rename(self, s: Setting, new_key: str, ns: str) -> list[TextEdit]:
        return [TextEdit(s.key_span[0], s.key_span[1], self.spell_key(ns, new_key, like=s))]

    def set_value(self, s: Setting, value: Any) -> list[TextEdit]:
        if s.value_span is None:
            raise ValueError(f"{s.raw_key} has no editable value")
        return [TextEdit(s.value_span[0], s.value_span[1], self.spell_value(value, like=s, key=s.key))]

    def delete(self, s: Setting) -> list[TextEdit]:
        return [TextEdit(s.delete_span[0], s.delete_span[1], "")]

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        like = after or next((s for s in reversed(self.settings) if s.derived_from is None), None)
        offset, prefix, suffix = self.insertion_point(after)
        return [TextEdit(offset, offset, prefix + self.render_entry(ns, key, value, like=like) + suffix)]

    def complete(self, edits: Sequence[TextEdit]) -> list[TextEdit]:
        """Edits to add to one round of fixes in this scope's unit (`edits`: all of that round's edits there),
        so that the syntax stays whole: a YAML list whose every item the round deletes becomes `[]`, not null.
        Fixes are chosen one by one, so only this sees them together."""
        return []


@record(eq=False)
class ParsedFile:
    """A parsed file: its units, and how to put the file back together from edited unit texts."""

    path: str
    units: list[Unit]
    rebuild: Callable[[list[str]], str] | None = None  # unit texts -> file text; None: the single unit
    notes: list[str] = field(default_factory=list)
    #: The whole file text (set by the engine): rules that must see text no surface reads (a notebook's
    #: markdown, a model id in a comment) look here; edits still go through units.
    source: str = ""
    #: Parts skipped while the rest was read (a templated or broken document of a multi-document YAML file):
    #: each is reported like a whole-file ParseError. A non-template error means the file as a whole does not
    #: parse, so nothing in it is rewritten.
    errors: list[ParseError] = field(default_factory=list)

    def scopes(self) -> Iterable[Scope]:
        for u in self.units:
            yield from u.scopes

    def file_text(self, unit_texts: Sequence[str]) -> str:
        if self.rebuild is None:
            return unit_texts[0]
        return self.rebuild(list(unit_texts))


@record(eq=False)
class Finding:
    code: str
    message: str
    severity: Severity
    path: str
    unit: Unit | None
    span: tuple[int, int]
    fix: Fix | None = None
    url: str = ""
    # Filled in when reporting: 1-based positions within the unit (a notebook cell counts its own lines).
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    #: (line, column, end line, end column) in the raw file when they differ from the unit's: a notebook
    #: cell's text sits in JSON strings of the .ipynb (set by the surface's `file_positions`, after checking).
    file_position: tuple[int, int, int, int] | None = None

    @property
    def file_location(self) -> tuple[int, int, int, int]:
        """1-based (line, column, end line, end column) in the file as stored on disk."""
        return self.file_position or (self.line, self.column, self.end_line, self.end_column)

    @property
    def cell(self) -> int | None:
        return self.unit.cell if self.unit is not None else None

    def locate(self) -> "Finding":
        if self.unit is not None:
            idx = self.unit.index
            self.line, self.column = idx.position(self.span[0])
            self.end_line, self.end_column = idx.position(self.span[1])
        return self


@record(frozen=True)
class Evidence:
    """Where an upstream change is shown: release, repo-relative file, and the quoted text or commit."""

    release: str
    file: str
    quote: str
    reference: str = ""  # section of ../shared/reference this was checked against, e.g. "vllm §3.2 S9"


@record(frozen=True)
class Example:
    """A rule's example; it is both a test and documentation.

    `filename` picks the surface (``serving.properties``, ``.env``, ``run.sh``, ``k8s.yaml``, ``deploy.py``,
    ``nb.ipynb`` ...). `fixed` is the expected text after ``--fix`` (``--unsafe-fixes`` when `unsafe`).
    `from_`/`to` are ``STACK==VERSION`` specs; they default to the rule's own crossing.
    """

    filename: str
    source: str
    fixed: str | None = None
    unsafe: bool = False
    from_: str | None = None
    to: str | None = None
