"""Helpers shared by the vLLM configuration rules: spellings, dict-valued settings, evidence."""

from __future__ import annotations

import json

from lmimigrate.core.ftypes import Setting
from lmimigrate.core.rule import cited
from lmimigrate.surfaces import VLLM_LAUNCH_TOKENS
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Iterator

MODEL = "facebook/opt-125m"  # the model every example serves

#: And-tokens (`Rule.and_tokens`), in a Python file, of a rule that reads only vLLM settings (`settings(ctx, key)`).
#: The Python surface gives those only for `LLM(...)`/`EngineArgs(...)`/`AsyncEngineArgs(...)` calls resolved
#: through `vllm` imports (and dicts unpacked into them), and for launch lists (`["vllm", "serve", ...]`,
#: `python -m vllm.entrypoints...`); launch text in its strings is counted by the rule's other surfaces. So such a
#: file says `vllm`, and `LLM` as a name or `EngineArgs` or `serve` or `entrypoints`, as well as the setting's key.
#: Each alone is common: a short flag like `-q` or a word like `task` in ordinary modules, `vllm` in every module
#: of a code base built on vLLM.
PY_VLLM: dict[str, tuple[tuple[bytes, ...], ...]] = {
    "python": ((b"vllm",), (b"\bLLM\b", b"EngineArgs", *VLLM_LAUNCH_TOKENS)),
}


def flag(key: str) -> str:
    """`swap_space` -> `--swap-space` (for messages)."""
    return "--" + key.replace("_", "-")


#: Evidence checked against the reference's vLLM book: `ev(release, file, quote, "§3.3 C4")`.
ev = cited("vllm")


def settings(ctx, key: str) -> Iterator[Setting]:
    """The vllm-namespace settings for `key`, in every scope (command lines, --config files, LLM(...))."""
    for s in ctx.settings("vllm", key):
        if s.derived_from is None:
            yield s


def dict_value(s: Setting) -> tuple[dict | None, str]:
    """A dict-valued setting (`--compilation-config '{...}'`, `compilation_config={...}`, a YAML mapping).

    Returns (the dict, "dict") for a typed mapping, (the dict, "json") for a string holding a JSON (or Python
    literal) object, and (None, "") otherwise.
    """
    v = s.value
    if not s.literal:
        return None, ""
    if isinstance(v, dict):
        return v, "dict"
    if isinstance(v, str):
        text = v.strip()
        if not text.startswith("{"):
            return None, ""
        try:
            d = json.loads(text)
        except ValueError:
            import ast  # rarely needed: not at start-up

            try:
                d = ast.literal_eval(text)  # vLLM <= 0.8 read --speculative-config with ast.literal_eval
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return None, ""
        if isinstance(d, dict):
            return d, "json"
    return None, ""


def dict_edits(ctx, s: Setting, new: dict, kind: str):
    """Edits that replace a dict-valued setting's value with `new`, keeping it a JSON string when it was one
    (re-serialized with `json.dumps` defaults: `{"mode": 3}`). None when the syntax cannot re-value it
    (e.g. a block mapping in YAML): the finding is then reported without a fix."""
    value: Any = json.dumps(new) if kind == "json" else new
    return ctx.edits(s.set_value, value)


def as_bool(value: Any) -> bool | None:
    """A setting's boolean meaning; a bare CLI flag (value None) is True."""
    if value is None or value is True:
        return True
    if value is False:
        return False
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no"):
        return False
    return None


def as_number(value: Any) -> Any:
    """A CLI string that is a number, as a number (for JSON values): `"5"` -> 5, `"0.5"` -> 0.5."""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


from lmimigrate.core.rule import Rule as _Rule  # noqa: E402


class VllmRule(_Rule):
    """Base of the vLLM configuration rules."""

    stack = "vllm"
