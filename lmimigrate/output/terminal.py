"""Writing styled rows to a terminal, or plain text everywhere else.

A row is a kind and its styled segments. Kinds decide how a row may be laid out in a terminal:
- ``frame``: a code-frame line; never wrapped (the carets must stay under the code they mark); cropped with
  an ellipsis only when the terminal's width is known;
- ``url``: a row holding a link; never wrapped or cropped, so it stays one clickable, copyable word;
- anything else: wrapped at word boundaries, never inside a word (a row holding a word longer than the
  width is left to the terminal, like a ``url`` row).

The width is `COLUMNS` when set, else the terminal's own size. pre-commit runs hooks in a pseudo-terminal
that has no size (0 columns): rich would assume 80 there, so with no usable width nothing is cropped or
wrapped (the real terminal wraps long lines itself, without splitting the text).
"""

from __future__ import annotations

import os

Segment = tuple[str, str]  # (text, rich style)
Row = tuple[str, list[Segment]]  # (kind, segments)

#: Layout width when the terminal reports none: wide enough that no frame line (at most 160 characters
#: of code plus its gutter) is ever cropped.
UNSIZED_WIDTH = 240


def use_color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def width(stream) -> int | None:
    """Columns to lay rows out in, or None when neither COLUMNS nor the terminal gives a usable width."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None
    return columns if columns > 0 else None


def plain(rows: list[Row]) -> str:
    return "".join("".join(text for text, _ in segments) + "\n" for _, segments in rows)


def write(rows: list[Row], stream) -> None:
    if not use_color(stream):
        stream.write(plain(rows))
        return
    from rich.console import Console
    from rich.text import Text

    columns = width(stream)
    console = Console(file=stream, highlight=False, width=columns or UNSIZED_WIDTH, color_system="auto",
                      force_terminal=True, legacy_windows=False)
    for kind, segments in rows:
        text = Text.assemble(*segments) if segments else Text("")
        if kind == "frame" and columns is not None:
            console.print(text, no_wrap=True, overflow="ellipsis")
        elif kind == "url" or columns is None or _has_word_longer_than(text.plain, columns):
            # Left whole: the terminal wraps it without splitting a path or a URL, which rich's folding would.
            console.print(text, soft_wrap=True)
        else:
            console.print(text, overflow="fold")  # wrapped between words; no word is longer than a line


def _has_word_longer_than(text: str, columns: int) -> bool:
    return any(len(word) > columns for word in text.split())
