"""JSON files: environment maps (SageMaker CreateModel, CloudFormation, ECS task definitions) and LMI option maps.

Scopes:
- "env": any member named Environment/environment/env/Env/environmentVariables/EnvironmentVariables whose value
  is an object of scalars (or CloudFormation intrinsics such as {"Ref": ...}, which are non-literal), or an
  ECS/Kubernetes-style list of {"name": ..., "value": ...} objects.
- "lmi-map": a top-level object whose keys are mostly `option.*` (serving.properties as JSON).

Edits are splices into the original text (jsonpos keeps every span), so formatting elsewhere never changes.
"""

from __future__ import annotations

import json

from lmimigrate.core.ftypes import Scope, Setting, Unit
from lmimigrate.surfaces import jsonpos
from lmimigrate.surfaces.common import add_env_setting, env_name_for
from lmimigrate.surfaces.jsonpos import JNode
from lmimigrate.surfaces.text import flow_element_delete_span, indent_of, own_line
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

ENV_MEMBER_NAMES = frozenset({"environment", "env", "environmentvariables"})
_SCALARS = ("string", "number", "true", "false", "null")


class JsonScope(Scope):
    """One JSON container holding settings; `form` is "map" (object members), "list" (name/value items) or "lmi"."""

    def __init__(self, unit: Unit, kind: str, label: str, container: JNode, form: str):
        super().__init__(unit, kind=kind, label=label)
        self.container = container
        self.form = form
        self.span = (container.start, container.end)
        # (start, end) of every element of the container, settings or not, to place separators correctly.
        if form == "list":
            self.elements = [(n.start, n.end) for n in container.items or ()]
        else:
            self.elements = [(k.start, v.end) for k, v in container.members or ()]
        self.item_of: dict[int, JNode] = {}  # key_span start -> list item (list form), to copy its layout

    # ---- spelling ------------------------------------------------------------------------------------
    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        if self.form == "lmi":
            if ns != "lmi":
                raise ValueError(f"an LMI option map cannot hold a {ns} setting")
            return _dump(key)
        return _dump(env_name_for(ns, key))

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        if value is None or isinstance(value, (dict, list)):
            raise ValueError("only scalar values can be written here")
        if self.form == "lmi" and not (like is not None and like.style.get("string")):
            return json.dumps(value)
        if isinstance(value, bool):
            value = "true" if value else "false"
        return _dump(str(value))

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        k, v = self.spell_key(ns, key), self.spell_value(value, like=like)
        if self.form == "list":
            item = self.item_of.get(like.key_span[0]) if like is not None else None
            if item is None or like is None or like.value_span is None:
                return '{"name": %s, "value": %s}' % (k, v)
            # Copy the sibling item's layout, swapping in the new name and value.
            text = self.unit.text
            (a, b), (c, d) = sorted([like.key_span, like.value_span])
            first, second = (k, v) if like.key_span[0] < like.value_span[0] else (v, k)
            return text[item.start : a] + first + text[b:c] + second + text[d : item.end]
        colon = like.style.get("colon", ": ") if like is not None else ": "
        return k + colon + v

    def insertion_point(self, after: Setting | None = None) -> tuple[int, str, str]:
        text = self.unit.text
        anchor = after or next((s for s in reversed(self.settings) if s.derived_from is None), None)
        if anchor is not None:
            idx = next(i for i, (s, e) in enumerate(self.elements) if s <= anchor.key_span[0] < e)
        elif self.elements:
            idx = len(self.elements) - 1
        else:
            # An empty container: put the entry inside the brackets, on its own line if they are on two lines.
            start, end = self.container.start, self.container.end
            if any(c in text[start:end] for c in "\r\n"):
                indent = indent_of(text, end - 1) + "  "
                return start + 1, self.unit.newline + indent, ""
            return start + 1, "", ""
        start, end = self.elements[idx]
        if own_line(text, start, end):
            return end, "," + self.unit.newline + indent_of(text, start), ""
        sep = ", "
        if len(self.elements) > 1:
            j = min(idx, len(self.elements) - 2)
            between = text[self.elements[j][1] : self.elements[j + 1][0]]
            if "\n" not in between and "\r" not in between:
                sep = between
        return end, sep, ""

    def delete_span(self, idx: int) -> tuple[int, int]:
        return flow_element_delete_span(self.unit.text, self.elements, idx)


def _dump(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _intrinsic(node: JNode) -> bool:
    """A CloudFormation intrinsic function ({"Ref": ...}, {"Fn::Sub": ...}): a value known only at deploy time."""
    return (
        node.kind == "object"
        and node.members is not None
        and len(node.members) == 1
        and (node.members[0][0].value == "Ref" or node.members[0][0].value.startswith("Fn::"))
    )


def _env_value(node: JNode) -> tuple[Any, bool]:
    """(value as the process sees it, literal?) for an env map value."""
    if node.kind == "string":
        return node.value, True
    if node.kind == "number":
        return str(node.value), True
    if node.kind in ("true", "false"):
        return node.kind, True
    return None, False


def _env_map_scope(unit: Unit, node: JNode, label: str) -> JsonScope | None:
    if not all(v.kind in _SCALARS or _intrinsic(v) for _, v in node.members or ()):
        return None
    scope = JsonScope(unit, "env", label, node, "map")
    for idx, (k, v) in enumerate(node.members or ()):
        value, literal = _env_value(v)
        add_env_setting(
            scope,
            k.value,
            value,
            key_span=(k.start, k.end),
            value_span=(v.start, v.end),
            delete_span=scope.delete_span(idx),
            raw_key=unit.text[k.start : k.end],
            literal=literal,
            style={"colon": unit.text[k.end : v.start]},
        )
    return scope


def _env_list_scope(unit: Unit, node: JNode, label: str) -> JsonScope | None:
    items = node.items
    if not items or not all(
        i.kind == "object" and (named := i.get("name")) is not None and named.kind == "string" for i in items
    ):
        return None
    scope = JsonScope(unit, "env", label, node, "list")
    for idx, item in enumerate(items):
        name = item.get("name")
        assert name is not None  # (every item has a string name: checked above)
        value = item.get("value")
        if value is not None and value.kind in _SCALARS:
            v, literal = _env_value(value)
            value_span = (value.start, value.end)
        else:  # valueFrom / secrets: known only at run time
            v, literal, value_span = None, False, None
        scope.item_of[name.start] = item
        add_env_setting(
            scope,
            name.value,
            v,
            key_span=(name.start, name.end),
            value_span=value_span,
            delete_span=scope.delete_span(idx),
            raw_key=unit.text[name.start : name.end],
            literal=literal,
        )
    return scope


def _lmi_map_scope(unit: Unit, root: JNode) -> JsonScope | None:
    keys = [k.value for k, _ in root.members or ()]
    options = sum(1 for k in keys if k.startswith("option.") or k == "engine")
    if not any(k.startswith("option.") for k in keys) or options * 2 <= len(keys):
        return None
    scope = JsonScope(unit, "lmi-map", "LMI options", root, "lmi")
    for idx, (k, v) in enumerate(root.members or ()):
        if v.kind not in _SCALARS:
            continue
        scope.settings.append(
            Setting(
                ns="lmi",
                key=k.value,
                value=v.value,
                raw_key=unit.text[k.start : k.end],
                key_span=(k.start, k.end),
                value_span=(v.start, v.end),
                delete_span=scope.delete_span(idx),
                scope=scope,
                literal=v.kind != "null",
                style={"colon": unit.text[k.end : v.start], "string": v.kind == "string"},
            )
        )
    return scope


def _label(path: list[str | int], parent: JNode) -> str:
    name = parent.get("name") or parent.get("Name")
    if name is not None and name.kind == "string":
        return f"container {name.value} env"
    return ".".join(str(p) for p in path) or "environment"


def parse(unit: Unit) -> None:
    root = jsonpos.parse(unit.text)
    if root.kind == "object":
        lmi = _lmi_map_scope(unit, root)
        if lmi is not None:
            unit.scopes.append(lmi)
    for node, path in jsonpos.walk(root):
        if node.kind != "object":
            continue
        for k, v in node.members or ():
            if k.value.lower() not in ENV_MEMBER_NAMES:
                continue
            label = _label(path + [k.value], node)
            if v.kind == "object":
                scope = _env_map_scope(unit, v, label)
            elif v.kind == "array":
                scope = _env_list_scope(unit, v, label)
            else:
                scope = None
            if scope is not None:
                scope.facts["path"] = path + [k.value]
                unit.scopes.append(scope)
