"""SageMaker Python SDK code that picks or configures LMI containers (reference lmi_ground_truth.md §1.4, R2,
R15, R19, R22). Reads "python-call" scopes (ns "call", facts["qualname"]) of Python files and notebooks.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule
from lmimigrate.stacks.lmi.versions import LMI_RELEASES

from .common import ev

SDK_V2 = "src/sagemaker/image_uri_config/djl-lmi.json (sagemaker-python-sdk v2.257.6)"
OLD_MODEL = "src/sagemaker/djl_inference/model.py (sagemaker-python-sdk before 2.224.2, commit 327b5d99b^)"
NEW_MODEL = "src/sagemaker/djl_inference/model.py (sagemaker-python-sdk v2.224.2+)"
DJL_MODELS = ("sagemaker.djl_inference.DJLModel", "sagemaker.djl_inference.model.DJLModel", "sagemaker.DJLModel")
REMOVED_CLASSES = ("DeepSpeedModel", "HuggingFaceAccelerateModel", "FasterTransformerModel")


def calls(ctx, *suffixes: str):
    """python-call scopes whose qualname is a `sagemaker.*` name ending with one of `suffixes`."""
    for scope in ctx.scopes("python-call"):
        q = scope.facts.get("qualname") or ""
        if q.startswith("sagemaker.") and any(q == s or q.endswith("." + s) for s in suffixes):
            yield scope


def kw(scope, name: str):
    return scope.get("call", name)


def arg(scope, i: int, name: str):
    """The setting for keyword `name`, or the i-th positional argument as (value, span)."""
    s = kw(scope, name)
    if s is not None:
        return s.value if s.literal else None, s
    args = scope.facts.get("args") or []
    if i < len(args):
        return args[i][0], None
    return None, None


class SdkDjlDeepspeed(Rule):
    code = "LMI070"
    name = "sdk-djl-deepspeed-framework"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "`image_uris.retrieve(framework=\"djl-deepspeed\")` has no image from 0.28.0 (LMI v10); the framework is `djl-lmi`"
    looks_at = ("python:sagemaker.image_uris.retrieve",)
    tokens = (b"djl-deepspeed",)
    surfaces = ("python", "notebook")
    what = (
        "Reports `sagemaker.image_uris.retrieve(framework=\"djl-deepspeed\", ...)` when the target is LMI v10 or "
        "later, and offers `framework=\"djl-lmi\"` with the target's DJL version."
    )
    why = (
        "The DeepSpeed container line ended with 0.27.0; from 0.28.0 the same container is `djl-lmi` "
        "(`0.28.0-lmi10.0.0-cu124` ...). `djl-deepspeed` has no mapping for newer versions. Seed guides (the LMI "
        "starting guide) still show `framework=\"djl-deepspeed\", version=\"0.27.0\"`. From v18 every LMI "
        "release is `0.36.0` in the SDK (a moving target, see LMI074)."
    )
    fix_safety = "Unsafe: it changes the container (and with it every bundled library); pin the resulting `image_uri` for reproducibility."
    evidence = (
        ev("djl-serving branch 0.29.0-dlc (LMI v11)", "serving/docs/lmi/announcements/deepspeed-deprecation.md",
           "l.21: `inference_image_uri = image_uris.retrieve(framework=\"djl-lmi\", version=\"0.28.0\", "
           "region=region)` (the 0.28.0-dlc copy of the page does not name the framework yet)", "§2 v9→v10; §1.4; R2"),
        ev("sagemaker-python-sdk v2.257.6", SDK_V2, "`djl-lmi` versions 0.28.0 ... 0.36.0 (`0.28.0-lmi10.0.0-cu124` ...)", "§1.4; R2"),
    )
    invalid = (
        Example(
            "deploy.py",
            "from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework=\"djl-deepspeed\", version=\"0.27.0\", region=\"us-east-1\")\n",
            fixed="from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework=\"djl-lmi\", version=\"0.31.0\", region=\"us-east-1\")\n",
            unsafe=True, from_="lmi==v9", to="lmi==v13",
        ),
    )
    valid = (
        Example("deploy.py", "from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework=\"djl-deepspeed\", version=\"0.27.0\", region=\"us-east-1\")\n",
                from_="lmi==v8", to="lmi==v9"),
        Example("deploy.py", "def retrieve(**kw):\n    return kw\n\n\nuri = retrieve(framework=\"djl-deepspeed\", version=\"0.27.0\")\n",
                from_="lmi==v9", to="lmi==v10"),
    )

    def check(self, ctx):
        pair = ctx.pair("lmi")
        djl = LMI_RELEASES[int(pair.to.major)].djl if pair else None
        for scope in calls(ctx, "image_uris.retrieve"):
            fw, fs = arg(scope, 0, "framework")
            if fw != "djl-deepspeed":
                continue
            edits = None
            if fs is not None and fs.value_span is not None:
                # The scope writes each string in the quotes of the value it replaces.
                edits = ctx.edits(fs.set_value, "djl-lmi")
                vs = kw(scope, "version")
                if edits is not None and vs is not None and vs.literal and vs.value_span is not None and djl:
                    more = ctx.edits(vs.set_value, djl)
                    edits = None if more is None else edits + more
            yield ctx.report(fs or scope, "`framework=\"djl-deepspeed\"` has no image from 0.28.0 (LMI v10); use "
                             "`framework=\"djl-lmi\"`" + (f" with `version=\"{djl}\"`" if djl else ""),
                             edits=edits, fix_message="use `djl-lmi`" + (f" {djl}" if djl else ""))


class SdkHfLlmLmi(Rule):
    code = "LMI071"
    name = "sdk-huggingface-llm-image-lmi"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.WARNING
    summary = "`get_huggingface_llm_image_uri(\"lmi\", ...)` still maps to the old `djl-deepspeed` images"
    looks_at = ("python:sagemaker.huggingface.get_huggingface_llm_image_uri",)
    tokens = (b"get_huggingface_llm_image_uri",)
    surfaces = ("python", "notebook")
    what = "Reports `get_huggingface_llm_image_uri(\"lmi\", ...)` (backend `lmi`) when the target is LMI v10 or later."
    why = (
        "In the SDK, backend `lmi` maps to `framework=\"djl-deepspeed\"` with a default version of 0.24.0, so it "
        "can only return DeepSpeed-era images. Use `image_uris.retrieve(framework=\"djl-lmi\", version=...)`."
    )
    fix_safety = "No fix: the call must be replaced, not edited."
    evidence = (ev("sagemaker-python-sdk v2.257.6", "src/sagemaker/huggingface/llm_utils.py",
                   "backend \"lmi\" → `image_uris.retrieve(\"djl-deepspeed\", ..., version=version or \"0.24.0\")`", "§1.4; R2"),)
    invalid = (
        Example("deploy.py", "from sagemaker.huggingface import get_huggingface_llm_image_uri\n\n"
                "uri = get_huggingface_llm_image_uri(\"lmi\", version=\"0.27.0\")\n", from_="lmi==v9", to="lmi==v10"),
    )
    valid = (Example("deploy.py", "from sagemaker.huggingface import get_huggingface_llm_image_uri\n\n"
                     "uri = get_huggingface_llm_image_uri(\"huggingface\", version=\"2.0.2\")\n", from_="lmi==v9", to="lmi==v10"),)

    def check(self, ctx):
        for scope in calls(ctx, "get_huggingface_llm_image_uri"):
            backend, _ = arg(scope, 0, "backend")
            if backend == "lmi":
                yield ctx.report(scope, "`get_huggingface_llm_image_uri(\"lmi\")` returns `djl-deepspeed` images only; use "
                                 "`image_uris.retrieve(framework=\"djl-lmi\", version=...)`")


class SdkRemovedClasses(Rule):
    code = "LMI072"
    name = "sdk-removed-djl-model-classes"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.ERROR
    summary = "`DeepSpeedModel`, `HuggingFaceAccelerateModel` and `FasterTransformerModel` were removed from the SageMaker SDK"
    looks_at = tuple(f"python:sagemaker.djl_inference.{c}" for c in REMOVED_CLASSES)
    tokens = tuple(c.encode() for c in REMOVED_CLASSES)
    surfaces = ("python", "notebook")
    what = "Reports calls of the SDK classes " + ", ".join(f"`{c}`" for c in REMOVED_CLASSES) + " for targets from LMI v10."
    why = (
        "They wrote a DeepSpeed/FasterTransformer `serving.properties` for `djl-deepspeed` / `djl-fastertransformer` "
        "images (default 0.24.0). SDK 2.224.2 removed them: `DJLModel(model_id, ...)` now only sets env vars "
        "(`HF_MODEL_ID`, `TENSOR_PARALLEL_DEGREE`, `OPTION_*`) for `djl-lmi` images."
    )
    fix_safety = "No fix: port the arguments to `DJLModel` (SDK v2 >= 2.224.2) or to `Model(image_uri=..., env={...})`."
    evidence = (ev("sagemaker-python-sdk 2.224.2", NEW_MODEL, "commit 327b5d99b: `DeepSpeedModel`, `HuggingFaceAccelerateModel`, "
                   "`FasterTransformerModel` removed; `DJLModel` sets env vars only", "§1.4"),)
    invalid = (
        Example("deploy.py", "from sagemaker.djl_inference import DeepSpeedModel\n\n"
                "model = DeepSpeedModel(\"s3://bucket/flan-ul2/\", \"role\", number_of_partitions=4)\n", from_="lmi==v9", to="lmi==v10"),
    )
    valid = (Example("deploy.py", "class DeepSpeedModel:\n    pass\n\n\nmodel = DeepSpeedModel()\n", from_="lmi==v9", to="lmi==v10"),)

    def check(self, ctx):
        for scope in calls(ctx, *REMOVED_CLASSES):
            name = scope.facts["qualname"].rsplit(".", 1)[-1]
            yield ctx.report(scope, f"`{name}` was removed from the SageMaker SDK (2.224.2) with the DeepSpeed/FasterTransformer "
                             "containers; use `DJLModel(model_id, ...)` or `Model(image_uri=..., env={...})`")


class SdkPredictionTimeout(Rule):
    code = "LMI073"
    name = "sdk-prediction-timeout"
    stack = "lmi"
    trigger = "always"
    severity = Severity.WARNING
    summary = "`DJLModel(prediction_timeout=...)` was a no-op before SDK 2.224.2 and takes effect after it"
    looks_at = ("python:sagemaker.djl_inference.DJLModel",)
    tokens = (b"prediction_timeout",)
    surfaces = ("python", "notebook")
    what = "Reports the `prediction_timeout` keyword of `sagemaker.djl_inference.DJLModel`."
    why = (
        "Before SDK 2.224.2 it was written as `option.prediction_timeout`, a key DJL never reads (DJL reads "
        "`predict_timeout`), so the image default applied. From 2.224.2 `DJLModel` sets `OPTION_PREDICT_TIMEOUT`, "
        "so upgrading the SDK turns the timeout on for the first time."
    )
    fix_safety = "No fix: check that the value is what you want before upgrading the SDK."
    evidence = (
        ev("sagemaker-python-sdk before 2.224.2", OLD_MODEL, "writes `option.prediction_timeout` to serving.properties", "§1.4; R19"),
        ev("sagemaker-python-sdk 2.224.2", NEW_MODEL, "sets `OPTION_PREDICT_TIMEOUT` from `prediction_timeout`", "§1.4; R19"),
    )
    invalid = (
        Example("deploy.py", "from sagemaker.djl_inference import DJLModel\n\n"
                "model = DJLModel(\"s3://b/m/\", \"role\", djl_version=\"0.29.0\", prediction_timeout=600)\n"),
    )
    valid = (Example("deploy.py", "from sagemaker.djl_inference import DJLModel\n\nmodel = DJLModel(\"s3://b/m/\", \"role\", djl_version=\"0.29.0\")\n"),)

    def check(self, ctx):
        for scope in calls(ctx, "DJLModel"):
            s = kw(scope, "prediction_timeout")
            if s is not None:
                yield ctx.report(s, "`prediction_timeout` was a no-op before SageMaker SDK 2.224.2 (it wrote "
                                 "`option.prediction_timeout`); newer SDKs set `OPTION_PREDICT_TIMEOUT`, so it now applies")


MOVING = ("0.36.0", "latest")


class SdkMovingTarget(Rule):
    code = "LMI074"
    name = "sdk-djl-lmi-moving-target"
    stack = "lmi"
    changed_in = "18"
    trigger = "target"
    severity = Severity.WARNING
    summary = "`djl-lmi` version `0.36.0` / `latest` resolves to a different LMI release (v18 ... v27) per SDK version"
    looks_at = ("python:sagemaker.image_uris.retrieve", "python:sagemaker.djl_inference.DJLModel")
    # `framework="djl-lmi"` or a `DJLModel` call: the version alone (`latest`, `0.36.0`) is in many files.
    tokens = (b"djl", b"DJLModel")
    surfaces = ("python", "notebook")
    what = (
        "Reports `image_uris.retrieve(framework=\"djl-lmi\", version=\"0.36.0\" or \"latest\")` and "
        "`DJLModel(..., djl_version=\"latest\"|\"0.36.0\")` (or no `djl_version`, which means `latest`) when the "
        "target is LMI v18 or later."
    )
    why = (
        "LMI v18 to v27 all ship DJL Serving 0.36.0. The SDK's `djl-lmi.json` maps `0.36.0` (and `latest`) to one "
        "of them and has been bumped lmi18 → lmi21 → lmi22 → lmi23 → lmi24 → lmi26 → lmi27, so the image depends "
        "on the installed SDK version. Pin the full `image_uri` (`...djl-inference:0.36.0-lmiNN.0.0-cuXXX`)."
    )
    fix_safety = "No fix: only you know which LMI release you tested."
    evidence = (ev("sagemaker-python-sdk history", SDK_V2, "`version_aliases: {\"latest\": \"0.36.0\"}`; 0.36.0 bumped from "
                   "lmi18.0.0-cu128 to lmi27.0.0-cu130 (2026-01 ... 2026-07)", "§1.4; R22"),)
    invalid = (
        Example("deploy.py", "from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework=\"djl-lmi\", version=\"0.36.0\", region=\"us-west-2\")\n",
                to="lmi==v20"),
        Example("deploy.py", "from sagemaker.djl_inference import DJLModel\n\nmodel = DJLModel(\"meta-llama/Llama-3.1-8B-Instruct\", \"role\")\n",
                to="lmi==v27"),
    )
    valid = (
        Example("deploy.py", "from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework=\"djl-lmi\", version=\"0.33.0\", region=\"us-west-2\")\n",
                to="lmi==v15"),
        Example("deploy.py", "from sagemaker.djl_inference import DJLModel\n\nmodel = DJLModel(\"m\", \"role\", image_uri=\"x\")\n", to="lmi==v27"),
    )

    def check(self, ctx):
        for scope in calls(ctx, "image_uris.retrieve"):
            fw, _ = arg(scope, 0, "framework")
            ver, vs = arg(scope, 2, "version")
            if fw == "djl-lmi" and ver in MOVING:
                yield ctx.report(vs or scope, f"`djl-lmi` version `{ver}` is a moving target (LMI v18 ... v27 depending on "
                                 "the SDK version); pin the full image URI")
        for scope in calls(ctx, "DJLModel"):
            if kw(scope, "image_uri") is not None:
                continue
            s = kw(scope, "djl_version")
            if s is None or (s.literal and s.value in MOVING):
                yield ctx.report(s or scope, "`DJLModel` with `djl_version` `latest`/`0.36.0` picks LMI v18 ... v27 "
                                 "depending on the SDK version; pass a pinned `image_uri`")


class SdkNeuronx(Rule):
    code = "LMI075"
    name = "sdk-djl-neuronx-removed"
    stack = "lmi"
    changed_in = "17"
    severity = Severity.ERROR
    summary = "`framework=\"djl-neuronx\"`: Neuron support left LMI in v17 (0.35.0); there is no newer `djl-neuronx` image"
    looks_at = ("python:sagemaker.image_uris.retrieve",)
    tokens = (b"djl-neuronx",)
    surfaces = ("python", "notebook")
    what = "Reports `image_uris.retrieve(framework=\"djl-neuronx\", ...)` when the target is LMI v17 or later."
    why = (
        "The SDK's `djl-neuronx` `latest` is 0.29.0 and the Neuron image (`pytorch-inf2`) was dropped from "
        "djl-serving in 0.35.0 (commit 1132e3ab). Use AWS's Neuron containers instead."
    )
    fix_safety = "No fix: there is no LMI Neuron image to move to."
    evidence = (ev("djl-serving 0.35.0 (LMI v17)", "serving/docker/pytorch-inf2.Dockerfile",
                   "file gone from 0.35.0; commit 1132e3ab removed the Neuron code", "§1.2; R15"),)
    invalid = (Example("deploy.py", "from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework=\"djl-neuronx\", version=\"0.29.0\", region=\"us-east-1\")\n",
                       from_="lmi==v16", to="lmi==v17"),)
    valid = (Example("deploy.py", "from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework=\"djl-neuronx\", version=\"0.29.0\", region=\"us-east-1\")\n",
                     from_="lmi==v11", to="lmi==v12"),)

    def check(self, ctx):
        for scope in calls(ctx, "image_uris.retrieve"):
            fw, fs = arg(scope, 0, "framework")
            if fw == "djl-neuronx":
                yield ctx.report(fs or scope, "`djl-neuronx` has no image for LMI v17 and later (Neuron support was removed); "
                                 "use AWS's Neuron containers")
