"""LMI versions: the release map (reference lmi_ground_truth.md §1.1) and every way users spell a release."""

from __future__ import annotations

import re
from lmimigrate.core.record import record

from lmimigrate.core.pep440 import Version

from lmimigrate.core.versions import StackInfo, VersionError, VersionPair, register
from lmimigrate.core.patterns import lazy_pattern


@record(frozen=True)
class LmiRelease:
    major: int
    djl: str
    tag: str | None  # published djl-inference tag (reference lmi_ground_truth.md §1.1); None = none known
    vllm: str | None  # bundled vLLM, as a comparable release version

# Reference: lmi_ground_truth.md §1.1 (LMI container line). The bundled vLLM is given as the release it
# behaves like for rule purposes: dev/rc builds are mapped as noted.
LMI_RELEASES: dict[int, LmiRelease] = {
    # v5 = 0.23.0 and v7 = 0.25.0 are named in the 0.27.0 docs (reference lmi "LMI version <-> DJL-Serving
    # version"); v6 = 0.24.0 is the release between them. No rule targets them: they are starting points only.
    5: LmiRelease(5, "0.23.0", None, None),
    6: LmiRelease(6, "0.24.0", None, None),
    7: LmiRelease(7, "0.25.0", None, None),
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

# Every image flavour the reference lists (lmi_ground_truth.md §1.2-§1.3): the DJL version gives the LMI line,
# except `-lmiNN`, which names it (v18-v27 share DJL 0.36.0).
_LMI_TAG = lazy_pattern(
    r"^v?(\d+\.\d+\.\d+)-(?:lmi(\d+)\.\d+\.\d+|deepspeed[\d.]+|tensorrtllm[\d.]+|neuronx-sdk[\d.]+|"
    r"fastertransformer[\d.]+|cpu-full|lmi|tensorrt-llm|pytorch-inf2|pytorch-gpu|aarch64)(?:-.*)?$"
)

def lmi_major(text: str) -> int:
    """LMI major from `0.30.0`, `v12`, `12` or an image tag such as `0.30.0-lmi12.0.0-cu124`."""
    text = text.strip()
    m = re.fullmatch(r"v?(\d+)", text)
    if m:
        major = int(m.group(1))
        if major in LMI_RELEASES:
            return major
        raise VersionError(f"lmi: v{major} is not a known LMI release (known: v5 to v27)")
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
    raise VersionError(f"lmi: {text!r} is not a known LMI or DJL Serving version (0.23.0 to 0.36.0, v5 to v27)")


def lmi_bundled_vllm(version: Version) -> Version | None:
    rel = LMI_RELEASES.get(int(version.major))
    return Version(rel.vllm) if rel and rel.vllm else None


def display(version: Version) -> str:
    rel = LMI_RELEASES.get(int(version.major))
    return f"LMI v{version} ({rel.djl})" if rel else f"LMI v{version}"


def _implied_vllm(pair: VersionPair, explicit_from: dict[str, Version]) -> list[VersionPair]:
    """An LMI pair implies the vLLM pair of the releases it bundles (an explicit vLLM --from wins)."""
    bundled_to = lmi_bundled_vllm(pair.to)
    if bundled_to is None:
        return []
    bundled_from = lmi_bundled_vllm(pair.from_) if pair.from_ is not None else None
    if "vllm" in explicit_from:
        bundled_from = explicit_from["vllm"]
    return [VersionPair("vllm", bundled_from, bundled_to, "implied by " + (pair.from_source or "lmi"))]


STACK = register(StackInfo("lmi", Version("8"), Version("27"), parse=lambda text: Version(str(lmi_major(text))),
                           display=display, implies=_implied_vllm))
