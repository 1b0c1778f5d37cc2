"""Notebooks with lone surrogates and mixed escapes (issue 15 §9): the fix of an edited cell writes only what
changed, untouched lines (and the untouched parts of a changed line) keep their exact bytes, lone surrogates
round-trip, and a second --fix changes nothing."""

from __future__ import annotations

import json
import random
import re

import pytest

from lmimigrate import surfaces
from tests.cli_harness import repo, run  # noqa: F401


def _parse(text):
    return surfaces.parse_file("nb.ipynb", text, "notebook")


def _cell(*lines: str) -> str:
    """A code cell whose source list holds `lines` verbatim (raw JSON string tokens, escapes as written)."""
    body = ",\n    ".join(lines)
    return ('  {\n   "cell_type": "code",\n   "execution_count": null,\n   "metadata": {},\n   "outputs": [],\n'
            f'   "source": [\n    {body}\n   ]\n  }}')


def _notebook(*cells: str) -> str:
    return '{\n "cells": [\n' + ",\n".join(cells) + '\n ],\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n'


PROPS = _cell(r'"%%writefile serving.properties\n"', r'"# caf\u00e9 \ud800 ü\n"', r'"engine\u003dMPI\n"',
              r'"option.model_id=org/m\n"')
OTHER = _cell(r'"x = \"\ud83d\ude00 \u00e9 ü\"\n"')


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    a, b = before.splitlines(), after.splitlines()
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b) if x != y]


def test_fix_of_a_cell_with_a_lone_surrogate_and_raw_non_ascii(repo, capsys):
    nb = repo / "nb.ipynb"
    original = _notebook(OTHER, PROPS)
    nb.write_text(original, encoding="utf-8")
    code, out, err = run(capsys, "check", "--no-cache", "--fix", "--unsafe-fixes", "--select", "LMI010", "nb.ipynb")
    assert "LMM009" not in out + err and "Traceback" not in out + err
    assert code == 0, out + err
    fixed = nb.read_text(encoding="utf-8")
    # the one line that changed, and in it only the value: the escapes around it keep their bytes
    assert _changed_lines(original, fixed) == [(r'    "engine\u003dMPI\n",', r'    "engine\u003dPython\n",')]
    source = json.loads(fixed)["cells"][1]["source"]
    assert source[1:3] == ["# caf\u00e9 \ud800 ü\n", "engine=Python\n"]  # the surrogate round-trips
    code, out, err = run(capsys, "check", "--no-cache", "--fix", "--unsafe-fixes", "--select", "LMI010", "nb.ipynb")
    assert code == 0 and nb.read_text(encoding="utf-8") == fixed  # a second --fix is a no-op


def test_ascii_only_notebook_keeps_writing_escapes():
    text = _notebook(_cell(r'"%%writefile serving.properties\n"', r'"engine=MPI\n"', r'"# caf\u00e9 \ud800\n"'))
    parsed = _parse(text)
    (unit,) = parsed.units
    new = unit.text.replace("MPI", "Pyth\u00f6n \ud801")
    out = parsed.file_text([new])
    assert _changed_lines(text, out) == [(r'    "engine=MPI\n",', r'    "engine=Pyth\u00f6n \ud801\n",')]
    assert json.loads(out)["cells"][0]["source"][1] == "engine=Pyth\u00f6n \ud801\n"


def test_single_string_source_is_edited_in_place():
    text = '{"cells": [{"cell_type": "code", "source": "%%writefile serving.properties\\nengine=MPI\\n# \\ud800 \\u00e9 é\\n"}]}'
    parsed = _parse(text)
    (unit,) = parsed.units
    out = parsed.file_text([unit.text.replace("MPI", "Python")])
    assert out == text.replace("MPI", "Python")


def test_lines_added_and_removed_keep_the_other_lines_bytes():
    text = _notebook(_cell(r'"a = \"\u00e9\"\n"', r'"b = 1\n"', r'"c = \"\ud800\"\n"', r'"d = 4"'), OTHER)
    parsed = _parse(text)
    cell, other = parsed.units
    assert cell.text == 'a = "é"\nb = 1\nc = "\ud800"\nd = 4'
    cases = {
        # insert before, in the middle, after the last line (which then ends with a newline)
        'z = 0\na = "é"\nb = 1\nc = "\ud800"\nd = 4': [(None, '    "z = 0\\n",')],
        'a = "é"\nb = 1\nb2 = "ü"\nc = "\ud800"\nd = 4': [(None, '    "b2 = \\"ü\\"\\n",')],
        'a = "é"\nb = 1\nc = "\ud800"\nd = 4\ne = 5': [('    "d = 4"', '    "d = 4\\n",'), (None, '    "e = 5"')],
        # remove the first, a middle and the last line
        'b = 1\nc = "\ud800"\nd = 4': [('    "a = \\"\\u00e9\\"\\n",', None)],
        'a = "é"\nc = "\ud800"\nd = 4': [('    "b = 1\\n",', None)],
        'a = "é"\nb = 1\nc = "\ud800"\n': [('    "c = \\"\\ud800\\"\\n",', '    "c = \\"\\ud800\\"\\n"'), ('    "d = 4"', None)],
    }
    import difflib

    for new, expected in cases.items():
        out = parsed.file_text([new, other.text])
        assert "".join(json.loads(out)["cells"][0]["source"]) == new
        diff = [(line[0], line[2:]) for line in difflib.ndiff(text.splitlines(), out.splitlines()) if line[0] in "+-"]
        got = [(x, None) if s == "-" else (None, x) for s, x in diff]
        # a changed line shows as a removal followed by an addition
        want = [p for a, b in expected for p in ([(a, None)] if a else []) + ([(None, b)] if b else [])]
        assert got == want, new


@pytest.mark.parametrize("seed", range(20))
def test_random_edits_round_trip_and_keep_untouched_items(seed):
    rng = random.Random(seed)
    # lone high surrogates only: a high one followed by a low one would be read back as one astral character
    alphabet = ["a", "b", "=", " ", "\n", "é", "\ud800", "\udbff", "\U0001f600", '"', "\\", "\t"]
    lines = ["%%writefile serving.properties\n"] + ["".join(rng.choice(alphabet[:-1]) for _ in range(rng.randrange(1, 6))).replace("\n", "") + "\n"
             for _ in range(rng.randrange(1, 8))]
    # raw tokens: non-ASCII characters escaped or not, as different writers do; lone surrogates always escaped
    tokens = [json.dumps(line, ensure_ascii=rng.random() < 0.5) for line in lines]
    tokens = [re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", t) for t in tokens]
    text = _notebook(_cell(*tokens))
    parsed = _parse(text)
    (unit,) = parsed.units
    cell_lines = unit.text.splitlines(True)
    for _ in range(3):
        pos = rng.randrange(1, len(cell_lines))  # the magic line stays
        op = rng.choice(["edit", "insert", "delete"])
        piece = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 4)))
        if op == "edit":
            line = cell_lines[pos]
            k = rng.randrange(len(line))  # may drop the newline: it is added back
            cell_lines[pos] = line[:k] + piece.replace("\n", "") + line[k + rng.randrange(0, 2):]
            if not cell_lines[pos].endswith("\n"):
                cell_lines[pos] += "\n"
        elif op == "insert":
            cell_lines.insert(pos, piece.replace("\n", "") + "\n")
        elif len(cell_lines) > 2:
            del cell_lines[pos]
    new = "".join(cell_lines)
    out = parsed.file_text([new])
    out.encode("utf-8")  # no raw lone surrogate
    assert "".join(json.loads(out)["cells"][0]["source"]) == new
    assert _parse(out).file_text([new]) == out  # rebuilding the fixed file with the same text changes nothing
