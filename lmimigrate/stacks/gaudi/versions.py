"""Gaudi versions: the vllm-fork is numbered by Intel Gaudi software release (a fork tag such as
``v0.7.2+Gaudi-1.21.2`` names it), the vllm-gaudi plugin by its own releases."""

from __future__ import annotations


from lmimigrate.core.pep440 import Version

from lmimigrate.core.versions import StackInfo, VersionError, register
from lmimigrate.core.patterns import lazy_pattern

_FORK_TAG = lazy_pattern(r"^v?[\d.]+(?:\.post\d+)?\+Gaudi-(\d+\.\d+\.\d+)$")


def _parse_fork(text: str) -> Version:
    m = _FORK_TAG.match(text)
    try:
        return Version((m.group(1) if m else text).lstrip("v"))
    except Exception:
        raise VersionError(f"vllm-fork: {text!r} is not a version") from None


FORK = register(StackInfo("vllm-fork", Version("1.18.0"), Version("1.23.0"), parse=_parse_fork))
# vllm-gaudi replaces the fork: only in play when named or detected.
PLUGIN = register(StackInfo("vllm-gaudi", Version("0.10.0"), Version("0.26.0"), opt_in=True))
