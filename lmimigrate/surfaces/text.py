"""Line and separator helpers shared by the surfaces that splice text (JSON, YAML, shell, Python, HCL).

Every line break is `\\n`, `\\r\\n` or a lone `\\r`: files keep whatever they use.
"""

from __future__ import annotations

from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

_HSPACE = " \t"
EOL = lazy_pattern(r"\r\n|\r|\n")


def line_start(text: str, i: int) -> int:
    """Offset of the first character of the line holding i."""
    return max(text.rfind("\n", 0, i), text.rfind("\r", 0, i)) + 1


def line_end(text: str, i: int) -> int:
    """Offset of the line break that ends the line holding i (len(text) on the last line)."""
    m = EOL.search(text, i)
    return m.start() if m else len(text)


_LAST_EOL: list[Any] = [None, 0, 0, 0]  # text, searched from, line ending start, end: the last answer


def next_line(text: str, i: int) -> int:
    """Offset just after the line break that ends the line holding i (len(text) on the last line). Callers ask
    again and again about one long line (25k `A=1;` on it): the last answer holds for every i up to its line
    ending, so the line is scanned once, not once per question."""
    end: int
    last, start, eol, end = _LAST_EOL
    if last is text and start <= i <= eol:
        return end
    m = EOL.search(text, i)
    eol, end = (m.start(), m.end()) if m else (len(text), len(text))
    _LAST_EOL[:] = [text, i, eol, end]
    return end


def first_on_line(text: str, i: int) -> bool:
    """Only blanks precede i on its line."""
    return not text[line_start(text, i) : i].strip(_HSPACE)


def indent_of(text: str, i: int) -> str:
    """The leading blanks of the line holding i."""
    ls = line_start(text, i)
    j = ls
    while j < len(text) and text[j] in _HSPACE:
        j += 1
    return text[ls:j]


def rest_of_line(text: str, i: int) -> tuple[bool, int, int]:
    """From i, skip blanks and one optional comma: (only blanks up to the line end, content end, line end)."""
    n = len(text)
    while i < n and text[i] in _HSPACE:
        i += 1
    if i < n and text[i] == ",":
        i += 1
        while i < n and text[i] in _HSPACE:
            i += 1
    if i >= n:
        return True, n, n
    if text[i] in "\r\n":
        return True, i, i + (2 if text.startswith("\r\n", i) else 1)
    return False, i, i


def own_line(text: str, start: int, end: int) -> bool:
    """text[start:end] (and an optional trailing comma) is alone on its line."""
    return first_on_line(text, start) and rest_of_line(text, end)[0]


def flow_element_delete_span(text: str, elements: list[tuple[int, int]], idx: int) -> tuple[int, int]:
    """What to remove to delete element idx of a comma-separated collection (JSON, YAML flow) and exactly one
    separator, leaving it valid and tidy."""
    start, end = elements[idx]
    is_last = idx == len(elements) - 1
    prev_end = elements[idx - 1][1] if idx > 0 else None
    if own_line(text, start, end):
        _, content_end, line_end = rest_of_line(text, end)
        if is_last and prev_end is not None:
            return prev_end, content_end  # the previous element's comma goes, its line stays
        return line_start(text, start), line_end
    if not is_last:
        return start, elements[idx + 1][0]
    if prev_end is not None:
        return prev_end, end
    return start, end
