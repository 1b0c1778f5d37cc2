"""Detect the versions a repository runs today (for a missing --from), from the bytes of its files.

Anchors: LMI image tags of every flavour (ECR `djl-inference:`, Docker Hub `deepjavalibrary/djl-serving:`), SageMaker
`image_uris.retrieve(framework="djl-...", version=...)` (also as escaped JSON in a raw notebook), `vllm==` /
`vllm~=` / Poetry `vllm = "..."` pins, `VLLM_VERSION=` build arguments, `vllm/vllm-openai:vX` images, other images
named `*vllm*` whose tag carries a version (`rocm/vllm:..._vllm_0.6.6`, `...:aibrix-kvcache-v0.8.5-...`), Helm
`image: {repository: ..., tag: ...}` split keys, Gaudi fork tags and Gaudi docker image paths, `vllm-gaudi` pins.

`detect` is a pure function of (path, bytes): results can be cached per file. A spelling that looks like an
anchor but names no release lmimigrate knows comes back with `version=None` and `refused` saying why.
"""

from __future__ import annotations

import re

from lmimigrate.core.pep440 import InvalidVersion, Version

from lmimigrate.core.detection import Detection, register_detector
from lmimigrate.core.versions import VersionError
from lmimigrate.stacks.lmi.versions import lmi_major
from lmimigrate.core.patterns import lazy_pattern


_ECR_TAG = lazy_pattern(rb"djl-inference:([A-Za-z0-9][A-Za-z0-9._-]*)")
_HUB_TAG = lazy_pattern(rb"deepjavalibrary/djl-serving:([A-Za-z0-9][A-Za-z0-9._-]*)")
_SM_CALL = lazy_pattern(rb"(?:image_uris\.)?retrieve\s*\(([^()]{0,600})\)")
# In a raw .ipynb the quotes of cell sources are escaped: framework=\"djl-deepspeed\".
_Q = rb"""\\?["']"""
_SM_FRAMEWORK = lazy_pattern(rb"framework\s*=\s*" + _Q + rb"(djl-(?:lmi|deepspeed|tensorrtllm|neuronx|fastertransformer))" + _Q)
_SM_VERSION = lazy_pattern(rb"version\s*=\s*" + _Q + rb"(\d+\.\d+\.\d+)" + _Q)
_HF_LLM_URI = lazy_pattern(rb"get_huggingface_llm_image_uri\s*\(\s*" + _Q + rb"lmi" + _Q + rb"\s*,\s*version\s*=\s*" + _Q + rb"(\d+\.\d+\.\d+)")
# `vllm==0.6.2`, `vllm~=0.6.2`, `vllm===0.6.2`; the look-behind is checked by hand (_WORDISH), which lets the
# regex engine jump to each `vllm`.
_VLLM_PIN_FAST = lazy_pattern(rb"vllm(?:\[[\w,]+\])?\s*(?:===?|~=)\s*v?(\d+\.\d+\.\d+(?:\.post\d+)?)")
# Poetry's `vllm = "^0.6.2"` at the start of a line (after blanks); the line start is checked by hand, which lets
# the regex engine jump to each `vllm` (a `(?m)^` pattern is tried at every position: 0.1 ms a source file).
_POETRY_PIN = lazy_pattern(rb"vllm[ \t]*=[ \t]*[\"'](?:==|\^|~)?v?(\d+\.\d+\.\d+(?:\.post\d+)?)[\"']")
_VLLM_VERSION_ARG = lazy_pattern(rb"\bVLLM_VERSION[ \t]*[=:][ \t]*[\"']?v?(\d+\.\d+\.\d+(?:\.post\d+)?)\b")
_WORDISH = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_VLLM_IMAGE = lazy_pattern(rb"vllm/vllm-openai:v?(\d+\.\d+\.\d+)")
# Another image whose repository names vllm: `rocm/vllm:rocm6.2_mi300_ubuntu20.04_py3.9_vllm_0.6.6`,
# `aibrix/vllm-openai:aibrix-kvcache-v0.8.5-20250301`. Gaudi/HPU images have their own numbering (fork tags).
# Starts with the literal `vllm` (the regex engine jumps to each occurrence); the repository part before it is
# found by hand (`_REF_CHARS`).
_OTHER_VLLM_IMAGE = lazy_pattern(rb"vllm[\w.-]*:([\w][\w.+-]{0,127})")
_REF_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")
_TAG_VERSION = (
    lazy_pattern(r"vllm[_-]?v?(\d+\.\d+\.\d+(?:\.post\d+)?)"),
    lazy_pattern(r"(?:^|[_-])v(\d+\.\d+\.\d+(?:\.post\d+)?)(?=$|[_+-])"),
    lazy_pattern(r"^(\d+\.\d+\.\d+(?:\.post\d+)?)(?=$|[_+-])"),
)
# Helm values: `image:` with `repository:` and `tag:` as sibling keys (either order, a few lines apart).
_HELM_REPO = lazy_pattern(rb"(?m)^([ \t]*)repository:[ \t]*[\"']?([^\s\"'#]+)")
_HELM_TAG = lazy_pattern(rb"(?m)^([ \t]*)tag:[ \t]*[\"']?([^\s\"'#]+)")
_FORK_TAG = lazy_pattern(rb"\+Gaudi-(\d+\.\d+\.\d+)")
_GAUDI_IMAGE = lazy_pattern(rb"gaudi-docker/(\d+\.\d+\.\d+)/")
_VLLM_GAUDI_PIN = lazy_pattern(rb"vllm[-_]gaudi\s*==\s*v?(\d+\.\d+\.\d+)")

QUICK = (b"djl", b"vllm", b"Gaudi", b"gaudi", b"VLLM_VERSION", b"huggingface_llm_image_uri")


def _line(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


#: Image flavours by registry (reference lmi_ground_truth.md §1.2-§1.3); the DJL version gives the LMI line.
_ECR_FLAVOURS = ("deepspeed", "tensorrtllm", "neuronx", "fastertransformer", "cpu-full")
_HUB_FLAVOURS = ("lmi", "deepspeed", "tensorrt-llm", "pytorch-inf2", "pytorch-gpu", "aarch64", "cpu-full")


def lmi_tag(tag: str, hub: bool) -> tuple[str | None, str]:
    """(what `lmi_major` accepts, or None, and why not) for an image tag of any LMI flavour (reference §1.1-§1.3)."""
    if "nightly" in tag:
        return None, "a nightly image has no release number"
    m = re.match(r"^v?(\d+\.\d+\.\d+)(?:-(.*))?$", tag)
    if not m:
        return None, "not a DJL Serving release tag"
    djl, flavour = m.group(1), m.group(2) or ""
    mm = re.match(r"lmi(\d+)\.\d+\.\d+", flavour)
    if mm:
        return f"{djl}-lmi{mm.group(1)}.0.0", ""
    known = _HUB_FLAVOURS if hub else _ECR_FLAVOURS
    if flavour and not any(flavour.startswith(k) for k in known):
        return None, f"`{flavour}` is not an LMI image flavour lmimigrate knows ({', '.join(known)})"
    return djl, ""


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

    def refuse(stack: str, pos: int, text: bytes, why: str) -> None:
        found.append(Detection(stack, None, path, _line(data, pos), text.decode("utf-8", "replace"), refused=why))

    def add_lmi(text: str | None, pos: int, raw: bytes, why: str = "") -> None:
        if text is None:
            refuse("lmi", pos, raw, why)
            return
        try:
            add("lmi", str(lmi_major(text)), pos, raw)
        except VersionError as e:
            if text.startswith("0.36.0"):
                add("lmi", "18", pos, raw, "0.36.0 is shared by v18-v27; assumed v18, the oldest")
            else:
                refuse("lmi", pos, raw, str(e).removeprefix("lmi: "))

    # Each pattern runs only when its literal part occurs (a plain substring search is much faster than
    # a regex scan; `retrieve\s*(` alone tries every position of the file).
    for literal, rx, hub in ((b"djl-inference:", _ECR_TAG, False), (b"deepjavalibrary/djl-serving:", _HUB_TAG, True)):
        if literal in data:
            for m in rx.finditer(data):
                spelling, why = lmi_tag(m.group(1).decode(), hub)
                add_lmi(spelling, m.start(), m.group(0), why)
    if b"retrieve" in data and b"djl-" in data:
        for m in _SM_CALL.finditer(data):
            fw, ver = _SM_FRAMEWORK.search(m.group(1)), _SM_VERSION.search(m.group(1))
            if fw and ver:
                add_lmi(ver.group(1).decode(), m.start(), m.group(0)[:80])
    if b"get_huggingface_llm_image_uri" in data:
        for m in _HF_LLM_URI.finditer(data):
            add_lmi(m.group(1).decode(), m.start(), m.group(0)[:80])
    if b"vllm" in data:
        _vllm(data, add)
    if b"VLLM_VERSION" in data:
        for m in _VLLM_VERSION_ARG.finditer(data):
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


def _vllm(data: bytes, add) -> None:
    if b"=" in data:
        for m in _VLLM_PIN_FAST.finditer(data):
            if m.start() == 0 or data[m.start() - 1] not in _WORDISH:
                add("vllm", m.group(1).decode(), m.start(), m.group(0))
        for m in _POETRY_PIN.finditer(data):
            line_start = data.rfind(b"\n", 0, m.start()) + 1
            if not data[line_start : m.start()].strip(b" \t"):
                add("vllm", m.group(1).decode(), line_start, m.group(0).strip())
    if b"vllm/vllm-openai:" in data:
        for m in _VLLM_IMAGE.finditer(data):
            add("vllm", m.group(1).decode(), m.start(), m.group(0))
    if b":" in data:
        for m in _OTHER_VLLM_IMAGE.finditer(data):
            start = m.start()
            while start > 0 and data[start - 1] in _REF_CHARS:
                start -= 1
            repo = data[start : m.start(1) - 1]
            if repo == b"vllm/vllm-openai" or re.search(rb"gaudi|hpu|habana|fork", repo, re.I):
                continue
            version = custom_tag_version(m.group(1).decode())
            if version:
                add("vllm", version, start, data[start : m.end()])
    if b"repository:" in data and b"tag:" in data:
        for repo_m in _HELM_REPO.finditer(data):
            repo = repo_m.group(2)
            if b"vllm" not in repo or re.search(rb"gaudi|hpu|habana|fork", repo, re.I):
                continue
            tag_m = _sibling_tag(data, repo_m)
            if tag_m is None:
                continue
            tag = tag_m.group(2).decode()
            version = custom_tag_version(tag)
            if version:
                add("vllm", version, tag_m.start(2), repo + b":" + tag_m.group(2))


def _sibling_tag(data: bytes, repo_m: re.Match) -> re.Match | None:
    """The `tag:` key at the same indentation as `repository:`, within the same mapping (a few lines around)."""
    indent = repo_m.group(1)
    lo = max(0, data.rfind(b"\n", 0, max(0, repo_m.start() - 400)))
    for tag_m in _HELM_TAG.finditer(data, lo, repo_m.end() + 400):
        if tag_m.group(1) != indent:
            continue
        between = data[min(tag_m.start(), repo_m.start()) : max(tag_m.start(), repo_m.start())]
        # No line of a shallower indentation between them: they are keys of the same mapping.
        if not any(line.strip() and not line.startswith(indent) for line in between.split(b"\n")[1:]):
            return tag_m
    return None


def custom_tag_version(tag: str) -> str | None:
    """The vLLM version a custom image tag carries, or None (`..._vllm_0.6.6`, `aibrix-kvcache-v0.8.5-...`, `0.8.5`)."""
    for rx in _TAG_VERSION:
        m = rx.search(tag)
        if m:
            return m.group(1)
    return None
