"""Pieces every surface shares: registering env assignments with the views stacks take of them (LMI reads
`OPTION_*` variables as its own options)."""

from __future__ import annotations

from lmimigrate.core.ftypes import Scope, Setting
from lmimigrate.surfaces.knowledge import env_views
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


def env_name_for(ns: str, key: str) -> str:
    """The environment variable that carries a setting of namespace `ns` (env or lmi)."""
    if ns == "env":
        return key
    view = env_views().get(ns)
    if view is not None:
        return view.env_of(key)
    raise ValueError(f"an environment scope cannot hold a {ns} setting")


def add_env_setting(
    scope: Scope,
    name: str,
    value: Any,
    *,
    key_span: tuple[int, int],
    value_span: tuple[int, int] | None,
    delete_span: tuple[int, int],
    raw_key: str | None = None,
    literal: bool = True,
    style: dict[str, Any] | None = None,
) -> Setting:
    """Append an `env` setting, and the `lmi` setting LMI derives from it (reference lmi §4.4)."""
    s = Setting(
        ns="env",
        key=name,
        value=value,
        raw_key=raw_key if raw_key is not None else name,
        key_span=key_span,
        value_span=value_span,
        delete_span=delete_span,
        scope=scope,
        literal=literal,
        style=dict(style or {}),
    )
    scope.settings.append(s)
    for view in env_views().values():
        derived_key = view.key_of(name)
        if derived_key is None:
            continue
        scope.settings.append(
            Setting(
                ns=view.ns,
                key=derived_key,
                value=value,
                raw_key=s.raw_key,
                key_span=key_span,
                value_span=value_span,
                delete_span=delete_span,
                scope=scope,
                derived_from=s,
                literal=literal,
                style=s.style,
            )
        )
    return s
