"""Human output: `path:line:col: CODE message`, a code frame, the proposed fix, and a summary.

Three layouts (`--output-format`):
- ``full`` (also ``text``): each finding with its code frame; findings on the same span share one frame
  (a `vllm serve` line can carry a dozen default-change notes, and a dozen copies of the frame bury them);
- ``concise``: one line per finding, `[*]` marking a safe fix;
- ``grouped``: findings under their file's name, one line each.

Rows are styled segments; rich draws them on a colour terminal, plain text is written otherwise (pipes,
NO_COLOR, CI logs), so the common non-interactive case never imports rich.
"""

from __future__ import annotations

import sys

from lmimigrate.core.ftypes import Applicability, Finding
from lmimigrate.output import terminal
from lmimigrate.output.summary import per_rule_rows, summary_line
from lmimigrate.output.terminal import Row

_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_MAX_FRAME_LINES = 3
_MAX_FRAME_WIDTH = 160
_FIX_LABEL = {"safe": "fix", "unsafe": "unsafe fix", "display-only": "suggestion"}
#: From this many findings, a per-rule table follows them, so a long scroll ends with what to act on.
LARGE_OUTPUT = 20


# Control characters (ESC starts terminal escape sequences) and lone surrogates from file names, contents or
# a cache are shown escaped, never written raw: a repository must not be able to drive the user's terminal.
_ESCAPES: dict[int, str] = {}  # filled on first use (2,000 entries: not at start-up)


def clean(text: str) -> str:
    if text.isprintable():
        return text
    if not _ESCAPES:
        _ESCAPES.update({c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c != 0x09})
        _ESCAPES.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)})
    return text.translate(_ESCAPES)


def _line(f: Finding, n: int) -> str:
    """Line n of the finding's unit without its ending, from the unit's line index (built once per unit):
    splitting the whole text per finding made output quadratic."""
    idx = f.unit.index
    if n > len(idx.starts):
        return ""
    start, end = idx.line_span(n)
    return f.unit.text[start:end].rstrip("\r\n")


def where(f: Finding) -> str:
    """`path:line:col:`; a notebook finding also names its code cell (1-based, counting code cells only)."""
    cell = f" (cell {f.cell})" if f.cell is not None else ""
    return f"{clean(f.path)}:{f.line}:{f.column}:{cell}"


def fix_marker(f: Finding) -> str:
    return "[*] " if f.fix is not None and f.fix.applicability is Applicability.SAFE else ""


def _frame(f: Finding) -> list[Row]:
    if f.unit is None:
        return []
    last = min(f.end_line, f.line + _MAX_FRAME_LINES - 1, len(f.unit.index.starts))
    width = len(str(last))
    out: list[Row] = []
    for n in range(f.line, last + 1):
        raw = _line(f, n)
        text = clean(raw)
        if len(text) > _MAX_FRAME_WIDTH:
            text = text[: _MAX_FRAME_WIDTH - 3] + "..."
        out.append(("frame", [(f"{n:>{width}} | ", "blue"), (text, "")]))
        if n == f.line:
            start = len(clean(raw[: f.column - 1]))
            end = len(clean(raw[: f.end_column - 1])) if f.end_line == f.line else len(text)
            carets = "^" * max(1, min(end, len(text)) - start)
            out.append(("frame", [(" " * width + " | ", "blue"), (" " * start + carets, _SEV_STYLE[f.severity.value])]))
    return out


def _head(f: Finding, marker: bool = False) -> Row:
    return ("head", [(where(f), "bold"), (" ", ""), (clean(f.code), _SEV_STYLE.get(f.severity.value, "")), (" ", ""),
                     ((fix_marker(f) if marker else "") + clean(f.message), "")])


def _notes(f: Finding, tagged: bool) -> list[Row]:
    """The fix and docs rows; `tagged` names the code when several findings share the frame above."""
    tag = f"{f.code} " if tagged else ""
    rows: list[Row] = []
    if f.fix is not None:
        rows.append(("note", [("  = ", "blue"), (f"{tag}{_FIX_LABEL[f.fix.applicability.value]}: ", "green"), (clean(f.fix.message), "")]))
    if f.url:
        rows.append(("url", [("  = ", "blue"), (f"{tag}docs: ", "dim"), (clean(f.url), "dim")]))
    return rows


def span_key(f: Finding) -> tuple:
    """Findings with equal keys show the same code frame."""
    return (f.path, id(f.unit) if f.unit is not None else None, f.line, f.column, f.end_line, f.end_column)


def group_by_span(findings: list[Finding]) -> list[list[Finding]]:
    """Findings sharing a span, in order of first appearance; a finding with no frame stands alone."""
    groups: dict[tuple, list[Finding]] = {}
    out: list[list[Finding]] = []
    for f in findings:
        if f.unit is None:
            out.append([f])
            continue
        key = span_key(f)
        if key not in groups:
            groups[key] = []
            out.append(groups[key])
        groups[key].append(f)
    return out


def full_rows(findings: list[Finding], show_frame: bool = True) -> list[Row]:
    rows: list[Row] = []
    for group in group_by_span(findings):
        rows.extend(_head(f) for f in group)
        if show_frame:
            rows.extend(_frame(group[0]))
        for f in group:
            rows.extend(_notes(f, tagged=len(group) > 1))
        rows.append(("blank", []))
    return rows


def concise_rows(findings: list[Finding]) -> list[Row]:
    return [_head(f, marker=True) for f in findings]


def grouped_rows(findings: list[Finding]) -> list[Row]:
    rows: list[Row] = []
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    for path, group in by_path.items():
        rows.append(("head", [(f"{clean(path)}:", "bold underline")]))
        width = max(len(f"{f.line}:{f.column}") for f in group)
        for f in group:
            pos = f"{f.line}:{f.column}" + (f" (cell {f.cell})" if f.cell is not None else "")
            rows.append(("head", [(f"  {pos:<{width}} ", ""), (clean(f.code), _SEV_STYLE.get(f.severity.value, "")),
                                  (" ", ""), (fix_marker(f) + clean(f.message), "")]))
        rows.append(("blank", []))
    return rows


def render(findings: list[Finding], fixed: int, mode_fix: Applicability | None, stream=None,
           show_frame: bool = True, layout: str = "full", quiet: bool = False, names: dict[str, str] | None = None,
           files_checked: int | None = None, fail_on: str = "warning") -> None:
    """`quiet`: the findings only, no summary. `names`: rule names by code for the per-rule table."""
    stream = stream or sys.stdout
    if layout == "concise":
        rows = concise_rows(findings)
    elif layout == "grouped":
        rows = grouped_rows(findings)
    else:
        rows = full_rows(findings, show_frame)
    if not quiet:
        if len(findings) >= LARGE_OUTPUT:
            rows.extend(per_rule_rows(findings, names or {}))
            rows.append(("blank", []))
        rows.append(("summary", [(summary_line(findings, fixed, mode_fix, files_checked, fail_on), "bold")]))
    elif layout == "full" and rows:
        rows.pop()  # the blank row after the last finding
    terminal.write(rows, stream)

