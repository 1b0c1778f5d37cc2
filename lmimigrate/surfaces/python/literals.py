"""Python source text: ast offsets to str offsets, the gaps between tokens, literal spelling (quote style kept),
and bracketed item lists (`Items`) that delete and insert arguments or dict entries with their layout."""

from __future__ import annotations

import ast

from lmimigrate.core.ftypes import TextEdit
from lmimigrate.surfaces.text import line_end, line_start, next_line
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

_STR_PREFIX = lazy_pattern(r"[rRbBuUfF]{0,2}(['\"])")


# ---- offsets ------------------------------------------------------------------------------------------


class Offsets:
    """ast (1-based line, UTF-8 byte column) -> str offset. Lines end at \\n, \\r\\n or \\r, as for ast."""

    def __init__(self, text: str, starts: list[int]):
        self.text = text
        self.starts = starts
        self._ascii: dict[int, bool] = {}
        self._all_ascii = text.isascii()  # (most source files: byte columns are str columns)

    def at(self, line: int, col: int) -> int:
        if self._all_ascii:
            return self.starts[line - 1] + col
        start = self.starts[line - 1]
        ascii_ = self._ascii.get(line)
        if ascii_ is None:
            end = self.starts[line] if line < len(self.starts) else len(self.text)
            ascii_ = self._ascii[line] = self.text[start:end].isascii()
        if ascii_:
            return start + col
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return start + len(self.text[start:end].encode("utf-8")[:col].decode("utf-8", "ignore"))

    def span(self, node: Any) -> tuple[int, int]:  # any located node (expr, stmt, keyword, arg, alias)
        return self.at(node.lineno, node.col_offset), self.at(node.end_lineno, node.end_col_offset)

    def end_of(self, node: Any) -> int:
        return self.at(node.end_lineno, node.end_col_offset)


# ---- text helpers ---------------------------------------------------------------------------------------

# One copy of the line helpers for every surface (surfaces/text.py); the names this package uses.
_line_start, _line_end, _after_eol = line_start, line_end, next_line


def _significant(text: str, a: int, b: int) -> list[tuple[int, str]]:
    """Significant characters in a gap between tokens: skips blanks, line breaks, continuations, comments."""
    out = []
    i = a
    while i < b:
        ch = text[i]
        if ch in " \t\f\r\n\\":
            i += 1
        elif ch == "#":
            i = _line_end(text, i)
        else:
            out.append((i, ch))
            i += 1
    return out


# ---- Python literal spelling ------------------------------------------------------------------------------


def quote_of(raw: str | None) -> str:
    m = _STR_PREFIX.match(raw or "")
    return m.group(1) if m else '"'


def py_str(s: str, q: str = '"') -> str:
    out = [q]
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == q:
            out.append("\\" + q)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    out.append(q)
    return "".join(out)


def py_literal(value: Any, q: str = '"') -> str:
    """Python source for a literal value (str in quote `q`, bools, None, numbers, dict, list, tuple)."""
    if isinstance(value, str):
        return py_str(value, q)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f"float({py_str(repr(value), q)})"
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k, q)}: {py_literal(v, q)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v, q) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v, q) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    raise ValueError(f"cannot write {type(value).__name__} as a Python literal")


def _literal(node: ast.AST) -> tuple[Any, bool]:
    try:
        return ast.literal_eval(node), True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, False


# ---- bracketed item lists: deletion and insertion ---------------------------------------------------------


class Items:
    """The comma-separated items between an opening and a closing bracket, with their layout.

    `raw` spans come from ast; an item's extent also takes parentheses around it and `*`/`**` markers.
    """

    def __init__(self, text: str, open_pos: int, close_pos: int, raw: list[tuple[int, int]]):
        self.text = text
        self.open_pos = open_pos
        self.close_pos = close_pos
        self.valid = all(open_pos < s <= e <= close_pos for s, e in raw)
        self.ext: list[tuple[int, int]] = []
        self.comma: list[int | None] = []
        if not self.valid:
            return
        n = len(raw)
        lead_from = open_pos + 1
        for k, (s, e) in enumerate(raw):
            lead = [p for p, ch in _significant(text, lead_from, s) if ch in "(*"]
            nxt = raw[k + 1][0] if k + 1 < n else close_pos
            end, comma = e, None
            for p, ch in _significant(text, e, nxt):
                if ch == ")" and comma is None:
                    end = p + 1
                elif ch == ",":
                    comma = p
                    break
            self.ext.append((lead[0] if lead else s, end))
            self.comma.append(comma)
            lead_from = comma + 1 if comma is not None else nxt

    def __len__(self) -> int:
        return len(self.ext)

    def _check(self) -> None:
        if not self.valid:
            raise ValueError("this argument list cannot be edited (a bare generator argument)")

    def alone(self, k: int) -> bool:
        s, e = self.ext[k]
        text = self.text
        if text[_line_start(text, s) : s].strip(" \t\f"):
            return False
        rest = _line_end(text, e)
        sig = _significant(text, e, rest)
        return all(ch == "," for _, ch in sig) and len(sig) <= 1

    def delete(self, k: int) -> list[TextEdit]:
        self._check()
        text = self.text
        s, e = self.ext[k]
        last = k == len(self.ext) - 1
        if self.alone(k):
            return [TextEdit(_line_start(text, s), _after_eol(text, e), "")]
        comma = self.comma[k]
        prev_comma = self.comma[k - 1] if k > 0 else None
        if comma is not None and not (last and prev_comma is not None):
            end = comma + 1
            while end < len(text) and text[end] in " \t":
                end += 1
            if text[end : end + 1] in ("\r", "\n", "") or end >= self.close_pos:
                end = comma + 1
                # `a=1, b=2,<EOL>`: deleting b takes the blank before it, not a trailing one after a's comma
                if prev_comma is not None and _line_start(text, prev_comma) == _line_start(text, s):
                    return [TextEdit(prev_comma + 1, end, "")]
            return [TextEdit(s, end, "")]
        if prev_comma is not None:
            if "#" in text[prev_comma:s]:  # keep the comment on the previous line
                return [TextEdit(prev_comma, prev_comma + 1, ""), TextEdit(s, e, "")]
            return [TextEdit(prev_comma, e, "")]
        return [TextEdit(s, e, "")]

    def insert(self, entry: str, after: int | None, newline: str) -> list[TextEdit]:
        self._check()
        text = self.text
        if not self.ext:
            return [TextEdit(self.close_pos, self.close_pos, entry)]
        k = len(self.ext) - 1 if after is None else after
        s, e = self.ext[k]
        comma = self.comma[k]
        ls = _line_start(text, s)
        indent = text[ls:s]
        if not indent.strip(" \t\f"):  # one item per line: the new one gets its own line
            if comma is not None:
                le = _line_end(text, comma)
                if any(ch != "," for _, ch in _significant(text, comma + 1, le)):
                    return [TextEdit(comma + 1, comma + 1, newline + indent + entry + ",")]
                return [TextEdit(le, le, newline + indent + entry + ",")]
            le = _line_end(text, e)
            if "#" in text[e:le] and not _significant(text, e, le):
                return [TextEdit(e, e, ","), TextEdit(le, le, newline + indent + entry)]
            return [TextEdit(e, e, "," + newline + indent + entry)]
        if comma is not None:
            return [TextEdit(comma + 1, comma + 1, " " + entry + ",")]
        return [TextEdit(e, e, ", " + entry)]


def _span_of(edits: list[TextEdit]) -> tuple[int, int]:
    return min(e.start for e in edits), max(e.end for e in edits)


def _delete_span(items: Items, k: int, fallback: tuple[int, int]) -> tuple[int, int]:
    try:
        return _span_of(items.delete(k))
    except ValueError:
        return fallback
