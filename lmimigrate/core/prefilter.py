"""The byte-level prefilter's token search: which of a set of tokens occur in a file, found cheaply.

A rule is checked on a file only when one of its tokens occurs in the file's bytes or its name (`Engine.rules_for`).
Corpus A has ~2,500 Python files, nearly all unrelated to serving, and ~440 tokens apply to a Python file: one
substring search per token took 1.7 ms a file, more than the rest of the check. Most tokens are absent from
most files, so the search proves absence cheaply first and confirms presence exactly:

1. The file's *pieces*: its maximal runs of ASCII letters and digits, lower-cased, each distinct one once, joined
   by newlines (one `translate`, `split` and `set`: about a tenth of the file's size for source code).
2. Each token's *key*: its longest piece (lower-cased). Wherever a token occurs, each of its pieces lies inside
   one piece of the file (the bytes around a piece of the token are not letters or digits, or the token ends
   there). So a token whose key, or another of its pieces, is not a substring of the file's pieces is absent.
   The distinct keys (~170 for Python) are searched in the pieces, a much shorter text than the file.
3. A token that passes is searched for exactly, in the file's bytes and its name.

The result is exactly "the tokens that occur in the file or its name", only found faster.

Three refinements say more with the same search:
- A token may start and/or end with `\\b` (the byte 0x08, as in a regular expression): there the byte next to
  it must not be an ASCII letter, digit or `_` (or it is the end of the text). `b"\\bLLM\\b"` is the identifier
  `LLM`, not the `LLM` inside `vLLM` that nearly every line of a vLLM code base holds.
- A member may also have further sets of tokens (*clauses*), from each of which one must occur as well: a vLLM
  flag rule's key (`quantization`, `-q`) in a Python file that also names `vllm` and calls `LLM` or launches
  `vllm serve`.
- A token starting with `\\x1e` (`dotted("vllm.attention")`) is a Python dotted name: whitespace and line
  continuations may surround its dots (`from vllm . attention import x` is valid Python).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

_ALNUM = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
#: Lower-cases ASCII letters and turns every other byte but digits into a space.
_TO_PIECES = bytes((c | 0x20 if 65 <= c <= 90 else c) if c in _ALNUM else 0x20 for c in range(256))


#: Bytes translated and split at a time: the list of every run of a 10 MB file is several times its size.
_CHUNK = 1 << 20


def pieces(*texts: bytes) -> bytes:
    """The distinct lower-cased letter-and-digit runs of `texts`, joined by newlines (none spans two texts).
    Read a megabyte at a time, cut at a line break (which no run crosses)."""
    found: set[bytes] = set()
    for text in texts:
        i, n = 0, len(text)
        while i < n:
            j = text.find(b"\n", i + _CHUNK) if n - i > _CHUNK else -1
            j = n if j < 0 else j
            found.update((text[i:j] if i or j < n else text).translate(_TO_PIECES).split())
            i = j
    return b"\n".join(found)


class TokenIndex:
    """Tokens, each standing for some members (rule positions in a plan); `members(...)` gives the members one
    of whose tokens occurs in a file. A member with no tokens is always given. A member given as
    `(i, tokens, and_tokens)` is given only when one token of each clause of `and_tokens` occurs too (see
    `clauses`).

    Clauses are decided first: they are few and shared (every vLLM flag rule's Python clauses are the same), so
    a file where they fail (no `vllm`) costs no search for the tokens of their members, not even of their keys."""

    def __init__(self, members: Iterable[tuple[int, Iterable[bytes]] | tuple[int, Iterable[bytes], Any]]):
        self.always: list[int] = []
        owners: dict[bytes, list[int]] = {}
        #: member -> its clauses (one tuple, shared by the members with the same ones)
        self.also: dict[int, tuple[tuple[bytes, ...], ...]] = {}
        shared: dict[tuple[tuple[bytes, ...], ...], tuple[tuple[bytes, ...], ...]] = {}
        for i, tokens, *rest in members:
            tokens = set(tokens)
            also = clauses(rest[0]) if rest else ()
            if also:
                self.also[i] = shared.setdefault(also, also)
            if not tokens:
                self.always.append(i)
            for t in tokens:
                owners.setdefault(t, []).append(i)
        #: key piece -> [(token, its other pieces, its members, the clauses all its members need, or None)]
        self.by_key: dict[bytes, list[tuple[bytes, tuple[bytes, ...], tuple[int, ...], Any]]] = {}
        #: tokens without a letter or digit (`--`, `_`): searched for exactly in every file
        self.unkeyed: list[tuple[bytes, tuple[int, ...]]] = []
        #: keys searched in every file; and, per clauses, the keys only members needing them have
        open_keys: set[bytes] = set()
        self.gated_keys: dict[tuple[tuple[bytes, ...], ...], list[bytes]] = {}
        for t, who in sorted(owners.items()):
            parts = _parts(t)
            if not parts:
                self.unkeyed.append((t, tuple(who)))
                continue
            needs = {self.also.get(i) for i in who}
            gate = needs.pop() if len(needs) == 1 else None  # (None also for members without clauses)
            self.by_key.setdefault(parts[0], []).append((t, tuple(parts[1:]), tuple(who), gate))
        for key, entries in self.by_key.items():
            gates = {gate for _, _, _, gate in entries}
            if None in gates:
                open_keys.add(key)
            else:
                for gate in gates:
                    self.gated_keys.setdefault(gate, []).append(key)
        self.keys = tuple(sorted(open_keys))
        self.gates = tuple(set(self.also.values()))

    def members(self, data: bytes, name: bytes, hay: bytes, found: dict[bytes, bool]) -> set[int]:
        """The members one of whose tokens occurs in `data` or `name`. `hay`: `pieces(data, name)`; `found`: a
        per-file memo of exact searches, shared between indexes."""
        out = set(self.always)
        for t, who in self.unkeyed:
            if _occurs(t, data, name, found):
                out.update(who)
        held = {gate: all(any(_in(t, data, name, hay, found) for t in c) for c in gate) for gate in self.gates}
        keys = [k for k in self.keys if k in hay]
        for gate, gated in self.gated_keys.items():
            if held[gate]:
                keys += [k for k in gated if k in hay]
        by_key = self.by_key
        for key in set(keys) if self.gated_keys else keys:
            for t, rest, who, gate in by_key[key]:
                if (gate is None or held[gate]) and all(p in hay for p in rest) and _occurs(t, data, name, found):
                    out.update(who)
        if self.also:
            also = self.also
            out = {i for i in out if i not in also or held[also[i]]}
        return out


#: token -> its distinct pieces, longest first (every version group's engine plans with the same tokens)
_PARTS: dict[bytes, tuple[bytes, ...]] = {}


def _parts(token: bytes) -> tuple[bytes, ...]:
    got = _PARTS.get(token)
    if got is None:
        got = _PARTS[token] = tuple(sorted(set(token.translate(_TO_PIECES).split()), key=lambda p: (-len(p), p)))
    return got


def _in(token: bytes, data: bytes, name: bytes, hay: bytes, found: dict[bytes, bool]) -> bool:
    """`_occurs`, after its pieces are found in `hay` (most tokens are absent from most files)."""
    return all(p in hay for p in _parts(token)) and _occurs(token, data, name, found)


def _occurs(token: bytes, data: bytes, name: bytes, found: dict[bytes, bool]) -> bool:
    hit = found.get(token)
    if hit is None:
        if token[:1] == DOTTED:  # the usual spelling first
            plain, pattern = token[1:], _dotted_pattern(token)
            hit = found[token] = plain in data or plain in name or bool(pattern.search(data) or pattern.search(name))
        elif token[:1] == WORD or token[-1:] == WORD:
            hit = found[token] = _edged_in(token, data) or _edged_in(token, name)
        else:
            hit = found[token] = token in data or token in name
    return hit


def clauses(and_tokens: Any) -> tuple[tuple[bytes, ...], ...]:
    """A rule's and-tokens for one surface as clauses: a tuple of bytes is one clause, a tuple of tuples several."""
    items = list(and_tokens)
    if not items:
        return ()
    if isinstance(items[0], bytes):
        return (tuple(sorted(set(items))),)
    return tuple(tuple(sorted(set(c))) for c in items if c)


#: A token's edge marker: no identifier byte may touch the token there (see the module's docstring).
WORD = b"\b"
#: The marker of a Python dotted name (`dotted`).
DOTTED = b"\x1e"
_DOTTED_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}


def dotted(name: str) -> bytes:
    """The token of a Python dotted name (`vllm.attention.layer`), found however its dots are spaced."""
    return DOTTED + name.encode()


def _dotted_pattern(token: bytes) -> re.Pattern[bytes]:
    """The pattern of a dotted token: between its names, spaces, tabs and backslash line continuations."""
    got = _DOTTED_PATTERNS.get(token)
    if got is None:
        pattern = rb"[ \t\f\\\r\n]*\.[ \t\f\\\r\n]*".join(re.escape(p) for p in token[1:].split(b"."))
        got = _DOTTED_PATTERNS[token] = re.compile(pattern)
    return got


def _edged_in(token: bytes, text: bytes) -> bool:
    """A word-edged token in `text`: each occurrence of its core, until one has its edges."""
    core = token.strip(WORD)
    left, right = token[:1] == WORD, token[-1:] == WORD
    n = len(core)
    at = text.find(core)
    while at >= 0:
        after = text[at + n : at + n + 1]
        if not (left and at and text[at - 1] in _IDENT) and not (right and after and after[0] in _IDENT):
            return True
        at = text.find(core, at + 1)
    return False


_IDENT = _ALNUM | {ord("_")}

