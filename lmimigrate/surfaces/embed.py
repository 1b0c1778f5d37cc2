"""Text of one surface held inside another: the API a host surface uses to read it.

A host (a Python string, a YAML block scalar, a `sh -c '...'` argument, a notebook cell) finds text that is
itself a properties file, an env file, a shell script or a command line, decodes it, and calls `embed`. The
embedded text is parsed by its own surface into units whose scopes rules see like any other; the engine
reports their findings and applies their fixes in the host's coordinates (`lmimigrate.core.embedding`).

The host provides, with the decoded `text`:
- `span`: where the encoded text sits in the host unit's text (the literal's content, inside its quotes);
- `encode(new_text) -> str`: the host text for new content (re-escaped, re-indented); raise ValueError when
  the host cannot hold it. None: read-only (findings, no fixes);
- `to_host(offset) -> int`: an offset of the decoded text as a host offset, defined for 0..len(text)
  (None: verbatim, `span[0] + offset`);
- `opaque`: decoded spans that are placeholders (`{var}`, `${VAR}`, `{{ x }}`). A setting whose key touches a
  placeholder is dropped (its key is unknown); one whose value touches a placeholder is not literal, so rules
  report it but never rewrite its value.

`verbatim` and `indented` build (text, encode, to_host) for the two commonest layouts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.core.patterns import lazy_pattern

Encode = Callable[[str], str]
ToHost = Callable[[int], int]

#: Placeholders that make embedded text opaque where they occur.
PLACEHOLDER = lazy_pattern(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}\n]*\}|\{[A-Za-z_][\w.\[\]'\"]*(?:![rsa])?(?::[^{}\n]*)?\}")


def placeholders(text: str, pattern: re.Pattern[str] = PLACEHOLDER) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in pattern.finditer(text))


def _overlaps(span: tuple[int, int] | None, opaque: Sequence[tuple[int, int]]) -> bool:
    if span is None:
        return False
    a, b = span
    return any(a < y and x < b or (a == b and x < a < y) for x, y in opaque)


def embed(
    host: Unit,
    span: tuple[int, int],
    text: str,
    surface: str,
    *,
    encode: Encode | None = None,
    to_host: ToHost | None = None,
    opaque: Sequence[tuple[int, int]] = (),
    label: str = "",
    name: str = "",
) -> list[Unit]:
    """Parse `text` as `surface`, held in `host` at `span`. Returns the new units (the caller adds them to its
    ParsedFile after the host), or [] when the text does not parse as that surface: embedded text is
    recognised by a guess, so a parse error means "not this surface", never a broken file. `name` is the
    file name the text would have (`serving.properties`, `vllm.yaml`); surfaces that read names use it."""
    from lmimigrate import surfaces

    try:
        parsed = surfaces.parse_file(name or f"<{surface}>", text, surface)
    except (ParseError, RecursionError):
        return []
    opaque = tuple(opaque)
    for unit in parsed.units:
        if unit.host is not None:
            continue  # text embedded in the embedded text: already hosted by it
        unit.host, unit.host_span, unit.encode, unit.to_host = host, span, encode, to_host
        unit.opaque, unit.label, unit.cell = opaque, label, host.cell
        if opaque:
            for scope in unit.scopes:
                scope.settings = [s for s in scope.settings if not _overlaps(s.key_span, opaque)]
                for s in scope.settings:
                    if _overlaps(s.value_span, opaque):
                        s.literal = False
    return parsed.units


def verbatim(host_text: str, span: tuple[int, int]) -> tuple[str, Encode, ToHost]:
    """Content written as is (a YAML literal block without indentation, a heredoc body)."""
    start = span[0]
    return host_text[span[0] : span[1]], (lambda new: new), (lambda offset: start + offset)


def indented(host_text: str, span: tuple[int, int], indent: str) -> tuple[str, Encode, ToHost]:
    """Content whose every non-blank line starts with `indent` in the host (a YAML block scalar, a dedented
    Python triple-quoted string). The decoded text has the indent removed; new lines get it back."""
    raw = host_text[span[0] : span[1]]
    lines = raw.splitlines(keepends=True)
    out: list[str] = []
    starts: list[tuple[int, int, int]] = []  # (decoded line start, host line start, chars removed)
    pos_dec, pos_host = 0, span[0]
    for line in lines:
        cut = len(indent) if line.startswith(indent) else len(line) - len(line.lstrip(" \t"))
        if line.strip() and not line.startswith(indent):
            raise ValueError("a line is indented less than the block")
        starts.append((pos_dec, pos_host, cut))
        piece = line[cut:] if line.strip() else line.lstrip(" \t")
        if not line.strip():
            cut = len(line) - len(piece)
            starts[-1] = (pos_dec, pos_host, cut)
        out.append(piece)
        pos_dec += len(piece)
        pos_host += len(line)
    decoded = "".join(out)

    def to_host(offset: int) -> int:
        for dec, hst, cut in reversed(starts):
            if offset >= dec:
                return hst + cut + (offset - dec)
        return span[0] + offset

    def encode(new: str) -> str:
        return "".join(indent + line if line.strip() else line for line in new.splitlines(keepends=True))

    return decoded, encode, to_host
