"""A fix that renames or deletes an environment variable is unsafe while the old name is still read elsewhere
in the same file.

`HF_MODEL_REVISION=x` renamed to `HF_REVISION=x` is right for LMI, but a later `--revision $HF_MODEL_REVISION`,
`${HF_MODEL_REVISION:?}`, `os.environ["HF_MODEL_REVISION"]` or a Dockerfile `${HF_MODEL_REVISION}` then reads
an unset variable. One mechanism covers every rule: the engine asks this guard about each safe fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lmimigrate.core.ftypes import Setting, TextEdit
from lmimigrate.core.rule import fix_guard

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from lmimigrate.core.rule import At, Context


def _reference(name: str) -> re.Pattern[str]:
    n = re.escape(name)
    # $NAME / ${NAME...} (shell, Dockerfile, compose), %NAME% (cmd), and the name as a string literal
    # (os.environ["NAME"], os.getenv('NAME'), env.get("NAME")).
    return re.compile(rf"\$\{{?{n}(?![A-Za-z0-9_])|%{n}%|([\"']){n}\1")


def removed_env_keys(at: At, edits: Iterable[TextEdit]) -> list[Setting]:
    """The env settings whose name the edits remove (a delete or a rename of the key)."""
    if not isinstance(at, Setting):
        return []
    out = []
    for s in at.scope.settings:
        if s.ns != "env" or s.derived_from is not None:
            continue
        k0, k1 = s.key_span
        for e in edits:
            if e.start <= k0 and k1 <= e.end and s.key not in e.content:
                out.append(s)
                break
    return out


def still_referenced(ctx: Context, s: Setting) -> int | None:
    """The 1-based line of a reference to `s`'s name elsewhere in the file (not one of its assignments)."""
    pattern = _reference(s.key)
    own = [x.span for x in ctx.settings("env", s.key) if x.unit is s.unit]
    for unit in ctx.units:
        for m in pattern.finditer(unit.text):
            if unit is s.unit and any(a - 1 <= m.start() and m.end() <= b + 1 for a, b in own):
                continue
            return unit.index.position(m.start())[0]
    return None


@fix_guard
def renamed_but_still_read(ctx: Context, at: At, edits: tuple[TextEdit, ...]) -> str:
    for s in removed_env_keys(at, edits):
        line = still_referenced(ctx, s)
        if line is not None:
            return f"`{s.key}` is still read at line {line} of this file; rename that reference too"
    return ""
