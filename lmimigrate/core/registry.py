"""Finding rules: the built-in packs under `lmimigrate.rules`, and third-party ones via entry points.

An entry point in the group `lmimigrate.rules` names a module (or package): every `Rule` subclass with a
`code` defined in it, or in its submodules, is registered.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import lru_cache
from types import ModuleType

from lmimigrate.core.rule import Rule

BUILTIN = "lmimigrate.rules"


def _rules_in(module: ModuleType) -> list[type[Rule]]:
    found = []
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if issubclass(obj, Rule) and obj is not Rule and "code" in vars(obj):
            found.append(obj)
    return found


def _walk(package_name: str) -> list[type[Rule]]:
    package = importlib.import_module(package_name)
    rules = _rules_in(package)
    if hasattr(package, "__path__"):
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            rules.extend(_rules_in(importlib.import_module(info.name)))
    return rules


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    rules = _walk(BUILTIN)
    from importlib.metadata import entry_points

    for ep in entry_points(group="lmimigrate.rules"):
        if ep.value.split(":")[0] == BUILTIN:
            continue
        rules.extend(_walk(ep.value.split(":")[0]))
    # Rule classes may be made by factories (one class per table row); the same class seen twice is fine.
    by_code: dict[str, type[Rule]] = {}
    for r in rules:
        if r.code in by_code and by_code[r.code] is not r:
            raise RuntimeError(f"two rules claim {r.code}: {by_code[r.code].__module__} and {r.__module__}")
        by_code[r.code] = r
    return tuple(sorted(by_code.values(), key=lambda r: r.code))


def by_code(code: str) -> type[Rule] | None:
    code = code.upper()
    return next((r for r in all_rules() if r.code == code), None)


def matches(code: str, selectors: list[str]) -> bool:
    """ruff-style selection: `LMI` selects every LMI code, `LMI00` a group, `LMI001` one code; `ALL` all."""
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)


def select(select: list[str] | None, ignore: list[str] | None) -> list[type[Rule]]:
    chosen = []
    for r in all_rules():
        if select and not matches(r.code, select):
            continue
        if ignore and matches(r.code, ignore):
            continue
        chosen.append(r)
    return chosen
