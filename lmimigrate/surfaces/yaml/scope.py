"""Settings held by YAML collections (env lists and maps, compose `KEY=value` lists, vLLM config and LMI option
maps) and the scope that spells edits to them: block collections support rename/set/delete/insert; flow
collections too, copying the separator of their siblings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lmimigrate.core.ftypes import Scope, Setting, TextEdit, Unit
from lmimigrate.surfaces.common import add_env_setting, env_name_for
from lmimigrate.surfaces.text import first_on_line, flow_element_delete_span, line_start, next_line, own_line
from lmimigrate.surfaces.yaml.scalars import plain_ok, quote, scalar_value, spell_string, spell_typed
from lmimigrate.surfaces.yaml.tree import YNode, after_entry, dash_of, emptied_edit, is_scalar
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

ENV_NAME = lazy_pattern(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_ENV_ITEM = lazy_pattern(r"([A-Za-z_][A-Za-z0-9_.\-]*)(=|$)", re.S)
_NON_LITERAL = lazy_pattern(r"\{\{|\{%|\$\{|\$[A-Za-z_]")


def _env_text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        raise ValueError("an environment variable holds a string")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class YamlScope(Scope):
    """Settings held by one YAML collection. `form`: envlist, envmap, composelist, cli (words), vllm, lmi."""

    def __init__(self, unit: Unit, kind: str, label: str, container: YNode, form: str):
        super().__init__(unit, kind=kind, label=label)
        self.container = container
        self.form = form
        self.flow = container.flow
        self.span = (container.start, container.end)
        text = unit.text
        if form in ("envlist", "composelist"):
            self.elements = [
                (c.start if self.flow else dash_of(text, c), c.end) for c in container.children
            ]
        else:
            self.elements = [(k.start, v.end if not v.empty else k.end) for k, v in container.pairs]
        self.nodes: dict[int, tuple[YNode, ...]] = {}  # key_span start -> (element node(s)) for rendering
        self.owner: YNode | None = None  # the key whose value the collection is
        self.root = False  # the collection is a document's root

    def display(self, key: str, value: Any = None) -> str:
        return key if value is None else f"{key}: {value}"

    def complete(self, edits: Sequence[TextEdit]) -> list[TextEdit]:
        return emptied_edit(self.unit.text, self.container, self.owner, self.root,
                            [self.element_delete_span(i) for i in range(len(self.elements))], edits, self.unit.newline)

    def _last_node(self, idx: int) -> YNode:
        if self.form in ("envlist", "composelist"):
            return self.container.children[idx]
        return self.container.pairs[idx][1]

    # ---- layout ----------------------------------------------------------------------------------------
    def element_delete_span(self, idx: int) -> tuple[int, int]:
        text = self.unit.text
        if self.flow:
            return flow_element_delete_span(text, self.elements, idx)
        start, end = self.elements[idx]
        if first_on_line(text, start):
            return line_start(text, start), next_line(text, end)
        # The first entry of a map opened on a `- ` line: pull the next entry up into its place.
        if idx + 1 < len(self.elements):
            return start, self.elements[idx + 1][0]
        return start, end

    def _element_index(self, s: Setting) -> int:
        return next(i for i, (a, b) in enumerate(self.elements) if a <= s.key_span[0] <= b)

    def insertion_point(self, after: Setting | None = None) -> tuple[int, str, str]:
        text = self.unit.text
        anchor = after or next((s for s in reversed(self.settings) if s.derived_from is None), None)
        if anchor is None:
            raise ValueError("no sibling entry to copy the layout from")
        start, end = self.elements[self._element_index(anchor)]
        if self.flow:
            if own_line(text, start, end):
                return end, "," + self.unit.newline + " " * (start - line_start(text, start)), ""
            sep = ", "
            if len(self.elements) > 1:
                j = min(self._element_index(anchor), len(self.elements) - 2)
                between = text[self.elements[j][1] : self.elements[j + 1][0]]
                if "\n" not in between and "\r" not in between:
                    sep = between
            return end, sep, ""
        offset = after_entry(text, self._last_node(self._element_index(anchor)))
        if offset == len(text) and not text.endswith(("\n", "\r")):
            return offset, self.unit.newline, ""
        return offset, "", self.unit.newline

    def _indent(self, like: Setting) -> str:
        start = self.elements[self._element_index(like)][0]
        return " " * (start - line_start(self.unit.text, start))

    # ---- spelling --------------------------------------------------------------------------------------
    def _name(self, ns: str, key: str) -> str:
        if self.form == "vllm":
            if ns != "vllm":
                raise ValueError(f"a vLLM config file cannot hold a {ns} setting")
            return key
        if self.form == "lmi":
            if ns != "lmi":
                raise ValueError(f"an LMI option map cannot hold a {ns} setting")
            return key
        return env_name_for(ns, key)

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        name = self._name(ns, key)
        style = like.style if like is not None else {}
        if self.form == "vllm":
            name = name.replace("_", style.get("dash", self.facts.get("dash", "_")))
        if self.form == "composelist":
            if not ENV_NAME.fullmatch(name):
                raise ValueError(f"{name!r} cannot be written in a KEY=value item")
            return name
        return spell_string(name, style.get("key_quote"), self.flow)

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        style = like.style.get("quote") if like is not None else None
        if self.form in ("vllm", "lmi"):
            if self.form == "lmi" and isinstance(value, str):
                return spell_string(value, style, self.flow)
            return spell_typed(value, style, self.flow)
        text = _env_text(value)
        if self.form == "composelist":
            return _compose_item_value(text, style or None, self.flow)
        return spell_string(text, style, self.flow)

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        if like is None:
            raise ValueError("no sibling entry to copy the layout from")
        k = self.spell_key(ns, key, like)
        text = self.unit.text
        nl = self.unit.newline
        if self.form == "envlist":
            v = spell_string(_env_text(value), like.style.get("quote"), self.flow)
            item, name_key, name_val, value_val = self.nodes[like.key_span[0]]
            if self.flow:
                if value_val is None:
                    return "{name: %s, value: %s}" % (k, v)
                return _swap(text, item, [(name_val, k), (value_val, v)])
            gap = text[dash_of(text, item) + 1 : name_key.start]
            gap = gap if gap and not gap.strip(" ") else " "
            inner = " " * (name_key.start - line_start(text, name_key.start))
            return f"{self._indent(like)}-{gap}name: {k}{nl}{inner}value: {v}"
        if self.form == "composelist":
            v = self.spell_value(value, like)
            node = self.nodes[like.key_span[0]][0]
            q = node.style if node.style in ("'", '"') else ""
            body = f"{q}{k}={v}{q}"
            return body if self.flow else f"{self._indent(like)}- {body}"
        v = self.spell_value(value, like, key)
        colon = like.style.get("colon", ": ")
        body = f"{k}{colon}{v}"
        return body if self.flow else self._indent(like) + body


def _swap(text: str, node: YNode, replacements: list[tuple[YNode, str]]) -> str:
    """The source of `node` with some of its scalars replaced (a copy of a sibling's layout)."""
    out, pos = [], node.start
    for sub, new in sorted(replacements, key=lambda r: r[0].token):
        out.append(text[pos : sub.token])
        out.append(new)
        pos = sub.end
    out.append(text[pos : node.end])
    return "".join(out)


def _compose_item_value(value: str, style: str | None, flow: bool) -> str:
    """A value written inside an existing `KEY=value` scalar of the given style."""
    if style == '"':
        return quote(value, '"')[1:-1]
    if style == "'":
        if not value.isprintable():
            raise ValueError("value cannot be written in a single-quoted item")
        return value.replace("'", "''")
    if value and not plain_ok("x=" + value, flow):
        raise ValueError(f"{value!r} cannot be written in a plain KEY=value item")
    return value


# ---- scope builders ----------------------------------------------------------------------------------


def _key_style(node: YNode) -> str | None:
    return node.style if node.style in ("'", '"') else None


def _span(node: YNode) -> tuple[int, int]:
    return node.token, node.end


def _non_literal_text(s: str) -> bool:
    return bool(_NON_LITERAL.search(s))


def env_list_scope(unit: Unit, seq: YNode, label: str) -> YamlScope | None:
    items = seq.children
    if not items or not all(i.kind == "map" and is_scalar(i.get("name")) for i in items):
        return None
    scope = YamlScope(unit, "env", label, seq, "envlist")
    for idx, item in enumerate(items):
        name_key = next(k for k, v in item.pairs if k.kind == "scalar" and k.value == "name")
        name: YNode = item.get("name")  # type: ignore[assignment]  # (every item names a scalar: checked above)
        value = item.get("value")
        if value is not None and value.kind == "scalar" and not value.empty:
            v, literal = value.value, value.tag in (None, "!", "!!str") and not _non_literal_text(value.value)
            value_span: tuple[int, int] | None = _span(value)
        elif value is not None and value.empty or value is None and item.get("valueFrom") is None:
            v, literal, value_span = "", True, None
        else:
            v, literal, value_span = None, False, None
        scope.nodes[name.token] = (item, name_key, name, value if value_span else None)  # type: ignore[assignment]
        add_env_setting(
            scope,
            name.value,
            v if literal else None,
            key_span=_span(name),
            value_span=value_span,
            delete_span=scope.element_delete_span(idx),
            raw_key=unit.text[name.token : name.end],
            literal=literal,
            style={"quote": value.style if value_span and value.style in ("'", '"') else None,  # type: ignore[union-attr, operator]
                   "key_quote": _key_style(name)},
        )
    return scope


def env_map_scope(unit: Unit, mapping: YNode, label: str, names: re.Pattern[str]) -> YamlScope | None:
    pairs = mapping.pairs
    if not pairs or not all(
        is_scalar(k) and names.fullmatch(k.value) and v.kind in ("scalar", "alias") for k, v in pairs
    ):
        return None
    scope = YamlScope(unit, "env", label, mapping, "envmap")
    text = unit.text
    for idx, (k, v) in enumerate(pairs):
        if v.kind == "scalar" and not v.empty:
            literal = v.tag in (None, "!", "!!str") and not _non_literal_text(v.value)
            value, value_span = (v.value if literal else None), _span(v)
        else:  # `KEY:` (compose: taken from the host) or an alias
            literal, value, value_span = False, None, None
        colon = text[k.end : v.token] if value_span else ": "
        add_env_setting(
            scope,
            k.value,
            value,
            key_span=_span(k),
            value_span=value_span,
            delete_span=scope.element_delete_span(idx),
            raw_key=text[k.token : k.end],
            literal=literal,
            style={"quote": v.style if v.style in ("'", '"') else None, "key_quote": _key_style(k),
                   "colon": colon if colon.strip() == ":" and "\n" not in colon else ": "},
        )
    return scope


def compose_list_scope(unit: Unit, seq: YNode, label: str) -> YamlScope | None:
    items = seq.children
    if not items or not all(i.kind == "scalar" and _ENV_ITEM.match(i.value) for i in items):
        return None
    text = unit.text
    scope = YamlScope(unit, "env", label, seq, "composelist")
    for idx, item in enumerate(items):
        m: re.Match[str] = _ENV_ITEM.match(item.value)  # type: ignore[assignment]  # (every item matched above)
        name = m.group(1)
        inner = item.token + (1 if item.style in ("'", '"') else 0)
        inner_end = item.end - (1 if item.style in ("'", '"') else 0)
        if text[inner:inner_end] != item.value or item.style not in (None, "'", '"') or item.tag:
            continue  # escapes, folding or tags: the spans would not line up with the value
        key_span = (inner, inner + len(name))
        if m.group(2):
            value = item.value[m.end() :]
            value_span: tuple[int, int] | None = (inner + m.end(), inner_end)
            literal = not _non_literal_text(value)
        else:  # `- KEY`: passed through from the host environment
            value, value_span, literal = None, None, False
        scope.nodes[key_span[0]] = (item,)
        add_env_setting(
            scope,
            name,
            value if literal else None,
            key_span=key_span,
            value_span=value_span,
            delete_span=scope.element_delete_span(idx),
            raw_key=name,
            literal=literal,
            style={"quote": item.style if item.style in ("'", '"') else ""},
        )
    return scope if scope.settings else None


def typed_map_scope(unit: Unit, mapping: YNode, kind: str, label: str, form: str, ns: str) -> YamlScope:
    scope = YamlScope(unit, kind, label, mapping, form)
    text = unit.text
    dashes = []
    for idx, (k, v) in enumerate(mapping.pairs):
        if not is_scalar(k) or v.empty:
            continue
        value, literal = scalar_value(v)
        if literal and isinstance(value, str) and _non_literal_text(value):
            literal = False
        key = k.value
        style: dict[str, Any] = {"quote": v.style if v.kind == "scalar" and v.style in ("'", '"') else None,
                                 "key_quote": _key_style(k)}
        colon = text[k.end : v.token]
        style["colon"] = colon if colon.strip() == ":" and "\n" not in colon else ": "
        if form == "vllm":
            bare = key.lstrip("-")
            key = bare.replace("-", "_")
            if "-" in bare or "_" in bare:
                style["dash"] = "-" if "-" in bare else "_"
                dashes.append(style["dash"])
        scope.settings.append(
            Setting(
                ns=ns,
                key=key,
                value=value if literal else None,
                raw_key=text[k.token : k.end],
                key_span=_span(k),
                value_span=_span(v),  # a block map/seq value is replaced by its flow (JSON) spelling
                delete_span=scope.element_delete_span(idx),
                scope=scope,
                literal=literal,
                style=style,
            )
        )
    if dashes:
        scope.facts["dash"] = max(set(dashes), key=dashes.count)
    return scope


