"""vLLM server command lines, for every host that writes them (shell scripts, Dockerfiles, YAML, notebooks).

A host splits its text into `Word`s with exact source spans and picks a `WordSyntax` (how it quotes a word,
inserts and deletes words). `vllm_scope` recognises a vLLM server launch in a word list and returns a
`CliScope` whose settings are the flags (ns "vllm", key = flag without dashes, `-` -> `_`).

Heuristics, since there is no per-flag type information on a command line:
- a flag takes the next word as its value unless that word starts with `-` (a negative number is a value);
- boolean flags (`command_line_facts().bool_flags`: booleans in some vLLM release, from the EngineArgs defaults of
  ../shared/reference/vllm_engine_args.json plus the serve-only switches and the Optional[bool] fields) take a
  following word only when it is a boolean literal (`--enable-chunked-prefill False`, valid in vLLM <= 0.7);
- `-O` takes a following word only when it is a number (`-O 3`); `-O3` / `-O=3` are the attached forms;
- `--no-X` (BooleanOptionalAction) keeps the key `no_X`, a bare flag.
New values that are dicts or lists are written as `json.dumps(value)` (default separators `", "`/`": "`),
then quoted by the host syntax. Setting a bare switch to True/False keeps it or writes `--no-X`; setting it to
any other value writes that value after the flag (rules rename a switch into a valued flag, then set it).
"""

from __future__ import annotations

import abc

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from lmimigrate.core.ftypes import ParseError, Scope, Setting, TextEdit, Unit
from lmimigrate.surfaces.knowledge import command_line_facts


@dataclass(frozen=True)
class Word:
    value: str  # after unquoting (expansions such as $X kept as written)
    span: tuple[int, int]  # the exact source token, quotes included
    literal: bool = True  # False when the word holds a $-expansion or a command substitution


# ---- syntaxes ---------------------------------------------------------------------------------------------


class WordSyntax(abc.ABC):
    """How a host writes words. `new_words` given to `insert_after` are word values; the syntax quotes them."""

    separator = re.compile(r"[ \t]*")  # text that may sit between two words of one list

    @abc.abstractmethod
    def quote(self, value: str) -> str:
        """One word as source text."""

    def default_gap(self) -> str:
        return " "

    def _gap(self, text: str, words: list[Word], a: int) -> str | None:
        """The separator between words[a] and words[a + 1], or None when it is not a plain separator."""
        if a < 0 or a + 1 >= len(words):
            return None
        gap = text[words[a].span[1] : words[a + 1].span[0]]
        return gap if self.separator.fullmatch(gap) else None

    def insert_after(self, unit_text: str, words: list[Word], i: int, new_words: list[str]) -> TextEdit:
        gap = self._gap(unit_text, words, i - 1) or self.default_gap()
        pos = words[i].span[1]
        return TextEdit(pos, pos, "".join(gap + self.quote(w) for w in new_words))

    def delete_words(self, unit_text: str, words: list[Word], i: int, j: int) -> TextEdit:
        left = self._gap(unit_text, words, i - 1)
        right = self._gap(unit_text, words, j - 1)
        if left is not None and (right is None or ("\n" not in left and "\n" in right)):
            # Take the separator on the left when the words share a line with their predecessor and a line
            # break follows: `--a 1 --b \` loses ` --b`, keeping the continuation on the line.
            return TextEdit(words[i - 1].span[1], words[j - 1].span[1], "")
        if right is not None:
            return TextEdit(words[i].span[0], words[j].span[0], "")
        return TextEdit(words[i].span[0], words[j - 1].span[1], "")


_SHELL_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
_DQ_UNSAFE = re.compile(r'[$`"\\!]')


def shell_quote(value: str) -> str:
    """One POSIX shell word for `value`: bare when safe, else single-quoted."""
    if _SHELL_SAFE.fullmatch(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def shell_quote_like(value: str, old_raw: str) -> str:
    """Quote `value` in the style of the word it replaces, when that style can hold it."""
    if old_raw.startswith('"') and not _DQ_UNSAFE.search(value):
        return '"' + value + '"'
    if old_raw.startswith("'") and "'" not in value:
        return "'" + value + "'"
    return shell_quote(value)


class ShellSyntax(WordSyntax):
    """POSIX shell words; words may be separated by backslash-newline continuations."""

    separator = re.compile(r"(?:[ \t]|\\\r?\n|\\\r)*")

    def quote(self, value: str) -> str:
        return shell_quote(value)

    def insert_after(self, unit_text: str, words: list[Word], i: int, new_words: list[str]) -> TextEdit:
        pos = words[i].span[1]
        after = self._gap(unit_text, words, i)
        last_on_line = i + 1 >= len(words) or (after is not None and "\n" in after) or after is None
        if last_on_line:
            # One flag per continuation line: the new flag gets a line of its own, written like the others.
            k = i
            while k > 0 and (g := self._gap(unit_text, words, k - 1)) is not None and "\n" not in g and "\r" not in g:
                k -= 1
            gap = self._gap(unit_text, words, k - 1)
            if gap is not None and ("\n" in gap or "\r" in gap):
                return TextEdit(pos, pos, gap + " ".join(self.quote(w) for w in new_words))
        return TextEdit(pos, pos, "".join(" " + self.quote(w) for w in new_words))


class JsonArraySyntax(WordSyntax):
    """Words as JSON strings of one array (Dockerfile exec form `CMD ["vllm", "serve", ...]`)."""

    separator = re.compile(r"\s*,\s*")

    def quote(self, value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    def default_gap(self) -> str:
        return ", "

    def insert_after(self, unit_text: str, words: list[Word], i: int, new_words: list[str]) -> TextEdit:
        # The layout gap (maybe a line break) before the first new word; a flag and its value share a line.
        gap = self._gap(unit_text, words, i - 1) or self.default_gap()
        pos = words[i].span[1]
        return TextEdit(pos, pos, gap + ", ".join(self.quote(w) for w in new_words))


# ---- shell tokenizer --------------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_REDIRECT = re.compile(r"\d*(?:&>>|&>|<<<|<<-|<<|>>|>&|<&|<>|>\||>|<)")
_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "e": "\x1b",
           "f": "\f", "v": "\v", "?": "?"}


@dataclass
class Command:
    """One simple command: its words, [start, end) of its text, and the operator that ended it."""

    words: list[Word]
    start: int
    end: int
    terminator: str  # "\n", ";", "&&", "||", "|", "&", ")", "(" or "" at the end of the range
    heredoc: bool = False  # a heredoc body follows this command's line


class _Lexer:
    def __init__(self, text: str, start: int, end: int, operators: bool, escape: str = "\\"):
        self.text = text
        self.esc = escape
        self.end = end
        self.i = start
        self.operators = operators
        self.pending_heredocs: list[tuple[str, bool]] = []

    def commands(self) -> list[Command]:
        text, end = self.text, self.end
        out: list[Command] = []
        words: list[Word] = []
        cmd_start = cmd_end = -1
        heredoc = False

        def finish(term: str) -> None:
            nonlocal words, cmd_start, heredoc
            if cmd_start >= 0:
                out.append(Command(words, cmd_start, cmd_end, term, heredoc))
            words, cmd_start, heredoc = [], -1, False

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
                            self.pending_heredocs.append((target.value, op == "<<-"))
                            heredoc = True
                    cmd_end = self.i
                    continue
                op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
                if op:
                    self.i = i + len(op)
                    finish(op)
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
        for delim, strip_tabs in self.pending_heredocs:
            while self.i < end:
                j = text.find("\n", self.i, end)
                line_end = end if j < 0 else j
                line = text[self.i : line_end].rstrip("\r")
                self.i = end if j < 0 else j + 1
                if (line.lstrip("\t") if strip_tabs else line) == delim:
                    break
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
                if ch == "(" and self.operators and _ASSIGN_PREFIX.fullmatch(text, start, i):
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


# ---- vLLM command recognition -----------------------------------------------------------------------------

_BOOL_WORDS = frozenset({"true", "false"})
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_PYTHON = re.compile(r"python(?:\d+(?:\.\d+)?)?")
# Wrappers that run the rest of the words as a command, and how many option values each option takes.
_WRAPPER_OPTS_WITH_VALUE = {
    "env": {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"},
    "nohup": set(),
    "exec": {"-a"},
    "time": set(),
    "command": set(),
    "sudo": {"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D"},
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "nice": {"-n", "--adjustment"},
    "stdbuf": {"-i", "-o", "-e"},
    "numactl": set(),
    "taskset": set(),
    "uvx": {"--from", "--with", "-p", "--python"},
}
_RUN_TOOLS = {"uv": {"--with", "--python", "-p", "--project", "--directory", "--env-file", "--extra", "--group",
                     "--index", "--index-url", "--from"},
              "poetry": set(), "pipenv": set(), "pdm": set(), "hatch": set()}
_KEYWORDS = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "{"})


def _base(word: Word) -> str:
    return os.path.basename(word.value) if word.literal else ""


def _skip_wrappers(words: list[Word]) -> int:
    """Index of the first word after leading assignments, keywords and wrapper commands."""
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w.literal and _ASSIGN_PREFIX.match(w.value) and not w.value.startswith("-"):
            i += 1
            continue
        name = _base(w)
        if name in _KEYWORDS:
            i += 1
            continue
        if name in _RUN_TOOLS and i + 1 < n and words[i + 1].value == "run":
            opts, i = _RUN_TOOLS[name], i + 2
        elif name in _WRAPPER_OPTS_WITH_VALUE:
            opts, i = _WRAPPER_OPTS_WITH_VALUE[name], i + 1
        else:
            return i
        while i < n and words[i].value.startswith("-") and words[i].value != "-":
            i += 2 if words[i].value in opts else 1
        if name == "timeout" and i < n:
            i += 1  # the duration
        elif name == "taskset" and i < n:
            i += 1  # the CPU mask
    return i


def _launch(words: list[Word], i: int) -> tuple[str, int] | None:
    """(command name, index of the first argument) when words[i:] launch a vLLM server."""
    n = len(words)
    if i >= n:
        return None
    name = _base(words[i])
    if name == "vllm":
        if i + 1 < n and words[i + 1].literal and words[i + 1].value == "serve":
            return "vllm serve", i + 2
        return None
    if not _PYTHON.fullmatch(name):
        return None
    j = i + 1
    while j < n and words[j].literal and words[j].value.startswith("-") and words[j].value != "-m":
        v = words[j].value
        if v in ("-c", "-"):
            return None
        j += 2 if v in ("-X", "-W") else 1
    if j + 1 >= n or words[j].value != "-m":
        # `python -mvllm...` is rare; a script path is not a vLLM server.
        return None
    module = words[j + 1].value
    facts = command_line_facts()
    if module in facts.server_modules:
        return module, j + 2
    if module == facts.cli_module and j + 2 < n and words[j + 2].value == "serve":
        return module + " serve", j + 3
    return None


def _flag_parts(value: str) -> tuple[str, str, str | None, str] | None:
    """(written flag, key, attached value or None, form) for a flag word, or None for a non-flag."""
    if not value.startswith("-") or value in ("-", "--") or _NUMBER.fullmatch(value):
        return None
    if value.startswith("-O") and not value.startswith("-O."):
        rest = value[2:]
        if rest == "":
            return "-O", "O", None, "space"
        if rest.startswith("="):
            return "-O", "O", rest[1:], "equals"
        if rest[0].isdigit():
            return "-O", "O", rest, "attached"
    long = value.startswith("--")
    body = value[2:] if long else value[1:]
    flag_body, eq, attached = body.partition("=")
    if not flag_body or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", flag_body):
        return None
    head, dot, tail = flag_body.partition(".")
    key = head.replace("-", "_")
    if not long:
        key = "compilation_config" if head == "O" else command_line_facts().short_aliases.get(head, key)
    if dot:
        key += "." + tail.replace("-", "_")
    flag = ("--" if long else "-") + flag_body
    return flag, key, (attached if eq else None), ("equals" if eq else "space")


def _is_bool(key: str) -> bool:
    flags = command_line_facts().bool_flags
    return key in flags or (key.startswith("no_") and key[3:] in flags)


def render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class CliScope(Scope):
    """One vLLM server command line. facts: command, words, syntax, model (a Word or None)."""

    kind = "cli"

    def __init__(self, unit: Unit, words: list[Word], syntax: WordSyntax, label: str = ""):
        super().__init__(unit, kind="cli", label=label)
        self.words = words
        self.syntax = syntax
        self.span = (words[0].span[0], words[-1].span[1])

    # ---- spelling ----------------------------------------------------------------------------------------
    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        if ns != "vllm":
            raise ValueError(f"a vLLM command line cannot hold a {ns} setting")
        if key == "O":
            return "-O"
        flag = like.style.get("flag", "") if like is not None else ""
        underscored = flag.startswith("--") and "_" in flag and "-" not in flag[2:]
        return "--" + (key if underscored else key.replace("_", "-"))

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        text = render_value(value)
        if like is not None and like.value_span is not None and isinstance(self.syntax, ShellSyntax):
            return shell_quote_like(text, self.unit.text[like.value_span[0] : like.value_span[1]])
        return self.syntax.quote(text)

    # ---- edits -------------------------------------------------------------------------------------------
    def _word_of(self, s: Setting) -> Word:
        return self.words[s.style["words"][0]]

    def rename(self, s: Setting, new_key: str, ns: str) -> list[TextEdit]:
        flag = self.spell_key(ns, new_key, like=s)
        form = s.style.get("form")
        if form == "attached" and flag != "-O":
            w = self._word_of(s)
            return [TextEdit(*w.span, self.syntax.quote(flag + "=" + w.value[2:]))]
        return [TextEdit(s.key_span[0], s.key_span[1], flag)]

    def set_value(self, s: Setting, value: Any) -> list[TextEdit]:
        i, j = s.style["words"]
        if s.value_span is None:
            truth = {"true": True, "false": False}.get(render_value(value).lower()) if value is not None else True
            if _is_bool(s.key) and truth is not None:
                if truth or s.key.startswith("no_"):
                    return [] if truth else [TextEdit(s.key_span[0], s.key_span[1], "--" + s.style["flag"][5:])]
                return [TextEdit(s.key_span[0], s.key_span[1], "--no-" + s.style["flag"].lstrip("-"))]
            if value is None:
                return []
            pos = self._word_of(s).span[1]
            return [TextEdit(pos, pos, self.syntax.default_gap() + self.syntax.quote(render_value(value)))]
        if value is None:  # make it a bare flag
            if s.style["form"] == "space":
                return [self.delete_words_edit(i + 1, j)]
            return [TextEdit(*self._word_of(s).span, self.syntax.quote(s.style["flag"]))]
        if s.style["form"] == "attached" and not render_value(value).isdigit():
            return [TextEdit(*self._word_of(s).span, self.syntax.quote(s.style["flag"] + "=" + render_value(value)))]
        if s.style.get("whole_word") and s.style["form"] != "space":
            sep = "=" if s.style["form"] == "equals" else ""
            return [TextEdit(*self._word_of(s).span, self.syntax.quote(s.style["flag"] + sep + render_value(value)))]
        return [TextEdit(s.value_span[0], s.value_span[1], self.spell_value(value, like=s))]

    def delete_words_edit(self, i: int, j: int) -> TextEdit:
        return self.syntax.delete_words(self.unit.text, self.words, i, j)

    def delete(self, s: Setting) -> list[TextEdit]:
        return [self.delete_words_edit(*s.style["words"])]

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        flag = self.spell_key(ns, key, like=after or (self.settings[-1] if self.settings else None))
        if value is None or (value is True and _is_bool(key)):
            new = [flag]
        elif value is False and _is_bool(key):
            new = ["--no-" + flag.lstrip("-")]
        else:
            new = [flag, render_value(value)]
        if after is not None:
            i = after.style["words"][1] - 1
        elif self.settings:
            i = max(s.style["words"][1] for s in self.settings) - 1
        else:
            i = self.facts["args_start"] - 1
            model = self.facts.get("model")
            if model is not None:
                i = self.words.index(model)
        return [self.syntax.insert_after(self.unit.text, self.words, i, new)]


def _key_span(text: str, word: Word, flag: str) -> tuple[tuple[int, int], bool]:
    """Where the flag's characters are in the source, and whether the word is quoted as a whole."""
    start = word.span[0]
    if text.startswith(flag, start):
        return (start, start + len(flag)), False
    if text[start : start + 1] in ("'", '"') and text.startswith(flag, start + 1):
        return (start + 1, start + 1 + len(flag)), True
    return word.span, True


def vllm_scope(unit: Unit, words: list[Word], syntax: WordSyntax, label: str = "") -> CliScope | None:
    """A CliScope when `words` launch a vLLM server (after env assignments and wrappers), else None."""
    found = _launch(words, _skip_wrappers(words))
    if found is None:
        return None
    command, first = found
    scope = CliScope(unit, words, syntax, label=label or command)
    scope.facts.update(command=command, words=words, syntax=syntax, model=None, args_start=first)
    text = unit.text
    k, n = first, len(words)
    only_positional = False
    while k < n:
        w = words[k]
        parts = None if only_positional else _flag_parts(w.value)
        if parts is None:
            if w.literal and w.value == "--" and not only_positional:
                only_positional = True
            elif scope.facts["model"] is None and command.endswith("serve") and w.literal:
                scope.facts["model"] = w
            k += 1
            continue
        flag, key, attached, form = parts
        key_span, whole = _key_span(text, w, flag)
        nxt = words[k + 1] if k + 1 < n else None
        value_word: Word | None = None
        if attached is None and nxt is not None:
            nv = nxt.value
            dashy = nxt.literal and nv.startswith("-") and not _NUMBER.fullmatch(nv)
            if key == "O" and flag == "-O":
                takes = nxt.literal and nv.isdigit()
            elif _is_bool(key):
                takes = nxt.literal and nv.lower() in _BOOL_WORDS
            else:
                takes = not dashy
            if takes:
                value_word = nxt
        j = k + (2 if value_word is not None else 1)
        style = {"flag": flag, "words": (k, j), "whole_word": whole}
        if attached is not None:
            style["form"] = form
            cut = key_span[1] + (1 if form == "equals" else 0)
            value_span = (cut, w.span[1] - (1 if whole else 0))
            value, literal = attached, w.literal
        elif value_word is not None:
            style["form"] = "space"
            value_span, value, literal = value_word.span, value_word.value, value_word.literal
        else:
            style["form"] = "bare"
            value_span, value, literal = None, None, w.literal
        s = Setting(ns="vllm", key=key, value=value if literal else None, raw_key=flag, key_span=key_span,
                    value_span=value_span, delete_span=(0, 0), scope=scope, literal=literal, style=style)
        edit = syntax.delete_words(text, words, k, j)
        s.delete_span = (edit.start, edit.end)
        scope.settings.append(s)
        k = j
    return scope
