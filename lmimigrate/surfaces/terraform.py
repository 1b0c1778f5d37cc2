"""Terraform (`*.tf`): container environment maps, as in `aws_sagemaker_model` `primary_container` / `container`
blocks (`environment = { OPTION_ROLLING_BATCH = "vllm" }`), and the maps kept in `locals` or a `variable`'s
`default` that feed them.

Scopes ("env"): every object literal that is the value of an `environment` / `env` / `environment_variables`
attribute or key, and every other object literal whose keys are all environment-variable names with at least
one LMI (`OPTION_*`, `HF_MODEL_ID`, ...) or `VLLM_*` variable among them. Image references
(`image = "...djl-inference:..."`) are text and are handled by the image rules on the file text.

A value with `${...}` / `%{...}` or any non-literal expression (`var.x`, `local.y`, a call) is opaque: its key
is still reported, its value never rewritten. Edits are splices into the original text.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Scope, Setting, Unit
from lmimigrate.surfaces import hcl
from lmimigrate.surfaces.common import add_env_setting, env_name_for
from lmimigrate.surfaces.text import line_start, next_line
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

ENV_OWNERS = frozenset({"environment", "env", "environment_variables", "environmentvariables"})
_ENV_NAME = lazy_pattern(r"[A-Z_][A-Z0-9_]*")
_BARE_KEY = lazy_pattern(r"[A-Za-z_][A-Za-z0-9_-]*")
_PLAIN_SCALAR = lazy_pattern(r"-?\d+(?:\.\d+)?|true|false")


class TerraformScope(Scope):
    kind = "env"

    def __init__(self, unit: Unit, obj: hcl.Obj, label: str):
        super().__init__(unit, kind="env", label=label)
        self.obj = obj
        self.span = obj.span

    def spell_key(self, ns: str, key: str, like: Setting | None = None) -> str:
        name = env_name_for(ns, key)
        quoted = like.style.get("quoted_key") if like is not None else False
        return quote(name) if quoted or not _BARE_KEY.fullmatch(name) else name

    def spell_value(self, value: Any, like: Setting | None = None, key: str | None = None) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        text = str(value)
        if like is not None and like.style.get("bare") and _PLAIN_SCALAR.fullmatch(text):
            return text
        return quote(text)

    def render_entry(self, ns: str, key: str, value: Any, like: Setting | None = None) -> str:
        # The neighbour's `=` or `:`, without the padding `terraform fmt` aligned it with.
        sep = " " + like.style.get("sep", "=").strip() + " " if like is not None else " = "
        return self.spell_key(ns, key) + sep + self.spell_value(value)

    def insertion_point(self, after: Setting | None = None) -> tuple[int, str, str]:
        text, nl = self.unit.text, self.unit.newline
        anchor = after or next((s for s in reversed(self.settings) if s.derived_from is None), None)
        members = self.obj.members
        if anchor is None:
            if not members:  # `{}`: one line inside the braces
                return self.obj.span[0] + 1, " ", " "
            last = members[-1]
            return last.value_span[1], ", " if _inline(text, last) else "", ""
        member = next(m for m in members if m.key_span == anchor.key_span)
        if _inline(text, member):
            return member.value_span[1], ", ", ""
        line_end = next_line(text, member.value_span[1])
        indent = text[line_start(text, member.key_span[0]) : member.key_span[0]]
        if line_end == len(text) or text[line_end - 1] not in "\r\n":
            return line_end, nl + indent, ""
        return line_end, indent, nl


def quote(text: str) -> str:
    """An HCL string literal; `${` and `%{` are escaped so the value stays literal."""
    body = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        .replace("${", "$${").replace("%{", "%%{")
    )
    return '"' + body + '"'


def _inline(text: str, m: hcl.Member) -> bool:
    """A member that shares its line with another member or with a brace."""
    before = text[line_start(text, m.key_span[0]) : m.key_span[0]]
    if before.strip(" \t"):
        return True
    rest = text[m.value_span[1] : next_line(text, m.value_span[1])]
    rest = rest.strip(" \t\r\n").lstrip(",").strip(" \t")
    return bool(rest) and not rest.startswith(("#", "//"))


def _delete_span(text: str, members: list[hcl.Member], idx: int) -> tuple[int, int]:
    m = members[idx]
    if not _inline(text, m):
        return line_start(text, m.key_span[0]), next_line(text, m.value_span[1])
    if idx + 1 < len(members):
        return m.key_span[0], members[idx + 1].key_span[0]
    if idx > 0:
        return members[idx - 1].value_span[1], m.value_span[1]
    end = j = m.value_span[1]
    while j < len(text) and text[j] in " \t":
        j += 1
    return m.key_span[0], j + 1 if text[j : j + 1] == "," else end


def _may_be_env_map(obj: hcl.Obj) -> bool:
    if not obj.members or any(m.kind == "object" for m in obj.members):
        return False
    return obj.owner.lower() in ENV_OWNERS or all(_ENV_NAME.fullmatch(m.key) for m in obj.members)


def _is_env_scope(scope: TerraformScope) -> bool:
    """An `environment` map, or a map of env names at least one of which LMI (a derived `lmi` setting) or
    vLLM reads: a map of tags or of other settings is not configuration lmimigrate knows."""
    if scope.obj.owner.lower() in ENV_OWNERS:
        return True
    return any(s.ns == "lmi" or s.key.startswith("VLLM_") for s in scope.settings)


def _label(obj: hcl.Obj) -> str:
    path = [p for p in obj.path if p]
    return " ".join(path[:-1] + [obj.owner or "environment"]) if path else obj.owner or "environment"


def parse(unit: Unit) -> None:
    text = unit.text
    _, _, objects = hcl.read(text)
    for obj in objects:
        if not _may_be_env_map(obj):
            continue
        scope = TerraformScope(unit, obj, _label(obj))
        scope.facts["path"] = list(obj.path)
        for idx, m in enumerate(obj.members):
            literal = m.kind in ("string", "number", "bool")
            add_env_setting(
                scope,
                m.key,
                m.value if literal else None,
                key_span=m.key_span,
                value_span=m.value_span,
                delete_span=_delete_span(text, obj.members, idx),
                raw_key=text[m.key_span[0] : m.key_span[1]],
                literal=literal,
                style={"quoted_key": m.quoted_key, "sep": m.sep, "bare": m.kind in ("number", "bool")},
            )
        if _is_env_scope(scope):
            unit.scopes.append(scope)
