"""Stacks, their version spellings, and the LMI release map.

Every version is normalized to a `packaging.version.Version` in the stack's own numbering:

- ``lmi``: the LMI major, e.g. ``Version("12")`` for ``0.30.0`` / ``v12`` / ``0.30.0-lmi12.0.0-cu124``;
- ``vllm``: the vLLM release, e.g. ``Version("0.11.0")``;
- ``vllm-fork``: the Intel Gaudi software release, e.g. ``Version("1.21.2")``;
- ``vllm-gaudi``: the vllm-gaudi plugin release, e.g. ``Version("0.20.0")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

STACKS = ("lmi", "vllm", "vllm-fork", "vllm-gaudi")


class VersionError(ValueError):
    """A version string that cannot be understood for its stack."""


@dataclass(frozen=True)
class LmiRelease:
    major: int
    djl: str
    tag: str | None  # published djl-inference tag (reference lmi_ground_truth.md §1.1); None = none known
    vllm: str | None  # bundled vLLM, as a comparable release version


# Reference: lmi_ground_truth.md §1.1 (LMI container line). The bundled vLLM is given as the release it
# behaves like for rule purposes: dev/rc builds are mapped as noted.
LMI_RELEASES: dict[int, LmiRelease] = {
    8: LmiRelease(8, "0.26.0", "0.26.0-deepspeed0.12.6-cu121", "0.2.7"),
    9: LmiRelease(9, "0.27.0", "0.27.0-deepspeed0.12.6-cu121", "0.3.3"),
    10: LmiRelease(10, "0.28.0", "0.28.0-lmi10.0.0-cu124", "0.4.2"),
    11: LmiRelease(11, "0.29.0", "0.29.0-lmi11.0.0-cu124", "0.5.3.post1"),
    12: LmiRelease(12, "0.30.0", "0.30.0-lmi12.0.0-cu124", "0.6.2"),
    13: LmiRelease(13, "0.31.0", "0.31.0-lmi13.0.0-cu124", "0.6.3.post1"),
    # v14 ships two venvs; rolling_batch=vllm runs vLLM 0.7.3 (lmi-dist keeps 0.6.3.post1).
    14: LmiRelease(14, "0.32.0", "0.32.0-lmi14.0.0-cu126", "0.7.3"),
    15: LmiRelease(15, "0.33.0", "0.33.0-lmi15.0.0-cu128", "0.8.4"),
    16: LmiRelease(16, "0.34.0", "0.34.0-lmi16.0.0-cu128", "0.10.2"),
    17: LmiRelease(17, "0.35.0", "0.35.0-lmi17.0.0-cu128", "0.11.1"),
    18: LmiRelease(18, "0.36.0", "0.36.0-lmi18.0.0-cu128", "0.12.0"),
    19: LmiRelease(19, "0.36.0", "0.36.0-lmi19.0.0-cu128", "0.14.0"),
    20: LmiRelease(20, "0.36.0", "0.36.0-lmi20.0.0-cu128-v1.0", "0.15.1"),
    21: LmiRelease(21, "0.36.0", "0.36.0-lmi21.0.0-cu129", "0.16.1"),
    # v22 bundles 0.17.0rc1.dev168 from the commit "Upgrade vllm to v0.17.0": treated as 0.17.0.
    22: LmiRelease(22, "0.36.0", "0.36.0-lmi22.0.0-cu129", "0.17.0"),
    23: LmiRelease(23, "0.36.0", "0.36.0-lmi23.0.0-cu129", "0.18.0"),
    24: LmiRelease(24, "0.36.0", "0.36.0-lmi24.0.0-cu129", "0.19.1"),
    25: LmiRelease(25, "0.36.0", None, "0.20.1"),
    26: LmiRelease(26, "0.36.0", "0.36.0-lmi26.0.0-cu130", "0.22.1"),
    27: LmiRelease(27, "0.36.0", "0.36.0-lmi27.0.0-cu130", "0.23.1"),
}
_LMI_BY_DJL = {r.djl: r.major for r in LMI_RELEASES.values() if r.djl != "0.36.0"}

NEWEST: dict[str, Version] = {
    "lmi": Version("27"),
    "vllm": Version("0.33.0"),
    "vllm-fork": Version("1.23.0"),
    "vllm-gaudi": Version("0.26.0"),
}
OLDEST: dict[str, Version] = {
    "lmi": Version("8"),
    "vllm": Version("0.5.5"),
    "vllm-fork": Version("1.18.0"),
    "vllm-gaudi": Version("0.10.0"),
}

_LMI_TAG = re.compile(r"^v?(\d+\.\d+\.\d+)-(?:lmi(\d+)\.\d+\.\d+|deepspeed[\d.]+)(?:-.*)?$")
_FORK_TAG = re.compile(r"^v?[\d.]+(?:\.post\d+)?\+Gaudi-(\d+\.\d+\.\d+)$")


def parse_version(stack: str, text: str) -> Version:
    """Parse a version as the user writes it for `stack`; raise VersionError with a helpful message."""
    text = text.strip()
    if stack not in STACKS:
        raise VersionError(f"unknown stack {stack!r}; known stacks: {', '.join(STACKS)}")
    if stack == "lmi":
        return Version(str(lmi_major(text)))
    if stack == "vllm-fork":
        m = _FORK_TAG.match(text)
        if m:
            text = m.group(1)
    try:
        return Version(text.lstrip("v"))
    except InvalidVersion:
        raise VersionError(f"{stack}: {text!r} is not a version") from None


def lmi_major(text: str) -> int:
    """LMI major from `0.30.0`, `v12`, `12` or an image tag such as `0.30.0-lmi12.0.0-cu124`."""
    text = text.strip()
    m = re.fullmatch(r"v?(\d+)", text)
    if m:
        major = int(m.group(1))
        if major in LMI_RELEASES:
            return major
        raise VersionError(f"lmi: v{major} is not a known LMI release (known: v8 to v27)")
    m = _LMI_TAG.match(text)
    if m:
        if m.group(2):
            return int(m.group(2))
        djl = m.group(1)
    else:
        djl = text.lstrip("v")
    if djl == "0.36.0":
        raise VersionError(
            "lmi: 0.36.0 is shared by LMI v18 to v27; give the LMI major (v18 ... v27) "
            "or a full image tag such as 0.36.0-lmi20.0.0-cu128"
        )
    if djl in _LMI_BY_DJL:
        return _LMI_BY_DJL[djl]
    raise VersionError(f"lmi: {text!r} is not a known LMI or DJL Serving version (0.26.0 to 0.36.0, v8 to v27)")


def parse_spec(spec: str) -> tuple[str, Version]:
    """`lmi==0.30.0` -> ("lmi", Version("12"))."""
    stack, sep, ver = spec.partition("==")
    if not sep:
        raise VersionError(f"expected STACK==VERSION, got {spec!r} (stacks: {', '.join(STACKS)})")
    stack = stack.strip().lower()
    return stack, parse_version(stack, ver)


def display(stack: str, version: Version) -> str:
    if stack == "lmi":
        rel = LMI_RELEASES.get(int(version.major))
        return f"LMI v{version} ({rel.djl})" if rel else f"LMI v{version}"
    return f"{stack} {version}"


def lmi_bundled_vllm(version: Version) -> Version | None:
    rel = LMI_RELEASES.get(int(version.major))
    return Version(rel.vllm) if rel and rel.vllm else None


@dataclass(frozen=True)
class VersionPair:
    """The migration for one stack. `from_` is None when it is unknown (not given, not detected)."""

    stack: str
    from_: Version | None
    to: Version
    from_source: str | None = None  # where --from came from: "command line", "config", or "path:line"

    def crosses(self, changed_in: Version | str) -> bool:
        """from < changed <= to. With an unknown `from_`, true when the target is past the change."""
        changed = Version(str(changed_in))
        if changed > self.to:
            return False
        return self.from_ is None or self.from_ < changed

    def crosses_known(self, changed_in: Version | str) -> bool:
        """Like crosses(), but only when `from_` is known: for default changes."""
        return self.from_ is not None and self.crosses(changed_in)

    def target_at_least(self, version: Version | str) -> bool:
        return self.to >= Version(str(version))
