"""Detect the versions a repository runs today (for a missing --from), from the bytes of its files.

Sources: LMI image URIs and tags, SageMaker `image_uris.retrieve(framework="djl-...", version=...)`,
`vllm==` pins, `vllm/vllm-openai:vX` images, Gaudi fork tags and Gaudi docker image paths.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

from lmimigrate.core.detection import Detection, register_detector
from lmimigrate.core.versions import VersionError
from lmimigrate.stacks.lmi.versions import lmi_major


_LMI_TAG = re.compile(rb"djl-inference:(\d+\.\d+\.\d+-(?:lmi|deepspeed)[A-Za-z0-9.\-]*)")
_DJL_HUB = re.compile(rb"deepjavalibrary/djl-serving:(\d+\.\d+\.\d+)-(?:lmi|deepspeed)\b")
_SM_CALL = re.compile(rb"(?:image_uris\.)?retrieve\s*\(([^()]{0,600})\)")
_SM_FRAMEWORK = re.compile(rb"""framework\s*=\s*["'](djl-lmi|djl-deepspeed)["']""")
_SM_VERSION = re.compile(rb"""version\s*=\s*["'](\d+\.\d+\.\d+)["']""")
_VLLM_PIN = re.compile(rb"(?<![\w.-])vllm\s*==\s*v?(\d+\.\d+\.\d+(?:\.post\d+)?)")
# The same without the look-behind (checked by hand), which lets the regex engine jump to each `vllm`.
_VLLM_PIN_FAST = re.compile(rb"vllm\s*==\s*v?(\d+\.\d+\.\d+(?:\.post\d+)?)")
_WORDISH = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_VLLM_IMAGE = re.compile(rb"vllm/vllm-openai:v?(\d+\.\d+\.\d+)")
_FORK_TAG = re.compile(rb"\+Gaudi-(\d+\.\d+\.\d+)")
_GAUDI_IMAGE = re.compile(rb"gaudi-docker/(\d+\.\d+\.\d+)/")
_VLLM_GAUDI_PIN = re.compile(rb"vllm[-_]gaudi\s*==\s*v?(\d+\.\d+\.\d+)")

QUICK = (b"djl", b"vllm", b"Gaudi", b"gaudi")


def _line(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


@register_detector
def detect(path: str, data: bytes) -> list[Detection]:
    if not any(q in data for q in QUICK):
        return []
    found: list[Detection] = []

    def add(stack: str, version: str, pos: int, text: bytes, note: str = "") -> None:
        try:
            v = Version(version)
        except InvalidVersion:
            return
        found.append(Detection(stack, v, path, _line(data, pos), text.decode("utf-8", "replace"), note))

    def add_lmi(text: str, pos: int, raw: bytes) -> None:
        try:
            add("lmi", str(lmi_major(text)), pos, raw)
        except VersionError:
            if text.startswith("0.36.0"):
                add("lmi", "18", pos, raw, "0.36.0 is shared by v18-v27; assumed v18, the oldest")

    # Each pattern runs only when its literal part occurs (a plain substring search is much faster than
    # a regex scan; `retrieve\s*(` alone tries every position of the file).
    if b"djl-inference:" in data:
        for m in _LMI_TAG.finditer(data):
            add_lmi(m.group(1).decode(), m.start(), m.group(0))
    if b"deepjavalibrary/djl-serving:" in data:
        for m in _DJL_HUB.finditer(data):
            add_lmi(m.group(1).decode(), m.start(), m.group(0))
    if b"retrieve" in data and b"djl-" in data:
        for m in _SM_CALL.finditer(data):
            fw, ver = _SM_FRAMEWORK.search(m.group(1)), _SM_VERSION.search(m.group(1))
            if fw and ver:
                add_lmi(ver.group(1).decode(), m.start(), m.group(0)[:80])
    if b"vllm" in data:
        if b"==" in data:
            for m in _VLLM_PIN_FAST.finditer(data):
                if m.start() == 0 or data[m.start() - 1] not in _WORDISH:
                    add("vllm", m.group(1).decode(), m.start(), m.group(0))
        if b"vllm/vllm-openai:" in data:
            for m in _VLLM_IMAGE.finditer(data):
                add("vllm", m.group(1).decode(), m.start(), m.group(0))
    if b"+Gaudi-" in data:
        for m in _FORK_TAG.finditer(data):
            add("vllm-fork", m.group(1).decode(), m.start(), m.group(0))
    if b"gaudi-docker/" in data:
        for m in _GAUDI_IMAGE.finditer(data):
            add("vllm-fork", m.group(1).decode(), m.start(), m.group(0))
    if b"==" in data and (b"vllm-gaudi" in data or b"vllm_gaudi" in data):
        for m in _VLLM_GAUDI_PIN.finditer(data):
            add("vllm-gaudi", m.group(1).decode(), m.start(), m.group(0))
    return found
