"""GitHub Actions workflow commands (`::error file=...::message`)."""

from __future__ import annotations

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings) -> str:
    lines = []
    for f in findings:
        # The raw file's lines: GitHub annotates the .ipynb as stored, not a cell.
        line, column, end_line, end_column = f.file_location
        where = f"file={_prop(f.path)},line={line},col={column},endLine={end_line},endColumn={end_column}"
        cell = f" (code cell {f.cell}, line {f.line})" if f.cell is not None else ""
        title = _prop(f"lmimigrate {f.code}")
        lines.append(f"::{_LEVEL[f.severity.value]} {where},title={title}::{_data(f'{f.code} {f.message}{cell}')}")
    return "".join(line + "\n" for line in lines)
