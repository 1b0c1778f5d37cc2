"""Human output: `path:line:col: CODE message`, a code frame, the proposed fix, and a summary.

Rendered as styled segments; rich draws them on a colour terminal, plain text is written otherwise
(pipes, NO_COLOR, CI logs), so the common non-interactive case never imports rich.
"""

from __future__ import annotations

import os
import sys

from lmimigrate.core.ftypes import Applicability, Finding

Segment = tuple[str, str]  # (text, rich style)

_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_MAX_FRAME_LINES = 3


def use_color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


# Control characters (ESC starts terminal escape sequences) and lone surrogates from file names, contents or
# a cache are shown escaped, never written raw: a repository must not be able to drive the user's terminal.
_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c != 0x09}
_ESCAPES.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)})


def clean(text: str) -> str:
    return text.translate(_ESCAPES) if not text.isprintable() else text


def _line(f: Finding, n: int) -> str:
    """Line n of the finding's unit without its ending, from the unit's line index (built once per unit):
    splitting the whole text per finding made output quadratic."""
    idx = f.unit.index
    if n > len(idx.starts):
        return ""
    start, end = idx.line_span(n)
    return f.unit.text[start:end].rstrip("\r\n")


def _frame(f: Finding) -> list[list[Segment]]:
    if f.unit is None:
        return []
    last = min(f.end_line, f.line + _MAX_FRAME_LINES - 1, len(f.unit.index.starts))
    width = len(str(last))
    out: list[list[Segment]] = []
    for n in range(f.line, last + 1):
        raw = _line(f, n)
        text = clean(raw)
        if len(text) > 160:
            text = text[:157] + "..."
        out.append([(f"{n:>{width}} | ", "blue"), (text, "")])
        if n == f.line:
            start = len(clean(raw[: f.column - 1]))
            end = len(clean(raw[: f.end_column - 1])) if f.end_line == f.line else len(text)
            carets = "^" * max(1, min(end, len(text)) - start)
            out.append([(" " * width + " | ", "blue"), (" " * start + carets, _SEV_STYLE[f.severity.value])])
    return out


def finding_segments(f: Finding, show_frame: bool = True) -> list[list[Segment]]:
    cell = f" (cell {f.cell})" if f.cell is not None else ""
    head: list[Segment] = [
        (f"{clean(f.path)}:{f.line}:{f.column}:", "bold"),
        (cell, "bold"),
        (" ", ""),
        (clean(f.code), _SEV_STYLE.get(f.severity.value, "")),
        (" ", ""),
        (clean(f.message), ""),
    ]
    rows = [head]
    if show_frame:
        rows.extend(_frame(f))
    if f.fix is not None:
        label = {"safe": "fix", "unsafe": "unsafe fix", "display-only": "suggestion"}[f.fix.applicability.value]
        rows.append([("  = ", "blue"), (f"{label}: ", "green"), (clean(f.fix.message), "")])
    if f.url:
        rows.append([("  = ", "blue"), ("docs: ", "dim"), (clean(f.url), "dim")])
    return rows


def summary_line(findings: list[Finding], fixed: int, mode_fix: Applicability | None) -> str:
    n = len(findings)
    safe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
    parts = []
    if fixed:
        parts.append(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}")
    if n == 0:
        parts.append("no findings left" if fixed else "All checks passed!")
    else:
        if fixed:
            parts.append(f"{n} remain{'s' if n == 1 else ''}")
        else:
            parts.append(f"Found {n} finding{'s' if n != 1 else ''}")
        hints = []
        if safe and mode_fix is None:
            hints.append(f"{safe} fixable with --fix")
        if unsafe and mode_fix is not Applicability.UNSAFE:
            hints.append(f"{unsafe} more with --unsafe-fixes")
        if hints:
            parts[-1] += f" ({', '.join(hints)})"
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + ("." if not text.endswith("!") else "")


def render(findings: list[Finding], fixed: int, mode_fix: Applicability | None, stream=None, show_frame: bool = True) -> None:
    stream = stream or sys.stdout
    rows: list[list[Segment]] = []
    for f in findings:
        rows.extend(finding_segments(f, show_frame))
        rows.append([])
    rows.append([(summary_line(findings, fixed, mode_fix), "bold")])
    if use_color(stream):
        from rich.console import Console
        from rich.text import Text

        console = Console(file=stream, highlight=False, soft_wrap=False)
        for row in rows:
            # Code-frame rows are cropped, never wrapped, so the carets stay under the code they mark.
            frame = bool(row) and row[0][1] == "blue" and row[0][0].endswith("| ")
            console.print(Text.assemble(*row) if row else "", no_wrap=frame, overflow="ellipsis" if frame else "fold")
    else:
        stream.write("".join("".join(t for t, _ in row) + "\n" for row in rows))
