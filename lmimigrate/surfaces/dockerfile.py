"""The Dockerfile surface (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `Containerfile`).

Scopes: one "env" scope per build stage (`FROM` starts one) for `ENV`; `CMD`/`ENTRYPOINT`/`RUN` launching vLLM
give "cli" scopes (shell form, or exec-form JSON arrays; an exec `ENTRYPOINT` that launches vLLM is combined with
the stage's exec `CMD`, which supplies its arguments); prefix assignments in a `CMD`/`ENTRYPOINT` shell form give
an "env" scope as in shell scripts. The `# escape=` directive is honoured.
"""

from __future__ import annotations

import json
import os
import re

from lmimigrate.core.ftypes import ParsedFile, ParseError, Scope, Unit
from lmimigrate.surfaces.common import add_env_setting
from lmimigrate.surfaces.shell.env import EnvScope
from lmimigrate.surfaces.shell.launch import vllm_scope
from lmimigrate.surfaces.shell.lexer import Command, Word, shell_commands
from lmimigrate.surfaces.shell.carriers import heredoc_body, json_string
from lmimigrate.surfaces.shell.nested import parse_hosting, read_hosting, Nest, heredoc_units, shell_c_body
from lmimigrate.surfaces.shell.script import command_scopes, own_lines, raw, word_delete_span
from lmimigrate.surfaces.shell.words import JsonArraySyntax
from lmimigrate.surfaces.text import next_line
from lmimigrate.core.patterns import lazy_pattern

_DIRECTIVE = lazy_pattern(r"#[ \t]*([A-Za-z]+)[ \t]*=[ \t]*(\S*)[ \t]*$")
_INSTRUCTION = lazy_pattern(r"[A-Za-z]+")
_HEREDOC = lazy_pattern(r"<<-?[ \t]*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ENV_NAME = lazy_pattern(r"[^\s=\"'$\\`]+=")
_JSON_STRING = lazy_pattern(r'"(?:[^"\\\r\n]|\\.)*"')
_JSON_GAP = lazy_pattern(r"(?:\s|\\(?=\r?\n|\r))*")


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
        eol = next_line(text, i)
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
            next_j = next_line(text, j)
            content_end = j + len(text[j:next_j].rstrip("\r\n"))
            if not (text[j:content_end].rstrip(" \t").endswith(escape) and next_j < n):
                break
            # Comment and blank lines inside a continuation are not part of the instruction.
            k = next_j
            while k < n:
                s = text[k:next_line(text, k)].strip(" \t\r\n")
                if s and not s.startswith("#"):
                    break
                if seg_start is not None:
                    segments.append((seg_start, k))
                    seg_start = None
                k = next_line(text, k)
            if k >= n:
                break
            if seg_start is None:
                seg_start = k
            j = k
        last_end = content_end
        if seg_start is not None:
            segments.append((seg_start, last_end))
        after = next_line(text, last_end)
        keyword = m.group().upper()
        if keyword in ("RUN", "COPY", "ADD"):
            for h in _HEREDOC.finditer(text, args_start, last_end):
                delim = h.group(2)
                while after < n:
                    body_line = text[after:next_line(text, after)].rstrip("\r\n")
                    after = next_line(text, after)
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
    whole = own_lines(text, ins.kw_span[0], ins.end) or (ins.kw_span[0], ins.after)
    if "=" not in raw(text, words[0]):  # legacy `ENV KEY value`: the rest of the line is the value
        key = words[0]
        rest = words[1:]
        if not rest:
            raise ParseError("ENV needs a value", offset=key.span[1])
        literal = all(w.literal for w in rest)
        value = " ".join(w.value for w in rest) if len(rest) > 1 else rest[0].value
        add_env_setting(
            scope, key.value, value if literal else None, raw_key=raw(text, key), key_span=key.span,
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
        delete = whole if len(words) == 1 else word_delete_span(text, all_words, k)
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
        gap = _JSON_GAP.match(text, i, end)
        assert gap is not None  # (it matches the empty string)
        i = gap.end()
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


def _exec_form(unit: Unit, ins: _Instruction, words: list[Word], where: str, nest: Nest,
               entry: tuple[list[Word], Scope | None] | None) -> tuple[list[Scope], tuple[list[Word], Scope | None] | None]:
    """Scopes of an exec-form instruction, and the stage's ENTRYPOINT state after it. An exec ENTRYPOINT that
    launches vLLM, or is a bare `sh -c`, is combined with the next exec CMD, which supplies its arguments."""
    text = unit.text
    if ins.keyword == "CMD" and entry is not None:
        words = entry[0] + words
        if entry[1] is not None:
            label = f"ENTRYPOINT + {where}"
            combined = vllm_scope(unit, words, _EXEC)
            if combined is not None:
                combined.label = f"{combined.facts['command']} ({label})"
            return ([combined] if combined is not None else []), None
    body = shell_c_body(words)
    if body is not None:
        nest.add(json_string(text, body), "shell", f"`sh -c` script ({where})")
        return [], None
    if ins.keyword == "ENTRYPOINT" and words and shell_c_body(words + [Word("", (0, 0))]) is not None:
        return [], (words, None)  # `ENTRYPOINT ["sh", "-c"]`: the CMD is the script
    cli = vllm_scope(unit, words, _EXEC) if words else None
    if cli is None:
        return [], None
    cli.label = f"{cli.facts['command']} ({where})"
    return [cli], ((words, cli) if ins.keyword == "ENTRYPOINT" else None)


def _parse_dockerfile(unit: Unit, nest: Nest) -> None:
    text = unit.text
    instructions, escape = _instructions(text)
    scopes: list[Scope] = []
    stage: EnvScope | None = None
    entry: tuple[list[Word], Scope | None] | None = None  # the stage's exec ENTRYPOINT, when CMD completes it
    stage_no = 0
    for ins in instructions:
        line = unit.index.position(ins.kw_span[0])[0]
        where = f"{ins.keyword} at line {line}"
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
        elif ins.keyword in ("COPY", "ADD") and _HEREDOC.search(text, ins.args_start, ins.end):
            _copy_heredoc(unit, ins, where, nest, escape)
        elif ins.keyword in ("CMD", "ENTRYPOINT", "RUN"):
            words = _exec_words(text, ins)
            if words is not None:
                if ins.keyword == "CMD" and entry is not None and entry[1] is not None:
                    scopes.remove(entry[1])
                found, entry = _exec_form(unit, ins, words, where, nest, entry)
                scopes.extend(found)
                continue
            if ins.keyword == "ENTRYPOINT":
                entry = None
            try:
                if ins.keyword == "RUN" and _HEREDOC.search(text, ins.args_start, ins.end):
                    # Here-document bodies follow the instruction's line: lex through them.
                    commands = shell_commands(text, ins.args_start, ins.after, operators=True, escape=escape)
                else:
                    commands = _segment_commands(text, ins, operators=True, escape=escape)
            except ParseError:
                continue  # the shell reports this at run time; the Dockerfile itself is valid
            for c in commands:
                if c.words:
                    scopes.extend(command_scopes(unit, c, where, nest, env_prefix=ins.keyword != "RUN"))
                else:
                    heredoc_units(unit, c, where, nest, implicit_shell=True)
    unit.scopes.extend(scopes)


def _copy_heredoc(unit: Unit, ins: _Instruction, where: str, nest: Nest, escape: str) -> None:
    """`COPY <<EOF /opt/ml/model/serving.properties`: the body is the destination file's text."""
    from lmimigrate import surfaces

    try:
        [c] = shell_commands(unit.text, ins.args_start, ins.after, operators=True, escape=escape)
    except (ParseError, ValueError):
        return
    if len(c.heredocs) != 1 or not c.words or c.words[-1].value.endswith("/"):
        return
    name = os.path.basename(c.words[-1].value)
    surface = surfaces.classify(name) if "$" not in name else None
    if surface is not None:
        nest.add(heredoc_body(unit.text, c.heredocs[0]), surface, f"here-document for {name} ({where})", name)


def parse(unit: Unit) -> None:
    """Fill `unit.scopes`; text the Dockerfile hands to other programs is not read (see `parse_file`)."""
    read_hosting(unit, Nest(unit), _parse_dockerfile)


def parse_file(path: str, text: str) -> ParsedFile:
    """The Dockerfile's unit, then the units embedded in it (`sh -c` bodies, here-documents)."""
    return parse_hosting(path, text, "dockerfile", _parse_dockerfile)
