"""The Python units of one file as the vLLM Python API rules see them, on top of the Python surface.

Everything comes from `unit.python` (lmimigrate.surfaces.python.PyModule): import statements and their spans,
name resolution through the imports, resolved calls, str offsets. What is added here is rule-specific:

- notebook cells run as one program, so a name imported in one cell resolves in the others: `bindings` joins
  the cells' own bindings (a name two cells bind differently, or one cell binds otherwise, is dropped);
- `stored`, the conservative "bound otherwise than by an import somewhere in the file" check a rename fix needs;
- `instances`, simple `x = LLM(...)` tracking for `x.generate(...)`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.surfaces.python import Call, Import, PyModule, build_module


def _cell_module(unit: Unit) -> PyModule | None:
    """A notebook cell the Python surface skipped (nothing in it names vllm): still needed to follow names
    imported in another cell. Built by the surface, from the notebook's masked cell text."""
    from lmimigrate.surfaces.notebook import mask_ipython

    for comment in (False, True):
        try:
            return build_module(mask_ipython(unit.text, comment=comment)[0], unit.index.starts)
        except ParseError:
            continue
    return None


class PyProgram:
    """The parsed Python units of a file (a .py file, or a notebook's code cells), with file-level bindings."""

    def __init__(self, units: list[tuple[Unit, PyModule]]):
        self.units = units
        self.stored: set[str] = set()  # names bound by def/class/argument/assignment/... in some unit
        bindings: dict[str, str] = {}
        dropped: set[str] = set()
        for _, mod in units:
            own = mod.stored
            self.stored |= own
            dropped |= own - mod.bindings.keys()  # a `try/except: X = None` fallback stays resolvable
            for name, q in mod.bindings.items():
                if bindings.setdefault(name, q) != q:
                    dropped.add(name)
        self.bindings = {n: q for n, q in bindings.items() if n not in dropped}

    def resolve(self, node: ast.AST) -> str | None:
        """The surface's resolver (`PyModule.resolve`) over the file-level bindings."""
        return PyModule.resolve(self, node)  # it reads only `self.bindings`

    def imports(self) -> Iterator[tuple[Unit, PyModule, Import]]:
        for unit, mod in self.units:
            for imp in mod.imports:
                yield unit, mod, imp

    def nodes(self) -> Iterator[tuple[Unit, PyModule, ast.AST]]:
        for unit, mod in self.units:
            for node in mod.nodes:
                yield unit, mod, node

    def calls(self, *qualnames: str) -> Iterator[tuple[Unit, Call]]:
        for unit, mod in self.units:
            if mod.bindings == self.bindings:  # a single file: the surface already resolved every call
                yield from ((unit, c) for c in mod.calls if c.qualname in qualnames)
                continue
            found = []
            for node in mod.nodes:
                if isinstance(node, ast.Call):
                    q = self.resolve(node.func)
                    if q in qualnames:
                        found.append(Call(mod, node, q))
            found.sort(key=lambda c: c.span)
            yield from ((unit, c) for c in found)

    def instances(self, qualnames: tuple[str, ...]) -> dict[tuple[int, str], bool]:
        """Simple-name tracking: `x = LLM(...)` at module level or in one function. Keyed by (scope id, name);
        the value is False when the name is bound to anything else in that scope too (then it is unknown)."""
        out: dict[tuple[int, str], bool] = {}
        for _, mod in self.units:
            tree = mod.tree
            for scope in [tree, *(n for n in mod.nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]:
                key_id = 0 if scope is tree else id(scope)
                for node in _own_nodes(scope):
                    if isinstance(node, (ast.Assign, ast.AnnAssign)):
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        value = node.value
                        for t in targets:
                            if isinstance(t, ast.Name):
                                ok = isinstance(value, ast.Call) and self.resolve(value.func) in qualnames
                                prev = out.get((key_id, t.id))
                                out[(key_id, t.id)] = ok if prev is None else (prev and ok)
                    elif isinstance(node, (ast.For, ast.With, ast.AugAssign, ast.NamedExpr)):
                        for t in ast.walk(node.target if hasattr(node, "target") else node):
                            if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store):
                                out[(key_id, t.id)] = False
        return out

    def function_scopes(self) -> dict[int, int]:
        """id(node) -> id(enclosing function) (0: module level)."""
        out: dict[int, int] = {}
        for _, mod in self.units:
            for fn in mod.nodes:
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for n in _own_nodes(fn):
                        out[id(n)] = id(fn)
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


def load(units: list[Unit]) -> PyProgram | None:
    """The file's Python units with their PyModule; None when there is none."""
    out = []
    for unit in units:
        mod = unit.python
        if mod is None and unit.cell is not None and unit.surface == "python":
            mod = _cell_module(unit)
        if mod is not None:
            out.append((unit, mod))
    return PyProgram(out) if out else None


def program(ctx) -> PyProgram | None:
    """The program for this file, cached on the context (several rules share it)."""
    cache = getattr(ctx, "_vllm_py_program", None)
    if cache is None or cache[0] is not ctx.parsed:
        prog = load(ctx.units)
        try:
            ctx._vllm_py_program = (ctx.parsed, prog)
        except AttributeError:  # pragma: no cover
            pass
        return prog
    return cache[1]
