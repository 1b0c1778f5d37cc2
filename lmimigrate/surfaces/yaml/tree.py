"""The YAML tree: ruamel.yaml's event parser composed into YNode with source offsets.

No Python object is ever constructed from a tag, and aliases are kept as opaque leaves (never expanded), so
alias bombs cost nothing.
"""

from __future__ import annotations

import re
from lmimigrate.core.record import field, record
from collections.abc import Iterable, Iterator

from lmimigrate.core.ftypes import ParseError, TextEdit
from lmimigrate.surfaces.text import next_line
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, TypeGuard

MAX_DEPTH = 100  # nesting of collections; real configs use < 15
MAX_FLOW_DEPTH = 64  # ruamel's scanner looks ahead over every open flow bracket: bound it before parsing

@record(eq=False)
class YNode:
    kind: str  # "scalar" | "map" | "seq" | "alias"
    start: int  # properties (anchor, tag) included
    end: int  # end of the content: trailing line breaks of block scalars and block collections excluded
    tag: str | None = None
    anchor: str | None = None
    value: str = ""  # scalar text; the anchor name for an alias
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    flow: bool = False
    children: list["YNode"] = field(default_factory=list)  # seq items; map keys and values alternating
    token: int = -1  # start of the scalar's value token: after its anchor, at its tag
    empty: bool = False  # an implicit empty scalar (`key:` with no value)
    block_end: int = -1  # a block scalar: after its trailing blank lines (`|+` keeps them in its value)

    @property
    def pairs(self) -> list[tuple["YNode", "YNode"]]:
        c = self.children
        return list(zip(c[0::2], c[1::2]))

    def get(self, key: str) -> "YNode | None":
        found = None
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                found = v
        return found

    def keys(self) -> list[str]:
        return [k.value for k, _ in self.pairs if k.kind == "scalar"]


def _tag(raw: Any) -> str | None:
    if raw is None:
        return None
    raw = raw if isinstance(raw, str) else getattr(raw, "value", None) or str(raw)
    text: str = raw
    return "!!" + text[len("tag:yaml.org,2002:") :] if text.startswith("tag:yaml.org,2002:") else text


def _check_flow_depth(text: str) -> None:
    """Refuse deeply nested flow collections before ruamel sees them (its scanner is quadratic in them)."""
    depth = 0
    i, n = 0, len(text)
    find = re.compile(r"[\[\]{}#'\"]").search
    while True:
        m = find(text, i)
        if m is None:
            return
        j = m.start()
        ch = text[j]
        prev = text[j - 1] if j else "\n"
        if ch == "#" and prev in " \t\r\n":
            nl = text.find("\n", j)
            i = n if nl < 0 else nl
            continue
        if ch in "'\"" and prev in " \t\r\n[{,:-":
            k = j + 1
            while True:
                k = text.find(ch, k)
                if k < 0:
                    return
                if ch == "'" and text.startswith("''", k):
                    k += 2
                    continue
                if ch == '"':
                    b = k
                    while text[b - 1] == "\\":
                        b -= 1
                    if (k - b) % 2:
                        k += 1
                        continue
                break
            i = k + 1
            continue
        if ch in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                raise ParseError("YAML nested too deeply", offset=j)
        elif ch in "]}":
            depth = max(0, depth - 1)
        i = j + 1


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def compose(text: str) -> list[YNode]:
    """The root node of every document. Raises ParseError; never expands aliases or constructs tags."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    _check_flow_depth(text)
    docs: list[YNode] = []
    stack: list[YNode] = []

    def attach(node: YNode) -> None:
        if not stack:
            docs.append(node)
            return
        parent = stack[-1]
        if node.empty:
            # ruamel puts an implicit empty scalar at the next token; move it just after its key's colon.
            pos = parent.children[-1].end if parent.children and len(parent.children) % 2 else parent.start
            while pos < len(text) and text[pos] in " \t":
                pos += 1
            if pos < len(text) and text[pos] in ":-":
                pos += 1
            node.start = node.end = node.token = pos
        parent.children.append(node)

    try:
        for ev in YAML(typ="rt").parse(text):
            if isinstance(ev, ScalarEvent):
                s, e = ev.start_mark.index, ev.end_mark.index
                node = YNode("scalar", s, e, tag=_tag(ev.tag), anchor=ev.anchor, value=ev.value, style=ev.style)
                node.empty = s == e and ev.value == "" and ev.style is None and ev.tag is None and ev.anchor is None
                if ev.style in ("|", ">"):
                    node.end = _rstrip_end(text, s, e)
                    node.block_end = e
                tok = s  # the value token after an anchor; a tag stays part of it (a new value replaces it)
                while ev.anchor and tok < e and text[tok] == "&":
                    while tok < e and text[tok] not in " \t\r\n":
                        tok += 1
                    while tok < e and text[tok] in " \t\r\n":
                        tok += 1
                node.token = tok
                attach(node)
            elif isinstance(ev, (MappingStartEvent, SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise ParseError("YAML nested too deeply", offset=ev.start_mark.index)
                kind = "map" if isinstance(ev, MappingStartEvent) else "seq"
                s = ev.start_mark.index
                stack.append(YNode(kind, s, s, tag=_tag(ev.tag), anchor=ev.anchor, flow=bool(ev.flow_style)))
            elif isinstance(ev, (MappingEndEvent, SequenceEndEvent)):
                node = stack.pop()
                node.end = ev.end_mark.index if node.flow or not node.children else node.children[-1].end
                node.token = node.start
                attach(node)
            elif isinstance(ev, AliasEvent):
                s, e = ev.start_mark.index, ev.end_mark.index
                attach(YNode("alias", s, e, value=ev.anchor or "", token=s))
            elif isinstance(ev, DocumentStartEvent):
                stack.clear()
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("YAML nested too deeply", offset=0) from None
    except Exception as exc:  # ruamel's errors carry a mark; anything else is still a parse failure
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        offset = getattr(mark, "index", None)
        if offset is None:
            offset = getattr(exc, "position", None)
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0] or type(exc).__name__
        raise ParseError(f"invalid YAML: {problem}", offset=offset) from None
    return docs


_BLANK_OR_COMMENT = lazy_pattern(r"(?:[ \t]*(?:#[^\r\n]*|%[^\r\n]*)?(?:\r\n|\r|\n))*[ \t]*(?:#[^\r\n]*)?")


def document_spans(text: str) -> list[tuple[int, int]]:
    """Where each document of a stream lies: a `---` line at column 0 starts one. It cannot occur inside any
    scalar (YAML ends the document there), so this split is exact. Text before a marker that holds only
    comments and directives (`%YAML 1.2`) belongs to the document after it."""
    cuts = []
    for brk in ("\n---", "\r---"):  # str.find: a multi-line regex is slow on 25 MB of indentation
        i = text.find(brk)
        while i >= 0:
            if text[i + 4 : i + 5] in ("", " ", "\t", "\r", "\n"):
                cuts.append(i + 1)
            i = text.find(brk, i + 4)
    cuts.sort()
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in cuts:
        if cut == 0:
            continue
        if _BLANK_OR_COMMENT.fullmatch(text, start, cut):
            continue  # nothing but comments or directives so far: they open the next document
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return spans


def compose_span(text: str, start: int, end: int) -> list[YNode]:
    """`compose` of text[start:end], with offsets into the whole text."""
    docs = compose(text[start:end]) if (start, end) != (0, len(text)) else compose(text)
    if start:
        for root in docs:
            for node, _, _ in walk(root):
                node.start += start
                node.end += start
                node.token += start
                if node.block_end >= 0:
                    node.block_end += start
    return docs


def walk(root: YNode) -> Iterator[tuple[YNode, YNode | None, str | None]]:
    """(node, parent, key) for every node, depth first in document order; aliases are leaves."""
    stack: list[tuple[YNode, YNode | None, str | None]] = [(root, None, None)]
    seen: set[int] = set()
    while stack:
        node, parent, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, parent, key
        if node.kind == "map":
            stack.extend((v, node, k.value if k.kind == "scalar" else None) for k, v in reversed(node.pairs))
        elif node.kind == "seq":
            stack.extend((c, node, None) for c in reversed(node.children))


def is_scalar(node: YNode | None) -> TypeGuard[YNode]:
    """A scalar with a value (not an implicit empty one)."""
    return node is not None and node.kind == "scalar" and not node.empty


def owner_key(parent: YNode | None, node: YNode) -> YNode | None:
    """The key whose value `node` is, when its parent is a mapping."""
    if parent is None or parent.kind != "map":
        return None
    return next((k for k, v in parent.pairs if v is node), None)


def last_leaf(node: YNode) -> YNode:
    """The node whose text ends a block collection (its last value, recursively)."""
    while node.kind in ("map", "seq") and not node.flow and node.children:
        node = node.children[-1]
    return node


def after_entry(text: str, node: YNode) -> int:
    """Where the line after an entry ending with `node` starts: past the blank lines a keep-chomping block
    scalar (`|+`) holds as part of its value."""
    leaf = last_leaf(node)
    if leaf.kind == "scalar" and leaf.style in ("|", ">") and leaf.block_end >= 0:
        header = text[leaf.token : next_line(text, leaf.token)].split("#", 1)[0]
        if "+" in header:
            return leaf.block_end
    return next_line(text, node.end)


def dash_of(text: str, item: YNode) -> int:
    """The `-` that opens a block sequence item (the item's own start when there is none to find)."""
    j = item.start - 1
    while j >= 0 and text[j] in " \t\r\n":
        j -= 1
    return j if j >= 0 and text[j] == "-" else item.start


def emptied_edit(text: str, collection: YNode, owner: YNode | None, root: bool, spans: list[tuple[int, int]],
                 edits: Iterable[TextEdit], newline: str) -> list[TextEdit]:
    """When `edits` delete every element of a block collection (`spans`), the edit that keeps it a collection:
    ` []`/` {}` after its key's colon, or `{}` for a document's root mapping (a vLLM `--config` file must stay a
    mapping). An empty block collection would read as null."""
    if collection.flow or not spans or collection.anchor or collection.tag:
        return []
    deletions = [e for e in edits if not e.content and e.start < e.end]
    end = -1
    for a, b in spans:
        cover = next((e for e in deletions if e.start <= a and b <= e.end), None)
        if cover is None:
            return []
        end = max(end, cover.end)
    first = min(e.start for e in deletions if e.start <= spans[0][0] and spans[0][1] <= e.end)
    if any(e.content and first <= e.start <= end for e in edits):
        return []  # something is written into the collection this round
    marker = "[]" if collection.kind == "seq" else "{}"
    if owner is not None:
        colon = text.find(":", owner.end)
        if colon < 0 or "\n" in text[owner.end : colon] or "\r" in text[owner.end : colon]:
            return []
        return [TextEdit(colon + 1, colon + 1, " " + marker)]
    if root:
        return [TextEdit(end, end, marker + (newline if end and text[end - 1] in "\r\n" else ""))]
    return []
