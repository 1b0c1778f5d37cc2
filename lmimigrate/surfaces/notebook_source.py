"""A code cell's `source` in the raw .ipynb text: reading it, and writing an edited cell back as small edits of
the raw JSON.

An edited cell is not re-rendered: list items whose line did not change keep their bytes, and a changed line
keeps the bytes (escapes included) of its unchanged beginning and end; only the changed characters are
written, in the notebook's style (ASCII escapes or not). Lone surrogates (`\\ud800`, which JSON allows and
Python decodes as is) are always written as escapes, since they cannot be encoded as UTF-8.
"""

from __future__ import annotations

import json

from lmimigrate.surfaces.jsonpos import JNode
from lmimigrate.core.patterns import lazy_pattern

_LONE_SURROGATE = lazy_pattern("[\ud800-\udfff]")


class Source:
    """A cell's `source` JSON value and how it is written."""

    def __init__(self, node: JNode):
        self.node = node
        self.is_list = node.kind == "array"
        self.text: str = "".join(i.value for i in node.items or ()) if self.is_list else node.value


def split_style(src: Source) -> str:
    values = [i.value for i in src.node.items or ()]
    if values == src.text.splitlines(True):
        return "splitlines"
    return "single" if len(values) == 1 and "\n" in src.text.rstrip("\n") else "newline"


def split(text: str, style: str) -> list[str]:
    if not text:
        return []
    if style == "splitlines":
        return text.splitlines(True)
    if style == "single":
        return [text]
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def list_layout(file_text: str, nodes: list[JNode]) -> tuple[str, str, str]:
    """(after `[`, between items, before `]`) copied from the first source list with two or more items,
    else one item, else nbformat's default for a cell source (indent 1)."""
    best = None
    for node in nodes:
        if node.kind != "array" or not node.items:
            continue
        items = node.items
        lead = file_text[node.start + 1 : items[0].start]
        trail = file_text[items[-1].end : node.end - 1]
        if len(items) >= 2:
            return lead, file_text[items[0].end : items[1].start], trail
        if best is None:
            best = (lead, "," + lead, trail)
    return best or ("\n    ", ",\n    ", "\n   ")


def dumps(value: str, ascii_only: bool) -> str:
    """`value` as a JSON string token; lone surrogates escaped even when other characters are written raw."""
    out = json.dumps(value, ensure_ascii=ascii_only)
    return out if ascii_only else _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


def raw_offset(file_text: str, token_start: int, k: int) -> int:
    """The file offset of decoded character `k` of the JSON string token at `token_start` (escapes such as
    `\\n`, `\\"` and `\\u00e9` take several characters of the file for one of the cell)."""
    i = token_start + 1
    for _ in range(k):
        if file_text[i] != "\\":
            i += 1
        elif file_text[i + 1] != "u":
            i += 2
        else:
            high = int(file_text[i + 2 : i + 6], 16)
            pair = 0xD800 <= high < 0xDC00 and file_text.startswith("\\u", i + 6)
            i += 12 if pair and 0xDC00 <= int(file_text[i + 8 : i + 12], 16) < 0xE000 else 6
    return i


Edit = tuple[int, int, str]  # (start, end, replacement) in the raw file text


def _token_edit(file_text: str, token: JNode, new: str, ascii_only: bool) -> list[Edit]:
    """The edit turning string token `token` into one holding `new`: only the characters between the common
    beginning and the common end are rewritten, so the escapes around them keep their bytes."""
    old = token.value
    if old == new:
        return []
    a = 0
    limit = min(len(old), len(new))
    while a < limit and old[a] == new[a]:
        a += 1
    b = 0
    while b < limit - a and old[-1 - b] == new[-1 - b]:
        b += 1
    start = raw_offset(file_text, token.start, a)
    end = raw_offset(file_text, start - 1, len(old) - b - a)  # continue the walk from `start`
    return [(start, end, dumps(new[a : len(new) - b], ascii_only)[1:-1])]


def _layout(src: Source, layout: tuple[str, str, str], file_text: str) -> tuple[str, str, str]:
    """The list's own (lead, between, trail) where it has them, else `layout` (the notebook's)."""
    items = src.node.items
    if not items:
        return layout
    lead = file_text[src.node.start + 1 : items[0].start]
    trail = file_text[items[-1].end : src.node.end - 1]
    between = file_text[items[0].end : items[1].start] if len(items) >= 2 else layout[1]
    if len(items) == 1 and not lead.strip() and "\n" not in lead:
        between = ", "
    return lead, between, trail


def _render(src: Source, lines: list[str], layout: tuple[str, str, str], ascii_only: bool, file_text: str) -> str:
    """The whole `source` list, for a cell whose list was or becomes empty."""
    if not lines:
        return "[]"
    lead, between, trail = _layout(src, layout, file_text)
    return "[" + lead + between.join(dumps(line, ascii_only) for line in lines) + trail + "]"


def _list_edits(src: Source, lines: list[str], layout: tuple[str, str, str], ascii_only: bool,
                file_text: str) -> list[Edit]:
    items = src.node.items
    if not items or not lines:
        return [(src.node.start, src.node.end, _render(src, lines, layout, ascii_only, file_text))]
    between = _layout(src, layout, file_text)[1]
    old = [i.value for i in items]
    # Lines kept at the beginning and end are not looked at again; the rest is aligned line by line.
    p = 0
    while p < min(len(old), len(lines)) and old[p] == lines[p]:
        p += 1
    s = 0
    while s < min(len(old), len(lines)) - p and old[-1 - s] == lines[-1 - s]:
        s += 1
    if len(old) - s - p == len(lines) - s - p:
        ops = [("replace", p, len(old) - s, p, len(lines) - s)]
    else:
        from difflib import SequenceMatcher

        matcher = SequenceMatcher(None, old[p : len(old) - s], lines[p : len(lines) - s], autojunk=False)
        ops = [(tag, i1 + p, i2 + p, j1 + p, j2 + p) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)  # changed lines are edited in place, character by character
        for k in range(paired):
            edits += _token_edit(file_text, items[i1 + k], lines[j1 + k], ascii_only)
        i1, j1 = i1 + paired, j1 + paired
        if j1 < j2:  # lines added after item i1 - 1 (or before the first item)
            added = between.join(dumps(line, ascii_only) for line in lines[j1:j2])
            if i1 < len(items):
                edits.append((items[i1].start, items[i1].start, added + between))
            else:
                edits.append((items[-1].end, items[-1].end, between + added))
        elif i1 < i2:  # items removed, with the separator before the next item (or after the previous one)
            if i2 < len(items):
                edits.append((items[i1].start, items[i2].start, ""))
            else:
                edits.append((items[i1 - 1].end, items[i2 - 1].end, ""))
    return edits


def edits(src: Source, new: str, layout: tuple[str, str, str], ascii_only: bool, file_text: str) -> list[Edit]:
    """The raw-text edits that make the cell's source hold `new`, in file order."""
    if not src.is_list:
        return _token_edit(file_text, src.node, new, ascii_only)
    style = split_style(src) if src.node.items else "splitlines"
    return _list_edits(src, split(new, style), layout, ascii_only, file_text)
