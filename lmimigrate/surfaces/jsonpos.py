"""A strict JSON parser (RFC 8259) that keeps the source span of every value.

`json.loads` loses positions, and edits must be minimal text splices, so surfaces that rewrite JSON (the JSON
surface, notebooks) parse with this instead. Strict means nothing beyond RFC 8259: no comments, no trailing
commas, no NaN/Infinity, no single quotes, no BOM (the engine strips it before parsing), whitespace is only
space, tab, LF and CR. Duplicate object keys are kept in order (the RFC allows them).

The parser is iterative with an explicit stack, and refuses nesting deeper than MAX_DEPTH with a ParseError, so
hostile input can neither overflow the C stack here nor in the recursive walkers of whoever uses the tree.
"""

from __future__ import annotations

from lmimigrate.core.record import record

from lmimigrate.core.ftypes import ParseError
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Iterator

MAX_DEPTH = 256
CONTAINERS = ("object", "array")

_WS = " \t\n\r"
_NUMBER = lazy_pattern(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_PLAIN = lazy_pattern(r'[^"\\\x00-\x1f]*')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX4 = lazy_pattern(r"[0-9a-fA-F]{4}")
_LITERALS: dict[str, tuple[str, Any]] = {"t": ("true", True), "f": ("false", False), "n": ("null", None)}


@record(eq=False)
class JNode:
    """One JSON value; [start, end) are offsets of its source text (quotes and brackets included)."""

    kind: str  # "object" | "array" | "string" | "number" | "true" | "false" | "null"
    start: int
    end: int
    value: Any = None  # the python value of a scalar; None for containers
    members: list[tuple["JNode", "JNode"]] | None = None  # object: (key string node, value node), in order
    items: list["JNode"] | None = None  # array

    def get(self, key: str) -> "JNode | None":
        """The value of the last member named `key` (JSON parsers agree on last-wins), or None."""
        found = None
        for k, v in self.members or ():
            if k.value == key:
                found = v
        return found


def parse(text: str, start: int = 0) -> JNode:
    """Parse the JSON text starting at `start`; only whitespace may follow the value. Raises ParseError."""
    node, end = parse_prefix(text, start)
    end = _skip_ws(text, end)
    if end != len(text):
        raise ParseError("unexpected data after the JSON value", offset=end)
    return node


def parse_prefix(text: str, start: int = 0) -> tuple[JNode, int]:
    """Parse one JSON value at `start` (after optional whitespace); return it and the offset just after it."""
    n = len(text)
    stack: list[list[Any]] = []  # [container node, pending key node (objects)]
    i = _skip_ws(text, start)
    while True:
        # Parse a value at i: a scalar, an empty container, or open a container and loop for its first value.
        ch = text[i] if i < n else ""
        if ch == "{" or ch == "[":
            if len(stack) >= MAX_DEPTH:
                raise ParseError("JSON nested too deeply", offset=i)
            is_obj = ch == "{"
            node = JNode("object" if is_obj else "array", i, -1, None, [] if is_obj else None, None if is_obj else [])
            i = _skip_ws(text, i + 1)
            close = "}" if is_obj else "]"
            if i < n and text[i] == close:
                node.end = i + 1
                i += 1
                value = node
            else:
                frame: list[Any] = [node, None]
                stack.append(frame)
                if is_obj:
                    frame[1], i = _member_key(text, i)
                continue
        else:
            value, i = _scalar(text, i)
        # A value is complete: attach it to its container, then close every container that ends here.
        while True:
            if not stack:
                return value, i
            frame = stack[-1]
            parent = frame[0]
            if parent.kind == "object":
                parent.members.append((frame[1], value))
            else:
                parent.items.append(value)
            i = _skip_ws(text, i)
            c = text[i] if i < n else ""
            if c == ",":
                i = _skip_ws(text, i + 1)
                if parent.kind == "object":
                    frame[1], i = _member_key(text, i)
                break
            close = "}" if parent.kind == "object" else "]"
            if c == close:
                parent.end = i + 1
                i += 1
                stack.pop()
                value = parent
                continue
            what = "end of input" if not c else repr(c)
            raise ParseError(f"expected ',' or '{close}', found {what}", offset=i)


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WS:
        i += 1
    return i


def _member_key(text: str, i: int) -> tuple[JNode, int]:
    """A member's key string and the ':' after it; returns the key and the offset of the member's value."""
    if i >= len(text) or text[i] != '"':
        raise ParseError("expected a string member name", offset=i)
    key, i = _string(text, i)
    i = _skip_ws(text, i)
    if i >= len(text) or text[i] != ":":
        raise ParseError("expected ':' after the member name", offset=i)
    return key, _skip_ws(text, i + 1)


def _scalar(text: str, i: int) -> tuple[JNode, int]:
    ch = text[i] if i < len(text) else ""
    if ch == '"':
        return _string(text, i)
    if ch in _LITERALS:
        word, value = _LITERALS[ch]
        if text.startswith(word, i):
            return JNode(word, i, i + len(word), value), i + len(word)
        raise ParseError("invalid literal", offset=i)
    m = _NUMBER.match(text, i)
    if m and ch:
        raw = m.group()
        if m.group(1) or m.group(2):
            value = float(raw)
        else:
            try:
                value = int(raw)
            except ValueError:  # beyond int's digit limit: still valid JSON
                value = float(raw)
        return JNode("number", i, m.end(), value), m.end()
    if not ch:
        raise ParseError("unexpected end of input, expected a value", offset=i)
    raise ParseError(f"expected a value, found {ch!r}", offset=i)


def _string(text: str, i: int) -> tuple[JNode, int]:
    start = i
    i += 1
    n = len(text)
    parts: list[str] = []
    while True:
        m = _PLAIN.match(text, i)
        assert m is not None  # (it matches the empty string)
        parts.append(m.group())
        i = m.end()
        if i >= n:
            raise ParseError("unterminated string", offset=start)
        ch = text[i]
        if ch == '"':
            return JNode("string", start, i + 1, "".join(parts)), i + 1
        if ch != "\\":
            raise ParseError("control character in string", offset=i)
        esc = text[i + 1] if i + 1 < n else ""
        if esc in _ESCAPES:
            parts.append(_ESCAPES[esc])
            i += 2
            continue
        if esc == "u" and _HEX4.fullmatch(text, i + 2, i + 6):
            code = int(text[i + 2 : i + 6], 16)
            i += 6
            # A surrogate pair spells one astral character; a lone surrogate is kept as is (RFC 8259 §8.2).
            if 0xD800 <= code < 0xDC00 and text.startswith("\\u", i) and _HEX4.fullmatch(text, i + 2, i + 6):
                low = int(text[i + 2 : i + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
            parts.append(chr(code))
            continue
        raise ParseError("invalid escape in string", offset=i)


def to_python(node: JNode) -> Any:
    """The plain Python value of a node (dicts keep the last of duplicate keys, like `json.loads`)."""
    if node.kind not in CONTAINERS:
        return node.value
    root: Any = {} if node.kind == "object" else []
    stack = [(node, root)]
    while stack:
        n, out = stack.pop()
        pairs = ((k.value, v) for k, v in n.members or ()) if n.kind == "object" else enumerate(n.items or ())
        for key, child in pairs:
            if child.kind in CONTAINERS:
                value: Any = {} if child.kind == "object" else []
                stack.append((child, value))
            else:
                value = child.value
            if n.kind == "object":
                out[key] = value
            else:
                out.append(value)
    return root


def walk(node: JNode) -> Iterator[tuple[JNode, list[str | int]]]:
    """Every node with its path of keys/indexes from `node`, in document order."""
    stack: list[tuple[JNode, list[str | int]]] = [(node, [])]
    while stack:
        n, path = stack.pop()
        yield n, path
        if n.kind == "object":
            stack.extend((v, path + [k.value]) for k, v in reversed(n.members or []))
        elif n.kind == "array":
            stack.extend((v, path + [j]) for j, v in reversed(list(enumerate(n.items or ()))))
