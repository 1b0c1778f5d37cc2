"""Module-level regular expressions compiled on first use.

A one-file pre-commit run imports ~60 modules whose ~100 module-level patterns cost ~15 ms to compile, and
uses a handful of them (detection's anchors only run when their literal occurs in a file). `lazy_pattern`
returns an object that compiles on its first attribute access and then keeps the compiled pattern's bound
methods in its own `__dict__`, so later `.search`/`.finditer`/`.sub` calls cost what they cost on a
compiled pattern. Pass it where a pattern's methods are called; `re.sub(p, ...)` and friends want the real
thing: `p.sub(...)`.
"""

from __future__ import annotations

import re
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, AnyStr


class _LazyPattern:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for names not yet in __dict__: the first use of each
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self.__dict__["_compiled"] = re.compile(*self._source)
        value = getattr(compiled, name)
        self.__dict__[name] = value
        return value

    def __repr__(self) -> str:
        return f"lazy_pattern({self._source[0]!r})"


def lazy_pattern(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, deferred to the first use."""
    return _LazyPattern(pattern, flags)  # type: ignore[return-value]  # it stands in for the compiled pattern
