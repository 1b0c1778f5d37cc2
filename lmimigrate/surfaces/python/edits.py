"""Edits of Python source that the module model offers to rules (renaming an imported name, a name's uses or a
keyword argument, rewriting an import statement), so that rules never spell Python themselves. Mixed into the
model classes of `lmimigrate.surfaces.python.model`; every edit is in the offsets of the model's unit."""

from __future__ import annotations

import ast

from lmimigrate.core.ftypes import TextEdit
from lmimigrate.surfaces.python.literals import Offsets, py_literal

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any
    from lmimigrate.surfaces.python.model import Import


class ImportedNameEdits:
    """Edits of one name of an import statement (`ImportedName`)."""

    __slots__ = ()
    name: str
    asname: str | None
    span: tuple[int, int]

    def rename(self, new: str, keep_local: bool = False) -> list[TextEdit]:
        """Import `new` instead. An alias (`as x`) stays; `keep_local` also keeps the name an unaliased import
        binds (`from m import new as old`), so the uses need no change."""
        return [TextEdit(*self.span, new if self.asname or not keep_local else f"{new} as {self.name}")]


class KeywordEdits:
    """Edits of one keyword argument `name=value` of a call (`Keyword`)."""

    __slots__ = ()
    name_span: tuple[int, int] | None
    span: tuple[int, int]

    def rename(self, new: str) -> list[TextEdit]:
        """Rename the keyword, keeping its value as written."""
        if self.name_span is None:
            raise ValueError("`**kwargs` has no keyword name")
        return [TextEdit(*self.name_span, new)]

    def replace(self, name: str, value: Any) -> list[TextEdit]:
        """Replace the whole argument with `name=value`, the value spelled as a Python literal."""
        return [TextEdit(*self.span, f"{name}={py_literal(value)}")]


class ModuleEdits:
    """Edits of a parsed Python unit (`PyModule`): renaming a name where it is used, rewriting imports."""

    text: str
    offsets: Offsets

    def name_span(self, node: ast.AST) -> tuple[int, int]:
        """What renaming `node` replaces: a Name's identifier, or the attribute name of `x.attr`."""
        if isinstance(node, ast.Attribute):
            end = self.offsets.end_of(node)
            return end - len(node.attr), end
        return self.offsets.span(node)

    def rename(self, node: ast.AST, new: str) -> list[TextEdit]:
        """Rename a Name (`X` -> `Y`) or the attribute of an Attribute (`m.X` -> `m.Y`) where it is written."""
        return [TextEdit(*self.name_span(node), new)]

    def plain(self, imp: "Import") -> bool:
        """Whether an import statement can be rewritten whole: no comment or line continuation inside it."""
        stmt = self.text[imp.span[0] : imp.span[1]]
        return "#" not in stmt and "\\" not in stmt

    def rewrite_import(self, imp: "Import", homes: list[tuple[str, str]], newline: str) -> list[TextEdit]:
        """Rewrite `from M import a, b` so that each name is imported from its new home: `homes[i]` is the
        (module, name) for `imp.names[i]`. One `from` statement per module, in first-seen order, on lines of
        their own; each name keeps the local name it bound. Empty when nothing changes."""
        groups: dict[str, list[str]] = {}
        for n, (module, new_name) in zip(imp.names, homes):
            groups.setdefault(module, []).append(new_name if new_name == n.local else f"{new_name} as {n.local}")
        indent = self.text[self.offsets.at(imp.node.lineno, 0) : imp.span[0]]
        if indent.strip():  # `x = 1; from a import b`: leave it to the user
            raise ValueError("the import statement shares its line")
        new = (newline + indent).join(f"from {module} import {', '.join(ns)}" for module, ns in groups.items())
        if new == self.text[imp.span[0] : imp.span[1]]:
            return []
        return [TextEdit(imp.span[0], imp.span[1], new)]
