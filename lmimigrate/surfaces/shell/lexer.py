"""A POSIX shell lexer with exact source spans: simple commands, their words, and what ended each command.

Enough of the shell grammar to find assignments and command lines in scripts, Dockerfile instructions and
YAML-held scripts: quotes (single, double, `$'...'` ANSI-C), escapes, `$`-expansions and command
substitutions, operators, redirections, comments and heredoc bodies (skipped). Values keep expansions as
written; a word holding one is not literal.
"""

from __future__ import annotations

from lmimigrate.core.record import field, record

from lmimigrate.core.ftypes import ParseError
from lmimigrate.surfaces.text import EOL
from lmimigrate.core.patterns import lazy_pattern


@record(frozen=True)
class Word:
    value: str  # after unquoting (expansions such as $X kept as written)
    span: tuple[int, int]  # the exact source token, quotes included
    literal: bool = True  # False when the word holds a $-expansion or a command substitution


_NAME = lazy_pattern(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGN_PREFIX = lazy_pattern(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_REDIRECT = lazy_pattern(r"\d*(?:&>>|&>|<<<|<<-|<<|>>|>&|<&|<>|>\||>|<)")
_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "e": "\x1b",
           "f": "\f", "v": "\v", "?": "?"}


@record
class Heredoc:
    """A here-document: its delimiter, whether the delimiter was quoted (the body is then literal, else it is
    subject to expansions), `<<-` (leading tabs stripped), and [start, end) of the body (after the line of the
    command, up to the delimiter line) and `after`, the start of the line after the delimiter line."""

    delimiter: str
    quoted: bool
    strip_tabs: bool
    body: tuple[int, int] = (0, 0)
    after: int = 0


@record
class Command:
    """One simple command: its words, [start, end) of its text, and the operator that ended it."""

    words: list[Word]
    start: int
    end: int
    terminator: str  # "\n", ";", "&&", "||", "|", "&", ")", "(" or "" at the end of the range
    heredocs: list[Heredoc] = field(default_factory=list)  # bodies follow this command's line
    redirects: list[tuple[str, Word]] = field(default_factory=list)  # (`>`, `>>`, `<`..., target word)

    @property
    def heredoc(self) -> bool:
        return bool(self.heredocs)

    def output_file(self) -> Word | None:
        """The file this command writes with `>`/`>>` (the last one), if any."""
        targets = [w for op, w in self.redirects if op in (">", ">>", ">|", "1>", "1>>", "1>|")]
        return targets[-1] if targets else None


class _Lexer:
    def __init__(self, text: str, start: int, end: int, operators: bool, escape: str = "\\"):
        self.text = text
        self.esc = escape
        self.end = end
        self.i = start
        self.operators = operators
        self.pending_heredocs: list[Heredoc] = []

    def commands(self) -> list[Command]:
        text, end = self.text, self.end
        out: list[Command] = []
        words: list[Word] = []
        cmd_start = cmd_end = -1
        heredocs: list[Heredoc] = []
        redirects: list[tuple[str, Word]] = []

        def finish(term: str) -> None:
            nonlocal words, cmd_start, heredocs, redirects
            if cmd_start >= 0:
                out.append(Command(words, cmd_start, cmd_end, term, heredocs, redirects))
            words, cmd_start, heredocs, redirects = [], -1, [], []

        while self.i < end:
            i = self.i
            ch = text[i]
            if ch in " \t":
                self.i += 1
                continue
            if ch == self.esc and i + 1 < end and text[i + 1] in "\r\n":
                self.i = i + (3 if text.startswith("\r\n", i + 1) else 2)
                continue
            if ch in "\r\n":
                self.i = i + (2 if text.startswith("\r\n", i) else 1)
                if self.operators:
                    finish("\n")
                    self._skip_heredoc_bodies()
                continue
            if ch == "#" and self.operators:
                while self.i < end and text[self.i] not in "\r\n":
                    self.i += 1
                continue
            if self.operators:
                m = _REDIRECT.match(text, i, end)
                if m:
                    if cmd_start < 0:
                        cmd_start = i
                    op = m.group().lstrip("0123456789")
                    self.i = m.end()
                    self._skip_blanks()
                    if self.i < end and text[self.i] not in "\r\n;&|()<>":
                        target = self._word()
                        if op in ("<<", "<<-"):
                            raw = text[target.span[0] : target.span[1]]
                            h = Heredoc(target.value, any(q in raw for q in "'\"\\"), op == "<<-")
                            self.pending_heredocs.append(h)
                            heredocs.append(h)
                        else:
                            redirects.append((m.group(), target))  # `2>` keeps its descriptor
                    cmd_end = self.i
                    continue
                found = next((o for o in _OPERATORS if text.startswith(o, i)), None)
                if found:
                    self.i = i + len(found)
                    finish(found)
                    continue
            w = self._word()
            if cmd_start < 0:
                cmd_start = w.span[0]
            words.append(w)
            cmd_end = w.span[1]
        finish("")
        return out

    def _skip_blanks(self) -> None:
        while self.i < self.end and self.text[self.i] in " \t":
            self.i += 1

    def _skip_heredoc_bodies(self) -> None:
        text, end = self.text, self.end
        for h in self.pending_heredocs:
            body_start = body_end = self.i
            while self.i < end:
                m = EOL.search(text, self.i, end)  # lone CR line endings count, as everywhere in this lexer
                line = text[self.i : m.start() if m else end]
                body_end = self.i
                self.i = m.end() if m else end
                if (line.lstrip("\t") if h.strip_tabs else line) == h.delimiter:
                    break
            else:
                body_end = end  # no delimiter line: the body runs to the end (bash warns and accepts it)
            h.body, h.after = (body_start, body_end), self.i
        self.pending_heredocs = []

    def _word(self) -> Word:
        text, end = self.text, self.end
        start = i = self.i
        out: list[str] = []
        literal = True
        stops = " \t\r\n" + (";&|()<>" if self.operators else "")
        while i < end:
            ch = text[i]
            if ch in stops:
                if ch == "(" and self.operators and ASSIGN_PREFIX.fullmatch(text, start, i):
                    j = self._balanced(i, "(", ")")  # array assignment A=(x y)
                    out.append(text[i:j])
                    literal, i = False, j
                    continue
                break
            if ch == self.esc:
                if i + 1 >= end:
                    out.append(ch)
                    i += 1
                elif text[i + 1] in "\r\n":
                    i += 3 if text.startswith("\r\n", i + 1) else 2
                else:
                    out.append(text[i + 1])
                    i += 2
            elif ch == "'":
                j = text.find("'", i + 1, end)
                if j < 0:
                    raise ParseError("unterminated single quote", offset=i)
                out.append(text[i + 1 : j])
                i = j + 1
            elif ch == '"':
                i, lit = self._double(i, out)
                literal = literal and lit
            elif ch == "$" and i + 1 < end and text[i + 1] == "'":
                i = self._ansi_c(i, out)
            elif ch == "$" or (ch == "`" and self.esc != "`"):
                j = self._expansion(i)
                if j == i + 1 and ch == "$":
                    out.append("$")
                else:
                    out.append(text[i:j])
                    literal = False
                i = j
            else:
                out.append(ch)
                i += 1
        self.i = i
        return Word("".join(out), (start, i), literal)

    def _double(self, i: int, out: list[str]) -> tuple[int, bool]:
        text, end = self.text, self.end
        start, i, literal = i, i + 1, True
        while i < end:
            ch = text[i]
            if ch == '"':
                return i + 1, literal
            if ch == self.esc and i + 1 < end:
                nxt = text[i + 1]
                if nxt in "\r\n":
                    i += 3 if text.startswith("\r\n", i + 1) else 2
                    continue
                if nxt in '$`"\\' or nxt == self.esc:
                    out.append(nxt)
                    i += 2
                    continue
                out.append(ch)
                i += 1
            elif ch == "$" or (ch == "`" and self.esc != "`"):
                j = self._expansion(i)
                if j == i + 1 and ch == "$":
                    out.append("$")
                else:
                    out.append(text[i:j])
                    literal = False
                i = j
            else:
                out.append(ch)
                i += 1
        raise ParseError("unterminated double quote", offset=start)

    def _ansi_c(self, i: int, out: list[str]) -> int:
        text, end = self.text, self.end
        start, i = i, i + 2
        while i < end:
            ch = text[i]
            if ch == "'":
                return i + 1
            if ch == "\\" and i + 1 < end:
                out.append(_ANSI_C.get(text[i + 1], "\\" + text[i + 1]))
                i += 2
                continue
            out.append(ch)
            i += 1
        raise ParseError("unterminated $'...' quote", offset=start)

    def _expansion(self, i: int) -> int:
        """End of the expansion starting at text[i] ($..., `...`); i + 1 when `$` is a plain character."""
        text, end = self.text, self.end
        if text[i] == "`":
            j = i + 1
            while j < end and text[j] != "`":
                j += 2 if text[j] == "\\" else 1
            if j >= end:
                raise ParseError("unterminated backquote", offset=i)
            return j + 1
        if i + 1 >= end:
            return i + 1
        nxt = text[i + 1]
        if nxt == "(":
            return self._balanced(i + 1, "(", ")")
        if nxt == "{":
            return self._balanced(i + 1, "{", "}")
        if nxt in "@*#?$!-" or nxt.isdigit():
            return i + 2
        m = _NAME.match(text, i + 1, end)
        return m.end() if m else i + 1

    def _balanced(self, i: int, open_: str, close: str) -> int:
        """End of the bracketed text opening at text[i], skipping quotes and escapes inside it."""
        text, end = self.text, self.end
        depth, j = 0, i
        while j < end:
            ch = text[j]
            if ch == "\\":
                j += 2
                continue
            if ch == "'" and open_ == "(":
                k = text.find("'", j + 1, end)
                if k < 0:
                    raise ParseError("unterminated single quote", offset=j)
                j = k + 1
                continue
            if ch == '"':
                j = self._double(j, [])[0]
                continue
            if ch == open_:
                depth += 1
            elif ch == close:
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        raise ParseError(f"unterminated {text[max(i - 1, 0)]}{open_}", offset=max(i - 1, 0))


def shell_commands(text: str, start: int, end: int, operators: bool = True, escape: str = "\\") -> list[Command]:
    """Simple commands of a shell text range, with their extents. `operators=False` splits on blanks only
    (Dockerfile ENV arguments, where `;`, `|`, `<` and `#` are ordinary characters); `escape` is the escape
    character (a Dockerfile's `# escape=` directive may make it a backquote)."""
    try:
        return _Lexer(text, max(start, 0), min(end, len(text)), operators, escape).commands()
    except RecursionError as e:  # pragma: no cover - the lexer is iterative
        raise ParseError("shell text too deeply nested", offset=start) from e


def shell_words(text: str, start: int, end: int) -> list[list[Word]]:
    """Split a shell text range into simple commands (on ; && || | & ( ) and unescaped newlines), each a list
    of words with exact spans. Comments, redirections and heredoc bodies are skipped."""
    return [c.words for c in shell_commands(text, start, end)]




def char_spans(text: str, word: Word) -> list[tuple[int, int]] | None:
    """For each character of `word.value`, the source text that spells it: quotes around a run belong to no
    character, an escape (`\\-`, `"\\$"`, `$'\\t'`) spans its backslash. None when the word cannot be mapped
    (an unusual escape character, ANSI-C `\\x41`-style escapes): callers then treat the word as a whole."""
    out: list[tuple[int, int]] = []
    i, end = word.span
    while i < end:
        ch = text[i]
        if ch == "\\" and i + 1 < end:
            if text[i + 1] in "\r\n":
                i += 3 if text.startswith("\r\n", i + 1) else 2
            else:
                out.append((i, i + 2))
                i += 2
        elif ch == "'":
            j = text.find("'", i + 1, end)
            if j < 0:
                return None
            out.extend((k, k + 1) for k in range(i + 1, j))
            i = j + 1
        elif ch == "$" and text.startswith("'", i + 1):
            i += 2
            while i < end and text[i] != "'":
                n = 2 if text[i] == "\\" else 1
                if n == 2 and _ANSI_C.get(text[i + 1]) is None:
                    return None
                out.append((i, i + n))
                i += n
            i += 1
        elif ch == '"':
            i += 1
            while i < end and text[i] != '"':
                if text[i] == "\\" and text[i + 1] in '$`"\\':
                    out.append((i, i + 2))
                    i += 2
                elif text[i] == "\\" and text[i + 1] in "\r\n":
                    i += 3 if text.startswith("\r\n", i + 1) else 2
                else:
                    out.append((i, i + 1))
                    i += 1
            i += 1
        else:
            out.append((i, i + 1))
            i += 1
    return out if len(out) == len(word.value) else None
