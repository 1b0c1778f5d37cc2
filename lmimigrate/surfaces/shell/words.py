"""How hosts write word lists: POSIX shell words, JSON arrays (Dockerfile exec form); quoting, inserting and
deleting words with the separators around them."""

from __future__ import annotations

import abc
import json
import re

from lmimigrate.core.ftypes import TextEdit
from lmimigrate.surfaces.shell.lexer import Word
from lmimigrate.core.patterns import lazy_pattern



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


_SHELL_SAFE = lazy_pattern(r"[A-Za-z0-9_@%+=:,./-]+")
_DQ_UNSAFE = lazy_pattern(r'[$`"\\!]')


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


