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

from lmimigrate.core.ftypes import ParsedFile, ParseError, Scope, Unit
from lmimigrate.surfaces import detect_newline
from lmimigrate.surfaces.common import add_env_setting
from lmimigrate.surfaces.shell.env import EnvScope
from lmimigrate.surfaces.shell.carriers import quoted_word
from lmimigrate.surfaces.shell.lexer import Command, Word, shell_commands
from lmimigrate.surfaces.shell.nested import Decoder, Nest, command_scopes_nested, heredoc_units
from lmimigrate.surfaces.shell.words import ShellSyntax, WordSyntax
from lmimigrate.surfaces.text import line_start, next_line

SHELL = ShellSyntax()
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SHELL_KEYWORDS = frozenset({"{", "then", "do", "else", "if", "elif", "while", "until", "!"})
_REST_OF_LINE = re.compile(r"[ \t;]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|$)")


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


def _add_assignment(scope: EnvScope, words: list[Word], idx: int, delete_span: tuple[int, int], style: dict) -> None:
    text = scope.unit.text
    w = words[idx]
    name = _ASSIGN.match(text, w.span[0], w.span[1]).group()[:-1]
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


def _shell_env(scope: EnvScope, c: Command, first: int, export: bool) -> None:
    """Assignments among c.words[first:] into the file scope."""
    text = scope.unit.text
    words = c.words
    targets = [k for k in range(first, len(words)) if _is_assignment(text, words[k])]
    alone = len(words) - first == 1  # `export A=1` or `A=1`: deleting it removes the whole command
    start = words[first - 1].span[0] if export else words[first].span[0]
    after = next_line(text, c.end)
    for k in targets:
        delete = _command_delete_span(text, c, start) if alone else word_delete_span(text, words, k)
        _add_assignment(scope, words, k, delete, {"export": export, "after": after})


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
    for c in shell_commands(text, 0, len(text)):
        words = c.words
        if not words:
            continue
        if first_command is None:
            first_command = c.start
        k = 0
        while k < len(words) - 1 and raw(text, words[k]) in _SHELL_KEYWORDS:
            k += 1
        if raw(text, words[k]) == "export":
            _shell_env(scope, c, k + 1, export=True)
        elif all(_is_assignment(text, w) for w in words[k:]):
            _shell_env(scope, c, k, export=False)
        else:
            others.extend(command_scopes(unit, c, f"line {unit.index.position(c.start)[0]}", nest))
    if first_command is not None:
        scope.empty_insert = line_start(text, first_command)
    unit.scopes.append(scope)
    unit.scopes.extend(others)


def parse(unit: Unit) -> None:
    """Fill `unit.scopes`; text the script hands to other programs is not read (see `parse_file`)."""
    parse_into(unit, Nest(unit))


def parse_into(unit: Unit, nest: Nest) -> None:
    try:
        _parse_shell(unit, nest)
    except RecursionError as e:
        raise ParseError("input too deeply nested") from e


def parse_file(path: str, text: str) -> ParsedFile:
    """The script's unit, then the units embedded in it (`sh -c` bodies, here-documents)."""
    unit = Unit(text=text, surface="shell", newline=detect_newline(text))
    nest = Nest(unit)
    parse_into(unit, nest)
    return ParsedFile(path=path, units=[unit, *nest.units])
