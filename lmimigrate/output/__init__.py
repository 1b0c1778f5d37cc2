"""Report renderers. Each takes a Report and returns or writes text; none of them changes anything."""

from __future__ import annotations

from lmimigrate.core.ftypes import Finding, TextEdit


def edit_positions(f: Finding, e: TextEdit) -> dict:
    """1-based positions of an edit within the finding's unit (a notebook cell counts its own lines)."""
    if f.unit is None:
        return {"line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column}
    idx = f.unit.index
    line, col = idx.position(e.start)
    end_line, end_col = idx.position(e.end)
    return {"line": line, "column": col, "end_line": end_line, "end_column": end_col}


def finding_dict(f: Finding) -> dict:
    """A finding as JSON. `line`/`column`/`end_*` are positions in the file as stored; for a notebook they are
    lines of the .ipynb, and `cell` (the code cell's number: 1-based, code cells only) and `cell_line`,
    `cell_column`, `cell_end_line`, `cell_end_column` give the position inside the cell's source. Fix edits
    are in the cell's coordinates."""
    line, column, end_line, end_column = f.file_location
    d = {
        "code": f.code,
        "message": f.message,
        "severity": f.severity.value,
        "path": f.path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "fix": None,
        "url": f.url,
    }
    if f.fix is not None:
        d["fix"] = {
            "applicability": f.fix.applicability.value,
            "message": f.fix.message,
            "edits": [{"path": f.path, **edit_positions(f, e), "content": e.content} for e in f.fix.edits],
        }
    if f.cell is not None:
        d.update(cell=f.cell, cell_line=f.line, cell_column=f.column, cell_end_line=f.end_line,
                 cell_end_column=f.end_column)
    return d
