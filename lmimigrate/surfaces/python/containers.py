"""Python containers of settings that no known call names: dicts and lists holding a configuration.

- `option.*` maps: a dict display whose string keys are mostly LMI keys (`option.*`, `engine`), such as the
  serving.properties dicts of test harnesses: an "lmi-map" scope with fact "standalone" (each dict is its
  own model's configuration: no precedence against the file's env settings).
- Environment maps inside SDK structures: the `"Environment"` dict of a boto3 container definition
  (`create_model(PrimaryContainer={...})`, `Containers=[...]`), `environment=`/`env=` dicts given to any call
  (CDK `ContainerDefinitionProperty`, `CfnModel`), Modal `Image.env({...})`, and lists of
  `{"name": ..., "value": ...}` dicts: "env" scopes, when their keys are mostly UPPER_CASE.
- Engine-argument dicts: a dict display that reaches `EngineArgs(**d)`, `AsyncEngineArgs(**d)` or `LLM(**d)`
  through assignments (`DEFAULT_ARGS = {...}`; `args = dict(DEFAULT_ARGS, **kw)`; `AsyncEngineArgs(**args)`):
  a "python-dict" scope of `vllm` settings (serving wrappers often drop unknown keys silently).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Container

from lmimigrate.core.ftypes import Setting
from lmimigrate.surfaces.python.literals import Items, _delete_span, _literal, quote_of
from lmimigrate.surfaces.python.scopes import PyDictScope

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any
    from lmimigrate.surfaces.python.builder import _Builder

_ENV_KEYS = frozenset({"Environment", "environment", "env", "Env", "environment_variables", "env_vars"})
_LMI_KEYS = ("option.", "engine")
_MAX_HOPS = 6
#: DJL Serving engines (`engine=` in serving.properties), lower-cased.
_ENGINES = frozenset({"python", "mpi", "deepspeed", "fastertransformer", "pytorch", "onnxruntime", "rust", "tensorrt",
                      "tensorflow", "mxnet"})


def _string_keys(node: ast.Dict) -> list[str] | None:
    keys = []
    for k in node.keys:
        if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
            return None
        keys.append(k.value)
    return keys


def dict_scope(b: _Builder, node: ast.Dict, kind: str, ns: str, label: str, insertable: bool) -> PyDictScope | None:
    if id(node) in b.seen_dicts:
        return None
    offs, text = b.mod.offsets, b.text
    start, end = offs.span(node)
    raw = [(offs.span(k)[0], offs.span(v)[1]) for k, v in zip(node.keys, node.values)]
    items = Items(text, start, end - 1, raw)
    scope = PyDictScope(b.unit, kind, ns, label, items, insertable)
    for i, (k, v) in enumerate(zip(node.keys, node.values)):
        assert isinstance(k, ast.Constant) and isinstance(k.value, str)  # (callers pass dicts keyed by strings)
        ks, vs = offs.span(k), offs.span(v)
        value, literal = _literal(v)
        scope.settings.append(Setting(
            ns=ns, key=k.value, value=value, raw_key=k.value, key_span=ks,
            value_span=vs, delete_span=_delete_span(items, i, (ks[0], vs[1])), scope=scope, literal=literal,
            style={"item": i, "key_quote": quote_of(text[ks[0] : ks[1]])},
        ))
    b.seen_dicts.add(id(node))
    scope.span = (start, end)
    b.scopes.append(scope)
    return scope


def option_maps(b: _Builder) -> None:
    for node in b.mod.nodes:
        if type(node) is not ast.Dict or not node.keys:
            continue
        keys = _string_keys(node)
        if not keys or not any(k.startswith("option.") for k in keys):
            continue
        engine = node.values[keys.index("engine")] if "engine" in keys else None
        if engine is not None and not (isinstance(engine, ast.Constant) and str(engine.value).lower() in _ENGINES):
            continue  # `{"engine": "django.db.backends...", "option.x": ...}`: another library's settings
        if sum(1 for k in keys if k.startswith(_LMI_KEYS)) * 2 >= len(keys):
            scope = dict_scope(b, node, "lmi-map", "lmi", "LMI options", True)
            if scope is not None:  # a file may hold many such dicts, each its own model's configuration
                scope.facts["standalone"] = True


def environment_maps(b: _Builder, mostly_upper: Callable[[ast.AST, _Builder], bool]) -> None:
    node: Any  # dispatched on `type(node) is X`, which mypy does not narrow
    for node in b.mod.nodes:
        t = type(node)
        if t is ast.Dict:
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and k.value in _ENV_KEYS and mostly_upper(v, b):
                    b.env_dict(v, str(k.value), None)
        elif t is ast.List or t is ast.Tuple:
            name_value_list(b, node)
        elif t is ast.Call:
            for kw in node.keywords:
                if kw.arg in _ENV_KEYS and mostly_upper(kw.value, b):
                    b.env_dict(kw.value, kw.arg, None)
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "env" and len(node.args) == 1 and mostly_upper(node.args[0], b):
                b.env_dict(node.args[0], ".env(...)", None)


def name_value_list(b: _Builder, node: ast.List | ast.Tuple) -> None:
    """`[{"name": "OPTION_X", "value": "1"}, ...]`: an env scope keyed by the names."""
    from lmimigrate.surfaces.common import add_env_setting
    from lmimigrate.surfaces.python.scopes import PyEnvScope

    pairs: list[tuple[ast.Dict, ast.Constant, ast.expr, str]] = []  # (item, name node, value node, name)
    for e in node.elts:
        if not isinstance(e, ast.Dict):
            return
        keys = _string_keys(e)
        if keys is None or sorted(keys) != ["name", "value"]:
            return
        name = e.values[keys.index("name")]
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            return
        pairs.append((e, name, e.values[keys.index("value")], name.value))
    upper = sum(1 for _, _, _, n in pairs if n.isupper())
    if not pairs or upper * 2 <= len(pairs) or id(node) in b.seen_dicts:
        return
    offs, text = b.mod.offsets, b.text
    start, end = offs.span(node)
    items = Items(text, start, end - 1, [offs.span(e) for e, _, _, _ in pairs])
    scope = PyEnvScope(b.unit, "namevalue", "env list", items)
    for i, (e, name, vnode, key) in enumerate(pairs):
        ks, vs = offs.span(name), offs.span(vnode)
        value, literal = _literal(vnode)
        add_env_setting(scope, key, None if value is None else str(value), key_span=ks, value_span=vs,
                        delete_span=_delete_span(items, i, offs.span(e)), literal=literal and value is not None,
                        style={"item": i, "key_quote": quote_of(text[ks[0] : ks[1]])})
    b.seen_dicts.add(id(node))
    scope.span = (start, end)
    b.scopes.append(scope)


def _dict_display(b: _Builder, node: ast.AST, hops: int = 0) -> ast.Dict | None:
    """The dict display an expression evaluates from: through single assignments, `dict(X, **kw)`, `{**X}`,
    `X.copy()`, `copy.deepcopy(X)`."""
    if hops > _MAX_HOPS:
        return None
    if isinstance(node, ast.Dict):
        if all(k is not None for k in node.keys):
            return node
        spread = [v for k, v in zip(node.keys, node.values) if k is None]
        return _dict_display(b, spread[0], hops + 1) if len(spread) == 1 and not [k for k in node.keys if k] else None
    if isinstance(node, ast.Name):
        values = b.mod.assignments.get(node.id, [])
        return _dict_display(b, values[0], hops + 1) if len(values) == 1 else None
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name) and f.id == "dict" and len(node.args) == 1:
            return _dict_display(b, node.args[0], hops + 1)
        if isinstance(f, ast.Attribute) and f.attr in ("copy", "deepcopy"):
            target = f.value if f.attr == "copy" and not node.args else (node.args[0] if len(node.args) == 1 else None)
            return _dict_display(b, target, hops + 1) if target is not None else None
    return None


def engine_arg_dicts(b: _Builder, engine_calls: Container[str]) -> None:
    for call in b.mod.calls:
        if call.qualname not in engine_calls:
            continue
        for kw in call.node.keywords:
            if kw.arg is not None:
                continue
            node = _dict_display(b, kw.value)
            keys = _string_keys(node) if node is not None else None
            if node is not None and keys and all(k.isidentifier() for k in keys):
                name = call.qualname.rsplit(".", 1)[-1]
                scope = dict_scope(b, node, "python-dict", "vllm", f"{name}(**...) arguments", False)
                if scope is not None:
                    scope.facts["qualname"] = call.qualname
