"""Text a shell command hands to another program, decoded for the embedding API (`lmimigrate.surfaces.embed`):
a quoted `sh -c` body, a here-document body, a JSON string of a Dockerfile exec form.

Each decoder returns a `Carried`: the decoded text (what the inner program reads), where the encoded text sits
in the host, an offset map back to the host, the spans the outer shell expands before the inner program sees
them (`$X`, `$(...)`, backquotes: opaque, never rewritten), and `encode`. `encode` keeps the host text of the
unchanged head and tail of the content byte for byte and escapes only the changed middle, so an outer
expansion or an escape the edit does not touch is never re-spelled.
"""

from __future__ import annotations

import json
import re
from lmimigrate.core.record import record

from lmimigrate.surfaces.shell.lexer import Heredoc, Word
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Callable

_SIMPLE_ESCAPE = lazy_pattern(r"\\(?:\r\n|\n|\r)")


@record
class Carried:
    text: str
    span: tuple[int, int]
    hosts: list[int]  # hosts[k]: host offset of decoded character k; hosts[len(text)] = span[1]
    opaque: tuple[tuple[int, int], ...]
    escape: Callable[[str], str] | None  # how new text is written in the host; None: read-only

    def to_host(self, offset: int) -> int:
        return self.hosts[min(max(offset, 0), len(self.text))]

    def encode(self, host_text: str) -> Callable[[str], str] | None:
        if self.escape is None:
            return None
        raw = host_text[self.span[0] : self.span[1]]
        old, escape, base = self.text, self.escape, self.span[0]

        def encode(new: str) -> str:
            p = 0
            limit = min(len(old), len(new))
            while p < limit and old[p] == new[p]:
                p += 1
            s = 0
            while s < limit - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
                s += 1
            a, b = self.hosts[p] - base, self.hosts[len(old) - s] - base
            return raw[:a] + escape(new[p : len(new) - s]) + raw[b:]

        return encode


def _expansion_end(text: str, i: int, end: int) -> int:
    """End of the `$...` or backquoted expansion at text[i] (i + 1 for a lone `$`)."""
    from lmimigrate.core.ftypes import ParseError
    from lmimigrate.surfaces.shell.lexer import _Lexer  # the lexer knows the expansion grammar

    try:
        return _Lexer(text, i, end, operators=True)._expansion(i)
    except ParseError:
        return i + 1


def _decode(text: str, start: int, end: int, escapes: str,
            expansions: bool) -> tuple[str, list[int], list[tuple[int, int]]]:
    """Decode text[start:end] where `\\` followed by a char of `escapes` stands for that char, `\\` + newline
    is removed and (with `expansions`) `$...`/backquotes are kept as written but marked opaque."""
    out: list[str] = []
    hosts: list[int] = []
    opaque: list[tuple[int, int]] = []
    i = start
    while i < end:
        ch = text[i]
        if ch == "\\" and i + 1 < end:
            m = _SIMPLE_ESCAPE.match(text, i, end)
            if m:
                i = m.end()
                continue
            if text[i + 1] in escapes:
                out.append(text[i + 1])
                hosts.append(i)
                i += 2
                continue
        if expansions and (ch == "`" or (ch == "$" and i + 1 < end)):
            j = _expansion_end(text, i, end)
            if j > i + 1 or ch == "`":
                opaque.append((len(out), len(out) + j - i))
                out.extend(text[i:j])
                hosts.extend(range(i, j))
                i = j
                continue
        out.append(ch)
        hosts.append(i)
        i += 1
    hosts.append(end)
    return "".join(out), hosts, opaque


def _escape_double(s: str) -> str:
    return re.sub(r'([\\"$`])', r"\\\1", s)


def _escape_single(s: str) -> str:
    return s.replace("'", "'\\''")


def quoted_word(text: str, word: Word) -> Carried | None:
    """The content of a word that is one single- or double-quoted string (`'...'`, `"..."`), else None."""
    a, b = word.span
    if b - a < 2 or text[a] not in "'\"" or text[b - 1] != text[a]:
        return None
    if text[a] == "'":
        if "'" in text[a + 1 : b - 1]:
            return None  # `'a'\''b'`: several words glued together
        body = text[a + 1 : b - 1]
        return Carried(body, (a + 1, b - 1), list(range(a + 1, b)), (), _escape_single)
    decoded, hosts, opaque = _decode(text, a + 1, b - 1, '$`"\\', expansions=True)
    if decoded != word.value:
        return None  # not one double-quoted string (`"a"'b'`, `"a"$X`)
    return Carried(decoded, (a + 1, b - 1), hosts, tuple(opaque), _escape_double)


def json_string(text: str, word: Word) -> Carried | None:
    """The content of a JSON string (a Dockerfile exec-form item)."""
    a, b = word.span
    out: list[str] = []
    hosts: list[int] = []
    i = a + 1
    while i < b - 1:
        if text[i] == "\\":
            n = 6 if text[i + 1] == "u" else 2
            piece = json.loads('"' + text[i : i + n] + '"')
            if len(piece) != 1:
                return None
            out.append(piece)
            hosts.append(i)
            i += n
            continue
        out.append(text[i])
        hosts.append(i)
        i += 1
    hosts.append(b - 1)

    def escape(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)[1:-1]

    return Carried("".join(out), (a + 1, b - 1), hosts, (), escape)


def heredoc_body(text: str, h: Heredoc) -> Carried | None:
    """The body of a here-document as the reading program sees it. A quoted delimiter keeps the body literal;
    otherwise `\\$`, `` \\` `` and `\\\\` are escapes and expansions are opaque. None for a `<<-` body whose lines
    start with tabs (the reader sees them stripped; such bodies are left alone)."""
    a, b = h.body
    if h.strip_tabs and any(line.startswith("\t") for line in text[a:b].splitlines()):
        return None
    opaque: list[tuple[int, int]]
    if h.quoted:
        decoded, hosts, opaque = text[a:b], list(range(a, b + 1)), []
    else:
        decoded, hosts, opaque = _decode(text, a, b, "$`\\", expansions=True)
    delimiter = h.delimiter

    def escape(s: str) -> str:
        if any(line.rstrip("\r") == delimiter for line in s.splitlines()):
            raise ValueError("the new text holds the here-document's delimiter")
        return s if h.quoted else re.sub(r"([\\$`])", r"\\\1", s)

    return Carried(decoded, (a, b), hosts, tuple(opaque), escape)
