"""The env surface: `.env` files (`KEY=VALUE`, `export KEY=VALUE`, quoted values, `#` comments), one "env" scope
per file. Values containing `$X`, `${X}`, `$(...)` are non-literal."""

from __future__ import annotations


from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.surfaces.common import add_env_setting
from lmimigrate.surfaces.shell.env import EnvScope
from lmimigrate.surfaces.text import next_line
from lmimigrate.core.patterns import lazy_pattern

_EXPANSION = lazy_pattern(r"\$(?:\{|\(|[A-Za-z_])")

_DOTENV_KEY = lazy_pattern(r"(export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")
_DOTENV_BARE = lazy_pattern(r"(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*(?:#[^\r\n]*)?(?=\r|\n|$)")
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
            i = next_line(text, i)
            continue
        m = _DOTENV_KEY.match(text, i)
        if not m:
            if _DOTENV_BARE.match(text, i):  # `KEY` alone: passed through from the caller's environment
                i = next_line(text, i)
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
        eol = next_line(text, value_span[1])
        add_env_setting(
            scope, name, value if literal else None,
            key_span=(m.start(2), m.end(2)), value_span=value_span, delete_span=(line_start, eol), literal=literal,
            style={"export": bool(m.group(1)), "after": eol},
        )
        i = eol
    unit.scopes.append(scope)


def parse(unit: Unit) -> None:
    try:
        _parse_dotenv(unit)
    except RecursionError as e:
        raise ParseError("input too deeply nested") from e
