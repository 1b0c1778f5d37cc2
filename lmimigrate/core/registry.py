"""Finding rules: the built-in packs under `lmimigrate.rules`, and third-party ones via entry points.

An entry point in the group `lmimigrate.rules` names a module or package, whose `Rule` subclasses with a
`code` (in it or its submodules) are registered, or, with `module:attr`, one object in it: a rule class, a
list or tuple of rule classes, or a module. Third-party codes need a prefix of their own: `LMI`, `VLLM`, `HPU`
and `LMM` are the tool's (see docs/plugins.md). A plugin that fails to import, a rule with a reserved prefix
and a code that another rule already claims are left out and reported as `LMM020` findings; the run goes on.

`check` reads the rules through `index()` (core/ruleindex.py), which imports no rule module; `all_rules()`
imports them all, for `rules`, `explain`, `plan` and the documentation.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType

from lmimigrate.core.indexstore import load
from lmimigrate.core.rule import Rule
from lmimigrate.core.ruleindex import Problem, RuleEntry, RuleIndex, entry_of
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import TypeGuard

BUILTIN = "lmimigrate.rules"
GROUP = "lmimigrate.rules"
RESERVED_PREFIXES = ("LMI", "VLLM", "HPU", "LMM")

#: (class, module to import for it, its name there, plugin name; "" for the built-in packs)
Found = tuple[type[Rule], str, str, str]


def _is_rule(obj: object) -> TypeGuard[type[Rule]]:
    return isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and "code" in vars(obj)


def _members(module: ModuleType) -> list[tuple[type[Rule], str, str]]:
    return [(obj, module.__name__, name) for name, obj in sorted(vars(module).items()) if _is_rule(obj)]


def _walk(package_name: str) -> list[tuple[type[Rule], str, str]]:
    import pkgutil

    package = importlib.import_module(package_name)
    found = _members(package)
    if hasattr(package, "__path__"):
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            found.extend(_members(importlib.import_module(info.name)))
    return found


def _from_entry_point(value: str) -> list[tuple[type[Rule], str, str]]:
    """The rules an entry point value names: `pkg.module` or `pkg.module:attr` (extras ignored)."""
    module_name, _, attr = value.split("[", 1)[0].partition(":")
    module_name, attr = module_name.strip(), attr.strip()
    if not attr:
        return _walk(module_name)
    module = importlib.import_module(module_name)
    obj = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    if isinstance(obj, ModuleType):
        return _walk(obj.__name__)
    items = list(obj) if isinstance(obj, (list, tuple)) else [obj]
    bad = [item for item in items if not _is_rule(item)]
    if bad:
        raise TypeError(f"{value} names {bad[0]!r}, not a Rule subclass with a `code`")
    return [(c, module_name, c.__name__ if getattr(module, c.__name__, None) is c else attr) for c in items]


def _plugins() -> list[tuple[str, str]]:
    """(name, value) of the entry points in the group, cached by the index against `sys.path`."""
    from importlib.metadata import entry_points

    return sorted((ep.name, ep.value) for ep in entry_points(group=GROUP))


@lru_cache(maxsize=1)
def _collect() -> tuple[tuple[Found, ...], tuple[Problem, ...]]:
    found: list[Found] = [(c, m, a, "") for c, m, a in _walk(BUILTIN)]
    problems: list[Problem] = []
    for name, value in _plugins():
        if value.partition(":")[0].strip() == BUILTIN:
            continue
        try:
            rules = _from_entry_point(value)
        except Exception as exc:  # a broken plugin must not stop the run: it is reported and left out
            problems.append(Problem(name, f"rule plugin `{name}` ({value}) failed to load: {type(exc).__name__}: {exc}"))
            continue
        for cls, module, attr in rules:
            if cls.code.startswith(RESERVED_PREFIXES):
                problems.append(Problem(name, f"rule plugin `{name}`: {cls.code} uses a prefix reserved for "
                                              f"lmimigrate ({', '.join(RESERVED_PREFIXES)}); left out"))
                continue
            found.append((cls, module, attr, name))
    # Rule classes may be made by factories (one class per table row); the same class seen twice is fine,
    # and is imported from the module that defines it.
    by_code: dict[str, Found] = {}
    for item in found:
        cls, module = item[0], item[1]
        have = by_code.get(cls.code)
        if have is None or (have[0] is cls and module == cls.__module__):
            by_code[cls.code] = item
        elif have[0] is not cls:
            owner = item[3] or "lmimigrate"
            problems.append(Problem(owner, f"rule plugin `{owner}`: {cls.code} ({module}.{cls.__name__}) is already "
                                           f"claimed by {have[1]}.{have[0].__name__}; left out"))
    return tuple(sorted(by_code.values(), key=lambda f: f[0].code)), tuple(problems)


def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class (imports every rule pack and plugin)."""
    return tuple(f[0] for f in _collect()[0])


def problems() -> tuple[Problem, ...]:
    return _collect()[1]


def _build() -> tuple[RuleIndex, list[str]]:
    import sys

    from lmimigrate.surfaces import SURFACE_MODULES

    found, probs = _collect()
    entries = tuple(entry_of(cls, module, attr, plugin, tuple(SURFACE_MODULES)) for cls, module, attr, plugin in found)
    modules = {m for m in sys.modules if m == BUILTIN or m.startswith(BUILTIN + ".")}
    for _, value in _plugins():
        modules.add(value.split("[", 1)[0].partition(":")[0].strip())
    modules.update(e.module for e in entries)
    return RuleIndex(entries, list(probs)), sorted(modules)


@lru_cache(maxsize=1)
def index() -> RuleIndex:
    """What `check` needs of every rule, without importing the rule packs (core/ruleindex.py, kept by core/indexstore.py)."""
    return load(_build)


def by_code(code: str) -> type[Rule] | None:
    code = code.upper()
    return next((r for r in all_rules() if r.code == code), None)


def matches(code: str, selectors: list[str]) -> bool:
    """ruff-style selection: `LMI` selects every LMI code, `LMI00` a group, `LMI001` one code; `ALL` all."""
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)


def select(select: list[str] | None, ignore: list[str] | None) -> list[RuleEntry]:
    """The index entries chosen by --select / --ignore (no rule module imported)."""
    return index().select(select, ignore)
