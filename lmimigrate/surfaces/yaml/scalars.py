"""YAML scalar values: what a plain scalar means (vLLM reads --config files with PyYAML, YAML 1.1), and how to
spell a string or typed value so that it reads back the same."""

from __future__ import annotations

from lmimigrate.surfaces.yaml.tree import YNode
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

# vLLM loads --config files with PyYAML (YAML 1.1): its resolver decides what a plain scalar means.
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = lazy_pattern(r"[-+]?(?:0|[1-9][0-9_]*)")
_HEX = lazy_pattern(r"[-+]?0x[0-9a-fA-F_]+")
_FLOAT = lazy_pattern(r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
# Anything either YAML 1.1 or 1.2 might read as a non-string must be quoted when written as a string.
_NUMBERISH = lazy_pattern(r"[-+]?(?:[0-9][0-9_:]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?|[-+]?0[xob][0-9a-fA-F_]+")
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
