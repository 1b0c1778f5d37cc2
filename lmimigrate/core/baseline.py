"""Decisions survive the fix: `--fix` records the release it migrated from.

Without `--from`, the source release is detected from the repository (an image tag, a `vllm==` pin). A fix
that bumps that very tag makes the next plain `check` detect the *target* release, so every default-change
note ("needs a human decision") would vanish although nobody acted on it. So when `--fix` rewrites a file a
`from` was detected in, the detected spec is written as `from = [...]` into `[tool.lmimigrate]` of the
configuration file in use (pyproject.toml, or the `--config` file), and the notes stay until the user
acknowledges them: by deleting that line, or with `# lmimigrate: ignore[CODE]` comments.

Nothing is written when there is no configuration file, when it already sets `from`, or with `--diff`; the
user is told what to record instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from lmimigrate.core import writer
from lmimigrate.core.patterns import lazy_pattern

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from lmimigrate.core.pep440 import Version

    from lmimigrate.core.api import Report

_TABLE = lazy_pattern(r"^[ \t]*\[tool\.lmimigrate\][ \t]*(?:#[^\r\n]*)?(\r?\n|$)", re.MULTILINE)
_FROM_KEY = lazy_pattern(r"^[ \t]*\"?from\"?[ \t]*=", re.MULTILINE)
COMMENT = "# recorded by `lmimigrate check --fix`: the release migrated from; delete this line once its notes are handled"


def _spec(stack: str, version: Version) -> str:
    # LMI releases are numbered by their major (v14); `lmi==v14` is what --from accepts for every LMI release.
    return f"lmi==v{version}" if stack == "lmi" else f"{stack}=={version}"


def migrated_from(report: Report, given: Mapping[str, object]) -> list[str]:
    """The detected `from` specs that the next run would no longer detect: this run rewrote the anchor file
    and its new text no longer names that release (a --fix that bumped the tag it was read from)."""
    from lmimigrate.core import detection

    fixed = {o.path: o.fixed for o in report.outcomes if o.fixed is not None}
    specs = []
    for stack, pair in report.pairs.items():
        source = pair.from_source or ""
        if stack in given or pair.from_ is None or not source or source.startswith("implied by"):
            continue
        anchor = source.rsplit(":", 1)[0]
        if anchor not in fixed:
            continue
        still = [d for d in detection.detect(anchor, fixed[anchor]) if d.stack == stack and d.version == pair.from_]
        if not still:
            specs.append(_spec(stack, pair.from_))
    return specs


def _with_from(text: str, specs: list[str], pyproject: bool) -> str | None:
    """`text` with a `from = [...]` line added to its [tool.lmimigrate] table; None when `from` is already set."""
    newline = "\r\n" if "\r\n" in text else "\n"
    line = "from = [" + ", ".join(f'"{s}"' for s in specs) + "]  " + COMMENT + newline
    table = _TABLE.search(text)
    if table is not None:
        body_end = text.find(newline + "[", table.end())
        body = text[table.end(): len(text) if body_end < 0 else body_end]
        if _FROM_KEY.search(body):
            return None
        head = text[: table.end()] + ("" if table.group(1) else newline)
        return head + line + text[table.end():]
    if not pyproject:  # a dedicated lmimigrate.toml holds its keys at the top level
        return None if _FROM_KEY.search(text) else line + text
    sep = "" if not text or text.endswith(("\n", "\r")) else newline
    return text + sep + newline + "[tool.lmimigrate]" + newline + line


def record(report: Report, given: Mapping[str, object], config_path: str | None, has_from: bool) -> str | None:
    """After `--fix`: record the migrated-from specs. Returns a note for the user, or None."""
    specs = migrated_from(report, given)
    if not specs:
        return None
    shown = ", ".join(f'"{s}"' for s in specs)
    advice = (f"the next `check` would detect the new release and drop the notes that need a decision; keep them with "
              f"`--from {' --from '.join(specs)}` or `from = [{shown}]` under [tool.lmimigrate]")
    if has_from or config_path is None or not os.path.isfile(config_path):
        return advice
    try:
        with open(config_path, "rb") as fh:
            data = fh.read()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return advice
    new = _with_from(text, specs, os.path.basename(config_path) == "pyproject.toml")
    if new is None:
        return advice
    problem = writer.write_atomic(config_path, data, new.encode("utf-8"))
    if problem:
        return f"{advice} ({config_path}: {problem})"
    return (f"recorded `from = [{shown}]` in {config_path}: the notes that need a decision stay reported until you "
            "delete that line")
