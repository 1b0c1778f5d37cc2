"""Environment assignments and vLLM command lines in `.env` files, shell scripts and Dockerfiles.

Scopes (all env scopes hold `env` settings plus their derived `lmi` views):
- `.env`: one "env" scope per file (`KEY=VALUE`, `export KEY=VALUE`, quoted values, `#` comments).
- shell: one "env" scope per file for plain and `export` assignments (the script's environment, roughly);
  each command with prefix assignments (`VLLM_USE_V1=0 vllm serve ...`) gets its own "env" scope, since
  those variables reach only that command's process (inserts there add another prefix assignment);
  each vLLM server launch is a "cli" scope (lmimigrate.surfaces.cmdline).
- Dockerfile: one "env" scope per build stage (`FROM` starts one) for `ENV`; `CMD`/`ENTRYPOINT`/`RUN`
  launching vLLM give "cli" scopes (shell form, or exec-form JSON arrays; an exec `ENTRYPOINT` that launches
  vLLM is combined with the stage's exec `CMD`, which supplies its arguments); prefix assignments in a
  `CMD`/`ENTRYPOINT` shell form give an "env" scope as in shell scripts.
Values containing `$X`, `${X}`, `$(...)` are non-literal.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lmimigrate.core.ftypes import ParseError, Scope, Setting, Unit
from lmimigrate.surfaces.cmdline import (
    Command,
    JsonArraySyntax,
    ShellSyntax,
    Word,
    render_value,
    shell_commands,
    shell_quote,
    shell_quote_like,
    vllm_scope,
)
from lmimigrate.surfaces.common import add_env_setting, env_name_for

_SHELL = ShellSyntax()
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SHELL_KEYWORDS = frozenset({"{", "then", "do", "else", "if", "elif", "while", "until", "!"})
_EXPANSION = re.compile(r"\$(?:\{|\(|[A-Za-z_])")


class EnvScope(Scope):
    """Env assignments of one file, stage or command. `form`: "dotenv", "shell", "prefix" or "docker"."""

    kind = "env"

    def __init__(self, unit: Unit, form: str, label: str):
        super().__init__(unit, kind="env", label=label)
        self.form = form
        self.empty_insert = len(unit.text)  # where a first entry goes when the scope has none

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        return env_name_for(ns, key)

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        text = render_value(value)
        old = ""
        if like is not None and like.value_span is not None:
            old = self.unit.text[like.value_span[0] : like.value_span[1]]
        if like is not None and like.style.get("legacy"):
            return text if re.fullmatch(r"[^\s'\"\\$`]+(?:[ \t]+[^\s'\"\\$`]+)*", text) else shell_quote(text)
        if self.form == "dotenv":
            return _dotenv_quote(text, old)
        return shell_quote_like(text, old)

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        # A new value is quoted only when it needs it, then in the quote style of its neighbour.
        plain = like is None or like.style.get("legacy") or not _needs_quotes(render_value(value))
        quote_like = None if plain else like
        entry = self.spell_key(ns, key) + "=" + self.spell_value(value, like=quote_like)
        if self.form == "docker":
            return (like.style.get("keyword", "ENV") if like is not None else "ENV") + " " + entry
        if self.form == "prefix":
            return entry
        export = like.style.get("export") if like is not None else self.form == "shell"
        return ("export " if export else "") + entry

    def insertion_point(self, after: Setting | None = None) -> tuple[int, str, str]:
        anchor = after or next((s for s in reversed(self.settings) if s.derived_from is None), None)
        if self.form == "prefix":
            if anchor is None:  # a prefix scope is never empty; this guards a misuse
                raise TypeError("a command's prefix environment has no assignment to insert after")
            return anchor.span[1], " ", ""
        text, nl = self.unit.text, self.unit.newline
        offset = anchor.style["after"] if anchor is not None else self.empty_insert
        if offset == len(text) and text and not text.endswith(("\n", "\r")):
            return offset, nl, ""
        return offset, "", nl


def _dotenv_quote(value: str, old: str) -> str:
    """Keep the old quote style; quote a formerly bare value only when needed (single quotes, as in shell)."""
    double = '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("$", "\\$") + '"'
    single_ok = "'" not in value and "\n" not in value
    if old.startswith('"') and not ("$" in value and single_ok):  # `$` stays literal in single quotes
        return double
    if not old.startswith("'") and not _needs_quotes(value):
        return value
    return "'" + value + "'" if single_ok else double


def _needs_quotes(value: str) -> bool:
    return shell_quote(value) != value


# ---- line helpers -----------------------------------------------------------------------------------------


def _line_start(text: str, i: int) -> int:
    nl = text.rfind("\n", 0, i)
    cr = text.rfind("\r", nl + 1, i)  # lone CR line endings: only look past the last LF
    return max(nl, cr) + 1


_EOL = re.compile(r"\r\n|\r|\n")


_LAST_EOL: list = [None, 0, 0, 0]  # text, searched from, line ending start, end: the last answer


def _next_line(text: str, i: int) -> int:
    """Offset just after the line ending at or after i (len(text) on the last line). Callers ask again and
    again about one long line (25k `A=1;` on it): the last answer holds for every i up to its line ending,
    so the line is scanned once, not once per question."""
    last, start, eol, end = _LAST_EOL
    if last is text and start <= i <= eol:
        return end
    m = _EOL.search(text, i)
    eol, end = (m.start(), m.end()) if m else (len(text), len(text))
    _LAST_EOL[:] = [text, i, eol, end]
    return end


_REST_OF_LINE = re.compile(r"[ \t;]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|$)")


def _own_lines(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole lines holding text[start:end] when nothing else but blanks, `;` or a comment is on them."""
    ls = _line_start(text, start)
    if text[ls:start].strip(" \t"):
        return None
    m = _REST_OF_LINE.match(text, end)
    return (ls, m.end()) if m else None


# ---- .env files -------------------------------------------------------------------------------------------

_DOTENV_KEY = re.compile(r"(export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")
_DOTENV_BARE = re.compile(r"(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*(?:#[^\r\n]*)?(?=\r|\n|$)")
_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def _parse_dotenv(unit: Unit) -> None:
    text, n = unit.text, len(unit.text)
    scope = EnvScope(unit, "dotenv", ".env file")
    i = 0
    while i < n:
        line_start = i
        while i < n and text[i] in " \t":
            i += 1
        if i >= n or text[i] in "\r\n#":
            i = _next_line(text, i)
            continue
        m = _DOTENV_KEY.match(text, i)
        if not m:
            if _DOTENV_BARE.match(text, i):  # `KEY` alone: passed through from the caller's environment
                i = _next_line(text, i)
                continue
            raise ParseError("expected KEY=VALUE", offset=i)
        name = m.group(2)
        p = m.end()
        if p < n and text[p] in "\"'":
            q = text[p]
            j, chars = p + 1, []
            while j < n and text[j] != q:
                if q == '"' and text[j] == "\\" and j + 1 < n:
                    chars.append(_DQ_ESCAPES.get(text[j + 1], "\\" + text[j + 1]))
                    j += 2
                    continue
                chars.append(text[j])
                j += 1
            if j >= n:
                raise ParseError(f"unterminated {q} quote", offset=p)
            value_span = (p, j + 1)
            value = "".join(chars)
            literal = q == "'" or not _EXPANSION.search(text, p, j)
        else:
            j = p
            while j < n and text[j] not in "\r\n" and not (text[j] == "#" and (j == p or text[j - 1] in " \t")):
                j += 1
            while j > p and text[j - 1] in " \t":
                j -= 1
            value_span = (p, j)
            value = text[p:j]
            literal = not _EXPANSION.search(value)
        eol = _next_line(text, value_span[1])
        add_env_setting(
            scope, name, value if literal else None,
            key_span=(m.start(2), m.end(2)), value_span=value_span, delete_span=(line_start, eol), literal=literal,
            style={"export": bool(m.group(1)), "after": eol},
        )
        i = eol
    unit.scopes.append(scope)


# ---- shell scripts ----------------------------------------------------------------------------------------


def _raw(text: str, w: Word) -> str:
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
    whole = _own_lines(text, c.start, c.end) if start == c.start else None
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
    after = _next_line(text, c.end)
    for k in targets:
        delete = _command_delete_span(text, c, start) if alone else _word_delete(text, words, k)
        _add_assignment(scope, words, k, delete, {"export": export, "after": after})


def _word_delete(text: str, words: list[Word], k: int) -> tuple[int, int]:
    e = _SHELL.delete_words(text, words, k, k + 1)
    return e.start, e.end


def _prefix_env(unit: Unit, c: Command, lead: int, label: str) -> EnvScope:
    text = unit.text
    scope = EnvScope(unit, "prefix", label)
    scope.span = (c.start, c.end)
    scope.facts["command"] = [w.value for w in c.words[lead:]]
    for k in range(lead):
        _add_assignment(scope, c.words, k, _word_delete(text, c.words, k), {"prefix": True})
    return scope


def _command_scopes(unit: Unit, c: Command, where: str, env_prefix: bool = True) -> list[Scope]:
    """The prefix-env and vLLM scopes of one (non-assignment) command."""
    text = unit.text
    out: list[Scope] = []
    lead = 0
    while lead < len(c.words) and _is_assignment(text, c.words[lead]):
        lead += 1
    if env_prefix and 0 < lead < len(c.words):
        out.append(_prefix_env(unit, c, lead, f"environment of {c.words[lead].value} ({where})"))
    cli = vllm_scope(unit, c.words, _SHELL, label="")
    if cli is not None:
        cli.label = f"{cli.facts['command']} ({where})"
        out.append(cli)
    return out


def _parse_shell(unit: Unit) -> None:
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
        while k < len(words) - 1 and _raw(text, words[k]) in _SHELL_KEYWORDS:
            k += 1
        if _raw(text, words[k]) == "export":
            _shell_env(scope, c, k + 1, export=True)
        elif all(_is_assignment(text, w) for w in words[k:]):
            _shell_env(scope, c, k, export=False)
        else:
            others.extend(_command_scopes(unit, c, f"line {unit.index.position(c.start)[0]}"))
    if first_command is not None:
        scope.empty_insert = _line_start(text, first_command)
    unit.scopes.append(scope)
    unit.scopes.extend(others)


# ---- Dockerfiles ------------------------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"#[ \t]*([A-Za-z]+)[ \t]*=[ \t]*(\S*)[ \t]*$")
_INSTRUCTION = re.compile(r"[A-Za-z]+")
_HEREDOC = re.compile(r"<<-?[ \t]*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ENV_NAME = re.compile(r"[^\s=\"'$\\`]+=")
_JSON_STRING = re.compile(r'"(?:[^"\\\r\n]|\\.)*"')
_JSON_GAP = re.compile(r"(?:\s|\\(?=\r?\n|\r))*")


class _Instruction:
    def __init__(self, keyword: str, kw_span: tuple[int, int], args_start: int, end: int, after: int,
                 segments: list[tuple[int, int]]):
        self.keyword = keyword
        self.kw_span = kw_span
        self.args_start = args_start
        self.end = end  # end of the last content line (line ending excluded)
        self.after = after  # start of the next line
        self.segments = segments  # argument ranges, comment lines inside continuations left out


def _instructions(text: str) -> tuple[list[_Instruction], str]:
    n = len(text)
    escape = "\\"
    i = 0
    in_directives = True
    out: list[_Instruction] = []
    while i < n:
        eol = _next_line(text, i)
        line = text[i:eol].rstrip("\r\n")
        stripped = line.strip(" \t")
        if not stripped or stripped.startswith("#"):
            if in_directives:
                m = _DIRECTIVE.fullmatch(stripped)
                if m and m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
                    escape = m.group(2)
                elif not m:
                    in_directives = False
            i = eol
            continue
        in_directives = False
        start = i + (len(line) - len(line.lstrip(" \t")))
        m = _INSTRUCTION.match(text, start)
        if not m:
            raise ParseError("expected a Dockerfile instruction", offset=start)
        kw_end = m.end()
        args_start = kw_end
        while args_start < n and text[args_start] in " \t":
            args_start += 1
        segments = []
        seg_start: int | None = args_start
        j = i
        while True:
            next_j = _next_line(text, j)
            content_end = j + len(text[j:next_j].rstrip("\r\n"))
            if not (text[j:content_end].rstrip(" \t").endswith(escape) and next_j < n):
                break
            # Comment and blank lines inside a continuation are not part of the instruction.
            k = next_j
            while k < n:
                s = text[k:_next_line(text, k)].strip(" \t\r\n")
                if s and not s.startswith("#"):
                    break
                if seg_start is not None:
                    segments.append((seg_start, k))
                    seg_start = None
                k = _next_line(text, k)
            if k >= n:
                break
            if seg_start is None:
                seg_start = k
            j = k
        last_end = content_end
        if seg_start is not None:
            segments.append((seg_start, last_end))
        after = _next_line(text, last_end)
        keyword = m.group().upper()
        if keyword in ("RUN", "COPY", "ADD"):
            for h in _HEREDOC.finditer(text, args_start, last_end):
                delim = h.group(2)
                while after < n:
                    body_line = text[after:_next_line(text, after)].rstrip("\r\n")
                    after = _next_line(text, after)
                    if body_line.lstrip("\t") == delim:
                        break
        out.append(_Instruction(keyword, (start, kw_end), args_start, last_end, after, segments))
        i = after
    return out, escape


def _segment_commands(text: str, ins: _Instruction, operators: bool, escape: str = "\\") -> list[Command]:
    out: list[Command] = []
    for a, b in ins.segments:
        out.extend(shell_commands(text, a, b, operators=operators, escape=escape))
    return out


def _env_instruction(scope: EnvScope, ins: _Instruction, escape: str) -> None:
    text = scope.unit.text
    words = [w for c in _segment_commands(text, ins, operators=False, escape=escape) for w in c.words]
    if not words:
        raise ParseError("ENV needs a KEY=VALUE argument", offset=ins.kw_span[0])
    kw_word = Word(ins.keyword, ins.kw_span)
    style = {"keyword": text[ins.kw_span[0] : ins.kw_span[1]], "after": ins.after}
    whole = _own_lines(text, ins.kw_span[0], ins.end) or (ins.kw_span[0], ins.after)
    if "=" not in _raw(text, words[0]):  # legacy `ENV KEY value`: the rest of the line is the value
        key = words[0]
        rest = words[1:]
        if not rest:
            raise ParseError("ENV needs a value", offset=key.span[1])
        literal = all(w.literal for w in rest)
        value = " ".join(w.value for w in rest) if len(rest) > 1 else rest[0].value
        add_env_setting(
            scope, key.value, value if literal else None, raw_key=_raw(text, key), key_span=key.span,
            value_span=(rest[0].span[0], rest[-1].span[1]), delete_span=whole, literal=literal,
            style={**style, "legacy": True},
        )
        return
    all_words = [kw_word] + words
    for k, w in enumerate(words, start=1):
        m = _ENV_NAME.match(text, w.span[0], w.span[1])
        if not m:
            raise ParseError("ENV expects KEY=VALUE", offset=w.span[0])
        name = m.group()[:-1]
        cut = w.span[0] + len(name)
        delete = whole if len(words) == 1 else _word_delete(text, all_words, k)
        add_env_setting(
            scope, name, w.value[len(name) + 1 :] if w.literal else None, key_span=(w.span[0], cut),
            value_span=(cut + 1, w.span[1]), delete_span=delete, literal=w.literal, style=dict(style),
        )


class _ExecFormSyntax(JsonArraySyntax):
    """Exec-form arrays may span lines joined by backslash continuations."""

    separator = re.compile(r"(?:\s|\\(?=\r?\n|\r))*,(?:\s|\\(?=\r?\n|\r))*")


_EXEC = _ExecFormSyntax()


def _exec_words(text: str, ins: _Instruction) -> list[Word] | None:
    """The strings of an exec-form JSON array, or None when the arguments are not one (shell form)."""
    start, end = ins.args_start, ins.end
    if not text.startswith("[", start):
        return None
    words: list[Word] = []
    i = start + 1
    expect_item = True
    while True:
        i = _JSON_GAP.match(text, i, end).end()
        if i >= end:
            return None
        ch = text[i]
        if ch == "]" and (expect_item is False or not words):
            i += 1
            break
        if expect_item and ch == '"':
            m = _JSON_STRING.match(text, i, end)
            if not m:
                return None
            try:
                value = json.loads(m.group())
            except ValueError:
                return None
            words.append(Word(value, m.span()))
            i, expect_item = m.end(), False
        elif not expect_item and ch == ",":
            i, expect_item = i + 1, True
        else:
            return None
    return words if not text[i:end].strip(" \t") else None


def _parse_dockerfile(unit: Unit) -> None:
    text = unit.text
    instructions, escape = _instructions(text)
    scopes: list[Scope] = []
    stage: EnvScope | None = None
    entry: tuple[list[Word], Scope] | None = None  # the stage's exec ENTRYPOINT when it launches vLLM
    stage_no = 0
    for ins in instructions:
        line = unit.index.position(ins.kw_span[0])[0]
        if ins.keyword == "FROM":
            args = [w.value for c in _segment_commands(text, ins, operators=False, escape=escape) for w in c.words]
            name = args[2] if len(args) >= 3 and args[1].lower() == "as" else str(stage_no)
            stage = EnvScope(unit, "docker", f"stage {name} env")
            stage.facts.update(stage=stage_no, name=name, image=args[0] if args else "")
            stage.span = (ins.kw_span[0], len(text))
            stage.empty_insert = ins.after
            stage_no += 1
            entry = None
            scopes.append(stage)
        elif ins.keyword == "ENV":
            if stage is None:
                stage = EnvScope(unit, "docker", "env before FROM")
                stage.empty_insert = ins.kw_span[0]
                scopes.append(stage)
            _env_instruction(stage, ins, escape)
        elif ins.keyword in ("CMD", "ENTRYPOINT", "RUN"):
            where = f"{ins.keyword} at line {line}"
            words = _exec_words(text, ins)
            if words is not None:
                if ins.keyword == "CMD" and entry is not None:
                    scopes.remove(entry[1])
                    combined = vllm_scope(unit, entry[0] + words, _EXEC)
                    if combined is not None:
                        combined.label = f"{combined.facts['command']} (ENTRYPOINT + {where})"
                        scopes.append(combined)
                    entry = None
                    continue
                cli = vllm_scope(unit, words, _EXEC) if words else None
                if cli is not None:
                    cli.label = f"{cli.facts['command']} ({where})"
                    scopes.append(cli)
                    if ins.keyword == "ENTRYPOINT":
                        entry = (words, cli)
                continue
            if ins.keyword == "ENTRYPOINT":
                entry = None
            try:
                commands = _segment_commands(text, ins, operators=True, escape=escape)
            except ParseError:
                continue  # the shell reports this at run time; the Dockerfile itself is valid
            for c in commands:
                if c.words:
                    scopes.extend(_command_scopes(unit, c, where, env_prefix=ins.keyword != "RUN"))
    unit.scopes.extend(scopes)


def parse(unit: Unit) -> None:
    try:
        if unit.surface == "env":
            _parse_dotenv(unit)
        elif unit.surface == "shell":
            _parse_shell(unit)
        elif unit.surface == "dockerfile":
            _parse_dockerfile(unit)
        else:
            raise ParseError(f"envfile cannot read a {unit.surface} unit")
    except RecursionError as e:
        raise ParseError("input too deeply nested") from e
