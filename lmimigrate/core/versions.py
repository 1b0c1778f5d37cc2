"""Version pairs, and the registry through which stacks tell the core how their versions are written.

The core knows no stack. Each stack (``lmimigrate/stacks/<name>/versions.py``) registers a `StackInfo`:
its oldest and newest known release, how users spell a version, how to display one, and whether it is
opt-in (vllm-gaudi replaces the fork; a fork user must not hear about plugin renames). The built-in stacks
are loaded by name on first use, so importing this module loads none of them.

Every version is a `lmimigrate.core.pep440.Version` (PEP 440, as `packaging` orders it) in the stack's own numbering (``Version("12")`` for LMI v12).
"""

from __future__ import annotations

import importlib
from lmimigrate.core.record import record

from lmimigrate.core.pep440 import InvalidVersion, Version
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Callable

#: Imported on first use to register the built-in stacks.
BUILTIN_STACKS = "lmimigrate.stacks"


class VersionError(ValueError):
    """A version string that cannot be understood for its stack."""


_PARSED: dict[str, Version] = {}


def release(text: Version | str) -> Version:
    """`Version(text)`, memoized: planning asks each rule's window (a few release strings) for every rule."""
    if isinstance(text, Version):
        return text
    text = str(text)  # a plugin may hand in a `packaging` Version
    found = _PARSED.get(text)
    if found is None:
        found = _PARSED[text] = Version(text)
    return found


@record(frozen=True)
class VersionPair:
    """The migration for one stack. `from_` is None when it is unknown (not given, not detected)."""

    stack: str
    from_: Version | None
    to: Version
    from_source: str | None = None  # where --from came from: "command line", "config", or "path:line"

    def crosses(self, changed_in: Version | str) -> bool:
        """from < changed <= to. With an unknown `from_`, true when the target is past the change."""
        changed = release(changed_in)
        if changed > self.to:
            return False
        return self.from_ is None or self.from_ < changed

    def crosses_known(self, changed_in: Version | str) -> bool:
        """Like crosses(), but only when `from_` is known: for default changes."""
        return self.from_ is not None and self.crosses(changed_in)

    def target_at_least(self, version: Version | str) -> bool:
        return self.to >= release(version)


def _plain_parse(stack: str, text: str) -> Version:
    try:
        return Version(text.strip().lstrip("v"))
    except InvalidVersion:
        raise VersionError(f"{stack}: {text!r} is not a version") from None


@record(frozen=True)
class StackInfo:
    name: str
    oldest: Version
    newest: Version
    parse: Callable[[str], Version] | None = None  # user spelling -> Version; None: a plain release number
    display: Callable[[Version], str] | None = None
    opt_in: bool = False  # only in play when named (--from/--to/config) or detected
    #: Pairs this stack's pair implies for other stacks (LMI bundles a vLLM): (pair, explicit from) -> pairs.
    implies: Callable[[VersionPair, dict[str, Version]], list[VersionPair]] | None = None


_REGISTRY: dict[str, StackInfo] = {}
_builtin_loaded = False


def register(info: StackInfo) -> StackInfo:
    _REGISTRY[info.name] = info
    return info


def stacks() -> dict[str, StackInfo]:
    """The registered stacks, in registration order (the built-in ones first)."""
    global _builtin_loaded
    if not _builtin_loaded:
        _builtin_loaded = True  # set first: the package's modules call back into this registry
        importlib.import_module(BUILTIN_STACKS)
    return _REGISTRY


def stack(name: str) -> StackInfo:
    known = stacks()
    if name not in known:
        raise VersionError(f"unknown stack {name!r}; known stacks: {', '.join(known)}")
    return known[name]


def parse_version(stack_name: str, text: str) -> Version:
    """Parse a version as the user writes it for a stack; raise VersionError with a helpful message."""
    info = stack(stack_name)
    return info.parse(text.strip()) if info.parse else _plain_parse(stack_name, text)


def parse_spec(spec: str) -> tuple[str, Version]:
    """`lmi==0.30.0` -> ("lmi", Version("12"))."""
    name, sep, ver = spec.partition("==")
    if not sep:
        raise VersionError(f"expected STACK==VERSION, got {spec!r} (stacks: {', '.join(stacks())})")
    name = name.strip().lower()
    return name, parse_version(name, ver)


def display(stack_name: str, version: Version) -> str:
    info = stacks().get(stack_name)
    if info is not None and info.display is not None:
        return info.display(version)
    return f"{stack_name} {version}"


def __getattr__(name: str) -> dict[str, Version] | tuple[str, ...]:
    # NEWEST / OLDEST / STACKS stay importable as values, computed from the registry when asked for.
    if name == "NEWEST":
        return {n: s.newest for n, s in stacks().items()}
    if name == "OLDEST":
        return {n: s.oldest for n, s in stacks().items()}
    if name == "STACKS":
        return tuple(stacks())
    raise AttributeError(name)
