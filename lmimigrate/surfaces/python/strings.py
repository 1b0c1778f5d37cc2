"""The content of one Python string literal as text of its own: decoded, mapped back, and re-encoded.

`read_literal` decodes a literal's source (prefixes r/f/b/u, all four quote styles, escapes, line
continuations) into the text Python sees, with the source offset of every decoded character, so text embedded
in the literal (a serving.properties file, a shell command) is reported and edited at its real place. An
f-string's replacement fields stay in the text as written, as placeholders (`fields`). `Literal.encode` writes
new content back in the literal's own style: its quotes, prefix, escapes and newline spelling (escaped `\\n` or
real line breaks); it raises ValueError when the literal cannot hold the content (a raw string and a
backslash before its quote, an f-string whose fields would change, non-ASCII in bytes).
"""

from __future__ import annotations

from lmimigrate.core.patterns import lazy_pattern

_PREFIX = lazy_pattern(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_SIMPLE = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_HEX = {"x": 2, "u": 4, "U": 8}
_OCTAL = lazy_pattern(r"[0-7]{1,3}")
_NAMED = lazy_pattern(r"N\{([^}\n]*)\}")


class Literal:
    """One string literal `source[span]`: `text` is the decoded content; `pos[i]` the source offset of text[i]
    (`pos[len(text)]` is where the content ends); `fields` the decoded spans of f-string replacement fields."""

    def __init__(self, source: str, span: tuple[int, int], prefix: str, quote: str, content: tuple[int, int]):
        self.source, self.span, self.prefix, self.quote, self.content = source, span, prefix, quote, content
        low = prefix.lower()
        self.raw, self.fstring, self.bytes = "r" in low, "f" in low, "b" in low
        self.text = ""
        self.pos: list[int] = []
        self.fields: list[tuple[int, int]] = []
        self.readonly = False  # `{{`/`}}` in an f-string: its literal braces and fields cannot be told apart later
        raw = source[content[0] : content[1]]
        self.escaped_newlines = "\n" not in raw and "\r" not in raw and "\\n" in raw
        self.line_break = "\r\n" if "\r\n" in raw else "\r" if "\r" in raw and "\n" not in raw else "\n"

    @property
    def triple(self) -> bool:
        return len(self.quote) == 3

    def to_host(self, offset: int) -> int:
        return self.pos[max(0, min(offset, len(self.pos) - 1))]

    # ---- writing back -------------------------------------------------------------------------------------
    def encode(self, new: str) -> str:
        """Source text for the literal's content (between its quotes) that decodes to `new`. The unchanged head
        and tail stay as written (their escapes, and line continuations such as the backslash that often follows
        `dedent(` and the opening quotes); only the changed middle is spelled anew."""
        if self.readonly:
            raise ValueError("an f-string with doubled braces is not rewritten")
        old = self.text
        head = 0
        limit = min(len(old), len(new))
        while head < limit and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
            tail += 1
        while 0 < head and (self.pos[head] == self.pos[head - 1] or self._lone_backslash(head - 1)):
            head -= 1  # never split an escape, nor keep a backslash whose meaning depends on the next character
        while 0 < head and self.triple and old[head - 1] == self.quote[0]:
            head -= 1  # kept quotes before new ones could close the literal: spell them again
        while 0 < tail < len(old) and self.pos[len(old) - tail] == self.pos[len(old) - tail - 1]:
            tail -= 1
        for a, b in self.fields:  # a field is kept or rewritten whole
            if a < head < b:
                head = a
            if a < len(old) - tail < b:
                tail = len(old) - b
        if head or tail:
            content = self._spliced(new, head, tail)
            if self._means(content, new):
                return content
        # An escape next to the change (an octal `\1` before a new digit, a raw string's backslash) would read
        # differently: the whole content is spelled anew.
        return self._spliced(new, 0, 0)

    def _spliced(self, new: str, head: int, tail: int) -> str:
        old = self.text
        head_src = self.source[self.content[0] : self.pos[head]]
        tail_src = self.source[self.pos[len(old) - tail] : self.content[1]]
        fields = [(a - head, b - head) for a, b in self.fields if head <= a and b <= len(old) - tail]
        middle = self._spell(new[head : len(new) - tail], old[head : len(old) - tail], fields,
                             tail_src[:1] if tail_src else self.quote[0])
        return head_src + middle + tail_src

    def _means(self, content: str, new: str) -> bool:
        """Does a literal of this style with this content parse, and decode to `new`?"""
        import ast

        source = self.prefix + self.quote + content + self.quote
        try:
            value = ast.literal_eval(source) if not self.fstring else ast.parse(source, mode="eval")
        except (SyntaxError, ValueError):
            return False
        if self.fstring:
            lit = read_literal(source, (0, len(source)))
            return lit is not None and lit.text == new
        return (value.decode("latin-1") if isinstance(value, bytes) else value) == new

    def _lone_backslash(self, i: int) -> bool:
        """Is text[i] a backslash written alone (an unknown escape such as `\\d`), which the next character
        could turn into an escape?"""
        return (not self.raw and self.text[i] == "\\" and self.source[self.pos[i]] == "\\"
                and self.pos[i + 1] - self.pos[i] == 1)

    def _spell(self, new: str, old: str, fields: list[tuple[int, int]], after: str) -> str:
        """`new` escaped for this literal, keeping the replacement fields (spans of `old`) verbatim; `after` is
        the source character that follows it (the closing quote, or kept text)."""
        pieces: list[tuple[str, bool]] = []  # (text, is a field kept verbatim)
        k = 0
        for a, b in fields:
            field = old[a:b]
            j = new.find(field, k)
            if j < 0:
                raise ValueError("an edit changed an f-string field")
            pieces += [(new[k:j], False), (field, True)]
            k = j + len(field)
        pieces.append((new[k:], False))
        out = []
        for n, (piece, is_field) in enumerate(pieces):
            if is_field:
                out.append(piece)
                continue
            if self.fstring and ("{" in piece or "}" in piece):
                raise ValueError("new braces in an f-string would be read as fields")
            out.append(self._escape(piece, after if n == len(pieces) - 1 else "{"))
        return "".join(out)

    def _escape(self, piece: str, after: str) -> str:
        q = self.quote[0]
        if self.bytes and not piece.isascii():
            raise ValueError("a bytes literal holds ASCII only")
        if self.raw:
            unwritable = any(not (ch.isprintable() or ch == "\t" or (ch == "\n" and self.triple)) for ch in piece)
            if unwritable or q in piece or (after == q and piece.endswith("\\")):
                raise ValueError("a raw string cannot hold this text")
            return piece.replace("\n", self.line_break) if self.triple else piece
        out = []
        for i, ch in enumerate(piece):
            if ch == "\\":
                out.append("\\\\")
            elif ch == "\n":
                out.append("\\n" if not self.triple or self.escaped_newlines else self.line_break)
            elif ch == "\r":
                out.append("\\r")
            elif ch == q and (not self.triple or (piece[i + 1 : i + 2] or after) == q):
                out.append("\\" + q)
            elif ch == "\t" or ch.isprintable():
                out.append(ch)
            else:
                out.append(repr(ch)[1:-1])
        return "".join(out)


def read_literal(source: str, span: tuple[int, int]) -> Literal | None:
    """The literal at `source[span]`, or None when it is not one plain literal (implicit concatenation)."""
    m = _PREFIX.match(source, span[0])
    if m is None:
        return None
    prefix, quote = m.groups()
    start = m.end()
    end = span[1] - len(quote)
    if end < start or source[end : span[1]] != quote:
        return None
    lit = Literal(source, span, prefix, quote, (start, end))
    text: list[str] = []
    pos: list[int] = []
    i = start
    while i < end:
        ch = source[i]
        if lit.fstring and ch in "{}":
            if source[i + 1 : i + 2] == ch:
                lit.readonly = True
                text.append(ch)
                pos.append(i)
                i += 2
                continue
            if ch == "}":
                return None
            j = _field_end(source, i, end)
            if j is None:
                return None
            lit.fields.append((len(text), len(text) + j - i))
            text.extend(source[i:j])
            pos.extend(range(i, j))
            i = j
            continue
        if ch == "\\" and not lit.raw:
            decoded, width = _escape_at(source, i, lit.bytes)
            text.append(decoded)
            pos.extend([i] * len(decoded))
            i += width
            continue
        if ch == "\r":  # Python reads a line break inside a literal as \n, whatever the file's line endings
            text.append("\n")
            pos.append(i)
            i += 2 if source.startswith("\r\n", i) else 1
            continue
        text.append(ch)
        pos.append(i)
        i += 1
    lit.text = "".join(text)
    pos.append(end)
    lit.pos = pos
    return lit


def _field_end(source: str, i: int, end: int) -> int | None:
    """The offset after the `}` closing the replacement field that opens at source[i]."""
    depth = 0
    quote = ""
    for j in range(i, end):
        ch = source[j]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return j + 1 if ch == "}" else None
    return None


def _escape_at(source: str, i: int, is_bytes: bool) -> tuple[str, int]:
    """(decoded text, source width) of the escape sequence at source[i] (a backslash)."""
    nxt = source[i + 1 : i + 2]
    if nxt == "\r":
        return "", 3 if source.startswith("\r\n", i + 1) else 2
    if nxt == "\n":
        return "", 2
    if nxt in _SIMPLE:
        return _SIMPLE[nxt], 2
    if nxt in _HEX and not (is_bytes and nxt != "x"):
        digits = source[i + 2 : i + 2 + _HEX[nxt]]
        if len(digits) == _HEX[nxt] and all(c in "0123456789abcdefABCDEF" for c in digits):
            return chr(int(digits, 16)), 2 + len(digits)
    if nxt == "N" and not is_bytes and (m := _NAMED.match(source, i + 1)):
        import unicodedata

        try:
            return unicodedata.lookup(m.group(1)), 1 + len(m.group(0))
        except KeyError:
            pass
    if m := _OCTAL.match(source, i + 1):
        return chr(int(m.group(0), 8)), 1 + len(m.group(0))
    return "\\", 1  # an unknown escape keeps its backslash
