"""A custom handler makes deleting or renaming LMI keys unsafe.

LMI passes every `option.*` key to the Python handler. A repository's own handler (`model.py` or
`inference.py` beside `serving.properties`, or an `option.entryPoint` naming a user module or file) may read
any of them, `option.max_tokens` included, although the built-in handlers ignore it. The tool never imports
or runs that code: it only checks whether such a file exists, and then a fix that removes a key is unsafe.
"""

from __future__ import annotations

import os

from lmimigrate.core.ftypes import Scope, Setting
from lmimigrate.core.rule import fix_guard
from lmimigrate.stacks.lmi.env import is_lmi_scope

from .common import entry_point

HANDLER_FILES = ("model.py", "inference.py")
#: Entry points that ship in the container (`djl_python.huggingface`, `djl_python.lmi_vllm...`).
BUILTIN_PREFIX = "djl_python"


def custom_handler(scope: Scope, path: str) -> str | None:
    """The user's handler this scope's options reach, as shown in a message; None when there is none."""
    ep = entry_point(scope)
    if ep and not ep.startswith(BUILTIN_PREFIX):
        return f"`option.entryPoint={ep}`"
    if scope.unit.surface != "properties":
        return None
    folder = os.path.dirname(path) or "."
    for name in HANDLER_FILES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and not os.path.islink(candidate):
            return f"`{name}` beside it"
    return None


@fix_guard
def handler_reads_removed_keys(ctx, at, edits) -> str:
    """A fix that removes an LMI key (delete or rename) while a custom handler may read it."""
    if not isinstance(at, (Setting, Scope)):
        return ""
    scope = at.scope if isinstance(at, Setting) else at
    if not is_lmi_scope(scope):
        return ""
    keys = [s.origin.key_span for s in scope.settings if s.ns == "lmi"]
    if not any(e.start <= k0 and k1 <= e.end or (e.start < k1 and k0 < e.end and e.content != "")
               for e in edits for k0, k1 in keys):
        return ""
    handler = custom_handler(scope, ctx.path)
    return f"the custom handler ({handler}) may read the key it removes" if handler else ""
