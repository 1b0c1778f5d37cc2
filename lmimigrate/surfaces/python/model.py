"""The module model rules use: the import table, a resolver from Name/Attribute expressions to fully qualified
names through those imports, the vLLM/SageMaker references and every call that resolves (`PyModule`, stored on
`unit.python`). Names are only resolved through imports, so another library's `LLM` (or a local `class LLM`)
never matches."""

from __future__ import annotations

import ast

from lmimigrate.core.ftypes import ParseError
from lmimigrate.surfaces.python.edits import ImportedNameEdits, KeywordEdits, ModuleEdits
from lmimigrate.surfaces.python.literals import Items, Offsets, _delete_span, _literal, _significant
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Iterator

_DOTTED = lazy_pattern(r"\w+(?:(?:[ \t]|\\\r?\n|\\\r)*\.(?:[ \t]|\\\r?\n|\\\r)*\w+)*")
_FROM_HEAD = lazy_pattern(r"from(?:[ \t]|\\\r?\n|\\\r)+((?:\.|[ \t]|\\\r?\n|\\\r)*)")


class ImportedName(ImportedNameEdits):
    """One name of an import statement: `a.b` (as `c`) or `X` (as `Y`)."""

    __slots__ = ("name", "asname", "span", "asname_span", "local")

    def __init__(self, name: str, asname: str | None, span: tuple[int, int], asname_span: tuple[int, int] | None,
                 local: str):
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

    def __init__(self, node: ast.Import | ast.ImportFrom, span: tuple[int, int], is_from: bool, module: str | None,
                 level: int, module_span: tuple[int, int] | None, names: list[ImportedName]):
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

    def __init__(self, qualname: str, node: ast.expr, span: tuple[int, int], name_span: tuple[int, int]):
        self.qualname = qualname
        self.node = node
        self.span = span  # the whole expression (`vllm.sampling_params.X`)
        self.name_span = name_span  # its last name (`X`): what a rename replaces


class Arg:
    """A positional argument (`*args` included, with star=True)."""

    __slots__ = ("node", "span", "index", "star", "call")

    def __init__(self, node: ast.expr, span: tuple[int, int], index: int, star: bool, call: Call):
        self.node, self.span, self.index, self.star, self.call = node, span, index, star, call

    @property
    def literal_value(self) -> tuple[Any, bool]:
        return (None, False) if self.star else _literal(self.node)

    @property
    def delete_span(self) -> tuple[int, int]:
        return self.call.delete_span(self.index)


class Keyword(KeywordEdits):
    """A keyword argument `name=value` (`**kwargs` has name None)."""

    __slots__ = ("node", "name", "name_span", "value_span", "span", "index", "call")

    def __init__(self, node: ast.keyword, name: str | None, name_span: tuple[int, int] | None,
                 value_span: tuple[int, int], span: tuple[int, int], index: int, call: Call):
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
        entries: list[tuple[tuple[int, int], ast.expr | ast.keyword]] = [(offs.span(a), a) for a in self.node.args]
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
        assert self._args is not None  # (read just above)
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


class PyModule(ModuleEdits):
    """A parsed Python unit: imports, resolution, vllm/sagemaker references, resolved calls."""

    def __init__(self, text: str, tree: ast.Module, offsets: Offsets, inherited: dict[str, str] | None = None):
        self.text = text
        self.tree = tree
        self.offsets = offsets
        self.imports: list[Import] = []
        self.bindings: dict[str, str] = {}
        self.references: list[Reference] = []
        self.calls: list[Call] = []
        self.assignments: dict[str, list[ast.AST]] = {}  # simple `name = value` (and annotated) assignments
        self.nodes: list[ast.AST] = []
        #: Names the unit binds otherwise than by an absolute import (def, class, argument, assignment target,
        #: relative import), whether or not they shadow an import.
        self.stored: frozenset[str] = frozenset()
        #: Names bound before this text runs (a notebook's earlier cells): they resolve here unless rebound.
        self.inherited = inherited or {}
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
        # Nodes are dispatched on `type(node) is X` (faster than isinstance), which mypy does not narrow.
        node: Any
        q: str | None
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
        self.stored = frozenset(rebound)  # every name bound otherwise than by an absolute import
        # `try: from vllm import LLM / except ImportError: LLM = None` keeps LLM resolvable.
        for name, values in self.assignments.items():
            if name in candidates and all(isinstance(v, ast.Constant) and v.value is None for v in values):
                rebound.discard(name)
        for name, q in self.inherited.items():
            if name not in rebound and name not in candidates:
                self.bindings[name] = q
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
            end = offs.end_of(a)
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


#: Fields that never hold a node (identifiers, numbers, flags, the Load/Store marker): `_walk` skips them.
_SCALAR_FIELDS = frozenset({"id", "attr", "arg", "asname", "module", "level", "kind", "type_comment", "conversion",
                            "is_async", "ctx"})
#: Node types whose `name` is an identifier (TypeAlias's, from Python 3.12, is a node).
_NAMED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler, ast.MatchAs, ast.MatchStar,
          ast.alias)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(t: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS[t] = tuple(f for f in t._fields  # type: ignore[attr-defined]
                                      if f not in _SCALAR_FIELDS and not (f == "name" and t in _NAMED))
    return fields


def _walk(tree: ast.AST) -> list[ast.AST]:
    """Every node, parents before children (like ast.walk, faster, without the Load/Store markers). Only the
    fields that can hold a node are read (a fifth of the walk was reading identifiers)."""
    out = [tree]
    AST, ctx = ast.AST, ast.expr_context
    known = _CHILD_FIELDS.get
    i = 0
    while i < len(out):
        node = out[i]
        i += 1
        fields = known(type(node))
        if fields is None:
            fields = _child_fields(type(node))
        for name in fields:
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


def build_module(text: str, starts: list[int], inherited: dict[str, str] | None = None) -> PyModule:
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
        return PyModule(text, tree, Offsets(text, starts), inherited)
    except RecursionError:
        raise ParseError("Python source nested too deeply") from None

