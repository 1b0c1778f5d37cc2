"""Jupyter notebooks: one unit per code cell, offsets counted within the cell's source.

Cells are numbered as Jupyter's "code cell N": 1-based, counting code cells only (markdown and raw cells
are not counted), in `Unit.cell`. `file_positions` maps findings back to lines of the raw .ipynb file, where
the cell's text is held as JSON strings (for GitHub annotations and SARIF).

- A Python cell is read by the Python surface from a masked copy in which IPython lines (`!cmd`, `%magic`,
  `x = !cmd`, `obj?`) become same-length placeholders, so offsets stay those of the cell text. Each `!`
  line that launches vLLM (`!vllm serve ...`, `!python -m vllm.entrypoints.openai.api_server ...`) is a
  "cli" scope.
- `%%writefile PATH` cells are read by the surface PATH's name picks (`serving.properties`, `.env`, `.sh`,
  `.yaml`, `.py`, ...), `%%bash`/`%%sh` cells as shell scripts; the magic line is blanked for parsing, so
  offsets and line numbers still count it. Cells with other cell magics (`%%html`, ...) are not read.

`rebuild` writes only the changed lines (in a changed line, only the changed characters) of edited cells'
`source`, in the notebook's own style (a list of lines or one string; the list's indentation; ASCII escapes
or not); all other bytes, escapes included, stay as they were (surfaces/notebook_source.py).
"""

from __future__ import annotations

import importlib

from collections.abc import Callable

from lmimigrate.core.ftypes import ParsedFile, ParseError, Unit
from lmimigrate.surfaces import jsonpos
from lmimigrate.surfaces.notebook_source import Source, edits, list_layout, raw_offset
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time

_raw_offset = raw_offset  # the name tests and older callers use

if TYPE_CHECKING:
    from lmimigrate.core.ftypes import Finding

_ASSIGN_MAGIC = lazy_pattern(r"[ \t]*[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*(?=[!%])")
_HELP = lazy_pattern(r"[ \t]*[A-Za-z_][\w.]*[ \t]*(\?\??)[ \t]*$")
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_SHELL_CELL_MAGICS = frozenset({"bash", "sh"})


def _lines(text: str) -> list[tuple[int, int, int]]:
    """(start, content end, next line start) of each line; \\n, \\r\\n and \\r end lines (as for Python)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in "\r\n":
            j += 1
        nxt = j + 2 if text.startswith("\r\n", j) else min(j + 1, n)
        out.append((i, j, nxt))
        i = nxt
    return out


def _placeholder(line: str, at: int, comment: bool) -> str:
    """`line` with the IPython syntax starting at `at` turned into `0#...` (a statement, so an indented block
    holding only `!cmd` stays valid) or, with `comment`, into `#...`; the length stays the same."""
    rest = line[at + 1 :]
    if comment:
        return line[:at] + "#" + rest
    return line[:at] + "0" + ("#" + rest[1:] if rest else "")


def mask_ipython(text: str, comment: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """A same-length copy of a cell in which IPython lines are valid Python, and the [start, end) ranges of
    the shell commands of its `!` lines (continuation lines included)."""
    out = []
    shell: list[tuple[int, int]] = []
    continued = False
    for start, end, nxt in _lines(text):
        line = text[start:end]
        body = line.lstrip(" \t")
        at = len(line) - len(body)
        if continued:
            out.append(line[:at] + ("#" + body[1:] if body else ""))
            if shell:
                shell[-1] = (shell[-1][0], end)
        elif body.startswith(("!", "%")):
            out.append(_placeholder(line, at, comment))
            if body.startswith("!"):
                shell.append((start + at + 1, end))
        elif body.startswith("?"):
            out.append(line[:at] + "#" + body[1:])
        elif m := _ASSIGN_MAGIC.match(line):
            out.append(_placeholder(line, m.end(), False))
            if line[m.end()] == "!":
                shell.append((start + m.end() + 1, end))
        elif m := _HELP.match(line):
            out.append(line[: m.start(1)] + " " * len(m.group(1)) + line[m.end(1) :])
        else:
            out.append(line)
            continued = False
            out.append(text[end:nxt])
            continue
        continued = line.endswith("\\")
        out.append(text[end:nxt])
    return "".join(out), shell


def _blank_first_line(text: str) -> str:
    lines = _lines(text)
    if not lines:
        return text
    _, end, _ = lines[0]
    return " " * end + text[end:]


def _masked_parse(unit: Unit, masked: str, parse: Callable[[Unit], object]) -> None:
    """Run a surface on `unit` as if its text were `masked` (same length); the unit keeps its real text."""
    original = unit.text
    unit.text, unit._index = masked, None
    try:
        parse(unit)
    finally:
        unit.text, unit._index = original, None


def _read_cell(unit: Unit, number: int, bindings: dict[str, str], embedded: list[Unit]) -> bool:
    """Fill the unit's scopes; False when the cell is not something we read. `bindings`: the names earlier code
    cells bound to vllm/sagemaker qualnames (a notebook is one program); updated with this cell's. Units of
    configuration text in the cell's string literals are added to `embedded`."""
    from lmimigrate import surfaces

    text = unit.text
    head = text.lstrip(" \t")
    if head.startswith("%%"):
        first = _lines(text)[0]
        words = text[first[0] : first[1]].split()
        magic = words[0][2:]
        if magic in ("writefile", "file"):
            target = next((w for w in words[1:] if not w.startswith("-")), None)
            surface = surfaces.classify(target.strip("'\"")) if target else None
            if surface is None or surface == "notebook":
                return False
            unit.surface = surface
            unit.comment_prefixes = surfaces.COMMENTS.get(surface, ("#",))
            module = importlib.import_module(surfaces.SURFACE_MODULES[surface])
            masked = _blank_first_line(text)
            if surface == "python":
                embedded += module.parse(unit, source=mask_ipython(masked)[0])
            elif surface == "yaml":
                name = target.strip("'\"") if target else ""  # (a surface was classified from it)
                _masked_parse(unit, masked, lambda u: module.parse(u, name))
            else:
                _masked_parse(unit, masked, module.parse)
            return True
        if magic in _SHELL_CELL_MAGICS or (magic == "script" and len(words) > 1 and words[1] in ("bash", "sh")):
            from lmimigrate.surfaces.shell import script

            unit.surface = "shell"
            _masked_parse(unit, _blank_first_line(text), script.parse)
            return True
        if magic not in _PYTHON_CELL_MAGICS:
            return False
    from lmimigrate.surfaces import python

    masked, shell = mask_ipython(text)
    try:
        embedded += python.parse(unit, source=masked, inherited=bindings)
    except ParseError:
        # An indented `  !cmd` outside any block: IPython accepts it; as a comment, Python does too.
        unit.scopes.clear()
        alt = mask_ipython(text, comment=True)[0]
        if alt == masked:
            raise
        embedded += python.parse(unit, source=alt, inherited=bindings)
    if unit.python is not None:
        bindings.clear()
        bindings.update((k, q) for k, q in unit.python.bindings.items() if python.carried(q))
    if shell and "vllm" in text:
        from lmimigrate.surfaces.shell.launch import vllm_scope
        from lmimigrate.surfaces.shell.lexer import shell_words
        from lmimigrate.surfaces.shell.words import ShellSyntax

        syntax = ShellSyntax()
        for a, b in shell:
            for line_words in shell_words(text, a, b):
                scope = vllm_scope(unit, line_words, syntax) if line_words else None
                if scope is not None:
                    unit.scopes.append(scope)
        unit.scopes.sort(key=lambda s: s.span)
    return True


def _error_offset(src: Source, offset: int | None) -> int:
    """A file offset for a unit offset (inside the JSON string holding that part of the cell)."""
    node = src.node
    if offset is None:
        return node.start
    if not src.is_list:
        return min(node.start + 1 + offset, node.end - 1)
    pos = 0
    items = node.items or []
    for item in items:
        if offset < pos + len(item.value) or item is items[-1]:
            return min(item.start + 1 + max(offset - pos, 0), item.end - 1)
        pos += len(item.value)
    return node.start


def parse_file(path: str, text: str) -> ParsedFile:
    from lmimigrate import surfaces

    root = jsonpos.parse(text)
    parsed = ParsedFile(path=path, units=[])
    cells = root.get("cells") if root.kind == "object" else None
    if cells is None or cells.kind != "array":
        parsed.notes.append("no `cells` array: not a notebook this tool reads")
        parsed.rebuild = lambda texts: text
        return parsed
    sources: list[Source] = []
    bindings: dict[str, str] = {}
    number = 0  # the code cell's number, as Jupyter counts them
    for cell in cells.items or ():
        if cell.kind != "object":
            continue
        kind = cell.get("cell_type")
        node = cell.get("source")
        if kind is None or kind.value != "code":
            continue
        number += 1
        if node is None:
            continue
        if node.kind == "array" and not all(i.kind == "string" for i in node.items or ()):
            continue
        if node.kind not in ("array", "string"):
            continue
        src = Source(node)
        unit = Unit(text=src.text, surface="python", cell=number, newline=surfaces.detect_newline(src.text))
        embedded: list[Unit] = []
        try:
            if not _read_cell(unit, number, bindings, embedded):
                continue
        except ParseError as e:
            raise ParseError(f"code cell {number}: {e.message}", offset=_error_offset(src, e.offset)) from None
        except RecursionError:
            raise ParseError(f"code cell {number}: nested too deeply", offset=node.start) from None
        parsed.units.append(unit)
        parsed.units.extend(embedded)
        sources.append(src)

    ascii_only = text.isascii() and "\\u" in text
    all_sources = [s for c in cells.items or () if c.kind == "object" and (s := c.get("source")) is not None]

    def rebuild(unit_texts: list[str]) -> str:
        out, pos = [], 0
        layout = None
        cells = [new for u, new in zip(parsed.units, unit_texts) if u.host is None]  # embedded text: in its cell
        for src, new in zip(sources, cells):
            if new == src.text:
                continue
            if layout is None:
                layout = list_layout(text, all_sources)
            for start, end, replacement in edits(src, new, layout, ascii_only, text):
                out.append(text[pos:start])
                out.append(replacement)
                pos = end
        out.append(text[pos:])
        return "".join(out)

    parsed.rebuild = rebuild
    return parsed


# ---- positions in the raw file ------------------------------------------------------------------------------


def _file_offset(src: Source, file_text: str, offset: int, end: bool) -> int:
    """The file offset of a cell offset. An end offset at the boundary of two list items stays at the end of
    the first, so a span ends on the line it covers rather than at the start of the next."""
    items = (src.node.items or []) if src.is_list else [src.node]
    pos = 0
    for n, item in enumerate(items):
        size = len(item.value)
        if offset < pos + size or (end and offset <= pos + size and offset > pos) or n == len(items) - 1:
            return raw_offset(file_text, item.start, max(0, min(offset - pos, size)))
        pos += size
    return src.node.start


def file_positions(file_text: str, findings: list[Finding]) -> None:
    """Set `file_position` (raw .ipynb line and column, start and end) on findings in code cells."""
    from lmimigrate.core.ftypes import LineIndex

    wanted = {f.cell for f in findings if f.cell is not None}
    if not wanted:
        return
    try:
        cells = jsonpos.parse(file_text).get("cells")
    except (ParseError, AttributeError, RecursionError):
        return
    if cells is None or cells.kind != "array":
        return
    by_number: dict[int, Source] = {}
    number = 0
    for cell in cells.items or ():
        kind = cell.get("cell_type") if cell.kind == "object" else None
        if kind is None or kind.value != "code":
            continue
        number += 1
        node = cell.get("source")
        if number in wanted and node is not None and (node.kind == "string" or (
                node.kind == "array" and all(i.kind == "string" for i in node.items or ()))):
            by_number[number] = Source(node)
    index = LineIndex(file_text)
    for f in findings:
        src = by_number.get(f.cell) if f.cell is not None else None
        if src is None:
            continue
        start = index.position(_file_offset(src, file_text, f.span[0], end=False))
        stop = index.position(_file_offset(src, file_text, f.span[1], end=True))
        f.file_position = (*start, *stop)
