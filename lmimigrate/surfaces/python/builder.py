"""Builds the scopes of a Python unit from its `PyModule`: engine/sampling/SageMaker calls, env dicts given to
SageMaker calls or assigned to `*env*` names, and `os.environ` statements."""

from __future__ import annotations

import ast
import re

from lmimigrate.core.ftypes import Scope, Setting, Unit
from lmimigrate.surfaces.common import add_env_setting
from lmimigrate.surfaces.python.literals import Items, _delete_span, _significant, quote_of
from lmimigrate.surfaces.python.model import PyModule
from lmimigrate.surfaces.python.scopes import PyCallScope, PyEnvScope, _statement_delete
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, TypeGuard

VLLM_ENGINE_CALLS = frozenset({
    "vllm.LLM", "vllm.entrypoints.llm.LLM", "vllm.EngineArgs", "vllm.AsyncEngineArgs",
    "vllm.engine.arg_utils.EngineArgs", "vllm.engine.arg_utils.AsyncEngineArgs",
})
SAMPLING_CALLS = frozenset({"vllm.SamplingParams", "vllm.sampling_params.SamplingParams"})
ENV_KWARGS = ("env", "environment", "env_vars")

_UPPER_KEY = lazy_pattern(r"[A-Z_][A-Z0-9_]*")
_ENV_NAME = lazy_pattern(r"env", re.I)


def _env_value(node: ast.AST | None) -> tuple[Any, bool]:
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
            # `f(*args)` / `f(**kwargs)`: any argument may be present without being visible (scope fact "unpacked").
            if any(a.star for a in call.args):
                scope.facts["unpacked"] = True
            for kw in call.keywords:
                if kw.name is None:
                    scope.facts["kwargs_splat"] = scope.facts["unpacked"] = True
                    continue
                value, literal = kw.literal_value
                style: dict[str, Any] = {"item": kw.index}
                value_span = kw.value_span
                const = self.constant(kw.node.value) if not literal else None
                if const is not None and isinstance(kw.node.value, ast.Name):  # `VERSION = "0.29.0"` ... `version=VERSION`
                    value, literal, value_span = const.value, True, self.mod.offsets.span(const)
                    style["via"] = kw.node.value.id
                raw = self.text[value_span[0] : value_span[1]]
                name_span = kw.name_span
                assert name_span is not None  # (a named keyword)
                style["quote"] = quote_of(raw)
                scope.settings.append(Setting(
                    ns=ns, key=kw.name, value=value, raw_key=kw.name, key_span=name_span,
                    value_span=value_span, delete_span=call.delete_span(kw.index), scope=scope,
                    literal=literal, style=style,
                ))
            self.scopes.append(scope)
            if ns == "call":
                for kw in call.keywords:
                    if kw.name in ENV_KWARGS:
                        self.env_from_expr(kw.node.value, f"{scope.label[:-5]} {kw.name}", q)

    def constant(self, node: ast.AST) -> ast.Constant | None:
        """The string or number constant a name is bound to by its only assignment in the module."""
        if not isinstance(node, ast.Name):
            return None
        values = self.mod.assignments.get(node.id, [])
        if len(values) == 1 and isinstance(values[0], ast.Constant) and isinstance(values[0].value, (str, int, float)):
            return values[0]
        return None

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
        elif isinstance(node, ast.Call) and (kwargs or self._is_dict_call(node)):  # (kwargs: a call's)
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

    def _is_dict_call(self, node: ast.AST) -> TypeGuard[ast.Call]:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
                and not node.args and "dict" not in self.mod.assignments)

    def _add(self, scope: PyEnvScope, name: str, vnode: ast.AST, key_span: tuple[int, int], item: int,
             style: dict[str, Any]) -> None:
        value, literal = _env_value(vnode)
        vs = self.mod.offsets.span(vnode)
        items = scope.items
        assert items is not None  # (a dict or keyword scope)
        style["item"] = item
        add_env_setting(scope, name, value, key_span=key_span, value_span=vs,
                        delete_span=_delete_span(items, item, (key_span[0], vs[1])),
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

def _mostly_upper(node: ast.AST, b: _Builder) -> bool:
    if isinstance(node, ast.Dict):
        keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    elif b._is_dict_call(node):
        keys = [kw.arg for kw in node.keywords if kw.arg]
    else:
        return False
    upper = sum(1 for k in keys if _UPPER_KEY.fullmatch(k))
    return upper > 0 and upper * 2 > len(keys)

