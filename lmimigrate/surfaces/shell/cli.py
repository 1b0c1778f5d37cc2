"""The scope of one vLLM server command line: its flags as `vllm` settings, and the edits that rename, revalue,
delete and insert flags in the host's word syntax.

New values that are dicts or lists are written as `json.dumps(value)` (default separators `", "`/`": "`),
then quoted by the host syntax. Setting a bare switch to True/False keeps it or writes `--no-X`; setting it to
any other value writes that value after the flag (rules rename a switch into a valued flag, then set it).
"""

from __future__ import annotations

import json

from lmimigrate.core.ftypes import Scope, Setting, TextEdit, Unit
from lmimigrate.surfaces.knowledge import command_line_facts
from lmimigrate.surfaces.shell.lexer import Word
from lmimigrate.surfaces.shell.words import ShellSyntax, WordSyntax, shell_quote_like
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Iterator


def is_bool_flag(key: str) -> bool:
    flags = command_line_facts().bool_flags()
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
    line_continuation = "\\"  # shell scripts and Dockerfiles continue a line with a backslash

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

    def display(self, key: str, value: Any = None) -> str:
        flag = "--" + key.replace("_", "-")
        return flag if value is None else f"{flag} {value}"

    def words_after(self, s: Setting) -> Iterator[str | None]:
        words = self.words
        for j in range(s.style["words"][1], len(words)):
            yield words[j].value if words[j].literal else None

    # ---- edits -------------------------------------------------------------------------------------------
    def rename_leaf(self, s: Setting, new_leaf: str) -> list[TextEdit]:
        # vLLM converts dashes only before the first dot: the written head (`-O.`, `-cc.pass_config.`) stays.
        head = s.raw_key.rpartition(".")[0]
        return [TextEdit(s.key_span[0], s.key_span[1], head + "." + new_leaf)]

    def rename_prefix(self, s: Setting, old: str, new: str) -> list[TextEdit]:
        if not s.raw_key.startswith(old):
            raise ValueError(f"{s.raw_key} does not start with {old}")
        return [TextEdit(s.key_span[0], s.key_span[1], new + s.raw_key[len(old):])]

    def _word_of(self, s: Setting) -> Word:
        i: int = s.style["words"][0]
        return self.words[i]

    def rename(self, s: Setting, new_key: str, ns: str) -> list[TextEdit]:
        flag = self.spell_key(ns, new_key, like=s)
        form = s.style.get("form")
        w = self._word_of(s)
        if form == "attached" and flag != "-O":
            return [TextEdit(*w.span, self.syntax.quote(flag + "=" + w.value[2:]))]
        if self.unit.text[s.key_span[0] : s.key_span[1]] == s.style["flag"]:
            return [TextEdit(s.key_span[0], s.key_span[1], flag)]
        # The flag is not spelled verbatim (`--fl\ag=1`, a JSON escape): re-spell the word, keeping its value.
        if not w.literal:
            raise ValueError(f"{s.raw_key} is not written literally")
        rest = w.value[len(s.style["flag"]) :]
        return [TextEdit(*w.span, self.syntax.quote(flag + rest))]

    def set_value(self, s: Setting, value: Any) -> list[TextEdit]:
        i, j = s.style["words"]
        if s.value_span is None:
            truth = {"true": True, "false": False}.get(render_value(value).lower()) if value is not None else True
            if is_bool_flag(s.key) and truth is not None:
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
            if not self._word_of(s).literal:
                raise ValueError(f"{s.raw_key} is not written literally")
            sep = "=" if s.style["form"] == "equals" else ""
            return [TextEdit(*self._word_of(s).span, self.syntax.quote(s.style["flag"] + sep + render_value(value)))]
        return [TextEdit(s.value_span[0], s.value_span[1], self.spell_value(value, like=s))]

    def delete_words_edit(self, i: int, j: int) -> TextEdit:
        return self.syntax.delete_words(self.unit.text, self.words, i, j)

    def delete(self, s: Setting) -> list[TextEdit]:
        return [self.delete_words_edit(*s.style["words"])]

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        flag = self.spell_key(ns, key, like=after or (self.settings[-1] if self.settings else None))
        if value is None or (value is True and is_bool_flag(key)):
            new = [flag]
        elif value is False and is_bool_flag(key):
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


