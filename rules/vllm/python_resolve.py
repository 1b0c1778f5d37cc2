"""A small, conservative name resolver for the vLLM Python API rules.

It reads Python units (files and notebook cells) with `ast` and answers: which imports name a vLLM module,
what a dotted expression resolves to through the file's imports, and where (as str offsets into the unit
text) each piece is. Names are only ever resolved through imports: a local `class SamplingParams` or another
library's `LLM` resolves to something else, so the rules stay silent on them.

Notebook cells are read in order as one program (a name imported in cell 1 is used in cell 3). IPython
lines (`!pip ...`, `%pip ...`) are blanked to spaces first, keeping every offset.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator

from lmimigrate.ftypes import Unit

_MAGIC = re.compile(r"^([ \t]*)([!%].*)$", re.M)


def _py_units(units: list[Unit]) -> list[Unit]:
    out = []
    for u in units:
        if u.python is not None or u.surface in ("python", "notebook"):
            out.append(u)
    return out


class Offsets:
    """ast (line, UTF-8 byte column) -> str offset for one unit."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)
        self._lines: dict[int, str] = {}

    def at(self, line: int, col: int) -> int:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        raw = self._lines.get(line)
        if raw is None:
            raw = self._lines[line] = self.text[start:end]
        return start + len(raw.encode("utf-8")[:col].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.at(node.lineno, node.col_offset), self.at(node.end_lineno, node.end_col_offset)


@dataclass
class ImportStmt:
    unit: Unit
    node: ast.Import | ast.ImportFrom
    span: tuple[int, int]
    module: str | None  # absolute module of a `from M import ...`; None for `import M`
    module_span: tuple[int, int] | None  # where M is spelled
    names: list[tuple[str, str | None, tuple[int, int]]]  # (name, asname, span of `name`)

    @property
    def text(self) -> str:
        return self.unit.text[self.span[0] : self.span[1]]


@dataclass
class PyProgram:
    """The Python units of one file, parsed, with their import bindings."""

    units: list[tuple[Unit, ast.Module, Offsets]] = field(default_factory=list)
    imports: list[ImportStmt] = field(default_factory=list)
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    rebound: set[str] = field(default_factory=set)  # names also bound by def/class/assignment

    # ---- resolution ----------------------------------------------------------------------------------
    def qualname(self, node: ast.AST) -> str | None:
        """`LLM` -> "vllm.LLM"; `vllm.sampling_params.SamplingParams` -> itself; None when not imported."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id in self.rebound:
            return None
        base = self.bindings.get(node.id)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])

    def walk(self) -> Iterator[tuple[Unit, Offsets, ast.AST]]:
        for unit, tree, offs in self.units:
            for node in ast.walk(tree):
                yield unit, offs, node

    def calls(self, *qualnames: str) -> Iterator[tuple[Unit, Offsets, ast.Call, str]]:
        for unit, offs, node in self.walk():
            if isinstance(node, ast.Call):
                q = self.qualname(node.func)
                if q in qualnames:
                    yield unit, offs, node, q

    def name_refs(self, local: str) -> Iterator[tuple[Unit, Offsets, ast.Name]]:
        """Loads of a bare imported name (not rebound anywhere in the file)."""
        if local in self.rebound:
            return
        for unit, offs, node in self.walk():
            if isinstance(node, ast.Name) and node.id == local and isinstance(node.ctx, ast.Load):
                yield unit, offs, node

    def attr_refs(self, qualname: str) -> Iterator[tuple[Unit, Offsets, ast.Attribute]]:
        """`mod.Name` attribute chains that resolve to `qualname` through an imported module."""
        for unit, offs, node in self.walk():
            if isinstance(node, ast.Attribute) and self.qualname(node) == qualname:
                yield unit, offs, node

    def instances(self, qualnames: tuple[str, ...]) -> dict[tuple[int, str], bool]:
        """Simple-name tracking: `x = LLM(...)` at module level or in one function. Keyed by (scope id, name);
        the value is False when the name is bound to anything else in that scope too (then it is unknown)."""
        out: dict[tuple[int, str], bool] = {}
        for _, tree, _ in self.units:
            for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]:
                key_id = 0 if scope is tree else id(scope)
                for node in _own_nodes(scope):
                    if isinstance(node, (ast.Assign, ast.AnnAssign)):
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        value = node.value
                        for t in targets:
                            if isinstance(t, ast.Name):
                                ok = isinstance(value, ast.Call) and self.qualname(value.func) in qualnames
                                prev = out.get((key_id, t.id))
                                out[(key_id, t.id)] = ok if prev is None else (prev and ok)
                    elif isinstance(node, (ast.For, ast.With, ast.AugAssign, ast.NamedExpr)):
                        for t in ast.walk(node.target if hasattr(node, "target") else node):
                            if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store):
                                out[(key_id, t.id)] = False
        return out


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a module or function body, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def function_scopes(program: PyProgram) -> dict[int, int]:
    """id(node) -> id(enclosing function) (0: module level)."""
    out: dict[int, int] = {}
    for _, tree, _ in program.units:
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for n in _own_nodes(fn):
                    out[id(n)] = id(fn)
    return out


_FROM = re.compile(r"from\s+(\.*[\w.]*)\s+import\b")


def _blank_magics(text: str) -> str:
    return _MAGIC.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)


def _import_names(text: str, offs: Offsets, node) -> list[tuple[str, str | None, tuple[int, int]]]:
    out = []
    for alias in node.names:
        if hasattr(alias, "lineno"):
            start = offs.at(alias.lineno, alias.col_offset)
        else:  # pragma: no cover - Python < 3.10
            start = -1
        out.append((alias.name, alias.asname, (start, start + len(alias.name))))
    return out


def load(units: list[Unit]) -> PyProgram | None:
    """Parse the Python units of a file; None when there is nothing readable."""
    prog = PyProgram()
    for unit in _py_units(units):
        try:
            tree = ast.parse(_blank_magics(unit.text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        offs = Offsets(unit.text)
        prog.units.append((unit, tree, offs))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                span = offs.span(node)
                names = _import_names(unit.text, offs, node)
                module = module_span = None
                if isinstance(node, ast.ImportFrom):
                    if node.level:
                        continue
                    module = node.module
                    m = _FROM.match(unit.text, span[0])
                    if m:
                        module_span = (m.start(1), m.end(1))
                    for name, asname, _ in names:
                        if name != "*":
                            prog.bindings[asname or name] = f"{module}.{name}"
                else:
                    for name, asname, _ in names:
                        if asname:
                            prog.bindings[asname] = name
                        else:
                            root = name.split(".")[0]
                            prog.bindings[root] = root
                prog.imports.append(ImportStmt(unit, node, span, module, module_span, names))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                prog.rebound.add(node.name)
            elif isinstance(node, (ast.Name,)) and isinstance(node.ctx, ast.Store):
                prog.rebound.add(node.id)
            elif isinstance(node, ast.arg):
                prog.rebound.add(node.arg)
    return prog if prog.units else None


def program(ctx) -> PyProgram | None:
    """The parsed program for this file, cached on the context (several rules share it)."""
    cache = getattr(ctx, "_vllm_py_program", None)
    if cache is None or cache[0] is not ctx.parsed:
        prog = load(ctx.units)
        try:
            ctx._vllm_py_program = (ctx.parsed, prog)
        except AttributeError:  # pragma: no cover
            pass
        return prog
    return cache[1]


def is_vllm(qualname: str | None) -> bool:
    return bool(qualname) and (qualname == "vllm" or qualname.startswith("vllm."))
