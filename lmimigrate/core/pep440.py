"""PEP 440 versions, parsed, ordered and printed as `packaging.version.Version` does.

Every run parses versions (the target of each stack at least), and `packaging.version` with the `typing`
module it needs cost ~15 ms, a quarter of the start-up budget of a one-file pre-commit run. This module
covers what lmimigrate and rule plugins use: parsing (any PEP 440 spelling; `InvalidVersion` otherwise),
comparison, hashing, `str()`, and the `release`/`major`/`minor`/`micro`/`epoch`/`pre`/`post`/`dev`/`local`
attributes. `tests/test_pep440.py` holds it to packaging's answers. A `packaging` Version compares with
ours (a plugin may build one).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class InvalidVersion(ValueError):
    """A string that is not a PEP 440 version (packaging's exception of the same name is a ValueError too)."""


# packaging's VERSION_PATTERN, compiled on first use of a spelling that is not plain digits and dots.
_PATTERN = r"""
    v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
"""
_compiled: list[re.Pattern[str]] = []
_PRE = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc", "rc": "rc"}
_PRE_RANK = {"a": 0, "b": 1, "rc": 2}
_STABLE = (3, 0, 0, 0, 1, 0)  # (pre rank, pre n, post rank, post n, dev rank, dev n) of a final release


def _regex() -> re.Pattern[str]:
    if not _compiled:
        _compiled.append(re.compile(r"^\s*" + _PATTERN + r"\s*$", re.VERBOSE | re.IGNORECASE))
    return _compiled[0]


class Version:
    __slots__ = ("epoch", "release", "pre", "post", "dev", "local", "_key", "_str")

    epoch: int
    release: tuple[int, ...]
    pre: tuple[str, int] | None
    post: int | None
    dev: int | None
    local: str | None

    def __init__(self, version: str) -> None:
        text = version.strip() if isinstance(version, str) else ""
        plain = text[1:] if text[:1] in ("v", "V") else text
        parts = plain.split(".")
        if all(p.isdigit() and p.isascii() for p in parts):  # the usual spelling, without the regex
            self.epoch, self.release = 0, tuple(map(int, parts))
            self.pre = self.post = self.dev = self.local = None
        else:
            self._parse(version, text)
        self._key = _key(self.epoch, self.release, self.pre, self.post, self.dev, self.local)
        self._str = ""

    def _parse(self, version: Any, text: str) -> None:
        m = _regex().match(text) if isinstance(version, str) else None
        if m is None:
            raise InvalidVersion(f"Invalid version: {version!r}")
        self.epoch = int(m.group("epoch") or 0)
        self.release = tuple(int(p) for p in m.group("release").split("."))
        self.pre = (_PRE[m.group("pre_l").lower()], int(m.group("pre_n") or 0)) if m.group("pre_l") else None
        post = m.group("post_n1") or m.group("post_n2")
        self.post = int(post) if post else (0 if m.group("post_l") else None)
        self.dev = int(m.group("dev_n") or 0) if m.group("dev_l") else None
        local = m.group("local")
        if local:  # separators become dots, number parts lose their leading zeros (as packaging prints them)
            self.local = ".".join(str(int(p)) if p.isdigit() else p for p in re.split(r"[-_.]", local.lower()))
        else:
            self.local = None

    @property
    def major(self) -> int:
        return self.release[0]

    @property
    def minor(self) -> int:
        return self.release[1] if len(self.release) > 1 else 0

    @property
    def micro(self) -> int:
        return self.release[2] if len(self.release) > 2 else 0

    @property
    def is_prerelease(self) -> bool:
        return self.pre is not None or self.dev is not None

    @property
    def public(self) -> str:
        return str(self).split("+", 1)[0]

    @property
    def base_version(self) -> str:
        return (f"{self.epoch}!" if self.epoch else "") + ".".join(map(str, self.release))

    def __str__(self) -> str:
        if not self._str:
            text = self.base_version
            if self.pre is not None:
                text += f"{self.pre[0]}{self.pre[1]}"
            if self.post is not None:
                text += f".post{self.post}"
            if self.dev is not None:
                text += f".dev{self.dev}"
            if self.local is not None:
                text += f"+{self.local}"
            self._str = text
        return self._str

    def __repr__(self) -> str:
        return f"<Version('{self}')>"

    def __hash__(self) -> int:
        return hash(self._key)

    def _other(self, other: object) -> tuple[Any, ...] | None:
        if isinstance(other, Version):
            return other._key
        if type(other).__name__ == "Version" and hasattr(other, "release"):  # packaging's
            try:
                return Version(str(other))._key
            except InvalidVersion:
                return None
        return None

    def __eq__(self, other: object) -> bool:
        key = self._other(other)
        return NotImplemented if key is None else self._key == key

    def __lt__(self, other: object) -> bool:
        key = self._other(other)
        return NotImplemented if key is None else self._key < key

    def __le__(self, other: object) -> bool:
        key = self._other(other)
        return NotImplemented if key is None else self._key <= key

    def __gt__(self, other: object) -> bool:
        key = self._other(other)
        return NotImplemented if key is None else self._key > key

    def __ge__(self, other: object) -> bool:
        key = self._other(other)
        return NotImplemented if key is None else self._key >= key

    def __reduce__(self) -> tuple[Any, ...]:  # workers receive versions: rebuild from the string
        return (Version, (str(self),))


def _key(epoch: int, release: tuple[int, ...], pre: tuple[str, int] | None, post: int | None, dev: int | None,
         local: str | None) -> tuple[Any, ...]:
    """packaging's comparison key: trailing zeros of the release do not count (1.0 == 1); dev-only releases
    sort before pre-releases, which sort before the final release; post releases after it; a local segment
    sorts after its absence, its number parts as numbers after its word parts."""
    i = len(release)
    while i and release[i - 1] == 0:
        i -= 1
    trimmed = release[:i]
    if pre is None and post is None and dev is None:
        suffix = _STABLE
    else:
        if pre is None:
            pre_rank, pre_n = (-1, 0) if post is None else (3, 0)
        else:
            pre_rank, pre_n = _PRE_RANK[pre[0]], pre[1]
        suffix = (pre_rank, pre_n, 0 if post is None else 1, post or 0, 1 if dev is None else 0, dev or 0)
    if local is None:
        return epoch, trimmed, suffix
    return epoch, trimmed, suffix, tuple((int(p), "") if p.isdigit() else (-1, p) for p in local.split("."))
