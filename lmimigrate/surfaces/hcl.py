"""A position-keeping reader for the part of HCL (Terraform) that holds settings: blocks, attributes and object
literals, with every span kept so edits are exact text splices.

Not a full HCL parser: any other expression (references, calls, conditionals, `for` expressions, heredocs,
templates with `${...}` / `%{...}`) is skipped as a balanced span and is opaque; object literals found inside
it (`merge(local.env, { ... })`, `jsonencode({ ... })`) are still read. python-hcl2 gives values and at most
line numbers, not the character spans an exact edit needs, hence this small scanner.
"""

from __future__ import annotations

import re
from lmimigrate.core.record import field, record

from lmimigrate.core.ftypes import ParseError
from lmimigrate.core.patterns import lazy_pattern

_IDENT = lazy_pattern(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = lazy_pattern(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_HEREDOC = lazy_pattern(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*(?:\r\n|\r|\n)")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_CLOSE = {"(": ")", "[": "]", "{": "}"}
MAX_DEPTH = 200


@record
class Member:
    """`key = value` inside an object literal."""

    key: str
    key_span: tuple[int, int]
    quoted_key: bool
    sep: str  # the text between key and value, e.g. " = "
    value_span: tuple[int, int]
    kind: str  # "string", "number", "bool", "template" (a string with ${...}), "object", "expr"
    value: str | None  # decoded string / number / bool text; None when not literal
    obj: "Obj | None" = None


@record
class Obj:
    span: tuple[int, int]  # from `{` to after `}`
    members: list[Member] = field(default_factory=list)
    owner: str = ""  # the attribute (or object key) whose value this object is, "" inside a call
    path: tuple[str, ...] = ()  # enclosing block types/labels and attribute names


@record
class Attribute:
    name: str
    name_span: tuple[int, int]
    value_span: tuple[int, int]
    kind: str
    value: str | None


@record
class Block:
    type: str
    labels: list[str]
    span: tuple[int, int]
    attributes: list[Attribute] = field(default_factory=list)
    blocks: list["Block"] = field(default_factory=list)


class Reader:
    def __init__(self, text: str):
        self.text = text
        self.n = len(text)
        self.objects: list[Obj] = []
        # The attribute an expression being skipped belongs to: an object literal inside a call there
        # (`environment = merge(local.env, { ... })`) is that attribute's value too.
        self.context: tuple[str, tuple[str, ...]] = ("", ())

    # ---- lexical helpers ---------------------------------------------------------------------------------
    def skip(self, i: int, newlines: bool) -> int:
        """Skip blanks and comments (and line breaks when `newlines`)."""
        t, n = self.text, self.n
        while i < n:
            c = t[i]
            if c in " \t\ufeff" or (newlines and c in "\r\n"):
                i += 1
            elif c == "#" or t.startswith("//", i):
                while i < n and t[i] not in "\r\n":
                    i += 1
            elif t.startswith("/*", i):
                j = t.find("*/", i + 2)
                if j < 0:
                    raise ParseError("unterminated /* comment", offset=i)
                i = j + 2
            else:
                break
        return i

    def string(self, i: int, depth: int = 0) -> tuple[int, str | None]:
        """At `"`: (end, decoded value, or None when it holds a ${...} or %{...} template sequence)."""
        t, n = self.text, self.n
        out: list[str] = []
        j, literal = i + 1, True
        while j < n:
            c = t[j]
            if c == '"':
                return j + 1, "".join(out) if literal else None
            if c in "\r\n":
                break
            if c == "\\" and j + 1 < n:
                nxt = t[j + 1]
                if nxt == "u" and j + 6 <= n:
                    try:
                        out.append(chr(int(t[j + 2 : j + 6], 16)))
                        j += 6
                        continue
                    except ValueError:
                        pass
                out.append(_ESCAPES.get(nxt, nxt))
                j += 2
            elif c in "$%" and t.startswith(c + c + "{", j):  # $${ and %%{ are a literal ${ / %{
                out.append(c + "{")
                j += 3
            elif c in "$%" and t.startswith(c + "{", j):
                literal = False
                j = self.balanced(j + 1, depth + 1, template=True)
            else:
                out.append(c)
                j += 1
        raise ParseError("unterminated string", offset=i)

    def heredoc(self, i: int) -> int | None:
        m = _HEREDOC.match(self.text, i)
        if not m:
            return None
        marker = re.compile(r"(?m)^[ \t]*" + re.escape(m.group(2)) + r"[ \t]*$")
        end = marker.search(self.text, m.end())
        if end is None:
            raise ParseError(f"heredoc <<{m.group(2)} is never closed", offset=i)
        return end.end()

    def balanced(self, i: int, depth: int, template: bool = False) -> int:
        """At an opening bracket: the offset after its closing bracket (object literals inside are read).
        `template`: the braces of a `${...}` / `%{...}` sequence, which are not an object."""
        if depth > MAX_DEPTH:
            raise ParseError("nesting too deep", offset=i)
        t = self.text
        if t[i] == "{" and not template and not self._is_for(i):
            return self.obj(i, *self.context, depth).span[1]
        close = _CLOSE[t[i]]
        j = i + 1
        while True:
            j = self.skip(j, True)
            if j >= self.n:
                raise ParseError(f"unclosed {t[i]!r}", offset=i)
            c = t[j]
            if c == close:
                return j + 1
            if c in ")]}":
                raise ParseError(f"unexpected {c!r}", offset=j)
            j = self.atom(j, depth)

    def _is_for(self, i: int) -> bool:
        """`{ for k, v in x : k => v }` is an expression, not an object literal."""
        m = _IDENT.match(self.text, self.skip(i + 1, True))
        return m is not None and m.group(0) == "for"

    def atom(self, j: int, depth: int) -> int:
        """Skip one token (a bracketed group, a string, a heredoc or one character run)."""
        t = self.text
        c = t[j]
        if c in "([{":
            return self.balanced(j, depth + 1)
        if c == '"':
            return self.string(j, depth)[0]
        if c == "<":
            end = self.heredoc(j)
            if end is not None:
                return end
        return j + 1

    # ---- expressions -------------------------------------------------------------------------------------
    def expr(self, i: int, owner: str, path: tuple[str, ...], depth: int, in_object: bool) -> tuple[int, int, str, str | None, Obj | None]:
        """An expression from i: (start, end, kind, literal value, object). Ends at a line break, or at `,` / `}`
        inside an object literal; the end excludes trailing blanks and comments."""
        t = self.text
        i = self.skip(i, False)
        start = i
        if i < self.n and t[i] == "{" and not self._is_for(i):
            o = self.obj(i, owner, path, depth + 1)
            simple_end = o.span[1]
            if self._expr_ends(simple_end, in_object):
                return start, simple_end, "object", None, o
        elif i < self.n and t[i] == '"':
            end, value = self.string(i, depth)
            if self._expr_ends(end, in_object):
                return start, end, "string" if value is not None else "template", value, None
        else:
            m = _NUMBER.match(t, i)
            if m and self._expr_ends(m.end(), in_object):
                return start, m.end(), "number", m.group(0), None
            m = _IDENT.match(t, i)
            if m and m.group(0) in ("true", "false") and self._expr_ends(m.end(), in_object):
                return start, m.end(), "bool", m.group(0), None
        j, last = i, i
        saved, self.context = self.context, (owner, path)
        while True:
            j = self.skip(j, False)
            if j >= self.n or t[j] in "\r\n" or (in_object and t[j] in ",}") or t[j] in ")]" or (not in_object and t[j] == "}"):
                break
            j = self.atom(j, depth)
            last = j
        self.context = saved
        if last == start:
            raise ParseError("expected a value", offset=start)
        return start, last, "expr", None, None

    def _expr_ends(self, i: int, in_object: bool) -> bool:
        j = self.skip(i, False)
        return j >= self.n or self.text[j] in "\r\n" or (in_object and self.text[j] in ",}")

    def obj(self, i: int, owner: str, path: tuple[str, ...], depth: int) -> Obj:
        if depth > MAX_DEPTH:
            raise ParseError("nesting too deep", offset=i)
        t = self.text
        o = Obj((i, i), owner=owner, path=path)
        self.objects.append(o)
        j = i + 1
        while True:
            j = self.skip(j, True)
            if j >= self.n:
                raise ParseError("unclosed object", offset=i)
            if t[j] == "}":
                o.span = (i, j + 1)
                return o
            if t[j] == '"':
                kend, key = self.string(j, depth)
                quoted = True
            else:
                m = _IDENT.match(t, j)
                if m is None:  # a computed key `(expr)` or something unknown: skip to the separator
                    kend = self.atom(j, depth)
                    key = None
                else:
                    kend, key = m.end(), m.group(0)
                quoted = False
            k = self.skip(kend, False)
            if k >= self.n or t[k] not in "=:":
                raise ParseError("expected `=` or `:` after an object key", offset=k)
            vstart, vend, kind, value, sub = self.expr(k + 1, key or "", path + (key or "?",), depth, True)
            if key is not None:
                o.members.append(Member(key, (j, kend), quoted, t[kend:vstart], (vstart, vend), kind, value, sub))
            j = self.skip(vend, False)
            if j < self.n and t[j] == ",":
                j += 1

    # ---- bodies ------------------------------------------------------------------------------------------
    def body(self, i: int, path: tuple[str, ...], depth: int, closing: str | None) -> tuple[list[Attribute], list[Block], int]:
        t = self.text
        attrs: list[Attribute] = []
        blocks: list[Block] = []
        while True:
            i = self.skip(i, True)
            if i >= self.n:
                if closing:
                    raise ParseError("unclosed block", offset=i)
                return attrs, blocks, i
            if closing and t[i] == closing:
                return attrs, blocks, i + 1
            m = _IDENT.match(t, i)
            if m is None:
                raise ParseError(f"unexpected {t[i]!r}", offset=i)
            name, j = m.group(0), self.skip(m.end(), False)
            if j < self.n and t[j] == "=" and not t.startswith("==", j):
                vstart, vend, kind, value, _ = self.expr(j + 1, name, path + (name,), depth, False)
                attrs.append(Attribute(name, m.span(), (vstart, vend), kind, value))
                i = vend
                continue
            labels: list[str] = []
            while j < self.n and t[j] != "{":
                if t[j] == '"':
                    end, label = self.string(j, depth)
                    labels.append(label or "")
                else:
                    lm = _IDENT.match(t, j)
                    if lm is None:
                        raise ParseError("expected a block label or `{`", offset=j)
                    end, label = lm.end(), lm.group(0)
                    labels.append(label)
                j = self.skip(end, False)
            if j >= self.n:
                raise ParseError("expected `{`", offset=j)
            if depth > MAX_DEPTH:
                raise ParseError("nesting too deep", offset=j)
            sub_attrs, sub_blocks, end = self.body(j + 1, path + (name, *labels), depth + 1, "}")
            blocks.append(Block(name, labels, (m.start(), end), sub_attrs, sub_blocks))
            i = end


def read(text: str) -> tuple[list[Attribute], list[Block], list[Obj]]:
    """Top-level attributes, blocks, and every object literal in the file (in order of their opening brace)."""
    r = Reader(text)
    attrs, blocks, _ = r.body(0, (), 0, None)
    r.objects.sort(key=lambda o: o.span[0])
    return attrs, blocks, r.objects
