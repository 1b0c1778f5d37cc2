"""A YAML scalar's source text as the text it holds, and back: the host side of an embedding
(`lmimigrate.surfaces.embed`).

`decode` maps every character of a scalar's value to where it sits in the file (a literal block's indentation
removed, a quoted scalar's escapes undone). `encode` writes new content back by keeping the source of the
unchanged prefix and suffix byte for byte and spelling only the changed middle in the scalar's style, then
composes the document again and checks that the scalar now holds exactly the new content; when the style cannot
hold it (a line break in a plain or single-quoted scalar, `: ` in a plain one) it raises ValueError, so the fix
is dropped and the finding stays.

Read: plain and single-quoted scalars on one line, double-quoted ones on one line (every YAML escape), literal
blocks (`|`, `|-`, `|+`) without an indentation indicator. Not read: folded blocks (`>`, whose line breaks are
not the value's) and multi-line flow scalars (folded too).
"""

from __future__ import annotations

from lmimigrate.core.ftypes import ParseError
from lmimigrate.surfaces.text import next_line
from lmimigrate.surfaces.yaml.scalars import quote
from lmimigrate.surfaces.yaml.tree import YNode, compose_span, walk
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Callable

_SIMPLE_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


class ScalarText:
    """The decoded content of one scalar, with the map back into the file."""

    def __init__(self, text: str, node: YNode, doc: tuple[int, int], span: tuple[int, int],
                 decoded: str, starts: list[int], spell: Callable[[str, str], str]):
        self.host = text
        self.node = node
        self.doc = doc
        self.span = span
        self.text = decoded
        self.starts = starts  # host offset of each decoded character, then span[1]
        self._spell = spell

    def to_host(self, offset: int) -> int:
        if offset >= len(self.text):
            return self.span[1]
        return self.starts[max(offset, 0)]

    def encode(self, new: str) -> str:
        old = self.text
        p = 0
        limit = min(len(old), len(new))
        while p < limit and old[p] == new[p]:
            p += 1
        s = 0
        while s < limit - p and old[-1 - s] == new[-1 - s]:
            s += 1
        a, b = self.span
        middle = new[p : len(new) - s]
        after = new[len(new) - s] if s else ""
        encoded = (self.host[a : self.to_host(p)] + self._spell(middle, after)
                   + self.host[self.to_host(len(old) - s) : b])
        self._verify(encoded, new)
        return encoded

    def _verify(self, encoded: str, new: str) -> None:
        """The edited document still parses and the scalar holds exactly `new`."""
        a, b = self.span
        start, end = self.doc
        text = self.host[:a] + encoded + self.host[b:]
        try:
            docs = compose_span(text, start, end + len(encoded) - (b - a))
        except ParseError:
            raise ValueError("the YAML document would not parse") from None
        token = self.node.token
        found = next((n for root in docs for n, _, _ in walk(root) if n.kind == "scalar" and n.token == token), None)
        want = new.replace("\r\n", "\n").replace("\r", "\n")
        if found is None or found.style != self.node.style or _body(found) != _body_of(want, found.style):
            raise ValueError("the YAML scalar cannot hold this text in its style")


def _body(node: YNode) -> str:
    return _body_of(node.value, node.style)


def _body_of(value: str, style: str | None) -> str:
    # A block's trailing line breaks belong to its chomping, not to the content edited here.
    return value.rstrip("\n") if style in ("|", ">") else value


def decode(text: str, node: YNode, doc: tuple[int, int]) -> ScalarText | None:
    """The scalar's content, or None when its layout is not one this module maps exactly."""
    if node.kind != "scalar" or node.empty or node.tag not in (None, "!", "!!str") or node.anchor:
        return None
    if node.style == "|":
        return _literal_block(text, node, doc)
    if node.style in ("'", '"', None):
        a, b = (node.token + 1, node.end - 1) if node.style else (node.token, node.end)
        if a > b or any(c in text[a:b] for c in "\r\n"):
            return None  # a multi-line flow scalar is folded
        decoded, starts = (_double_quoted(text, a, b) if node.style == '"' else _single_quoted(text, a, b))
        if decoded != node.value:
            return None
        spell = {'"': _spell_double, "'": _spell_single, None: _spell_plain}[node.style]
        return ScalarText(text, node, doc, (a, b), decoded, starts + [b], spell)
    return None


def _literal_block(text: str, node: YNode, doc: tuple[int, int]) -> ScalarText | None:
    header_end = next_line(text, node.token)
    header = text[node.token : header_end].split("#", 1)[0].strip()
    if any(c.isdigit() for c in header) or header_end >= node.end:
        return None  # an indentation indicator, or an empty block
    a, b = header_end, node.end
    first = a
    while first < b and text[first] in "\r\n":
        first += 1
    indent_end = first
    while indent_end < b and text[indent_end] == " ":
        indent_end += 1
    width = indent_end - first
    if width == 0:
        return None
    out: list[str] = []
    starts: list[int] = []
    i = a
    while i < b:
        line_end = next_line(text, i)
        brk = line_end
        while brk > i and text[brk - 1] in "\r\n":
            brk -= 1
        content = i + width if text[i : i + width] == " " * width else None
        if content is None:
            if text[i:brk].strip(" "):
                return None  # a line indented less than the block: not this block's content
            content = brk  # a blank line: only its line break is content
        piece_end = min(line_end, b)
        out.append(text[content:piece_end])
        starts.extend(range(content, piece_end))
        i = line_end
    decoded = "".join(out)
    if decoded.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") != node.value.rstrip("\n"):
        return None
    indent = " " * width

    def spell(middle: str, after: str) -> str:
        if "\t" in middle[:1] or any(c in middle for c in "\x00\ufeff"):
            raise ValueError("text cannot be written in a literal block")
        pieces = middle.splitlines(keepends=True)
        out: list[str] = []
        for k, piece in enumerate(pieces):
            out.append(piece)
            nxt = pieces[k + 1][:1] if k + 1 < len(pieces) else after
            if piece.endswith(("\n", "\r")) and nxt not in ("", "\n", "\r"):
                out.append(indent)
        return "".join(out)

    return ScalarText(text, node, doc, (a, b), decoded, starts + [b], spell)


def _double_quoted(text: str, a: int, b: int) -> tuple[str, list[int]]:
    out: list[str] = []
    starts: list[int] = []
    i = a
    while i < b:
        c = text[i]
        if c != "\\":
            out.append(c)
            starts.append(i)
            i += 1
            continue
        e = text[i + 1 : i + 2]
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            starts.append(i)
            i += 2
        elif e in _HEX_ESCAPES:
            n = _HEX_ESCAPES[e]
            digits = text[i + 2 : i + 2 + n]
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                return "", []  # never equal to the value: not read
            starts.append(i)
            i += 2 + n
        else:
            return "", []
    return "".join(out), starts


def _single_quoted(text: str, a: int, b: int) -> tuple[str, list[int]]:
    out: list[str] = []
    starts: list[int] = []
    i = a
    while i < b:
        out.append(text[i])
        starts.append(i)
        i += 2 if text.startswith("''", i) else 1
    return "".join(out), starts


def _spell_double(middle: str, after: str) -> str:
    return quote(middle, '"')[1:-1]


def _spell_single(middle: str, after: str) -> str:
    if not middle.isprintable() and middle:
        raise ValueError("a single-quoted YAML scalar on one line cannot hold this text")
    return middle.replace("'", "''")


def _spell_plain(middle: str, after: str) -> str:
    if any(c in middle for c in "\r\n"):
        raise ValueError("a plain YAML scalar on one line cannot hold a line break")
    return middle
