"""Configuration that Python code carries as text or as argument lists.

- A string literal whose text *is* a serving.properties file (key=value lines, an `option.*` or `engine` key),
  an env file or shell script (`OPTION_*=`/`VLLM_*=` lines, `export` lines) or a vLLM launch command
  (`vllm serve ...`, `python -m vllm.entrypoints...` with flags) is embedded as that surface, whatever the code
  does with it (`f.write(...)`, `Path(...).write_text(dedent(...))`, `subprocess.run(..., shell=True)`,
  `os.system(...)`). A common indentation of the text (a dedented triple-quoted string) is removed for reading
  and given back to new lines. f-string fields and `{x}`/`${X}` placeholders are opaque.
- A list or tuple display of words that launch vLLM (`subprocess.run(["vllm", "serve", MODEL, "--x", "1"])`)
  is a command-line scope whose words are the list's elements.

Recognition is by content and cheap: a file without a hint (`option.`, `engine=`, `OPTION_`, `VLLM_`, or `vllm`
with `serve` or `entrypoints`) is not looked at, a literal without one is not decoded, and only decoded text is
matched line by line.
"""

from __future__ import annotations

import ast
import re

from lmimigrate.core.ftypes import Scope, TextEdit, Unit
from lmimigrate.surfaces import EMBED_HINTS
from lmimigrate.surfaces.embed import embed, placeholders
from lmimigrate.surfaces.python.literals import py_str, quote_of
from lmimigrate.surfaces.python.model import PyModule
from lmimigrate.surfaces.python.strings import Literal, read_literal
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

#: A file needs one of these clauses to hold embedded configuration (the engine's prefilter uses the same hints):
#: one of the first strings and, when there are second ones, one of those too (as substrings: a token's word edges
#: only make the engine's test narrower).
HINTS = tuple((tuple(t.strip(b"\b").decode() for t in ts), tuple(t.strip(b"\b").decode() for t in also))
              for ts, also in EMBED_HINTS["python"])
_ENV_PREFIXES = ("OPTION_", "VLLM_", "HF_MODEL_ID", "TENSOR_PARALLEL_DEGREE", "SERVING_")
_PROP_LINE = lazy_pattern(r"[ \t]*([A-Za-z_][\w.\-]*)[ \t]*[=:]")
_ENV_LINE = lazy_pattern(r"[ \t]*(export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=")
_LAUNCH = lazy_pattern(r"(?:\bvllm[ \t]+serve\b|\bvllm\.entrypoints\.)")
_FLAG = lazy_pattern(r"(?:^|\s)--[a-z]")
_NAMES = {"properties": "serving.properties", "env": ".env", "shell": "run.sh", "launch": "run.sh"}


def what_is(text: str) -> str | None:
    """The surface `text` is written in, when it is configuration: "properties", "env", "shell", "launch" (a
    shell command line that may launch vLLM) or None."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "!"))]
    if not lines:
        return None
    if "option." in text or "engine" in text:
        keys = [m.group(1) for ln in lines if (m := _PROP_LINE.match(ln))]
        if len(keys) * 5 >= len(lines) * 4 and any(k.startswith("option.") or k == "engine" for k in keys):
            return "properties"
    if "OPTION_" in text or "VLLM_" in text:
        env = [_ENV_LINE.match(ln) for ln in lines]
        hits = [m for m in env if m is not None]
        if hits and any(m.group(2).startswith(_ENV_PREFIXES) for m in hits):
            if len(hits) == len(lines) and not any(m.group(1) for m in hits):
                return "env"
            if len(hits) * 2 >= len(lines):
                return "shell"
    if "vllm" in text and _LAUNCH.search(text) and _FLAG.search(text):
        return "launch"
    return None


def _may_be_config(text: str) -> bool:
    """Whether `what_is(text)` may say something: each of its kinds needs one of these words."""
    return "option." in text or "engine" in text or "OPTION_" in text or "VLLM_" in text or "vllm" in text


def _hinted(segment: str) -> bool:
    return any(any(t in segment for t in ts) and (not also or any(t in segment for t in also)) for ts, also in HINTS)


def _dedent(lit: Literal) -> tuple[str, list[int], str]:
    """(text without the common indentation of its non-blank lines, decoded index per char, the indent)."""
    text = lit.text
    lines = text.splitlines(keepends=True)
    body = [ln for ln in lines if ln.strip()]
    indent = ""
    if body:
        first = body[0]
        indent = first[: len(first) - len(first.lstrip(" \t"))]
        for ln in body[1:]:
            while indent and not ln.startswith(indent):
                indent = indent[:-1]
    index = list(range(len(text) + 1))
    if not indent:
        return text, index, ""
    out: list[str] = []
    keep: list[int] = []
    pos = 0
    for ln in lines:
        cut = len(indent) if ln.strip() else 0  # a blank line stays as written (encode leaves it alone)
        out.append(ln[cut:])
        keep.extend(range(pos + cut, pos + len(ln)))
        pos += len(ln)
    keep.append(len(text))
    return "".join(out), keep, indent


def _embed_literal(unit: Unit, node: ast.AST, span: tuple[int, int]) -> list[Unit]:
    lit = read_literal(unit.text, span)
    if lit is None:
        return []
    if isinstance(node, ast.Constant):
        value = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        if lit.text != value:
            return []  # a spelling this decoder does not follow: never guess where the text sits
    surface = what_is(lit.text)
    if surface is None:
        return []
    text, index, indent = _dedent(lit)
    fields = [(a, b) for a, b in lit.fields]
    opaque = {(index.index(a) if a in index else 0, index.index(b) if b in index else len(text)) for a, b in fields}
    opaque.update(placeholders(text))

    def encode(new: str) -> str:
        if indent:
            new = "".join(indent + ln if ln.strip() else ln for ln in new.splitlines(keepends=True))
        return lit.encode(new)

    def to_host(offset: int) -> int:
        return lit.to_host(index[max(0, min(offset, len(index) - 1))])

    units = embed(unit, lit.content, text, "shell" if surface == "launch" else surface,
                  encode=None if lit.readonly else encode, to_host=to_host, opaque=sorted(opaque),
                  label="Python string", name=_NAMES[surface])
    if surface == "launch":  # prose that mentions `vllm serve --x` is no command line
        units = [u for u in units if any(s.kind == "cli" for s in u.scopes)]
    return units


def string_units(unit: Unit, mod: PyModule) -> list[Unit]:
    """Units for the configuration text held in the module's string literals."""
    source = unit.text
    if not _hinted(source):
        return []
    inner: set[int] = set()
    out: list[Unit] = []
    offs = mod.offsets
    node: Any  # dispatched on `type(node) is X`, which mypy does not narrow
    for node in mod.nodes:
        t = type(node)
        if t is ast.JoinedStr:
            inner.update(id(v) for v in ast.walk(node) if v is not node)
        elif t is not ast.Constant or not isinstance(node.value, (str, bytes)) or id(node) in inner:
            continue
        elif not _may_be_config(node.value if isinstance(node.value, str) else node.value.decode("latin-1")):
            continue  # (`_embed_literal` reads only a literal whose text is its value: `what_is` would say None)
        span = offs.span(node)
        if span[1] - span[0] < 8 or not _hinted(source[span[0] : span[1]]):
            continue
        out.extend(_embed_literal(unit, node, span))
    return out


# ---- argument lists -------------------------------------------------------------------------------------------


def launch_scopes(unit: Unit, mod: PyModule) -> list[Scope]:
    """Command-line scopes for list/tuple displays of words that launch vLLM."""
    text = unit.text
    if "vllm" not in text:
        return []
    from lmimigrate.surfaces.knowledge import command_line_facts

    facts = command_line_facts()  # a launch says `serve` or names a server module (`vllm_scope`)
    if "serve" not in text and not any(m in text for m in (*facts.server_modules, facts.cli_module)):
        return []
    from lmimigrate.surfaces.shell.launch import vllm_scope
    from lmimigrate.surfaces.shell.lexer import Word
    from lmimigrate.surfaces.shell.words import JsonArraySyntax

    class PyListSyntax(JsonArraySyntax):
        """Words as the string elements of one Python list; new words take the quote of the first."""

        separator = re.compile(r"\s*,\s*")

        def __init__(self, quote: str):
            self.q = quote

        def quote(self, value: str) -> str:
            return py_str(value, self.q)

        def insert_after(self, unit_text: str, words: list[Word], i: int, new_words: list[str]) -> TextEdit:
            # One flag (and its value) per line: the new flag starts a line of its own, indented like the others.
            gaps = [self._gap(unit_text, words, k) for k in (i - 1, i - 2)]
            lead = next((g for g in gaps if g and "\n" in g), None)
            if lead is None:
                return super().insert_after(unit_text, words, i, new_words)
            pos = words[i].span[1]
            return TextEdit(pos, pos, lead + ", ".join(self.quote(w) for w in new_words))

    out: list[Scope] = []
    offs = mod.offsets
    node: Any  # dispatched on `type(node) in (...)`, which mypy does not narrow
    for node in mod.nodes:
        if type(node) not in (ast.List, ast.Tuple) or len(node.elts) < 2:
            continue
        first = node.elts[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        if not any(isinstance(e, ast.Constant) and isinstance(e.value, str) and "vllm" in e.value for e in node.elts[:4]):
            continue
        words = []
        for e in node.elts:
            span = offs.span(e)
            if isinstance(e, ast.Constant) and isinstance(e.value, str) and unit.text[span[0]] in "'\"":
                words.append(Word(e.value, span, True))
            else:
                words.append(Word(unit.text[span[0] : span[1]], span, False))
        syntax = PyListSyntax(quote_of(unit.text[slice(*offs.span(first))]))
        scope = vllm_scope(unit, words, syntax, label="Python argument list")
        if scope is not None:
            out.append(scope)
    return out

