"""Notebook findings in machine formats point at the raw .ipynb: json gives the raw line and the 1-based code
cell number (markdown cells not counted) with the line inside the cell; github and sarif point at the line
of the .ipynb that holds the source text."""

from __future__ import annotations

import json

import pytest

from lmimigrate.surfaces import notebook
from tests.cli_harness import repo, run  # noqa: F401  (repo is a fixture)

CROSS = ["--from", "vllm==0.9.0", "--to", "vllm==0.11.0", "--select", "VLLM080"]


def _notebook() -> str:
    """A markdown cell, then two code cells; the second holds the flag on its third line, after an escaped
    quote (the raw column differs from the cell's)."""
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Serving\n", "Notes.\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": ["import os\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["print(\"start\")\n", "x = 1\n", "!vllm serve m --disable-log-requests\n"]},
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _raw_line_of(text: str, needle: str) -> tuple[int, int]:
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n, line.index(needle) + 1
    raise AssertionError(needle)


@pytest.fixture
def nb(repo):
    text = _notebook()
    (repo / "nb.ipynb").write_text(text)
    return text


def test_json_gives_raw_line_and_code_cell_number(nb, capsys):
    _, out, _ = run(capsys, "check", "nb.ipynb", *CROSS, "--output-format", "json")
    (f,) = json.loads(out)
    line, column = _raw_line_of(nb, "--disable-log-requests")
    assert (f["line"], f["column"]) == (line, column)
    assert f["end_line"] == line and f["end_column"] == column + len("--disable-log-requests")
    assert f["cell"] == 2  # the second code cell; the markdown cell is not counted
    assert (f["cell_line"], f["cell_column"]) == (3, len("!vllm serve m ") + 1)


def test_github_annotation_points_at_the_raw_line(nb, capsys):
    _, out, _ = run(capsys, "check", "nb.ipynb", *CROSS, "--output-format", "github")
    line, column = _raw_line_of(nb, "--disable-log-requests")
    assert out.startswith(f"::error file=nb.ipynb,line={line},col={column},") or \
        out.startswith(f"::warning file=nb.ipynb,line={line},col={column},"), out
    assert "(code cell 2, line 3)" in out


def test_sarif_region_is_the_raw_line(nb, capsys):
    _, out, _ = run(capsys, "check", "nb.ipynb", *CROSS, "--output-format", "sarif")
    (res,) = json.loads(out)["runs"][0]["results"]
    line, column = _raw_line_of(nb, "--disable-log-requests")
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (line, column)
    assert res["properties"]["cell"] == 2 and "fixes" not in res  # cell edits are not file replacements


def test_text_names_the_code_cell(nb, capsys):
    _, out, _ = run(capsys, "check", "nb.ipynb", *CROSS)
    assert out.startswith("nb.ipynb:3:15: (cell 2) VLLM080")


def test_positions_survive_the_result_cache(nb, capsys):
    first = run(capsys, "check", "nb.ipynb", *CROSS, "--output-format", "json")[1]
    second = run(capsys, "check", "nb.ipynb", *CROSS, "--output-format", "json")[1]
    assert json.loads(first) == json.loads(second)


@pytest.mark.parametrize("source, offset, expected", [
    (['"a\\u00e9b"'], 2, 1 + len('"a\\u00e9')),          # a \u escape is 6 raw characters for one
    (['"a\\"b"'], 2, 1 + len('"a\\"')),                  # an escaped quote is 2
    (['"\\ud83d\\ude00x"'], 1, 1 + len('"\\ud83d\\ude00')),  # a surrogate pair is one character
])
def test_raw_offset_counts_escapes(source, offset, expected):
    text = source[0]
    assert notebook._raw_offset(text, 0, offset) == expected - 1


def test_end_of_a_line_stays_on_that_line():
    text = '{"cells": [{"cell_type": "code", "source": ["ab\\n", "cd"]}]}'
    parsed = notebook.parse_file("n.ipynb", text)
    from lmimigrate.core.ftypes import Finding, Severity

    f = Finding("X", "m", Severity.INFO, "n.ipynb", parsed.units[0], (0, 3))
    notebook.file_positions(text, [f])
    a = text.index('"ab') + 1  # 0-based offset of `a`: column a + 1
    # ends after the escaped newline, before the item's closing quote: not at the start of the next item
    assert f.file_position == (1, a + 1, 1, a + 1 + len('ab\\n'))
