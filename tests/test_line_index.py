"""LineIndex (core/ftypes.py): line starts after `\n`, `\r\n` and a lone `\r`, as ast and editors count lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lmimigrate.core.ftypes import LineIndex
from lmimigrate.surfaces.python.literals import Offsets


def _starts(text: str) -> list[int]:
    starts, i = [0], 0
    while i < len(text):
        if text[i] == "\r" and text[i + 1 : i + 2] == "\n":
            i += 1
        if text[i] in "\r\n":
            starts.append(i + 1)
        i += 1
    return starts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\n\r\t é", max_size=60))
def test_line_starts_and_positions(text):
    index = LineIndex(text)
    assert index.starts == _starts(text)
    assert index.length == len(text)
    for offset in range(len(text) + 1):
        line, column = index.position(offset)
        assert index.offset(line, column) == offset


def test_offsets_of_ascii_and_non_ascii_lines():
    text = "x = 1\ny = 'é' + z\n"
    offs = Offsets(text, LineIndex(text).starts)
    assert offs.at(2, 0) == 6
    assert text[offs.at(2, len("y = 'é' + ".encode()))] == "z"  # a byte column after a 2-byte character
    ascii_text = "x = 1\ny = 2\n"
    assert Offsets(ascii_text, LineIndex(ascii_text).starts).at(2, 4) == 10
