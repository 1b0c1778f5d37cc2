"""Python sources: vLLM / SageMaker calls and environment dicts, read with stdlib `ast` (never imported or run).

`PyModule` (stored on `unit.python`) is the file's import table, a resolver from Name/Attribute expressions to
fully qualified names through those imports, the vLLM/SageMaker references and every call that resolves.
Names are only resolved through imports, so another library's `LLM` (or a local `class LLM`) never matches.

Scopes:
- "python-call" ns "vllm": `LLM(...)`, `EngineArgs(...)`, `AsyncEngineArgs(...)`; ns "sampling":
  `SamplingParams(...)`; ns "call": any other `sagemaker.*` call. Keys are keyword names; facts: qualname,
  call, args (positional: [(value or None, span)]).
- "env": dicts given as `env=`/`environment=`/`env_vars=` to a `sagemaker.*` call (inline, or a variable
  assigned a dict display or `dict(...)`), dicts assigned to `*env*` names whose keys are mostly UPPER_CASE,
  `os.environ.update(...)`, and one scope for `os.environ["X"] = "v"` / `os.environ.setdefault("X", "v")`.

Offsets: ast columns are UTF-8 byte offsets in a line; `Offsets` turns them into str offsets.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Iterator

from lmimigrate.core.ftypes import ParseError, Scope, Setting, TextEdit, Unit
from lmimigrate.surfaces.common import add_env_setting, env_name_for

#: A file without any of these cannot hold a setting this surface extracts. Such files are not even parsed
#: (so a syntax error there is not reported either); the engine's rule prefilter skips them as well.
PREFILTER = ("vllm", "sagemaker", "env", "OPTION_", "HF_MODEL")

VLLM_ENGINE_CALLS = frozenset({
    "vllm.LLM", "vllm.entrypoints.llm.LLM", "vllm.EngineArgs", "vllm.AsyncEngineArgs",
    "vllm.engine.arg_utils.EngineArgs", "vllm.engine.arg_utils.AsyncEngineArgs",
})
SAMPLING_CALLS = frozenset({"vllm.SamplingParams", "vllm.sampling_params.SamplingParams"})
ENV_KWARGS = ("env", "environment", "env_vars")

_UPPER_KEY = re.compile(r"[A-Z_][A-Z0-9_]*")
_ENV_NAME = re.compile(r"env", re.I)
_DOTTED = re.compile(r"\w+(?:(?:[ \t]|\\\r?\n|\\\r)*\.(?:[ \t]|\\\r?\n|\\\r)*\w+)*")
_FROM_HEAD = re.compile(r"from(?:[ \t]|\\\r?\n|\\\r)+((?:\.|[ \t]|\\\r?\n|\\\r)*)")
_STR_PREFIX = re.compile(r"[rRbBuUfF]{0,2}(['\"])")


# ---- offsets ------------------------------------------------------------------------------------------


class Offsets:
    """ast (1-based line, UTF-8 byte column) -> str offset. Lines end at \\n, \\r\\n or \\r, as for ast."""

    def __init__(self, text: str, starts: list[int]):
        self.text = text
        self.starts = starts
        self._ascii: dict[int, bool] = {}

    def at(self, line: int, col: int) -> int:
        start = self.starts[line - 1]
        ascii_ = self._ascii.get(line)
        if ascii_ is None:
            end = self.starts[line] if line < len(self.starts) else len(self.text)
            ascii_ = self._ascii[line] = self.text[start:end].isascii()
        if ascii_:
            return start + col
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return start + len(self.text[start:end].encode("utf-8")[:col].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.at(node.lineno, node.col_offset), self.at(node.end_lineno, node.end_col_offset)


# ---- text helpers ---------------------------------------------------------------------------------------


def _line_start(text: str, i: int) -> int:
    return max(text.rfind("\n", 0, i), text.rfind("\r", 0, i)) + 1


def _line_end(text: str, i: int) -> int:
    """Offset of the line ending at or after i (len(text) on the last line)."""
    n = len(text)
    while i < n and text[i] not in "\r\n":
        i += 1
    return i


def _after_eol(text: str, i: int) -> int:
    i = _line_end(text, i)
    if text.startswith("\r\n", i):
        return i + 2
    return min(i + 1, len(text))


def _significant(text: str, a: int, b: int) -> list[tuple[int, str]]:
    """Significant characters in a gap between tokens: skips blanks, line breaks, continuations, comments."""
    out = []
    i = a
    while i < b:
        ch = text[i]
        if ch in " \t\f\r\n\\":
            i += 1
        elif ch == "#":
            i = _line_end(text, i)
        else:
            out.append((i, ch))
            i += 1
    return out


# ---- Python literal spelling ------------------------------------------------------------------------------


def quote_of(raw: str | None) -> str:
    m = _STR_PREFIX.match(raw or "")
    return m.group(1) if m else '"'


def py_str(s: str, q: str = '"') -> str:
    out = [q]
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == q:
            out.append("\\" + q)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    out.append(q)
    return "".join(out)


def py_literal(value: Any, q: str = '"') -> str:
    """Python source for a literal value (str in quote `q`, bools, None, numbers, dict, list, tuple)."""
    if isinstance(value, str):
        return py_str(value, q)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f"float({py_str(repr(value), q)})"
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k, q)}: {py_literal(v, q)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v, q) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v, q) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    raise ValueError(f"cannot write {type(value).__name__} as a Python literal")


def _literal(node: ast.AST) -> tuple[Any, bool]:
    try:
        return ast.literal_eval(node), True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, False


# ---- bracketed item lists: deletion and insertion ---------------------------------------------------------


class Items:
    """The comma-separated items between an opening and a closing bracket, with their layout.

    `raw` spans come from ast; an item's extent also takes parentheses around it and `*`/`**` markers.
    """

    def __init__(self, text: str, open_pos: int, close_pos: int, raw: list[tuple[int, int]]):
        self.text = text
        self.open_pos = open_pos
        self.close_pos = close_pos
        self.valid = all(open_pos < s <= e <= close_pos for s, e in raw)
        self.ext: list[tuple[int, int]] = []
        self.comma: list[int | None] = []
        if not self.valid:
            return
        n = len(raw)
        lead_from = open_pos + 1
        for k, (s, e) in enumerate(raw):
            lead = [p for p, ch in _significant(text, lead_from, s) if ch in "(*"]
            nxt = raw[k + 1][0] if k + 1 < n else close_pos
            end, comma = e, None
            for p, ch in _significant(text, e, nxt):
                if ch == ")" and comma is None:
                    end = p + 1
                elif ch == ",":
                    comma = p
                    break
            self.ext.append((lead[0] if lead else s, end))
            self.comma.append(comma)
            lead_from = comma + 1 if comma is not None else nxt

    def __len__(self) -> int:
        return len(self.ext)

    def _check(self) -> None:
        if not self.valid:
            raise ValueError("this argument list cannot be edited (a bare generator argument)")

    def alone(self, k: int) -> bool:
        s, e = self.ext[k]
        text = self.text
        if text[_line_start(text, s) : s].strip(" \t\f"):
            return False
        rest = _line_end(text, e)
        sig = _significant(text, e, rest)
        return all(ch == "," for _, ch in sig) and len(sig) <= 1

    def delete(self, k: int) -> list[TextEdit]:
        self._check()
        text = self.text
        s, e = self.ext[k]
        last = k == len(self.ext) - 1
        if self.alone(k):
            return [TextEdit(_line_start(text, s), _after_eol(text, e), "")]
        comma = self.comma[k]
        prev_comma = self.comma[k - 1] if k > 0 else None
        if comma is not None and not (last and prev_comma is not None):
            end = comma + 1
            while end < len(text) and text[end] in " \t":
                end += 1
            if text[end : end + 1] in ("\r", "\n", "") or end >= self.close_pos:
                end = comma + 1
                # `a=1, b=2,<EOL>`: deleting b takes the blank before it, not a trailing one after a's comma
                if prev_comma is not None and _line_start(text, prev_comma) == _line_start(text, s):
                    return [TextEdit(prev_comma + 1, end, "")]
            return [TextEdit(s, end, "")]
        if prev_comma is not None:
            if "#" in text[prev_comma:s]:  # keep the comment on the previous line
                return [TextEdit(prev_comma, prev_comma + 1, ""), TextEdit(s, e, "")]
            return [TextEdit(prev_comma, e, "")]
        return [TextEdit(s, e, "")]

    def insert(self, entry: str, after: int | None, newline: str) -> list[TextEdit]:
        self._check()
        text = self.text
        if not self.ext:
            return [TextEdit(self.close_pos, self.close_pos, entry)]
        k = len(self.ext) - 1 if after is None else after
        s, e = self.ext[k]
        comma = self.comma[k]
        ls = _line_start(text, s)
        indent = text[ls:s]
        if not indent.strip(" \t\f"):  # one item per line: the new one gets its own line
            if comma is not None:
                le = _line_end(text, comma)
                if any(ch != "," for _, ch in _significant(text, comma + 1, le)):
                    return [TextEdit(comma + 1, comma + 1, newline + indent + entry + ",")]
                return [TextEdit(le, le, newline + indent + entry + ",")]
            le = _line_end(text, e)
            if "#" in text[e:le] and not _significant(text, e, le):
                return [TextEdit(e, e, ","), TextEdit(le, le, newline + indent + entry)]
            return [TextEdit(e, e, "," + newline + indent + entry)]
        if comma is not None:
            return [TextEdit(comma + 1, comma + 1, " " + entry + ",")]
        return [TextEdit(e, e, ", " + entry)]


# ---- the module model -------------------------------------------------------------------------------------


class ImportedName:
    """One name of an import statement: `a.b` (as `c`) or `X` (as `Y`)."""

    __slots__ = ("name", "asname", "span", "asname_span", "local")

    def __init__(self, name, asname, span, asname_span, local):
        self.name = name
        self.asname = asname
        self.span = span  # the name token (a dotted path for `import a.b`)
        self.asname_span = asname_span
        self.local = local  # the name it binds

    def __repr__(self) -> str:
        return f"ImportedName({self.name!r}, as={self.asname!r}, span={self.span})"


class Import:
    """An `import ...` or `from ... import ...` statement."""

    __slots__ = ("node", "span", "is_from", "module", "level", "module_span", "names")

    def __init__(self, node, span, is_from, module, level, module_span, names):
        self.node = node
        self.span = span  # the whole statement
        self.is_from = is_from
        self.module = module  # `from` imports: the module as written, without leading dots (None: `from . import`)
        self.level = level  # relative import depth (these are never used for resolution)
        self.module_span = module_span  # where `module` is spelled
        self.names: list[ImportedName] = names

    def __repr__(self) -> str:
        return f"Import(from={self.module!r}, level={self.level}, names={self.names})"


class Reference:
    """A load of a name or attribute chain resolving to a vllm/sagemaker qualname."""

    __slots__ = ("qualname", "node", "span", "name_span")

    def __init__(self, qualname, node, span, name_span):
        self.qualname = qualname
        self.node = node
        self.span = span  # the whole expression (`vllm.sampling_params.X`)
        self.name_span = name_span  # its last name (`X`): what a rename replaces


class Arg:
    """A positional argument (`*args` included, with star=True)."""

    __slots__ = ("node", "span", "index", "star", "call")

    def __init__(self, node, span, index, star, call):
        self.node, self.span, self.index, self.star, self.call = node, span, index, star, call

    @property
    def literal_value(self) -> tuple[Any, bool]:
        return (None, False) if self.star else _literal(self.node)

    @property
    def delete_span(self) -> tuple[int, int]:
        return self.call.delete_span(self.index)


class Keyword:
    """A keyword argument `name=value` (`**kwargs` has name None)."""

    __slots__ = ("node", "name", "name_span", "value_span", "span", "index", "call")

    def __init__(self, node, name, name_span, value_span, span, index, call):
        self.node, self.name, self.name_span, self.value_span = node, name, name_span, value_span
        self.span, self.index, self.call = span, index, call

    @property
    def literal_value(self) -> tuple[Any, bool]:
        return (None, False) if self.name is None else _literal(self.node.value)

    @property
    def value(self) -> Any:
        return self.literal_value[0]

    @property
    def literal(self) -> bool:
        return self.literal_value[1]

    @property
    def delete_span(self) -> tuple[int, int]:
        return self.call.delete_span(self.index)


class Call:
    """A call whose callee resolves to a qualname."""

    def __init__(self, module: "PyModule", node: ast.Call, qualname: str):
        self.module = module
        self.node = node
        self.qualname = qualname
        self.span = module.offsets.span(node)
        self._args: list[Arg] | None = None  # arguments are read on first use: most calls are never looked at
        self._keywords: list[Keyword] = []
        self._spans: list[tuple[int, int]] = []
        self._items: Items | None = None

    @property
    def func_span(self) -> tuple[int, int]:
        return self.module.offsets.span(self.node.func)

    def _read_args(self) -> None:
        offs = self.module.offsets
        entries = [(offs.span(a), a) for a in self.node.args]
        entries += [(offs.span(kw), kw) for kw in self.node.keywords]
        entries.sort(key=lambda x: x[0])
        self._args = []
        for i, (span, n) in enumerate(entries):
            if isinstance(n, ast.keyword):
                vs = offs.span(n.value)
                ns = (span[0], span[0] + len(n.arg)) if n.arg else None
                self._keywords.append(Keyword(n, n.arg, ns, vs, span, i, self))
            else:
                self._args.append(Arg(n, span, i, isinstance(n, ast.Starred), self))
        self._spans = [span for span, _ in entries]

    @property
    def args(self) -> list[Arg]:
        if self._args is None:
            self._read_args()
        return self._args

    @property
    def keywords(self) -> list[Keyword]:
        if self._args is None:
            self._read_args()
        return self._keywords

    @property
    def items(self) -> Items:
        if self._args is None:
            self._read_args()
        if self._items is None:
            text = self.module.text
            close = self.span[1] - 1
            first = self._spans[0][0] if self._spans else close
            opens = [p for p, ch in _significant(text, self.func_span[1], max(first, self.func_span[1])) if ch == "("]
            open_pos = opens[0] if opens else first - 1
            self._items = Items(text, open_pos, close, self._spans)
        return self._items

    def keyword(self, name: str) -> Keyword | None:
        return next((k for k in self.keywords if k.name == name), None)

    def delete_span(self, index: int) -> tuple[int, int]:
        items = self.items  # reads the arguments first
        return _delete_span(items, index, self._spans[index])

    @property
    def insert_at(self) -> int:
        """Where a new keyword goes by default (after the last argument)."""
        return self.items.insert("x", None, "\n")[-1].start


class PyModule:
    """A parsed Python unit: imports, resolution, vllm/sagemaker references, resolved calls."""

    def __init__(self, text: str, tree: ast.Module, offsets: Offsets):
        self.text = text
        self.tree = tree
        self.offsets = offsets
        self.imports: list[Import] = []
        self.bindings: dict[str, str] = {}
        self.references: list[Reference] = []
        self.calls: list[Call] = []
        self.assignments: dict[str, list[ast.AST]] = {}  # simple `name = value` (and annotated) assignments
        self.nodes: list[ast.AST] = []
        self._build()

    # ---- resolution ------------------------------------------------------------------------------------
    def resolve(self, node: ast.AST) -> str | None:
        """The qualified name of a Name/Attribute chain through the imports, or None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.bindings.get(node.id)
        if base is None:
            return None
        if parts:
            return base + "." + ".".join(reversed(parts))
        return base

    def calls_to(self, *qualnames: str) -> Iterator[Call]:
        for c in self.calls:
            if c.qualname in qualnames:
                yield c

    # ---- building --------------------------------------------------------------------------------------
    def _build(self) -> None:
        offs = self.offsets
        candidates: dict[str, set[str]] = {}
        rebound: set[str] = set()
        nodes = self.nodes = _walk(self.tree)
        Import_, ImportFrom, Name, Assign, AnnAssign, arg = ast.Import, ast.ImportFrom, ast.Name, ast.Assign, ast.AnnAssign, ast.arg
        defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        load = ast.Load
        for node in nodes:
            t = type(node)
            if t is Name:
                if type(node.ctx) is not load:
                    rebound.add(node.id)
            elif t is Import_ or t is ImportFrom:
                imp = self._import(node)
                self.imports.append(imp)
                if imp.is_from and (imp.level or not imp.module):
                    for n in imp.names:
                        rebound.add(n.local)
                    continue
                for n in imp.names:
                    if n.name == "*":
                        continue
                    if imp.is_from:
                        q = f"{imp.module}.{n.name}"
                    else:
                        q = n.name if n.asname else n.local
                    candidates.setdefault(n.local, set()).add(q)
            elif t is arg:
                rebound.add(node.arg)
            elif t is Assign or t is AnnAssign:
                targets = node.targets if t is Assign else [node.target]
                if node.value is not None:
                    for tg in targets:
                        if type(tg) is Name:
                            self.assignments.setdefault(tg.id, []).append(node.value)
            elif t in defs:
                rebound.add(node.name)
        # `try: from vllm import LLM / except ImportError: LLM = None` keeps LLM resolvable.
        for name, values in self.assignments.items():
            if name in candidates and all(isinstance(v, ast.Constant) and v.value is None for v in values):
                rebound.discard(name)
        for name, qs in candidates.items():
            if len(qs) == 1 and name not in rebound:
                self.bindings[name] = next(iter(qs))
        if not self.bindings:
            return
        inner: set[int] = set()
        Attribute, Call_ = ast.Attribute, ast.Call
        bindings = self.bindings
        for node in nodes:
            t = type(node)
            if t is Name:
                if id(node) in inner or type(node.ctx) is not load:
                    continue
                q = bindings.get(node.id)
                if q and _interesting(q):
                    span = offs.span(node)
                    self.references.append(Reference(q, node, span, span))
            elif t is Attribute:
                inner.add(id(node.value))
                if id(node) in inner or type(node.ctx) is not load:
                    continue
                q = self.resolve(node)
                if q and _interesting(q):
                    span = offs.span(node)
                    self.references.append(Reference(q, node, span, (span[1] - len(node.attr), span[1])))
            elif t is Call_:
                q = self.resolve(node.func)
                if q:
                    self.calls.append(Call(self, node, q))
        self.references.sort(key=lambda r: r.span)
        self.calls.sort(key=lambda c: c.span)

    def _import(self, node: ast.Import | ast.ImportFrom) -> Import:
        offs, text = self.offsets, self.text
        span = offs.span(node)
        names = []
        for a in node.names:
            start = offs.at(a.lineno, a.col_offset)
            end = offs.at(a.end_lineno, a.end_col_offset)
            m = _DOTTED.match(text, start)
            nspan = (start, m.end() if m else start + len(a.name))
            if a.name == "*":
                nspan = (start, start + 1)
            aspan = (end - len(a.asname), end) if a.asname else None
            if isinstance(node, ast.Import):
                local = a.asname or a.name.split(".")[0]
            else:
                local = a.asname or a.name
            names.append(ImportedName(a.name, a.asname, nspan, aspan, local))
        if isinstance(node, ast.Import):
            return Import(node, span, False, None, 0, None, names)
        module_span = None
        m = _FROM_HEAD.match(text, span[0])
        if m and node.module:
            dm = _DOTTED.match(text, m.end())
            if dm:
                module_span = (dm.start(), dm.end())
        return Import(node, span, True, node.module, node.level, module_span, names)


def _walk(tree: ast.AST) -> list[ast.AST]:
    """Every node, parents before children (like ast.walk, faster, without the Load/Store markers)."""
    out = [tree]
    AST, ctx = ast.AST, ast.expr_context
    i = 0
    while i < len(out):
        node = out[i]
        i += 1
        for name in node._fields:
            v = getattr(node, name, None)
            if type(v) is list:
                for x in v:
                    if isinstance(x, AST):
                        out.append(x)
            elif isinstance(v, AST) and not isinstance(v, ctx):
                out.append(v)
    return out


def _interesting(q: str) -> bool:
    return q.split(".", 1)[0] in ("vllm", "sagemaker")


def build_module(text: str, starts: list[int]) -> PyModule:
    """Parse Python source into a PyModule. Raises ParseError (offset into `text`)."""
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        offset = None
        if e.lineno:
            line = max(1, min(e.lineno, len(starts)))
            offset = min(starts[line - 1] + max((e.offset or 1) - 1, 0), len(text))
        raise ParseError(f"Python syntax error: {e.msg}", offset=offset) from None
    except (ValueError, MemoryError, RecursionError) as e:
        raise ParseError(f"Python source cannot be parsed: {e}") from None
    try:
        return PyModule(text, tree, Offsets(text, starts))
    except RecursionError:
        raise ParseError("Python source nested too deeply") from None


# ---- scopes -------------------------------------------------------------------------------------------------


def _identifier(key: str) -> str:
    import keyword

    if not key.isidentifier() or keyword.iskeyword(key):
        raise ValueError(f"{key!r} is not a Python keyword-argument name")
    return key


class PyCallScope(Scope):
    """Keyword arguments of one call."""

    kind = "python-call"

    def __init__(self, unit: Unit, call: Call, ns: str, label: str):
        super().__init__(unit, kind="python-call", label=label)
        self.call = call
        self.ns = ns
        self.span = call.span

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        if ns != self.ns:
            raise ValueError(f"a {self.label} call cannot hold a {ns} setting")
        return _identifier(key)

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        return py_literal(value, self._quote(like))

    def _quote(self, like: Setting | None) -> str:
        """The quote of `like`'s string value, else of another string argument of the call, else the file's."""
        text = self.unit.text
        for s in ([like] if like is not None else []) + self.settings:
            if s.value_span and _STR_PREFIX.match(text, s.value_span[0]):
                return quote_of(text[s.value_span[0] : s.value_span[1]])
        return _module_quote(text)

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        return f"{self.spell_key(ns, key)}={self.spell_value(value, like=like)}"

    def delete(self, s: Setting) -> list[TextEdit]:
        return self.call.items.delete(s.style["item"])

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        like = after or (self.settings[-1] if self.settings else None)
        entry = self.render_entry(ns, key, value, like=like)
        return self.call.items.insert(entry, after.style["item"] if after else None, self.unit.newline)


def _module_quote(text: str) -> str:
    return "'" if text.count("'") > text.count('"') else '"'


class PyEnvScope(Scope):
    """An environment dict: a dict display (`form` "dict"), `dict(K="v")` ("kwargs") or os.environ statements."""

    kind = "env"

    def __init__(self, unit: Unit, form: str, label: str, items: Items | None = None):
        super().__init__(unit, kind="env", label=label)
        self.form = form
        self.items = items
        self.statements: list[tuple[int, int]] = []  # os.environ form: statement spans, per setting

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        name = env_name_for(ns, key)
        if self.form == "kwargs":
            return _identifier(name)
        q = like.style.get("key_quote", '"') if like is not None else _module_quote(self.unit.text)
        return py_str(name, q)

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        raw = self.unit.text[like.value_span[0] : like.value_span[1]] if like is not None and like.value_span else None
        q = quote_of(raw) if raw and _STR_PREFIX.match(raw) else (like.style.get("key_quote") if like else None)
        return py_str(str(value), q or _module_quote(self.unit.text))

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        k = self.spell_key(ns, key, like=like)
        v = self.spell_value(value, like=like)
        if self.form == "kwargs":
            return f"{k}={v}"
        if self.form == "dict":
            return f"{k}: {v}"
        if like is None:
            raise ValueError("no os.environ statement to copy")
        target = like.style["target"]
        if like.style.get("setdefault"):
            return f"{target}.setdefault({k}, {v})"
        return f"{target}[{k}] = {v}"

    def delete(self, s: Setting) -> list[TextEdit]:
        if self.form == "environ":
            return [TextEdit(*s.delete_span, "")]
        return self.items.delete(s.style["item"])

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        like = after or next((s for s in reversed(self.settings) if s.derived_from is None), None)
        entry = self.render_entry(ns, key, value, like=like)
        if self.form != "environ":
            return self.items.insert(entry, after.style["item"] if after else None, self.unit.newline)
        text = self.unit.text
        start, end = like.style["statement"]
        if not _alone(text, start, end):
            raise ValueError("the os.environ statement shares its line: cannot insert after it")
        le = _line_end(text, end)
        return [TextEdit(le, le, self.unit.newline + text[_line_start(text, start) : start] + entry)]


def _alone(text: str, start: int, end: int) -> bool:
    """Is the statement text[start:end] alone on its line(s) (a trailing `;` or comment aside)?"""
    sig = _significant(text, end, _line_end(text, end))
    return not text[_line_start(text, start) : start].strip(" \t\f") and all(ch == ";" for _, ch in sig) and len(sig) <= 1


def _statement_delete(text: str, start: int, end: int) -> tuple[int, int]:
    """A statement's whole line(s) when alone on them, else the statement and one `;` next to it."""
    ls = _line_start(text, start)
    le = _line_end(text, end)
    sig = _significant(text, end, le)
    if _alone(text, start, end):
        return ls, _after_eol(text, end)
    if sig and sig[0][1] == ";":
        stop = sig[0][0] + 1
        while stop < le and text[stop] in " \t":
            stop += 1
        return start, stop
    j = start
    while j > ls and text[j - 1] in " \t":
        j -= 1
    if j > ls and text[j - 1] == ";":
        return j - 1, end
    return start, end


def _env_value(node: ast.AST) -> tuple[Any, bool]:
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return ("true" if v else "false"), True
        if isinstance(v, str):
            return v, True
        if isinstance(v, (int, float)):
            return str(v), True
    return None, False


class _Builder:
    def __init__(self, unit: Unit, mod: PyModule):
        self.unit = unit
        self.mod = mod
        self.text = mod.text
        self.scopes: list[Scope] = []
        self.seen_dicts: set[int] = set()

    def call_scopes(self) -> None:
        for call in self.mod.calls:
            q = call.qualname
            if q in VLLM_ENGINE_CALLS:
                ns = "vllm"
            elif q in SAMPLING_CALLS:
                ns = "sampling"
            elif q.startswith("sagemaker."):
                ns = "call"
            else:
                continue
            scope = PyCallScope(self.unit, call, ns, q.rsplit(".", 1)[-1] + "(...)")
            scope.facts["qualname"] = q
            scope.facts["call"] = call
            scope.facts["args"] = [(a.literal_value[0], a.span) for a in call.args]
            for kw in call.keywords:
                if kw.name is None:
                    scope.facts["kwargs_splat"] = True
                    continue
                value, literal = kw.literal_value
                raw = self.text[kw.value_span[0] : kw.value_span[1]]
                scope.settings.append(Setting(
                    ns=ns, key=kw.name, value=value, raw_key=kw.name, key_span=kw.name_span,
                    value_span=kw.value_span, delete_span=call.delete_span(kw.index), scope=scope,
                    literal=literal, style={"item": kw.index, "quote": quote_of(raw)},
                ))
            self.scopes.append(scope)
            if ns == "call":
                for kw in call.keywords:
                    if kw.name in ENV_KWARGS:
                        self.env_from_expr(kw.node.value, f"{scope.label[:-5]} {kw.name}", q)

    def env_from_expr(self, node: ast.AST, label: str, owner: str | None) -> None:
        if isinstance(node, ast.Name):
            values = self.mod.assignments.get(node.id, [])
            if len(values) != 1:
                return
            node = values[0]
        self.env_dict(node, label, owner)

    def env_dict(self, node: ast.AST, label: str, owner: str | None, kwargs: bool = False) -> bool:
        if id(node) in self.seen_dicts:
            return True
        offs = self.mod.offsets
        if isinstance(node, ast.Dict):
            start, end = offs.span(node)
            raw = []
            for k, v in zip(node.keys, node.values):
                vs = offs.span(v)
                raw.append((offs.span(k)[0] if k is not None else vs[0], vs[1]))
            items = Items(self.text, start, end - 1, raw)
            scope = PyEnvScope(self.unit, "dict", label, items)
            for i, (k, v) in enumerate(zip(node.keys, node.values)):
                if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
                    continue
                ks = offs.span(k)
                self._add(scope, k.value, v, ks, i, {"key_quote": quote_of(self.text[ks[0] : ks[1]])})
        elif kwargs or self._is_dict_call(node):
            call_node = node
            start, end = offs.span(call_node)
            spans = sorted(offs.span(kw) for kw in call_node.keywords)
            func_end = offs.span(call_node.func)[1]
            opens = [p for p, ch in _significant(self.text, func_end, spans[0][0] if spans else end - 1) if ch == "("]
            items = Items(self.text, opens[0] if opens else func_end, end - 1, spans)
            scope = PyEnvScope(self.unit, "kwargs", label, items)
            for kw in call_node.keywords:
                if kw.arg is None:
                    continue
                ks = offs.span(kw)
                idx = spans.index(ks)
                self._add(scope, kw.arg, kw.value, (ks[0], ks[0] + len(kw.arg)), idx, {})
        else:
            return False
        self.seen_dicts.add(id(node))
        scope.span = (start, end)
        if owner:
            scope.facts["owner"] = owner
        self.scopes.append(scope)
        return True

    def _is_dict_call(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
                and not node.args and "dict" not in self.mod.assignments)

    def _add(self, scope: PyEnvScope, name: str, vnode: ast.AST, key_span, item: int, style: dict) -> None:
        value, literal = _env_value(vnode)
        vs = self.mod.offsets.span(vnode)
        style["item"] = item
        add_env_setting(scope, name, value, key_span=key_span, value_span=vs,
                        delete_span=_delete_span(scope.items, item, (key_span[0], vs[1])),
                        literal=literal, style=style)

    def named_env_dicts(self) -> None:
        for name, values in self.mod.assignments.items():
            if not _ENV_NAME.search(name):
                continue
            for v in values:
                if id(v) in self.seen_dicts or not _mostly_upper(v, self):
                    continue
                self.env_dict(v, name, None)

    def environ(self) -> None:
        mod = self.mod
        scope = PyEnvScope(self.unit, "environ", "os.environ")
        offs = mod.offsets
        for node in mod.nodes:
            if not isinstance(node, (ast.Assign, ast.Expr)):
                continue
            key = vnode = target = None
            setdefault = False
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
                sub = node.targets[0]
                if mod.resolve(sub.value) == "os.environ":
                    key, vnode, target = sub.slice, node.value, sub.value
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                c = node.value
                if isinstance(c.func, ast.Attribute) and mod.resolve(c.func.value) == "os.environ":
                    if c.func.attr == "setdefault" and len(c.args) == 2 and not c.keywords:
                        key, vnode, target, setdefault = c.args[0], c.args[1], c.func.value, True
                    elif c.func.attr == "update" and len(c.args) == 1 and not c.keywords:
                        self.env_dict(c.args[0], "os.environ.update", "os.environ")
                    elif c.func.attr == "update" and not c.args and c.keywords:
                        self.env_dict(c, "os.environ.update", "os.environ", kwargs=True)
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            stmt = offs.span(node)
            ks = offs.span(key)
            value, literal = _env_value(vnode)
            add_env_setting(scope, key.value, value, key_span=ks, value_span=offs.span(vnode),
                            delete_span=_statement_delete(self.text, *stmt), literal=literal,
                            style={"key_quote": quote_of(self.text[ks[0] : ks[1]]), "statement": stmt,
                                   "setdefault": setdefault, "target": self.text[slice(*offs.span(target))]})
        if scope.settings:
            scope.settings.sort(key=lambda s: s.key_span[0])
            scope.span = (scope.settings[0].style["statement"][0], scope.settings[-1].style["statement"][1])
            self.scopes.append(scope)


def _span_of(edits: list[TextEdit]) -> tuple[int, int]:
    return min(e.start for e in edits), max(e.end for e in edits)


def _delete_span(items: Items, k: int, fallback: tuple[int, int]) -> tuple[int, int]:
    try:
        return _span_of(items.delete(k))
    except ValueError:
        return fallback


def _mostly_upper(node: ast.AST, b: _Builder) -> bool:
    if isinstance(node, ast.Dict):
        keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    elif b._is_dict_call(node):
        keys = [kw.arg for kw in node.keywords if kw.arg]
    else:
        return False
    upper = sum(1 for k in keys if _UPPER_KEY.fullmatch(k))
    return upper > 0 and upper * 2 > len(keys)


def parse(unit: Unit, source: str | None = None) -> None:
    """Fill unit.scopes and unit.python. `source` is a same-length stand-in for unit.text (notebook cells with
    IPython lines blanked); offsets always index unit.text."""
    text = unit.text if source is None else source
    if not any(t in text for t in PREFILTER):
        return
    mod = build_module(text, unit.index.starts)
    unit.python = mod
    b = _Builder(unit, mod)
    try:
        b.call_scopes()
        if "os" in mod.bindings or "environ" in mod.bindings:
            b.environ()
        b.named_env_dicts()
    except RecursionError:
        raise ParseError("Python source nested too deeply") from None
    b.scopes.sort(key=lambda s: s.span)
    unit.scopes.extend(b.scopes)
