"""Scopes of Python source: the keyword arguments of one call (`PyCallScope`) and environment dicts
(`PyEnvScope`: a dict display, `dict(K="v")`, or `os.environ` statements). They spell edits in Python syntax,
keeping the quote style of their neighbours."""

from __future__ import annotations

from lmimigrate.core.ftypes import Scope, Setting, TextEdit, Unit
from lmimigrate.surfaces.common import env_name_for
from lmimigrate.surfaces.python.literals import (
    _STR_PREFIX, Items, _after_eol, _line_end, _line_start, _significant, py_literal, py_str, quote_of,
)
from lmimigrate.surfaces.python.model import Call
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


def _identifier(key: str) -> str:
    import keyword

    if not key.isidentifier() or keyword.iskeyword(key):
        raise ValueError(f"{key!r} is not a Python keyword-argument name")
    return key


class PyCallScope(Scope):
    """Keyword arguments of one call. facts["unpacked"]: the call unpacks `*args` or `**kwargs`, so a setting may
    be present without being visible; no keyword is added or renamed into such a call."""

    kind = "python-call"
    line_continuation = "\\"

    def __init__(self, unit: Unit, call: Call, ns: str, label: str):
        super().__init__(unit, kind="python-call", label=label)
        self.call = call
        self.ns = ns
        self.span = call.span

    def display(self, key: str, value: Any = None) -> str:
        return key if value is None else f"{key}={value!r}"

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        if ns != self.ns:
            raise ValueError(f"a {self.label} call cannot hold a {ns} setting")
        return _identifier(key)

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        return py_literal(value, self._quote(like))

    def _quote(self, like: Setting | None) -> str:
        """The quote of `like`'s string value, else of another string argument of the call, else the file's."""
        text = self.unit.text
        for s in ([like] if like is not None else []) + self.settings:
            if s.value_span and _STR_PREFIX.match(text, s.value_span[0]):
                return quote_of(text[s.value_span[0] : s.value_span[1]])
        return _module_quote(text)

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        return f"{self.spell_key(ns, key)}={self.spell_value(value, like=like)}"

    def _unpacked(self, key: str) -> None:
        """A keyword written next to `*args`/`**kwargs` may already arrive through them: Python then raises
        `TypeError: got multiple values for keyword argument`."""
        if self.facts.get("unpacked"):
            raise ValueError(f"`{key}` may already be passed through the call's unpacked arguments")

    def rename(self, s: Setting, new_key: str, ns: str) -> list[TextEdit]:
        self._unpacked(new_key)
        return super().rename(s, new_key, ns)

    def delete(self, s: Setting) -> list[TextEdit]:
        return self.call.items.delete(s.style["item"])

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        self._unpacked(key)
        like = after or (self.settings[-1] if self.settings else None)
        entry = self.render_entry(ns, key, value, like=like)
        return self.call.items.insert(entry, after.style["item"] if after else None, self.unit.newline)


def _module_quote(text: str) -> str:
    return "'" if text.count("'") > text.count('"') else '"'


class PyEnvScope(Scope):
    """An environment dict: a dict display (`form` "dict"), `dict(K="v")` ("kwargs"), a list of
    `{"name": K, "value": v}` dicts ("namevalue") or os.environ statements ("environ")."""

    kind = "env"
    line_continuation = "\\"

    def __init__(self, unit: Unit, form: str, label: str, items: Items | None = None):
        super().__init__(unit, kind="env", label=label)
        self.form = form
        self.items = items
        self.statements: list[tuple[int, int]] = []  # os.environ form: statement spans, per setting

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        name = env_name_for(ns, key)
        if self.form == "kwargs":
            return _identifier(name)
        q = like.style.get("key_quote", '"') if like is not None else _module_quote(self.unit.text)
        return py_str(name, q)

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        raw = self.unit.text[like.value_span[0] : like.value_span[1]] if like is not None and like.value_span else None
        q = quote_of(raw) if raw and _STR_PREFIX.match(raw) else (like.style.get("key_quote") if like else None)
        return py_str(str(value), q or _module_quote(self.unit.text))

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        k = self.spell_key(ns, key, like=like)
        v = self.spell_value(value, like=like)
        if self.form == "kwargs":
            return f"{k}={v}"
        if self.form == "dict":
            return f"{k}: {v}"
        if self.form == "namevalue":  # `{"name": "X", "value": "v"}` in a list of such dicts
            kq = quote_of(k)
            return "{" + f"{kq}name{kq}: {k}, {kq}value{kq}: {v}" + "}"
        if like is None:
            raise ValueError("no os.environ statement to copy")
        target = like.style["target"]
        if like.style.get("setdefault"):
            return f"{target}.setdefault({k}, {v})"
        return f"{target}[{k}] = {v}"

    def delete(self, s: Setting) -> list[TextEdit]:
        if self.form == "environ":
            return [TextEdit(*s.delete_span, "")]
        return self.items.delete(s.style["item"])  # type: ignore[union-attr]  # (a dict or list form has its items)

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        like = after or next((s for s in reversed(self.settings) if s.derived_from is None), None)
        entry = self.render_entry(ns, key, value, like=like)
        if self.form != "environ":
            return self.items.insert(entry, after.style["item"] if after else None, self.unit.newline)  # type: ignore[union-attr]
        text = self.unit.text
        start, end = like.style["statement"]  # type: ignore[union-attr]  # (render_entry raised without one)
        if not _alone(text, start, end):
            raise ValueError("the os.environ statement shares its line: cannot insert after it")
        le = _line_end(text, end)
        return [TextEdit(le, le, self.unit.newline + text[_line_start(text, start) : start] + entry)]


def _alone(text: str, start: int, end: int) -> bool:
    """Is the statement text[start:end] alone on its line(s) (a trailing `;` or comment aside)?"""
    sig = _significant(text, end, _line_end(text, end))
    return not text[_line_start(text, start) : start].strip(" \t\f") and all(ch == ";" for _, ch in sig) and len(sig) <= 1


def _statement_delete(text: str, start: int, end: int) -> tuple[int, int]:
    """A statement's whole line(s) when alone on them, else the statement and one `;` next to it."""
    ls = _line_start(text, start)
    le = _line_end(text, end)
    sig = _significant(text, end, le)
    if _alone(text, start, end):
        return ls, _after_eol(text, end)
    if sig and sig[0][1] == ";":
        stop = sig[0][0] + 1
        while stop < le and text[stop] in " \t":
            stop += 1
        return start, stop
    j = start
    while j > ls and text[j - 1] in " \t":
        j -= 1
    if j > ls and text[j - 1] == ";":
        return j - 1, end
    return start, end


class PyDictScope(Scope):
    """The string-keyed entries of one dict display: an `option.*` map (kind "lmi-map", ns "lmi") or a dict of
    vLLM engine arguments unpacked into `EngineArgs(**d)` / `LLM(**d)` (kind "python-dict", ns "vllm").
    `insertable` False: a new key could collide with a keyword written beside the unpacking, so none is added."""

    line_continuation = "\\"

    def __init__(self, unit: Unit, kind: str, ns: str, label: str, items: Items, insertable: bool = True):
        super().__init__(unit, kind=kind, label=label)
        self.ns, self.items, self.insertable = ns, items, insertable

    def display(self, key: str, value: Any = None) -> str:
        return repr(key) if value is None else f"{key!r}: {value!r}"

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        if ns != self.ns:
            raise ValueError(f"a {self.label} dict cannot hold a {ns} setting")
        q = like.style.get("key_quote") if like is not None else None
        return py_str(key, q or _module_quote(self.unit.text))

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        raw = self.unit.text[like.value_span[0] : like.value_span[1]] if like is not None and like.value_span else ""
        q = quote_of(raw) if _STR_PREFIX.match(raw) else (like.style.get("key_quote") if like else None)
        return py_literal(value, q or _module_quote(self.unit.text))

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        return f"{self.spell_key(ns, key, like=like)}: {self.spell_value(value, like=like)}"

    def delete(self, s: Setting) -> list[TextEdit]:
        return self.items.delete(s.style["item"])

    def insert(self, ns: str, key: str, value: Any, after: Setting | None = None) -> list[TextEdit]:
        if not self.insertable:
            raise ValueError(f"`{key}` may already be passed beside the unpacked dict")
        like = after or (self.settings[-1] if self.settings else None)
        entry = self.render_entry(ns, key, value, like=like)
        return self.items.insert(entry, after.style["item"] if after else None, self.unit.newline)
