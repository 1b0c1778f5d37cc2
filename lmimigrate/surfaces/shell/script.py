"""The shell surface: scripts (`*.sh`, `*.bash`, `*.zsh`, `.envrc`, shebang scripts) and shell-form text held
elsewhere (Dockerfile `RUN`/`CMD`/`ENTRYPOINT`, notebook `%%bash` cells).

Scopes:
- one "env" scope per file for plain and `export` assignments (the script's environment, roughly);
- each command with prefix assignments (`VLLM_USE_V1=0 vllm serve ...`) gets its own "env" scope, since
  those variables reach only that command's process (inserts there add another prefix assignment);
- each vLLM server launch is a "cli" scope (`lmimigrate.surfaces.shell.launch`).
Values containing `$X`, `${X}`, `$(...)` are non-literal.
"""

from __future__ import annotations

import re

from lmimigrate.core.ftypes import ParsedFile, Scope, Unit
from lmimigrate.surfaces.common import add_env_setting
from lmimigrate.surfaces.shell.env import EnvScope
from lmimigrate.surfaces.shell.carriers import quoted_word
from lmimigrate.surfaces.shell.lexer import Command, Word, shell_commands
from lmimigrate.surfaces.shell.nested import parse_hosting, read_hosting, Decoder, Nest, command_scopes_nested, heredoc_units
from lmimigrate.surfaces.shell.words import ShellSyntax, WordSyntax
from lmimigrate.surfaces.text import line_start, next_line
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

SHELL = ShellSyntax()
_ASSIGN = lazy_pattern(r"[A-Za-z_][A-Za-z0-9_]*=")
_SHELL_KEYWORDS = frozenset({"{", "then", "do", "else", "if", "elif", "while", "until", "!"})
_REST_OF_LINE = lazy_pattern(r"[ \t;]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|$)")


def own_lines(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole lines holding text[start:end] when nothing else but blanks, `;` or a comment is on them."""
    ls = line_start(text, start)
    if text[ls:start].strip(" \t"):
        return None
    m = _REST_OF_LINE.match(text, end)
    return (ls, m.end()) if m else None


def raw(text: str, w: Word) -> str:
    return text[w.span[0] : w.span[1]]


def _is_assignment(text: str, w: Word) -> bool:
    return bool(_ASSIGN.match(text, w.span[0], w.span[1]))


def _add_assignment(scope: EnvScope, words: list[Word], idx: int, delete_span: tuple[int, int],
                    style: dict[str, Any]) -> None:
    text = scope.unit.text
    w = words[idx]
    m = _ASSIGN.match(text, w.span[0], w.span[1])
    assert m is not None  # the caller found an assignment word
    name = m.group()[:-1]
    cut = w.span[0] + len(name)
    add_env_setting(
        scope, name, w.value[len(name) + 1 :] if w.literal else None,
        key_span=(w.span[0], cut), value_span=(cut + 1, w.span[1]), delete_span=delete_span, literal=w.literal,
        style=style,
    )


def _command_delete_span(text: str, c: Command, start: int) -> tuple[int, int]:
    """Remove an assignment-only command from `start` (after any `{`, `then`...) with what joins it to its
    neighbours: its whole line when alone there, else its `;`/`&&`/`||`."""
    whole = own_lines(text, c.start, c.end) if start == c.start else None
    if whole is not None and c.terminator in ("\n", "", ";"):
        return whole
    if c.terminator in (";", "&&", "||"):
        m = re.compile(r"[ \t]*" + re.escape(c.terminator) + r"[ \t]*").match(text, c.end)
        if m:
            return start, m.end()
    k = start
    if k > c.start:
        return start, c.end
    while k > 0 and text[k - 1] in " \t":
        k -= 1
    if k > 0 and text[k - 1] == ";":
        return k - 1, c.end
    return c.start, c.end


# Words that open a compound command's body, and words that end one (or start its next part).
_BODY_OPENED = lazy_pattern(r"(?:^|[\s;&|()])(?:then|do|else|\{)[ \t]*$|\([ \t]*$")
_BODY_CLOSED = lazy_pattern(r"[ \t]*;?(?:\s|#[^\r\n]*)*(?:\)|(?:fi|done|else|elif|esac|\})(?![\w.-]))")
_LISTS = frozenset({"&&", "||", "|", "|&", "&"})
_KEEP = "it is part of a pipeline, a background job or an `&&`/`||` list: removing it changes what runs"


def _only_statement(text: str, start: int, c: Command) -> bool:
    """The command is the only statement of a block (`then ... fi`, `do ... done`, `{ ...; }`, `( ... )`):
    removing it would leave the block empty, a syntax error."""
    before = text[max(0, start - 256) : start].rstrip(" \t\r\n")  # a window: one long line stays linear
    return bool(_BODY_OPENED.search(before[-64:])) and bool(_BODY_CLOSED.match(text, c.end))


def _shell_env(scope: EnvScope, cmds: list[Command], i: int, first: int, export: bool, after: int) -> None:
    """Assignments among cmds[i].words[first:] into the file scope; new entries go at `after`."""
    text = scope.unit.text
    c = cmds[i]
    words = c.words
    targets = [k for k in range(first, len(words)) if _is_assignment(text, words[k])]
    alone = len(words) - first == 1  # `export A=1` or `A=1`: deleting it removes the whole command
    start = words[first - 1].span[0] if export else words[first].span[0]
    style: dict[str, Any] = {"export": export, "after": after}
    # `A=1 && b` is `b` without A (an assignment succeeds); in any other list position removing it changes
    # what runs (`a || A=1 || b`), leaves a dangling operator (`a && A=1`) or breaks a pipeline.
    if alone and (c.terminator in _LISTS - {"&&"} or (i > 0 and cmds[i - 1].terminator in _LISTS)):
        style["keep"] = _KEEP
    for k in targets:
        if not alone:
            delete = word_delete_span(text, words, k)
        elif _only_statement(text, start, c):
            delete, style["delete_as"] = (start, c.end), ":"  # `then :` keeps the block valid
        else:
            delete = _command_delete_span(text, c, start)
        _add_assignment(scope, words, k, delete, dict(style))


def _afters(text: str, cmds: list[Command]) -> list[int]:
    """For each command, where a new line may go after it: past the rest of its `&&`/`||`/`|` list, its
    continuation lines, and the here-document bodies of every command on those lines. Linear: line ends are
    asked in text order (`next_line` remembers the last line), then joined from the last command back."""
    ends = [next_line(text, c.end) for c in cmds]
    out = [0] * len(cmds)
    for i in range(len(cmds) - 1, -1, -1):
        end = max([ends[i]] + [h.after for h in cmds[i].heredocs])
        if i + 1 < len(cmds) and (cmds[i].terminator in _LISTS or cmds[i + 1].start < end):
            end = max(end, out[i + 1])
        out[i] = end
    return out


def word_delete_span(text: str, words: list[Word], k: int) -> tuple[int, int]:
    e = SHELL.delete_words(text, words, k, k + 1)
    return e.start, e.end


def _prefix_env(unit: Unit, c: Command, lead: int, label: str) -> EnvScope:
    text = unit.text
    scope = EnvScope(unit, "prefix", label)
    scope.span = (c.start, c.end)
    scope.facts["command"] = [w.value for w in c.words[lead:]]
    for k in range(lead):
        _add_assignment(scope, c.words, k, word_delete_span(text, c.words, k), {"prefix": True})
    return scope


def command_scopes(unit: Unit, c: Command, where: str, nest: Nest, env_prefix: bool = True,
                   syntax: WordSyntax = SHELL, decode: Decoder = quoted_word) -> list[Scope]:
    """The prefix-env and vLLM scopes of one (non-assignment) command; what it hands to another program
    (`sh -c` bodies, here-documents) goes into `nest` as embedded units."""
    text = unit.text
    out: list[Scope] = []
    lead = 0
    while lead < len(c.words) and _is_assignment(text, c.words[lead]):
        lead += 1
    if env_prefix and 0 < lead < len(c.words):
        out.append(_prefix_env(unit, c, lead, f"environment of {c.words[lead].value} ({where})"))
    for cli in command_scopes_nested(unit, c.words, syntax, where, nest, decode):
        cli.label = f"{cli.facts['command']} ({where})"
        out.append(cli)
    heredoc_units(unit, c, where, nest)
    return out


def _parse_shell(unit: Unit, nest: Nest) -> None:
    text = unit.text
    scope = EnvScope(unit, "shell", "shell script environment")
    others: list[Scope] = []
    first_command = None
    in_case: list[int] = []  # settings count at each open `case`: entries must not be added inside a branch
    cmds = shell_commands(text, 0, len(text))
    afters = _afters(text, cmds)
    for i, c in enumerate(cmds):
        words = c.words
        if not words:
            continue
        if first_command is None:
            first_command = c.start
        k = 0
        while k < len(words) - 1 and raw(text, words[k]) in _SHELL_KEYWORDS:
            k += 1
        head = raw(text, words[k])
        if head == "case":
            in_case.append(len(scope.settings))
        elif head == "esac" and in_case:
            opened = in_case.pop()
            if not in_case:
                for s in scope.settings[opened:]:
                    s.style["after"] = max(s.style["after"], afters[i])
        if head == "export":
            _shell_env(scope, cmds, i, k + 1, export=True, after=afters[i])
        elif all(_is_assignment(text, w) for w in words[k:]):
            _shell_env(scope, cmds, i, k, export=False, after=afters[i])
        else:
            others.extend(command_scopes(unit, c, f"line {unit.index.position(c.start)[0]}", nest))
    if in_case:  # an unterminated `case`: never insert after its settings
        for s in scope.settings[in_case[0] :]:
            s.style["after"] = len(text)
    if first_command is not None:
        scope.empty_insert = line_start(text, first_command)
    unit.scopes.append(scope)
    unit.scopes.extend(others)


def parse(unit: Unit) -> None:
    """Fill `unit.scopes`; text the script hands to other programs is not read (see `parse_file`)."""
    read_hosting(unit, Nest(unit), _parse_shell)


def parse_file(path: str, text: str) -> ParsedFile:
    """The script's unit, then the units embedded in it (`sh -c` bodies, here-documents)."""
    return parse_hosting(path, text, "shell", _parse_shell)
