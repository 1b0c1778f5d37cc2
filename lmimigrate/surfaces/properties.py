"""Java properties files (`serving.properties`), with java.util.Properties semantics.

Separators `=`, `:` or whitespace; `#` and `!` comments; backslash continuations; the last duplicate wins.

Templates of serving.properties (`serving.template`, `*.properties.j2`, or a properties text held in a Python
or YAML string) carry placeholders: a value with `{{ x }}`, `{% ... %}`, `${X}` or `{x}` is opaque (its key is
reported, the value never rewritten), and lines that are template statements (`{% if %}`, `{# #}`, a line that
is one `{{ placeholder }}`) are not settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from lmimigrate.core.ftypes import Scope, Setting, Unit
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

_SEPARATORS = "=:"
_WS = " \t\f"
_TEMPLATE_LINE = ("{%", "{#", "{{")
_PLACEHOLDER = lazy_pattern(r"\{\{|\{%|\$\{|\{[A-Za-z_][A-Za-z0-9_.]*\}")


class PropertiesScope(Scope):
    kind = "properties"

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        if ns != "lmi":
            raise ValueError(f"a properties file cannot hold a {ns} setting")
        return escape(key, is_key=True)

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        return escape(str(value), is_key=False)

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        sep = like.style.get("separator", "=") if like else "="
        return self.spell_key(ns, key) + sep + self.spell_value(value)

    def insertion_point(self, after: Setting | None = None) -> tuple[int, str, str]:
        nl = self.unit.newline
        anchor = after or next((s for s in reversed(self.settings)), None)
        text = self.unit.text
        if anchor is None:
            if not text or text.endswith(("\n", "\r")):
                return len(text), "", nl
            return len(text), nl, ""
        end = anchor.delete_span[1]
        if end == len(text) and not text.endswith(("\n", "\r")):
            trailing = len(text) - len(text.rstrip("\\"))
            if trailing % 2:
                # The last line ends in a continuation backslash: a line added after it would be glued onto
                # its value. The new entry goes before that entry's first line instead.
                return anchor.delete_span[0], "", nl
            return end, nl, ""
        return end, "", nl


def escape(text: str, is_key: bool) -> str:
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif is_key and ch in "=: #!":
            out.append("\\" + ch)
        elif not is_key and i == 0 and ch in " \t":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw  # the common case, without a copy (a 10 MB file holds hundreds of thousands of keys and values)
    out = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt in "\r\n":  # continuation: drop the line break and the next line's leading whitespace
            i += 2
            if nxt == "\r" and i < n and raw[i] == "\n":
                i += 1
            while i < n and raw[i] in _WS:
                i += 1
            continue
        if nxt == "u" and i + 6 <= n:
            try:
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
                continue
            except ValueError:
                pass
        out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(nxt, nxt))
        i += 2
    return "".join(out)


def _logical_lines(text: str) -> Iterator[tuple[int, int, int]]:
    """Yield (start, content_end, line_end) of each logical line, continuations joined."""
    i, n = 0, len(text)
    while i < n:
        start = i
        while True:
            j = i
            while j < n and text[j] not in "\r\n":
                j += 1
            content_end = j
            eol = j
            if j < n:
                eol = j + 2 if text.startswith("\r\n", j) else j + 1
            # A line continues when it ends with an odd number of backslashes (comments never continue).
            k = content_end
            while k > i and text[k - 1] == "\\":
                k -= 1
            # Only the first physical line can make a comment (slicing from `start` on every continuation
            # line made 300k continuation lines quadratic).
            is_comment = i == start and text[start:content_end].lstrip(_WS).startswith(("#", "!"))
            if (content_end - k) % 2 == 1 and not is_comment and eol < n:
                i = eol
                continue
            yield start, content_end, eol
            i = eol
            break


def parse(unit: Unit) -> None:
    text = unit.text
    scope = PropertiesScope(unit, label="serving.properties")
    styles: dict[str, dict[str, Any]] = {}  # one style dict per separator, shared by the settings written with it
    for start, content_end, eol in _logical_lines(text):
        i = start
        while i < content_end and text[i] in _WS:
            i += 1
        if i >= content_end or text[i] in "#!" or text.startswith(_TEMPLATE_LINE, i):
            continue
        key_start = i
        while i < content_end:
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch in _SEPARATORS or ch in _WS or ch in "\r\n":
                break
            i += 1
        key_end = min(i, content_end)
        j = key_end
        while j < content_end and text[j] in _WS:
            j += 1
        if j < content_end and text[j] in _SEPARATORS:
            j += 1
            while j < content_end and text[j] in _WS:
                j += 1
        sep = text[key_end:j]
        raw_key = text[key_start:key_end]
        key = _unescape(raw_key)
        literal = _PLACEHOLDER.search(text, j, content_end) is None
        scope.settings.append(
            Setting(
                ns="lmi",
                key=key,
                value=_unescape(text[j:content_end]) if literal else None,
                literal=literal,
                raw_key=raw_key,
                key_span=(key_start, key_end),
                value_span=(j, content_end),
                delete_span=(start, eol),
                scope=scope,
                style=styles.get(sep) or styles.setdefault(sep, {"separator": sep or "="}),
            )
        )
    unit.scopes.append(scope)
