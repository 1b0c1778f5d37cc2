"""Scope operations built on a scope's primitives (`rename`, `set_value`, `delete`, `insert`): what rules used to
spell by hand. `Scope` inherits them; a surface overrides one where its syntax knows better (a command line
keeps the head of a dotted flag as written; a shell line continues with a backslash).

Rules call these and never build text themselves; an operation the syntax cannot express raises TypeError or
ValueError, which `Context.edits` turns into "no fix".
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Iterator, Sequence
    from lmimigrate.core.ftypes import Setting, TextEdit, Unit


class ScopeOps:
    """The compound edits of a scope (a mixin of `lmimigrate.core.ftypes.Scope`)."""

    #: The character that continues a line before a line break (`\\` in shell and Python): deleting the last
    #: entries of a line also takes the continuation before them, so no dangling backslash is left.
    line_continuation = ""

    if TYPE_CHECKING:  # the primitives, which `Scope` defines
        unit: Unit

        def rename(self, s: Setting, new_key: str, ns: str) -> list[TextEdit]: ...

        def delete(self, s: Setting) -> list[TextEdit]: ...

    # ---- messages ------------------------------------------------------------------------------------------
    def display(self, key: str, value: Any = None) -> str:
        """`key` (set to `value`) as this scope's syntax writes it, for messages: `--runner generate` on a
        command line, `runner: generate` in a YAML map, `runner='generate'` in a Python call."""
        return key if value is None else f"{key}={value}"

    def words_after(self, s: "Setting") -> Iterator[str | None]:
        """The words written after a setting's own, in order (the further values of a flag that takes several,
        a value the reader kept apart): each word's value, None for a word not written literally. Only word
        lists (command lines) have any."""
        return iter(())

    # ---- renames -------------------------------------------------------------------------------------------
    def rename_leaf(self, s: "Setting", new_leaf: str) -> list["TextEdit"]:
        """Rename the last component of a dotted key (`compilation_config.level` -> `...mode`), keeping the rest
        of the key as written."""
        head, dot, _ = s.key.rpartition(".")
        return self.rename(s, head + dot + new_leaf, s.ns)

    def rename_prefix(self, s: "Setting", old: str, new: str) -> list["TextEdit"]:
        """Replace the written start `old` of a key with `new`, keeping the rest as written (`-O.mode` ->
        `-cc.mode`): only syntaxes whose keys carry such a prefix (command lines) support it."""
        raise TypeError(f"{type(self).__name__} keys have no prefix to rename")

    # ---- deletions -----------------------------------------------------------------------------------------
    def delete_together(self, settings: Sequence["Setting"]) -> list["TextEdit"]:
        """Delete several settings in one fix (see `merge_deletions`)."""
        edits: list[TextEdit] = []
        for s in settings:
            edits.extend(self.delete(s))
        return self.merge_deletions(edits)

    def merge_deletions(self, edits: Sequence["TextEdit"]) -> list["TextEdit"]:
        """One fix's edits with its deletions merged (see the module function `merge_deletions`)."""
        return merge_deletions(self.unit.text, edits, self.line_continuation)


def merge_deletions(text: str, edits: Sequence["TextEdit"], continuation: str = "\\") -> list["TextEdit"]:
    """Several deletions in one fix: each setting's delete span is computed on its own, so two adjacent settings
    may both claim the blank between them. Overlapping deletions become one; a merged deletion that reaches the
    end of its line also takes the blanks before it, and the line continuations (`continuation` before a line
    break; "" for a syntax without them), so no trailing blank or dangling backslash is left. Other edits are
    returned after the deletions, unchanged."""
    from lmimigrate.core.ftypes import TextEdit

    dels = sorted(e for e in edits if e.content == "" and e.start < e.end)
    others = [e for e in edits if not (e.content == "" and e.start < e.end)]
    out: list[TextEdit] = []
    merged_any: list[bool] = []
    for e in dels:
        if out and e.start <= out[-1].end:
            last = out[-1]
            out[-1] = TextEdit(last.start, max(last.end, e.end), "")
            merged_any[-1] = True
        else:
            out.append(e)
            merged_any.append(False)
    for i, e in enumerate(out):
        if merged_any[i] and (e.end >= len(text) or text[e.end] in "\r\n"):
            out[i] = TextEdit(_back_over_blanks(text, e.start, continuation), e.end, "")
    return out + others


def _back_over_blanks(text: str, start: int, cont: str) -> int:
    """Move a deletion's start back over blanks and line continuations to the end of the previous word."""
    i = start
    while True:
        j = i
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if cont and j >= 2 and text[j - 1] == "\n" and text[j - 2] == cont:
            i = j - 2
        elif cont and j >= 3 and text[j - 2 : j] == "\r\n" and text[j - 3] == cont:
            i = j - 3
        else:
            i = j
            break
    if i < start and i > 0 and text[i - 1] not in " \t\r\n":
        return i
    return start
