"""Pieces every surface shares: registering env assignments with their LMI view."""

from __future__ import annotations

from typing import Any

from lmimigrate.core.ftypes import Scope, Setting
from lmimigrate.stacks.lmi.env import env_to_lmi_key, lmi_key_to_env


def env_name_for(ns: str, key: str) -> str:
    """The environment variable that carries a setting of namespace `ns` (env or lmi)."""
    if ns == "env":
        return key
    if ns == "lmi":
        return lmi_key_to_env(key)
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
    lmi_key = env_to_lmi_key(name)
    if lmi_key is not None:
        scope.settings.append(
            Setting(
                ns="lmi",
                key=lmi_key,
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
