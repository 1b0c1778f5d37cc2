"""Which vLLM command-line options take no value ("switches"), read statically from one release's sources.

Used by gen_vllm_inventory.py (the `switch_flags` kind of the inventory). A switch is an option that takes no
value: `action="store_true" / "store_false" / "store_const" / "append_const" / "count"`,
`argparse.BooleanOptionalAction` (with its `--no-X` twin; in releases whose parser registers
`EnableDisableAction` for it, also `--disable-X` for `--enable-X` and back), or an option that takes at most an
optional boolean literal (`action=StoreBoolean, nargs="?"`, v0.6-v0.8: `--enable-chunked-prefill [False]`).

Options registered from dataclass fields (`add_argument("--x", **model_kwargs["x"])` with
`model_kwargs = get_kwargs(ModelConfig)`, and the FrontendArgs loop over `get_kwargs(cls).items()`) are
classified the way that release's `get_kwargs` / `_compute_kwargs` does: its if/elif chain is read, the branch
that tests for `bool` gives the action (BooleanOptionalAction from v0.8.5; v0.8.4 sets none), and the branches
before it (a dataclass-typed field takes JSON; v0.20+: `bool | str | None` is an optional-valued string) take
precedence. Field types come from the config class (and its bases) named in `get_kwargs(...)`, found through
the imports; module-level type aliases are expanded. Mutations such as `kwargs["x"]["action"] = ...` override.

The sources are parsed with `ast`; vLLM is never imported.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from typing import Protocol

_VALUELESS_ACTIONS = frozenset({"store_true", "store_false", "store_const", "append_const", "count"})
_MAX_DEPTH = 6


class Sources(Protocol):
    def exists(self, path: str) -> bool: ...

    def parse(self, path: str) -> ast.Module | None: ...


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def _str(node: ast.AST | None) -> str | None:  # a string literal's value
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _last_name(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class Resolver:
    """Finds classes and type aliases by name across one release's modules, following `from x import y`."""

    def __init__(self, src: Sources) -> None:
        self.src = src

    def _tree(self, module: str) -> tuple[str, ast.Module] | None:
        for path in (module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py"):
            tree = self.src.parse(path) if self.src.exists(path) else None
            if tree is not None:
                return path, tree
        return None

    def find(self, path: str, tree: ast.Module, name: str, depth: int = 0) -> tuple[str, ast.Module, ast.AST] | None:
        """(path, module, definition) of `name` as seen from module `path`: a ClassDef, or the value of a
        module-level assignment (a type alias)."""
        if depth > _MAX_DEPTH:
            return None
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == name:
                return path, tree, stmt
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                return path, tree, stmt.value
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name
                    and stmt.value is not None):
                return path, tree, stmt.value
            if isinstance(stmt, ast.If):  # `if TYPE_CHECKING:` / version guards
                for sub in stmt.body:
                    if isinstance(sub, ast.ClassDef) and sub.name == name:
                        return path, tree, sub
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            for alias in node.names:
                if (alias.asname or alias.name) != name:
                    continue
                module = node.module or ""
                if node.level:
                    pkg = path[:-3].split("/")[:-1]  # the package of vllm/a/b.py and of vllm/a/__init__.py
                    pkg = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                    module = ".".join(p for p in (*pkg, module) if p)
                if not module.startswith("vllm"):
                    return None
                found = self._tree(module)
                if found is not None:
                    return self.find(found[0], found[1], alias.name, depth + 1)
        return None

    def class_fields(self, path: str, tree: ast.Module, name: str, depth: int = 0) -> dict[str, tuple[str, ast.Module, ast.expr]]:
        """field -> (module path, module, annotation) for class `name` and its bases (a subclass wins)."""
        hit = self.find(path, tree, name)
        if hit is None or not isinstance(hit[2], ast.ClassDef) or depth > _MAX_DEPTH:
            return {}
        cpath, ctree, cls = hit
        out: dict[str, tuple[str, ast.Module, ast.expr]] = {}
        for base in cls.bases:
            bname = _last_name(base)
            if bname and bname not in ("object", "Generic"):
                out.update(self.class_fields(cpath, ctree, bname, depth + 1))
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                ann = stmt.annotation
                if _last_name(ann.value if isinstance(ann, ast.Subscript) else ann) == "ClassVar":
                    continue
                out[stmt.target.id] = (cpath, ctree, ann)
        return out

    def type_names(self, path: str, tree: ast.Module, ann: ast.AST | None, depth: int = 0) -> set[str]:
        """The flattened members of a field's type the way vLLM's get_type_hints sees them: Optional/Union/`|`
        and Annotated are opened, aliases expanded; `None` for NoneType, `Literal`, `list`, `dict`... for
        generics, and `dataclass` for a dataclass-typed member."""
        if ann is None or depth > _MAX_DEPTH:
            return set()
        if isinstance(ann, ast.Constant):
            if ann.value is None:
                return {"None"}
            if isinstance(ann.value, str):
                try:
                    return self.type_names(path, tree, ast.parse(ann.value, mode="eval").body, depth + 1)
                except SyntaxError:
                    return set()
            return set()
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            return self.type_names(path, tree, ann.left, depth + 1) | self.type_names(path, tree, ann.right, depth + 1)
        if isinstance(ann, ast.Subscript):
            head = _last_name(ann.value)
            elts = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
            if head == "Optional":
                return self.type_names(path, tree, elts[0], depth + 1) | {"None"}
            if head == "Union":
                return set().union(*(self.type_names(path, tree, e, depth + 1) for e in elts))
            if head in ("Annotated", "SkipValidation", "Final"):  # pydantic SkipValidation[T] is Annotated
                return self.type_names(path, tree, elts[0], depth + 1)
            return {(head or "?").lower() if head in ("List", "Dict", "Tuple", "Set") else (head or "?")}
        name = _last_name(ann)
        if name is None:
            return {"?"}
        if name in ("bool", "str", "int", "float", "dict", "list", "tuple", "set", "bytes", "Any", "None"):
            return {name}
        hit = self.find(path, tree, name)
        if hit is None:
            return {name}
        hpath, htree, node = hit
        if isinstance(node, ast.ClassDef):
            decorators = {_last_name(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
            return {"dataclass"} if decorators & {"dataclass", "config"} else {name}
        if isinstance(node, ast.Call) and _last_name(node.func) == "TypeAliasType" and len(node.args) > 1:
            node = node.args[1]
        return self.type_names(hpath, htree, node, depth + 1)


# --------------------------------------------------------------------------------------------- get_kwargs


class KwargsPolicy:
    """What one release's get_kwargs does with a field type: the tests of its if/elif chain up to `bool`'s."""

    def __init__(self, tests: list[str], bool_action: str | None) -> None:
        self.tests = tests  # "dataclass", "bool_str_none", "bool_exact", "bool"
        self.bool_action = bool_action  # "boolean_optional", "store_true" or None (the field then takes a value)

    def action(self, types: set[str]) -> str | None:
        for test in self.tests:
            if test == "dataclass" and "dataclass" in types:
                return None
            if test == "bool_str_none" and types == {"bool", "str", "None"}:
                return None  # an optional-valued string: `--hf-token` alone, or `--hf-token TOKEN`
            if test == "bool_exact" and types == {"bool"}:
                return self.bool_action
            if test == "bool" and "bool" in types:
                return self.bool_action
        return None


def _mentions(node: ast.AST, name: str) -> bool:
    return any((isinstance(n, ast.Name) and n.id == name) or (isinstance(n, ast.Attribute) and n.attr == name)
               for n in ast.walk(node))


def _classify_test(test: ast.expr) -> str | None:
    if isinstance(test, ast.Compare) and any(isinstance(c, ast.Set) for c in test.comparators):
        members = {ast.unparse(e) for c in test.comparators if isinstance(c, ast.Set) for e in c.elts}
        if members == {"bool", "str", "type(None)"}:
            return "bool_str_none"
    if _mentions(test, "dataclass_cls") or _mentions(test, "is_dataclass"):
        return "dataclass"
    if _mentions(test, "bool"):
        if isinstance(test, ast.Compare) and isinstance(test.ops[0], ast.Is):
            return "bool_exact"
        return "bool"
    return None


def kwargs_policy(tree: ast.Module | None) -> KwargsPolicy | None:
    """The policy of the module's get_kwargs (or _compute_kwargs, which get_kwargs wraps from v0.9.2)."""
    if tree is None:
        return None
    fns = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in ("_compute_kwargs", "get_kwargs")]
    fns.sort(key=lambda f: f.name != "_compute_kwargs")
    for fn in fns:
        chain_heads = [n for n in ast.walk(fn) if isinstance(n, ast.If)]
        elifs = {id(n.orelse[0]) for n in chain_heads if len(n.orelse) == 1 and isinstance(n.orelse[0], ast.If)}
        for head in (n for n in chain_heads if id(n) not in elifs):
            tests: list[str] = []
            node: ast.If | None = head
            while node is not None:
                kind = _classify_test(node.test)
                if kind in ("bool", "bool_exact"):
                    body = ast.Module(body=node.body, type_ignores=[])
                    action = ("boolean_optional" if _mentions(body, "BooleanOptionalAction")
                              else "store_true" if any(_str(n) == "store_true" for n in ast.walk(body)) else None)
                    return KwargsPolicy([*tests, kind], action)
                if kind is not None:
                    tests.append(kind)
                node = node.orelse[0] if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) else None
    return None


# --------------------------------------------------------------------------------------------- add_argument


def _kwargs_sources(fn: ast.AST) -> dict[str, ast.expr]:
    """NAME -> the class expression of `NAME = get_kwargs(Class)` (also `cls._customize_cli_kwargs(NAME)` keeps it)."""
    out: dict[str, ast.expr] = {}
    for node in ast.walk(fn):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and _last_name(node.value.func) == "get_kwargs"
                and node.value.args):
            out[node.targets[0].id] = node.value.args[0]
    return out


def _overrides(trees: list[ast.Module]) -> dict[str, dict[str, ast.expr | None]]:
    """field -> {key: value} for `X["field"]["key"] = value` (None for `del X["field"]["key"]`)."""
    out: dict[str, dict[str, ast.expr | None]] = {}

    def target(t: ast.AST) -> tuple[str, str] | None:
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Subscript):
            field, key = _str(t.value.slice), _str(t.slice)
            if field and key:
                return field, key
        return None

    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    hit = target(t)
                    if hit:
                        out.setdefault(hit[0], {})[hit[1]] = node.value
            elif isinstance(node, ast.Delete):
                for t in node.targets:
                    hit = target(t)
                    if hit:
                        out.setdefault(hit[0], {})[hit[1]] = None
    return out


class SwitchCollector:
    def __init__(self, src: Sources, policy: KwargsPolicy | None) -> None:
        self.resolver = Resolver(src)
        self.policy = policy
        self.switches: set[str] = set()
        self.boolean_optional: set[str] = set()

    def _action_kind(self, path: str, tree: ast.Module, action: ast.expr, nargs: ast.expr | None) -> str | None:
        text = _str(action)
        if text is not None:
            return "store_true" if text in _VALUELESS_ACTIONS else None
        name = _last_name(action)
        if name == "BooleanOptionalAction":
            return "boolean_optional"
        if name == "StoreBoolean":
            return "store_true" if _str(nargs) == "?" else None
        hit = self.resolver.find(path, tree, name) if name else None
        if hit is not None and isinstance(hit[2], ast.ClassDef):
            if any(_last_name(b) == "BooleanOptionalAction" for b in hit[2].bases):
                return "boolean_optional"
            if any(isinstance(n, ast.keyword) and n.arg == "nargs" and isinstance(n.value, ast.Constant)
                   and n.value.value == 0 for n in ast.walk(hit[2])):
                return "store_true"
        return None

    def _field_action(self, cls_path: str, cls_tree: ast.Module, cls_name: str, field: str,
                      overrides: dict[str, dict[str, ast.expr | None]]) -> str | None:
        over = overrides.get(field, {})
        if over.get("action") is not None:
            return self._action_kind(cls_path, cls_tree, over["action"], over.get("nargs"))  # type: ignore[arg-type]
        if self.policy is None:
            return None
        fields = self.resolver.class_fields(cls_path, cls_tree, cls_name)
        if field not in fields:
            _warn(f"get_kwargs({cls_name})[{field!r}]: field not found")
            return None
        fpath, ftree, ann = fields[field]
        action = self.policy.action(self.resolver.type_names(fpath, ftree, ann))
        if action is not None and "type" in over:
            return None  # a type set afterwards makes it take a value
        return action

    def _record(self, opts: list[str], kind: str | None) -> None:
        if kind is None:
            return
        self.switches.update(opts)
        if kind == "boolean_optional":
            self.boolean_optional.update(opts)
            self.switches.update("--no-" + o[2:] for o in opts if o.startswith("--"))

    def add_module(self, path: str, tree: ast.Module, enclosing_class: str | None = None) -> None:
        overrides = _overrides([tree])
        for fn, cls_name in _functions(tree):
            sources = _kwargs_sources(fn)
            loops = _kwargs_loops(fn, sources)
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call) and _last_name(n.func) == "add_argument"):
                opts = [s for s in (_str(a) for a in call.args) if s is not None and s.startswith("-")]
                kw = {k.arg: k.value for k in call.keywords if k.arg}
                starred = [k.value for k in call.keywords if k.arg is None]
                if "action" in kw:
                    if opts:
                        self._record(opts, self._action_kind(path, tree, kw["action"], kw.get("nargs")))
                    continue
                for value in starred:
                    self._add_starred(path, tree, opts, value, sources, loops, cls_name, overrides, {})

    def _add_starred(self, path: str, tree: ast.Module, opts: list[str], value: ast.expr,
                     sources: dict[str, ast.expr], loops: dict[str, ast.expr], cls_name: str | None,
                     overrides: dict[str, dict[str, ast.expr | None]], explicit: dict[str, ast.expr]) -> None:
        """`**kwargs["field"]`, `**{**kwargs["field"], "default": None}` or `**value` of a get_kwargs loop."""
        if isinstance(value, ast.Dict):
            own = {_str(k): v for k, v in zip(value.keys, value.values) if _str(k)}
            for k, v in zip(value.keys, value.values):
                if k is None:
                    self._add_starred(path, tree, opts, v, sources, loops, cls_name, overrides,
                                      {**explicit, **own})  # type: ignore[dict-item]
            return
        if "action" in explicit:
            if opts:
                self._record(opts, self._action_kind(path, tree, explicit["action"], explicit.get("nargs")))
            return
        if "type" in explicit:
            return  # a type given next to get_kwargs' entry: the option takes a value
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
            field = _str(value.slice)
            cls_expr = sources.get(value.value.id)
            cls = _class_name(cls_expr, cls_name) if cls_expr is not None else None
            if field and cls and opts:
                self._record(opts, self._field_action(path, tree, cls, field, overrides))
        elif isinstance(value, ast.Name) and value.id in loops:
            cls = _class_name(loops[value.id], cls_name)
            if not cls:
                return
            for field in self.resolver.class_fields(path, tree, cls):
                flags = ["--" + field.replace("_", "-")]
                extra = overrides.get(field, {}).get("flags")
                if isinstance(extra, (ast.List, ast.Tuple)):
                    flags += [s for s in map(_str, extra.elts) if s]
                self._record(flags, self._field_action(path, tree, cls, field, overrides))


def _functions(tree: ast.Module) -> Iterator[tuple[ast.AST, str | None]]:
    """Every function, with the name of the class it is a method of (for `get_kwargs(cls)`)."""
    owner: dict[int, str] = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for fn in cls.body:
            owner[id(fn)] = cls.name
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield fn, owner.get(id(fn))


def _kwargs_loops(fn: ast.AST, sources: dict[str, ast.expr]) -> dict[str, ast.expr]:
    """VALUE -> class expression for `for key, VALUE in NAME.items():` with NAME = get_kwargs(Class)."""
    out: dict[str, ast.expr] = {}
    for node in ast.walk(fn):
        if (isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) and len(node.target.elts) == 2
                and isinstance(node.target.elts[1], ast.Name) and isinstance(node.iter, ast.Call)
                and isinstance(node.iter.func, ast.Attribute) and node.iter.func.attr == "items"
                and isinstance(node.iter.func.value, ast.Name) and node.iter.func.value.id in sources):
            out[node.target.elts[1].id] = sources[node.iter.func.value.id]
    return out


def _class_name(expr: ast.expr, enclosing: str | None) -> str | None:
    name = _last_name(expr)
    if name == "cls":
        # `get_kwargs(cls)` inside a base class's add_cli_args: the serve parser calls it on FrontendArgs
        return "FrontendArgs" if enclosing and "FrontendArgs" in enclosing else enclosing
    return name
