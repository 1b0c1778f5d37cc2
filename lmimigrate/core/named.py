"""Files named on the command line, and standard input: what `check` does with a name it was given."""

from __future__ import annotations

import os

from lmimigrate.core.discovery import Candidate
from lmimigrate.core.engine import NOT_READ, NOT_READ_MESSAGE, FileOutcome, tool_finding
from lmimigrate.core.ftypes import Severity
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Iterator


def stdin_candidates(stdin: tuple[str, bytes]) -> Iterator[Candidate]:
    """Standard input as a candidate named by --stdin-filename (nothing when no surface reads that name)."""
    from lmimigrate.surfaces import classify_content, is_pin_file

    name, data = stdin
    surface = classify_content(name, data[:128])
    if surface is not None or is_pin_file(name):
        yield Candidate("-", name, surface, True, ".")


def not_read(paths: list[str], stdin: tuple[str, bytes] | None, discovered: set[str]) -> list[FileOutcome]:
    """A file named on the command line that no surface reads is a finding: checking nothing must not look
    like a clean result (a typo, or a format lmimigrate does not know)."""
    from lmimigrate.surfaces import sniffable

    names = [stdin[0]] if stdin else [p for p in paths if os.path.isfile(p)]
    # An extensionless name (`Makefile`, `LICENSE`) is read only when it starts with a shell shebang; the
    # pre-commit hook passes every such file, so the others are passed over quietly.
    out, seen = [], set()
    for p in names:
        real = os.path.realpath(p)
        if p in discovered or real in discovered or real in seen or sniffable(p):
            continue
        seen.add(real)
        out.append(FileOutcome(p, [tool_finding(NOT_READ, NOT_READ_MESSAGE, p, severity=Severity.WARNING)]))
    return out
