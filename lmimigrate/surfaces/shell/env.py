"""The `env` scope of shell-family files: `.env` files, shell scripts (file environment and command prefixes)
and Dockerfile stages. It holds `env` settings plus the views stacks derive from them (LMI's `option.*`)."""

from __future__ import annotations

import re

from lmimigrate.core.ftypes import Scope, Setting, TextEdit, Unit
from lmimigrate.surfaces.common import env_name_for
from lmimigrate.surfaces.shell.cli import render_value
from lmimigrate.surfaces.shell.words import shell_quote, shell_quote_like
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


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
        plain = like is None or like.style.get("legacy") or not needs_quotes(render_value(value))
        quote_like = None if plain else like
        entry = self.spell_key(ns, key) + "=" + self.spell_value(value, like=quote_like)
        if self.form == "docker":
            return (like.style.get("keyword", "ENV") if like is not None else "ENV") + " " + entry
        if self.form == "prefix":
            return entry
        export = like.style.get("export") if like is not None else self.form == "shell"
        return ("export " if export else "") + entry

    def delete(self, s: Setting) -> list[TextEdit]:
        if s.style.get("keep"):
            raise ValueError(s.style["keep"])
        return [TextEdit(s.delete_span[0], s.delete_span[1], s.style.get("delete_as", ""))]

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
    if not old.startswith("'") and not needs_quotes(value):
        return value
    return "'" + value + "'" if single_ok else double


def needs_quotes(value: str) -> bool:
    return shell_quote(value) != value


