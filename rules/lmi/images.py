"""LMI container image references (ECR `djl-inference` and Docker Hub `deepjavalibrary/djl-serving`), in any
file: bumped to the target release's published tag of the same flavour (reference lmi_ground_truth.md §1.1-§1.3).
"""

from __future__ import annotations

import re

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule
from lmimigrate.core.versions import VersionError
from lmimigrate.stacks.lmi.versions import LMI_RELEASES, lmi_major

from .common import ev
from lmimigrate.core.patterns import lazy_pattern

#: TensorRT-LLM companion tags by DJL version (§1.2). 0.31.0 has none; 0.35.0/0.36.0 none published.
TRT_TAGS = {
    "0.25.0": "0.25.0-tensorrtllm0.5.0-cu122",
    "0.26.0": "0.26.0-tensorrtllm0.7.1-cu122",
    "0.27.0": "0.27.0-tensorrtllm0.8.0-cu122",
    "0.28.0": "0.28.0-tensorrtllm0.9.0-cu122",
    "0.29.0": "0.29.0-tensorrtllm0.11.0-cu124",
    "0.30.0": "0.30.0-tensorrtllm0.12.0-cu125",
    "0.32.0": "0.32.0-tensorrtllm0.12.0-cu125",
    "0.33.0": "0.33.0-tensorrtllm0.21.0-cu128",
}
#: Docker Hub flavours (serving/docker/docker-compose.yml): deepspeed <= 0.27, lmi >= 0.28, pytorch-inf2 <= 0.34.
HUB_FLAVOURS = ("lmi", "deepspeed", "tensorrt-llm", "pytorch-inf2")

# The account and region may be placeholders (CloudFormation `!Sub "${AWS::AccountId}..${AWS::Region}.."`, a
# Python f-string's `{region}`): the tag is still literal.
_PLACEHOLDER = r"\$\{[^}\s]+\}|\{[A-Za-z_][\w.]*\}"
_ECR = lazy_pattern(rf"(?:\b\d{{12}}|{_PLACEHOLDER})\.dkr\.ecr\.(?:[a-z0-9-]+|{_PLACEHOLDER})\.amazonaws\.com(?:\.cn)?"
                  r"/djl-inference:([A-Za-z0-9][A-Za-z0-9._-]*)")
_HUB = lazy_pattern(r"(?<![\w./-])(?:docker\.io/)?deepjavalibrary/djl-serving:([A-Za-z0-9][A-Za-z0-9._-]*)")
_DJL = lazy_pattern(r"^(\d+\.\d+\.\d+)-(.+)$")


def _major_of_djl(djl: str) -> int | None:
    try:
        return lmi_major(djl)
    except VersionError:
        return None


def classify(tag: str, hub: bool) -> tuple[str, int | None, str] | None:
    """(flavour, LMI major or None when ambiguous, djl) of a tag; None for tags this rule does not handle."""
    m = _DJL.match(tag)
    if not m:
        return None
    djl, rest = m.groups()
    if hub:
        if rest not in HUB_FLAVOURS:
            return None
        return rest if rest != "tensorrt-llm" else "trtllm", _major_of_djl(djl), djl
    if rest.startswith("lmi"):
        mm = re.match(r"lmi(\d+)\.", rest)
        return ("lmi", int(mm.group(1)), djl) if mm else None
    if rest.startswith("deepspeed"):
        return "deepspeed", _major_of_djl(djl), djl
    if rest.startswith("tensorrtllm"):
        return "trtllm", _major_of_djl(djl), djl
    if rest.startswith("neuronx"):
        return "neuronx", _major_of_djl(djl), djl
    return None


def target_tag(flavour: str, hub: bool, to: int) -> str | None:
    rel = LMI_RELEASES.get(to)
    if rel is None:
        return None
    if hub:
        if to >= 18:
            return None  # the Docker Hub tag does not encode v18-v27 (all 0.36.0)
        if flavour in ("lmi", "deepspeed"):
            return f"{rel.djl}-lmi" if to >= 10 else f"{rel.djl}-deepspeed"
        if flavour == "trtllm":
            return f"{rel.djl}-tensorrt-llm" if rel.djl in TRT_TAGS else None
        return None
    if flavour in ("lmi", "deepspeed"):
        return rel.tag
    if flavour == "trtllm":
        return TRT_TAGS.get(rel.djl)
    return None


def _families(ctx):
    """The model family of each LMI scope of the file, or of the file's text when it has none (a Dockerfile)."""
    from .common import lmi_scopes
    from .family import family, family_in_text

    return [family(scope, ctx) for scope in lmi_scopes(ctx)] or [family_in_text(ctx)]


def _guard(families, major: int, to: int) -> tuple[str | None, str]:
    """(a model the target cannot serve on the vLLM path: the image is reported, never bumped; a reason the bump
    is unsafe: it crosses v15 (T5 leaves) or v17 (MLlama leaves) and the model cannot be identified)."""
    for f in families:
        if (to >= 15 and f.kind == "t5") or (to >= 17 and f.kind == "mllama"):
            return f.model, ""
    crossed = [v for v in (15, 17) if major < v <= to]
    doubt = next((f for f in families if f.kind == "unknown"), None)
    if crossed and doubt is not None:
        lost = "T5-family models" if crossed[0] == 15 else "MLlama (Llama 3.2 Vision)"
        return None, f"; unsafe: {doubt.why}, and LMI v{crossed[0]} cannot serve {lost} (LMI009 / LMI037)"
    return None, ""


class ImageTag(Rule):
    code = "LMI080"
    name = "lmi-image-tag"
    stack = "lmi"
    changed_in = "9"
    trigger = "target"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "An LMI container image older than the target release; bump it to the target's published tag"
    looks_at = ("text:djl-inference:*", "text:deepjavalibrary/djl-serving:*")
    tokens = (b"djl-inference:", b"deepjavalibrary/djl-serving:")
    what = (
        "Finds `<account>.dkr.ecr.<region>.amazonaws.com/djl-inference:<tag>` and `deepjavalibrary/djl-serving:<tag>` "
        "references in any file (YAML, JSON, env, Dockerfile, shell, Python, notebooks, properties) whose LMI release "
        "is older than the target, and rewrites the tag to the target's published tag of the same flavour: "
        "`lmi` (`0.3x.0-lmiNN.0.0-cuXXX`; `deepspeed` images become `lmi` from v10), TensorRT-LLM "
        "(`0.3x.0-tensorrtllmX-cuXXX`). Where the target has no published tag (v25; TensorRT-LLM 0.31.0, 0.34.0+; "
        "Docker Hub tags for v18+), it reports the image instead, as it does in a file serving a T5-family model "
        "(v15+) or MLlama (v17+), which the target cannot serve (LMI009, LMI037). Neuron images: LMI028/LMI081."
    )
    why = (
        "The image is what `--to` changes; leaving the old tag deploys the old release with a configuration "
        "migrated for the new one. Tags come from the SageMaker SDK `image_uri_config` and the release notes "
        "(§1.1, §1.2). From v18 every release is DJL 0.36.0: only the `-lmiNN` part tells them apart."
    )
    fix_safety = (
        "Safe for the same flavour: the new tag is exactly the release `--to` names (the other LMI rules migrate the "
        "configuration). Unsafe for `deepspeed` → `lmi` (DeepSpeed itself is gone; the backend changes), and for a "
        "bump across v15 (T5 leaves with lmi-dist) or v17 (MLlama leaves with vLLM V0) when the file does not "
        "identify the model: the finding says why. A file naming a T5-family (v15+) or MLlama (v17+) model anywhere "
        "in its text gets no bump."
    )
    evidence = (
        ev("sagemaker-python-sdk v2.257.6 / master", "src/sagemaker/image_uri_config/djl-lmi.json",
           "`0.28.0-lmi10.0.0-cu124` ... `0.36.0-lmi27.0.0-cu130`", "§1.1; §1.3"),
        ev("djl-serving 0.33.0", "serving/docker/tensorrt-llm.Dockerfile", "`0.33.0-tensorrtllm0.21.0-cu128` (and earlier companion tags)", "§1.2"),
    )
    invalid = (
        Example("k8s.yaml", "containers:\n- name: lmi\n  image: 763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.29.0-lmi11.0.0-cu124\n",
                fixed="containers:\n- name: lmi\n  image: 763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.30.0-lmi12.0.0-cu124\n",
                from_="lmi==v11", to="lmi==v12"),
        Example("Dockerfile", "FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.27.0-deepspeed0.12.6-cu121\n",
                fixed="FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.28.0-lmi10.0.0-cu124\n",
                unsafe=True, from_="lmi==v9", to="lmi==v10"),
        Example("compose.yaml", "services:\n  trt:\n    image: deepjavalibrary/djl-serving:0.29.0-tensorrt-llm\n",
                fixed="services:\n  trt:\n    image: deepjavalibrary/djl-serving:0.30.0-tensorrt-llm\n", from_="lmi==v11", to="lmi==v12"),
        Example("deploy.py", "IMAGE = \"763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.34.0-lmi16.0.0-cu128-v1.2\"\n",
                to="lmi==v25"),
        Example("template.yaml", "PrimaryContainer:\n  Image: !Sub \"763104351884.dkr.ecr.${AWS::Region}.amazonaws.com/djl-inference:0.29.0-lmi11.0.0-cu124\"\n",
                fixed="PrimaryContainer:\n  Image: !Sub \"763104351884.dkr.ecr.${AWS::Region}.amazonaws.com/djl-inference:0.30.0-lmi12.0.0-cu124\"\n",
                from_="lmi==v11", to="lmi==v12"),
    )
    valid = (
        Example("k8s.yaml", "containers:\n- name: lmi\n  image: 763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.35.0-lmi17.0.0-cu128\n",
                to="lmi==v17"),
        Example("compose.yaml", "services:\n  x:\n    image: deepjavalibrary/djl-serving:lmi-nightly\n", to="lmi==v17"),
    )

    def check(self, ctx):
        pair = ctx.pair("lmi")
        if pair is None:
            return
        to = int(pair.to.major)
        families = _families(ctx)
        for unit, which, m in ctx.find(_ECR, _HUB):
            tag, hub = m.group(1), which == 1
            info = classify(tag, hub)
            if info is None:
                continue
            flavour, major, djl = info
            if flavour == "neuronx" or flavour == "pytorch-inf2":
                continue  # LMI081
            if major is None or major >= to:
                continue
            start, end = m.span(1)
            new = target_tag(flavour, hub, to)
            if new is None:
                yield ctx.report((unit, start, end), f"`{tag}` is older than LMI v{to}, which has no published "
                                 f"{'Docker Hub' if hub else 'ECR'} {flavour} tag; pick the image by hand")
                continue
            blocked, doubt = _guard(families, major, to) if flavour != "trtllm" else (None, "")
            if blocked:
                yield ctx.report((unit, start, end), f"`{tag}` is LMI v{major}; not bumped to `{new}`: `{blocked}` "
                                 f"cannot be served by LMI v{to} (see LMI009 / LMI037)")
                continue
            unsafe = (flavour == "deepspeed" and to >= 10) or bool(doubt)
            yield ctx.report((unit, start, end), f"`{tag}` is LMI v{major}; the LMI v{to} image is `{new}`{doubt}",
                             edits=ctx.replace(unit, start, end, new),
                             applicability=Applicability.UNSAFE if unsafe else Applicability.SAFE,
                             fix_message=f"use `{new}`")


class NeuronImage(Rule):
    code = "LMI081"
    name = "neuron-image-removed"
    stack = "lmi"
    changed_in = "17"
    severity = Severity.ERROR
    summary = "The Neuron LMI images (`djl-inference:*-neuronx-*`, `djl-serving:*-pytorch-inf2`) end before LMI v17"
    looks_at = ("text:djl-inference:*-neuronx-*",)
    tokens = (b"neuronx", b"pytorch-inf2")
    what = "Reports Neuron (`neuronx`) ECR tags and `pytorch-inf2` Docker Hub tags when the target is LMI v17 or later."
    why = (
        "`pytorch-inf2.Dockerfile` is gone from 0.35.0 and the Neuron code was removed (commit 1132e3ab); the last "
        "published `djl-neuronx` SDK tag is 0.29.0 (0.30.0 in the docs). Use AWS's Neuron containers."
    )
    fix_safety = "No fix: there is no LMI Neuron image for the target."
    evidence = (ev("djl-serving 0.35.0 (LMI v17)", "serving/docker/pytorch-inf2.Dockerfile", "deleted in 0.35.0; commit 1132e3ab", "§1.2; R15"),)
    invalid = (Example("k8s.yaml", "image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.29.0-neuronx-sdk2.19.1\n",
                       from_="lmi==v11", to="lmi==v17"),)
    valid = (Example("k8s.yaml", "image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.29.0-neuronx-sdk2.19.1\n",
                     from_="lmi==v11", to="lmi==v16"),)

    def check(self, ctx):
        for unit, which, m in ctx.find(_ECR, _HUB):
            info = classify(m.group(1), which == 1)
            if info and info[0] in ("neuronx", "pytorch-inf2"):
                yield ctx.report((unit, *m.span(1)), f"`{m.group(1)}` is a Neuron image; LMI v17+ has none "
                                 "(Neuron support was removed): use AWS's Neuron containers")
