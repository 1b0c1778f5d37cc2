"""YAML files: Kubernetes/KServe/SageMaker-operator containers, docker-compose services, Helm values, vLLM
`--config` files and LMI option maps.

Reading goes through ruamel.yaml's *event parser* only, and a small iterative composer here builds a tree of
YNode with source offsets. No Python object is ever constructed from a tag, and aliases are kept as opaque
leaves (never expanded), so alias bombs cost nothing. Every edit is a text splice; YAML is never dumped.

Scopes (per document of a multi-document file):
- "env": k8s `env:` lists of {name, value} (`valueFrom` entries are non-literal), Helm-style maps of
  UPPER_CASE names (`env`, `environment`, `extraEnv`, `envVars`, `envs`), compose `environment` maps and
  `- KEY=value` lists.
- "cli": container `command`/`args` and compose `command`/`entrypoint`, through `cmdline.vllm_scope`.
- "vllm-config": a vLLM `--config` file (top-level mapping of vLLM flag names).
- "lmi-map": a mapping of `option.*` keys.

Block collections support rename/set/delete/insert. Flow collections (`[a, b]`, `{A: 1}`) support all four
too; inserting into a flow collection copies the separator of its siblings. Edits that a scalar's style cannot
hold (a value needing quotes inside a plain `- KEY=value` item, shell text with `#` inside a plain script)
raise ValueError, which the engine treats as "no fix".

Templates: a file with Helm/Jinja markup (`{{`, `{%`; GitHub's `${{` excepted) raises ParseError with
`template = True`: the engine reports LMM004 and never rewrites it, even when the markup sits inside quoted
scalars, because its settings are only known after rendering.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from lmimigrate.core.ftypes import ParsedFile, ParseError, Scope, Setting, TextEdit, Unit
from lmimigrate.surfaces import cmdline
from lmimigrate.surfaces.knowledge import config_flag_names
from lmimigrate.surfaces.common import add_env_setting, env_name_for
from lmimigrate.surfaces.jsonfile import _element_delete_span, _own_line

MAX_DEPTH = 100  # nesting of collections; real configs use < 15
MAX_FLOW_DEPTH = 64  # ruamel's scanner looks ahead over every open flow bracket: bound it before parsing

# `Environment`: CloudFormation AWS::SageMaker::Model and SageMaker operator specs in YAML.
ENV_KEYS = frozenset({"env", "environment", "extraEnv", "envVars", "envs", "Environment"})
_UPPER_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_ENV_ITEM = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)(=|$)", re.S)
_TEMPLATE = re.compile(r"(?<!\$)\{\{|\{%")
_NON_LITERAL = re.compile(r"\{\{|\{%|\$\{|\$[A-Za-z_]")

#: Flag names that unrelated YAML configs use just as often; they never identify a vLLM config on their own.
_GENERIC_KEYS = frozenset(
    """model task host port seed dtype revision tokenizer device runner api_key block_size download_dir
    load_format served_model_name config trust_remote_code tokenizer_mode quantization""".split()
)


# ---- the tree ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class YNode:
    kind: str  # "scalar" | "map" | "seq" | "alias"
    start: int  # properties (anchor, tag) included
    end: int  # end of the content: trailing line breaks of block scalars and block collections excluded
    tag: str | None = None
    anchor: str | None = None
    value: str = ""  # scalar text; the anchor name for an alias
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    flow: bool = False
    children: list["YNode"] = field(default_factory=list)  # seq items; map keys and values alternating
    token: int = -1  # start of the scalar's value token: after its anchor, at its tag
    empty: bool = False  # an implicit empty scalar (`key:` with no value)

    @property
    def pairs(self) -> list[tuple["YNode", "YNode"]]:
        c = self.children
        return list(zip(c[0::2], c[1::2]))

    def get(self, key: str) -> "YNode | None":
        found = None
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                found = v
        return found

    def keys(self) -> list[str]:
        return [k.value for k, _ in self.pairs if k.kind == "scalar"]


def _tag(raw: Any) -> str | None:
    if raw is None:
        return None
    raw = raw if isinstance(raw, str) else getattr(raw, "value", None) or str(raw)
    return "!!" + raw[len("tag:yaml.org,2002:") :] if raw.startswith("tag:yaml.org,2002:") else raw


def _check_flow_depth(text: str) -> None:
    """Refuse deeply nested flow collections before ruamel sees them (its scanner is quadratic in them)."""
    depth = 0
    i, n = 0, len(text)
    find = re.compile(r"[\[\]{}#'\"]").search
    while True:
        m = find(text, i)
        if m is None:
            return
        j = m.start()
        ch = text[j]
        prev = text[j - 1] if j else "\n"
        if ch == "#" and prev in " \t\r\n":
            nl = text.find("\n", j)
            i = n if nl < 0 else nl
            continue
        if ch in "'\"" and prev in " \t\r\n[{,:-":
            k = j + 1
            while True:
                k = text.find(ch, k)
                if k < 0:
                    return
                if ch == "'" and text.startswith("''", k):
                    k += 2
                    continue
                if ch == '"':
                    b = k
                    while text[b - 1] == "\\":
                        b -= 1
                    if (k - b) % 2:
                        k += 1
                        continue
                break
            i = k + 1
            continue
        if ch in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                raise ParseError("YAML nested too deeply", offset=j)
        elif ch in "]}":
            depth = max(0, depth - 1)
        i = j + 1


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def compose(text: str) -> list[YNode]:
    """The root node of every document. Raises ParseError; never expands aliases or constructs tags."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    _check_flow_depth(text)
    docs: list[YNode] = []
    stack: list[YNode] = []

    def attach(node: YNode) -> None:
        if not stack:
            docs.append(node)
            return
        parent = stack[-1]
        if node.empty:
            # ruamel puts an implicit empty scalar at the next token; move it just after its key's colon.
            pos = parent.children[-1].end if parent.children and len(parent.children) % 2 else parent.start
            while pos < len(text) and text[pos] in " \t":
                pos += 1
            if pos < len(text) and text[pos] in ":-":
                pos += 1
            node.start = node.end = node.token = pos
        parent.children.append(node)

    try:
        for ev in YAML(typ="rt").parse(text):
            if isinstance(ev, ScalarEvent):
                s, e = ev.start_mark.index, ev.end_mark.index
                node = YNode("scalar", s, e, tag=_tag(ev.tag), anchor=ev.anchor, value=ev.value, style=ev.style)
                node.empty = s == e and ev.value == "" and ev.style is None and ev.tag is None and ev.anchor is None
                if ev.style in ("|", ">"):
                    node.end = _rstrip_end(text, s, e)
                tok = s  # the value token after an anchor; a tag stays part of it (a new value replaces it)
                while ev.anchor and tok < e and text[tok] == "&":
                    while tok < e and text[tok] not in " \t\r\n":
                        tok += 1
                    while tok < e and text[tok] in " \t\r\n":
                        tok += 1
                node.token = tok
                attach(node)
            elif isinstance(ev, (MappingStartEvent, SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise ParseError("YAML nested too deeply", offset=ev.start_mark.index)
                kind = "map" if isinstance(ev, MappingStartEvent) else "seq"
                s = ev.start_mark.index
                stack.append(YNode(kind, s, s, tag=_tag(ev.tag), anchor=ev.anchor, flow=bool(ev.flow_style)))
            elif isinstance(ev, (MappingEndEvent, SequenceEndEvent)):
                node = stack.pop()
                node.end = ev.end_mark.index if node.flow or not node.children else node.children[-1].end
                node.token = node.start
                attach(node)
            elif isinstance(ev, AliasEvent):
                s, e = ev.start_mark.index, ev.end_mark.index
                attach(YNode("alias", s, e, value=ev.anchor or "", token=s))
            elif isinstance(ev, DocumentStartEvent):
                stack.clear()
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("YAML nested too deeply", offset=0) from None
    except Exception as exc:  # ruamel's errors carry a mark; anything else is still a parse failure
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        offset = getattr(mark, "index", None)
        if offset is None:
            offset = getattr(exc, "position", None)
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0] or type(exc).__name__
        raise ParseError(f"invalid YAML: {problem}", offset=offset) from None
    return docs


def _walk(root: YNode):
    """(node, parent, key) for every node, depth first in document order; aliases are leaves."""
    stack: list[tuple[YNode, YNode | None, str | None]] = [(root, None, None)]
    seen: set[int] = set()
    while stack:
        node, parent, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, parent, key
        if node.kind == "map":
            stack.extend((v, node, k.value if k.kind == "scalar" else None) for k, v in reversed(node.pairs))
        elif node.kind == "seq":
            stack.extend((c, node, None) for c in reversed(node.children))


# ---- values ------------------------------------------------------------------------------------------

# vLLM loads --config files with PyYAML (YAML 1.1): its resolver decides what a plain scalar means.
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_HEX = re.compile(r"[-+]?0x[0-9a-fA-F_]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
# Anything either YAML 1.1 or 1.2 might read as a non-string must be quoted when written as a string.
_NUMBERISH = re.compile(r"[-+]?(?:[0-9][0-9_:]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?|[-+]?0[xob][0-9a-fA-F_]+")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", "-.inf", "+.inf", ".nan"}


def plain_value(s: str) -> Any:
    if s in _NULL:
        return None
    if s.lower() in _BOOL and (s.islower() or s.istitle() or s.isupper()):
        return _BOOL[s.lower()]
    if _INT.fullmatch(s):
        return int(s.replace("_", ""))
    if _HEX.fullmatch(s):
        return int(s.replace("_", ""), 16)
    if _FLOAT.fullmatch(s):
        try:
            return float(s.replace("_", ""))
        except ValueError:
            return s
    if s.lower() in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[s.lower()]
    return s


def scalar_value(node: YNode) -> tuple[Any, bool]:
    """(typed value, literal?) of a node; custom tags (`!Ref`, `!!python/...`) and aliases are not literal."""
    if node.kind == "alias":
        return None, False
    if node.kind != "scalar":
        return _collection_value(node)
    tag = node.tag
    if tag in (None, "!") and node.style is None and tag is None:
        return plain_value(node.value), True
    if tag in (None, "!", "!!str"):
        return node.value, True
    if tag in ("!!int", "!!float", "!!bool", "!!null"):
        v = plain_value(node.value)
        return v, True
    return None, False


def _collection_value(root: YNode) -> tuple[Any, bool]:
    """A map/seq as plain dicts and lists (iteratively); not literal if any part is an alias or custom tag."""
    out: Any = {} if root.kind == "map" else []
    stack = [(root, out)]
    while stack:
        node, target = stack.pop()
        if node.tag not in (None, "!!map", "!!seq"):
            return None, False
        entries = [(k, v) for k, v in node.pairs] if node.kind == "map" else [(None, c) for c in node.children]
        for k, v in entries:
            if k is not None:
                kv, ok = scalar_value(k) if k.kind == "scalar" else (None, False)
                if not ok or isinstance(kv, (dict, list)):
                    return None, False
            if v.kind in ("map", "seq"):
                child: Any = {} if v.kind == "map" else []
                stack.append((v, child))
            else:
                child, ok = scalar_value(v)
                if not ok:
                    return None, False
            if k is None:
                target.append(child)
            else:
                target[kv] = child
    return out, True


def plain_ok(s: str, flow: bool = False) -> bool:
    """Whether `s` can be written as a plain scalar and read back as the same string."""
    if not s or s != s.strip(" \t") or s.lower() in _RESERVED or _NUMBERISH.fullmatch(s):
        return False
    if s[0] in "!&*|>'\"%@`#,[]{}?:" or (s[0] == "-" and (len(s) == 1 or s[1] in " \t,[]{}")):
        return False
    if ": " in s or " #" in s or s.endswith(":") or any(c < " " or c == "\x7f" for c in s):
        return False
    if flow and any(c in s for c in ",[]{}"):
        return False
    return not any(0x80 <= ord(c) < 0xA0 or c in "\ufeff\u2028\u2029" for c in s)


def quote(s: str, style: str = '"') -> str:
    if style == "'" and s.isprintable():
        return "'" + s.replace("'", "''") + "'"
    out = ['"']
    for c in s:
        o = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF or c in "\ufeff\u2028\u2029\ufffe\uffff":
            out.append(f"\\u{o:04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def spell_string(s: str, like_style: str | None, flow: bool = False) -> str:
    if like_style in ("'", '"'):
        return quote(s, like_style)
    return s if plain_ok(s, flow) else quote(s)


def spell_typed(value: Any, like_style: str | None, flow: bool = False) -> str:
    """A typed value (vLLM config, option maps) as a YAML token; strings keep the sibling's quoting."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)  # JSON is YAML flow style
    return spell_string(str(value), like_style, flow)


def _env_text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        raise ValueError("an environment variable holds a string")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---- text layout -------------------------------------------------------------------------------------


def _line_start(text: str, i: int) -> int:
    return max(text.rfind("\n", 0, i), text.rfind("\r", 0, i)) + 1


def _line_end(text: str, i: int) -> int:
    """Offset just after the line break of the line holding i (or the end of the text)."""
    n = len(text)
    j = i
    while j < n and text[j] not in "\r\n":
        j += 1
    if j >= n:
        return n
    return j + 2 if text.startswith("\r\n", j) else j + 1


def _first_on_line(text: str, i: int) -> bool:
    return not text[_line_start(text, i) : i].strip(" \t")


def _dash(text: str, item: YNode) -> int:
    """The `-` that opens a block sequence item (the item's own start when there is none to find)."""
    j = item.start - 1
    while j >= 0 and text[j] in " \t\r\n":
        j -= 1
    return j if j >= 0 and text[j] == "-" else item.start


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
                (c.start if self.flow else _dash(text, c), c.end) for c in container.children
            ]
        else:
            self.elements = [(k.start, v.end if not v.empty else k.end) for k, v in container.pairs]
        self.nodes: dict[int, tuple[YNode, ...]] = {}  # key_span start -> (element node(s)) for rendering

    # ---- layout ----------------------------------------------------------------------------------------
    def element_delete_span(self, idx: int) -> tuple[int, int]:
        text = self.unit.text
        if self.flow:
            return _element_delete_span(text, self.elements, idx)
        start, end = self.elements[idx]
        if _first_on_line(text, start):
            return _line_start(text, start), _line_end(text, end)
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
            if _own_line(text, start, end):
                return end, "," + self.unit.newline + " " * (start - _line_start(text, start)), ""
            sep = ", "
            if len(self.elements) > 1:
                j = min(self._element_index(anchor), len(self.elements) - 2)
                between = text[self.elements[j][1] : self.elements[j + 1][0]]
                if "\n" not in between and "\r" not in between:
                    sep = between
            return end, sep, ""
        offset = _line_end(text, end)
        if offset == len(text) and not text.endswith(("\n", "\r")):
            return offset, self.unit.newline, ""
        return offset, "", self.unit.newline

    def _indent(self, like: Setting) -> str:
        start = self.elements[self._element_index(like)][0]
        return " " * (start - _line_start(self.unit.text, start))

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
            if not _ENV_NAME.fullmatch(name):
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
            gap = text[_dash(text, item) + 1 : name_key.start]
            gap = gap if gap and not gap.strip(" ") else " "
            inner = " " * (name_key.start - _line_start(text, name_key.start))
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


def _env_list_scope(unit: Unit, seq: YNode, label: str) -> YamlScope | None:
    items = seq.children
    if not items or not all(i.kind == "map" and _scalar(i.get("name")) for i in items):
        return None
    scope = YamlScope(unit, "env", label, seq, "envlist")
    for idx, item in enumerate(items):
        name_key = next(k for k, v in item.pairs if k.kind == "scalar" and k.value == "name")
        name = item.get("name")
        value = item.get("value")
        if value is not None and value.kind == "scalar" and not value.empty:
            v, literal = value.value, value.tag in (None, "!", "!!str") and not _non_literal_text(value.value)
            value_span: tuple[int, int] | None = _span(value)
        elif value is not None and value.empty or value is None and item.get("valueFrom") is None:
            v, literal, value_span = "", True, None
        else:
            v, literal, value_span = None, False, None
        scope.nodes[name.token] = (item, name_key, name, value if value_span else None)
        add_env_setting(
            scope,
            name.value,
            v if literal else None,
            key_span=_span(name),
            value_span=value_span,
            delete_span=scope.element_delete_span(idx),
            raw_key=unit.text[name.token : name.end],
            literal=literal,
            style={"quote": value.style if value_span and value.style in ("'", '"') else None,
                   "key_quote": _key_style(name)},
        )
    return scope


def _scalar(node: YNode | None) -> bool:
    return node is not None and node.kind == "scalar" and not node.empty


def _env_map_scope(unit: Unit, mapping: YNode, label: str, names: re.Pattern) -> YamlScope | None:
    pairs = mapping.pairs
    if not pairs or not all(
        _scalar(k) and names.fullmatch(k.value) and v.kind in ("scalar", "alias") for k, v in pairs
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


def _compose_list_scope(unit: Unit, seq: YNode, label: str) -> YamlScope | None:
    items = seq.children
    if not items or not all(i.kind == "scalar" and _ENV_ITEM.match(i.value) for i in items):
        return None
    text = unit.text
    scope = YamlScope(unit, "env", label, seq, "composelist")
    for idx, item in enumerate(items):
        m = _ENV_ITEM.match(item.value)
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


def _typed_map_scope(unit: Unit, mapping: YNode, kind: str, label: str, form: str, ns: str) -> YamlScope:
    scope = YamlScope(unit, kind, label, mapping, form)
    text = unit.text
    dashes = []
    for idx, (k, v) in enumerate(mapping.pairs):
        if not _scalar(k) or v.empty:
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


def _is_vllm_config(root: YNode, path: str) -> bool:
    keys = root.keys()
    if not keys or {"apiVersion", "kind", "services"} & set(keys):
        return False
    flags = config_flag_names()
    names = [k.lstrip("-").replace("-", "_") for k in keys]
    known = sum(1 for n in names if n in flags)
    # Words like `model` or `task` are in every ML config; only vLLM-specific keys identify a vLLM config.
    distinctive = sum(1 for n in names if n in flags and n not in _GENERIC_KEYS)
    need = 1 if "vllm" in path.lower() else 2
    return distinctive >= need and known * 2 > len(keys)


def _is_option_map(node: YNode) -> bool:
    keys = node.keys()
    options = sum(1 for k in keys if k.startswith("option.") or k == "engine")
    return any(k.startswith("option.") for k in keys) and options * 2 > len(node.pairs)


def _container_label(parent: YNode | None, what: str) -> str:
    name = parent.get("name") if parent is not None and parent.kind == "map" else None
    return f"container {name.value} {what}" if _scalar(name) else what


def _owner_facts(owner: YNode, service: str | None) -> dict[str, Any]:
    """What the settings belong to: the container or service name and its image (rules read its version)."""
    facts: dict[str, Any] = {}
    for key in ("name", "image"):
        node = owner.get(key) if owner.kind == "map" else None
        if _scalar(node) and node.tag is None:
            facts["container" if key == "name" else key] = node.value
    if service is not None:
        facts.pop("container", None)
        facts["service"] = service
    return facts


def _document_scopes(unit: Unit, root: YNode, path: str) -> list[Scope]:
    scopes: list[Scope] = []
    if root.kind == "map" and _is_vllm_config(root, path):
        scope = _typed_map_scope(unit, root, "vllm-config", "vLLM config", "vllm", "vllm")
        return [scope] if scope.settings else []
    services = root.get("services") if root.kind == "map" else None
    compose_services: dict[int, str] = {}
    if services is not None and services.kind == "map":
        compose_services = {id(v): k.value for k, v in services.pairs if v.kind == "map"}
    for node, parent, key in _walk(root):
        if node.kind != "map":
            continue
        if _is_option_map(node):
            scopes.append(_typed_map_scope(unit, node, "lmi-map", key or "LMI options", "lmi", "lmi"))
            continue
        service = compose_services.get(id(node))
        for k, v in node.pairs:
            if not _scalar(k) or k.value not in ENV_KEYS:
                continue
            scope = None
            if service is not None and k.value == "environment":
                label = f"service {service} environment"
                if v.kind == "map":
                    scope = _env_map_scope(unit, v, label, _ENV_NAME)
                elif v.kind == "seq":
                    scope = _compose_list_scope(unit, v, label)
            elif v.kind == "seq":
                label = _container_label(node, k.value)
                scope = _env_list_scope(unit, v, label) or _compose_list_scope(unit, v, label)
            elif v.kind == "map":
                scope = _env_map_scope(unit, v, _container_label(node, k.value), _UPPER_NAME)
            if scope is not None:
                scope.facts.update(_owner_facts(node, service))
                scopes.append(scope)
        cli: list[Scope] = []
        if service is not None:
            cli = _compose_cli_scopes(unit, node, service)
        elif node.get("command") is not None or node.get("args") is not None:
            cli = _container_cli_scopes(unit, node, _container_label(node, "").strip() or "container")
        for scope in cli:
            scope.facts.update(_owner_facts(node, service))
        scopes.extend(cli)
    scopes.sort(key=lambda s: s.span[0])
    return scopes


# ---- command lines -----------------------------------------------------------------------------------

_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh"})
_K8S_VAR = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_]*\)")  # Kubernetes expands $(VAR) in command and args


class YamlSeqSyntax(cmdline.WordSyntax):
    """Words that are the items of one or two YAML sequences (k8s command + args), block or flow."""

    def __init__(self, text: str, seqs: list[YNode]):
        self.text = text
        self.where: dict[tuple[int, int], tuple[YNode, int]] = {}
        self.styles: dict[int, str | None] = {}  # id(seq) -> the quoting most of its items use
        for seq in seqs:
            styles = []
            for idx, item in enumerate(seq.children):
                self.where[(item.token, item.end)] = (seq, idx)
                styles.append(item.style if item.style in ("'", '"') else None)
            self.styles[id(seq)] = max(styles, key=styles.count) if styles else None
        self.style = self.styles[id(seqs[-1])]  # values replaced in place: the style of the flags' list
        self.flow = seqs[-1].flow

    def quote(self, value: str) -> str:
        return spell_string(value, self.style, self.flow)

    def _locate(self, words: list[cmdline.Word], i: int) -> tuple[YNode, int]:
        loc = self.where.get(words[i].span)
        if loc is None:
            raise ValueError("the word is not an item of a YAML sequence")
        return loc

    def _item_lines(self, seq: YNode, idx: int) -> tuple[int, int, str]:
        """Line start and line end of a block item, and the text before its value (`  - `)."""
        item = seq.children[idx]
        dash = _dash(self.text, item)
        if dash == item.start or not _first_on_line(self.text, dash):
            raise ValueError("sequence item does not start its own line")
        gap = self.text[dash + 1 : item.start]
        gap = gap if gap and not gap.strip(" ") else " "
        start = _line_start(self.text, dash)
        return start, _line_end(self.text, item.end), " " * (dash - start) + "-" + gap

    def _flow_sep(self, seq: YNode) -> str:
        items = seq.children
        if len(items) > 1:
            between = self.text[items[0].end : items[1].start]
            if "\n" not in between and "\r" not in between and between.strip(" ") == ",":
                return between
        return ", "

    def insert_after(self, unit_text: str, words: list[cmdline.Word], i: int, new_words: list[str]) -> TextEdit:
        before = i < 0 or words[i].span not in self.where
        if before:  # after an implicit entrypoint word: before the first real item
            k = next((k for k in range(max(i + 1, 0), len(words)) if words[k].span in self.where), None)
            if k is None:
                raise ValueError("no sequence item to insert next to")
            seq, idx = self._locate(words, k)
        else:
            seq, idx = self._locate(words, i)
        item = seq.children[idx]
        quoted = [spell_string(w, self.styles[id(seq)], seq.flow) for w in new_words]
        if seq.flow:
            sep = self._flow_sep(seq)
            if before:
                return TextEdit(item.start, item.start, "".join(q + sep for q in quoted))
            return TextEdit(item.end, item.end, "".join(sep + q for q in quoted))
        start, end, lead = self._item_lines(seq, idx)
        nl = _newline_of(unit_text)
        lines = [lead + q for q in quoted]
        if before:
            return TextEdit(start, start, "".join(line + nl for line in lines))
        if end == len(unit_text) and not unit_text.endswith(("\n", "\r")):
            return TextEdit(end, end, "".join(nl + line for line in lines))
        return TextEdit(end, end, "".join(line + nl for line in lines))

    def delete_words(self, unit_text: str, words: list[cmdline.Word], i: int, j: int) -> TextEdit:
        seq, a = self._locate(words, i)
        seq2, b = self._locate(words, j - 1)
        if seq2 is not seq:
            raise ValueError("the words span two YAML sequences")
        b += 1
        items = seq.children
        if seq.flow:
            if b < len(items):
                return TextEdit(items[a].start, items[b].start, "")
            if a > 0:
                return TextEdit(items[a - 1].end, items[b - 1].end, "")
            return TextEdit(items[a].start, items[b - 1].end, "")
        return TextEdit(self._item_lines(seq, a)[0], self._item_lines(seq, b - 1)[1], "")


class EmbeddedShellSyntax(cmdline.ShellSyntax):
    """Shell words inside a YAML scalar: refuse text the scalar's style cannot hold as is."""

    def __init__(self, style: str | None, flow: bool):
        self.style = style
        self.flow = flow

    def _check(self, content: str) -> str:
        bad = {'"': '"\\', "'": "'"}.get(self.style or "", "")
        if self.style is None:
            flow_bad = self.flow and any(c in content for c in ",[]{}")
            if "#" in content or ": " in content or content.endswith(":") or flow_bad:
                raise ValueError("text cannot be written inside a plain YAML scalar")
        if any(c in content for c in bad):
            raise ValueError("text cannot be written inside this quoted YAML scalar")
        return content

    def quote(self, value: str) -> str:
        q = cmdline.shell_quote(value)
        if self.style == "'" and "'" in q and not re.search(r'[$`"\\!]', value):
            q = '"' + value + '"'
        return self._check(q)

    def insert_after(self, unit_text, words, i, new_words):
        e = super().insert_after(unit_text, words, i, new_words)
        self._check(e.content)
        return e


def _newline_of(text: str) -> str:
    from lmimigrate.surfaces import detect_newline

    return detect_newline(text)


def _scalar_words(unit: Unit, node: YNode) -> tuple[list[list[cmdline.Word]], EmbeddedShellSyntax] | None:
    """Shell commands of a script held by a YAML scalar, with spans into the file, when they can be edited."""
    if node.kind != "scalar" or node.tag is not None or node.empty:
        return None
    text = unit.text
    if node.style in ("'", '"'):
        a, b = node.token + 1, node.end - 1
    elif node.style in ("|", ">"):
        a, b = _line_end(text, node.token), node.end
    else:
        a, b = node.token, node.end
    try:
        commands = cmdline.shell_words(text, a, b)
        expected = cmdline.shell_words(node.value, 0, len(node.value))
    except ParseError:
        return None
    # Indentation, folding and escapes make the source differ from the value; the words must still agree.
    if [[w.value for w in c] for c in commands] != [[w.value for w in c] for c in expected]:
        return None
    return commands, EmbeddedShellSyntax(node.style, _in_flow(node, text))


def _in_flow(node: YNode, text: str) -> bool:
    return node.style is None and text[node.end : node.end + 1] in (",", "]", "}")


def _seq_words(seq: YNode | None) -> list[cmdline.Word] | None:
    if seq is None:
        return []
    if seq.kind != "seq" or not all(i.kind == "scalar" and i.tag in (None, "!", "!!str") for i in seq.children):
        return None
    return [cmdline.Word(i.value, (i.token, i.end), not _K8S_VAR.search(i.value)) for i in seq.children]


def _cli_from_words(unit: Unit, words: list[cmdline.Word], syntax: cmdline.WordSyntax, label: str) -> list[Scope]:
    try:
        scope = cmdline.vllm_scope(unit, words, syntax, label)
    except ValueError:  # e.g. a flag and its value split between `command` and `args`
        return []
    return [scope] if scope is not None else []


def _script_scopes(unit: Unit, node: YNode, label: str, implicit: bool = False) -> list[Scope]:
    """vLLM launches in a shell script scalar; with `implicit`, a script of bare flags is the image's server."""
    found = _scalar_words(unit, node)
    if found is None:
        return []
    commands, syntax = found
    out: list[Scope] = []
    for words in commands:
        if implicit and len(commands) == 1 and words and words[0].value.startswith("-"):
            out.extend(_implicit_scopes(unit, words, syntax, label))
        elif words:
            out.extend(_cli_from_words(unit, words, syntax, label))
    return out


def _implicit_scopes(unit: Unit, words: list[cmdline.Word], syntax: cmdline.WordSyntax, label: str) -> list[Scope]:
    at = words[0].span[0]
    words = [cmdline.Word("vllm", (at, at)), cmdline.Word("serve", (at, at))] + words
    scopes = _cli_from_words(unit, words, syntax, label)
    for s in scopes:
        s.facts["implicit_entrypoint"] = True
    return scopes


def _implicit_vllm(node: YNode) -> bool:
    """An image whose entrypoint is the vLLM server (vllm/vllm-openai and friends): args alone are its flags."""
    image = node.get("image")
    return _scalar(image) and "vllm-openai" in image.value


def _words_scopes(unit: Unit, node: YNode, first: YNode | None, second: YNode | None, label: str) -> list[Scope]:
    """Scopes for an entrypoint-like list (`command`/`entrypoint`) followed by an args-like one."""
    first_words, second_words = _seq_words(first), _seq_words(second)
    if first_words is None or second_words is None:
        return []
    words = first_words + second_words
    if not words:
        return []
    shell = words[0].literal and words[0].value.rsplit("/", 1)[-1] in _SHELLS
    if shell:
        items = [i for seq in (first, second) if seq is not None for i in seq.children]
        for k in (1, 2):
            if k + 1 < len(items) and re.fullmatch(r"-[a-z]*c[a-z]*", items[k].value):
                return _script_scopes(unit, items[k + 1], label)
        return []
    seqs = [s for s in (first, second) if s is not None]
    syntax = YamlSeqSyntax(unit.text, seqs)
    if first is None and _implicit_vllm(node):
        return _implicit_scopes(unit, words, syntax, label)
    return _cli_from_words(unit, words, syntax, label)


def _container_cli_scopes(unit: Unit, node: YNode, label: str) -> list[Scope]:
    command, args = node.get("command"), node.get("args")
    if command is not None and command.kind == "scalar" or args is not None and args.kind == "scalar":
        return []  # not a Kubernetes container (a string here is some other tool's schema)
    return _words_scopes(unit, node, command, args, label + " command")


def _compose_cli_scopes(unit: Unit, service: YNode, name: str) -> list[Scope]:
    label = f"service {name} command"
    entrypoint, command = service.get("entrypoint"), service.get("command")
    out: list[Scope] = []
    for node in (entrypoint, command):
        if node is not None and node.kind == "scalar":
            implicit = node is command and entrypoint is None and _implicit_vllm(service)
            out.extend(_script_scopes(unit, node, label, implicit))
    lists = [n if n is not None and n.kind == "seq" else None for n in (entrypoint, command)]
    if any(lists) and not out:
        out.extend(_words_scopes(unit, service, lists[0], lists[1], label))
    return out


def _template_error(text: str) -> ParseError | None:
    """Helm/Jinja markup anywhere makes the file a template: its settings are only known after rendering, and a
    rewrite could break the template, so it is reported as skipped and never rewritten."""
    m = _TEMPLATE.search(text)
    if m is None:
        return None
    err = ParseError("templated YAML ({{ }}) is not parsed; skipped", offset=m.start())
    err.template = True
    return err


def parse(unit: Unit, path: str = "") -> None:
    text = unit.text
    err = _template_error(text)
    if err is not None:
        raise err
    docs = compose(text)
    for root in docs:
        unit.scopes.extend(_document_scopes(unit, root, path))


def parse_file(path: str, text: str) -> ParsedFile:
    """Like the generic dispatch, but the file name helps recognise a vLLM config (`vllm.yaml`)."""
    from lmimigrate.surfaces import detect_newline

    unit = Unit(text=text, surface="yaml", newline=detect_newline(text))
    parse(unit, path)
    return ParsedFile(path=path, units=[unit])
