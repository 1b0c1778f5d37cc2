"""Helpers shared by the LMI rules: which backend a scope configures, the model it serves, evidence."""

from __future__ import annotations

import re

from lmimigrate.core.ftypes import Scope, Setting
from lmimigrate.core.rule import cited
from lmimigrate.stacks.lmi.env import is_lmi_scope
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Iterator

#: The djl-serving files the reference (lmi_ground_truth.md) quotes most, for evidence entries.
BREAKING = "serving/docs/lmi/announcements/breaking_changes.md"
RELEASE_NOTES = "serving/docs/lmi/release_notes.md"
RECOMMENDER = "wlm/src/main/java/ai/djl/serving/wlm/LmiConfigRecommender.java"
MODEL_INFO = "wlm/src/main/java/ai/djl/serving/wlm/ModelInfo.java"
PROPS = "engines/python/setup/djl_python/properties_manager/"
ENTRYPOINT_SH = "serving/docker/dockerd-entrypoint-with-cuda-compat.sh"


#: An evidence entry checked against the reference: `ev(release, file, quote, "§2 v14→v15; R3")`, the last
#: argument being its section and rule id.
ev = cited("lmi")


#: Prefilter tokens, in a Python file, of a rule that reports only in LMI scopes (`lmi_scopes`): the Python surface
#: gives an `option.*` dict ("lmi-map") or an env dict, which is LMI's when it sets an `OPTION_*` variable or its
#: file names a `djl-*` image (`is_lmi_scope`); embedded serving.properties text counts by the rule's other tokens.
PY_LMI: dict[str, tuple[bytes, ...]] = {"python": (b"OPTION_", b"option.", b"djl")}


def lmi_scopes(ctx) -> Iterator[Scope]:
    for scope in ctx.scopes():
        if is_lmi_scope(scope):
            yield scope


def value(s: Setting | None) -> str | None:
    """A setting's literal value, stripped and lower-cased; None when absent or not a literal."""
    if s is None or not s.literal:
        return None
    v = s.text_value
    return v.strip().lower() if v is not None else None


def get(scope: Scope, key: str) -> Setting | None:
    return scope.get("lmi", key)


def set_to(ctx, key: str, *wanted: str) -> Iterator[tuple[Scope, Setting]]:
    """Each LMI scope whose `key` is set to one of `wanted` (as `value` reads it: stripped, lower-cased), with
    that setting."""
    for scope in lmi_scopes(ctx):
        s = get(scope, key)
        if s is not None and value(s) in wanted:
            yield scope, s


def rolling_batch(scope: Scope) -> str | None:
    """The explicit `option.rolling_batch` (lower-cased); "?" when it is not a literal; None when unset."""
    s = get(scope, "option.rolling_batch")
    if s is None:
        return None
    v = value(s)
    return "?" if v is None else v


def engine(scope: Scope) -> str | None:
    s = get(scope, "engine")
    v = value(s)
    return v


def entry_point(scope: Scope) -> str | None:
    s = get(scope, "option.entryPoint")
    if s is None or not s.literal or s.text_value is None:
        return None
    return s.text_value.strip()


def is_trt(scope: Scope) -> bool:
    """A TensorRT-LLM configuration: `rolling_batch=trtllm`, or a file naming the TensorRT-LLM container."""
    if rolling_batch(scope) == "trtllm":
        return True
    ep = entry_point(scope) or ""
    if "trtllm" in ep or "tensorrt_llm" in ep:
        return True
    text = scope.unit.text.lower()
    return "tensorrtllm" in text or "tensorrt-llm" in text or "djl-tensorrtllm" in text


def is_neuron(scope: Scope) -> bool:
    if rolling_batch(scope) == "tnx":
        return True
    ep = entry_point(scope) or ""
    if "neuronx" in ep or "inf2" in ep:
        return True
    text = scope.unit.text.lower()
    return "neuronx" in text or "pytorch-inf2" in text


def is_async(scope: Scope) -> bool:
    return value(get(scope, "option.async_mode")) == "true" or "async_service" in (entry_point(scope) or "")


def model_id(scope: Scope, ctx=None) -> str | None:
    """The model a scope serves: its own `option.model_id` / `HF_MODEL_ID`, else the only one in the file."""
    s = get(scope, "option.model_id")
    if s is not None and s.literal and s.text_value:
        return s.text_value.strip()
    if ctx is not None:
        ids = {x.text_value.strip() for x in ctx.settings("lmi", "option.model_id") if x.literal and x.text_value}
        if len(ids) == 1:
            return ids.pop()
    return None


#: T5 family: t5, flan-t5 / flant5, ul2 / flan-ul2, mt5, mt0 (mT5 fine-tunes), byt5, t5gemma, codet5.
#: The name must stand alone (`codegen-t5ish`, `t5x-team` are not T5): bounded by a separator or the end;
#: matched anywhere in an id or path (`s3://bucket/flant5-xxl/`, `/opt/ml/model/t5-large`).
_T5 = lazy_pattern(
    r"(?<![a-z0-9])(?:flan[-_]?t5|flan[-_]?ul2|ul2|mt5|mt0|byt5|t5gemma|codet5p?|t5(?:[-_]v1[._]1)?)(?=$|[-_./\\\s\"'])",
    re.I,
)
#: MLlama: Llama 3.2 Vision (11B, 90B), Llama Guard 3 11B Vision, and the architecture name itself.
_MLLAMA = lazy_pattern(r"llama[-_]?3[._]?2[-_]?\d+b[-_]?vision|llama[-_]guard[-_]3[-_]11b[-_]vision|mllama", re.I)


#: A piece of every name each pattern matches (lower case): a text without one cannot match, and the
#: patterns (case-insensitive, many alternatives) are not even compiled (~0.9 ms of a one-file check).
_T5_PIECES = ("t5", "ul2", "mt0")
_MLLAMA_PIECE = "llama"


def t5_in(text: str | None) -> str | None:
    """The first T5-family name in a text (a model id, a path, a whole file), or None."""
    low = (text or "").lower()
    if not any(p in low for p in _T5_PIECES):
        return None
    m = _T5.search(text or "")
    return m.group(0) if m else None


def mllama_in(text: str | None) -> str | None:
    if _MLLAMA_PIECE not in (text or "").lower():
        return None
    m = _MLLAMA.search(text or "")
    return m.group(0) if m else None


def is_t5(model: str | None) -> bool:
    """T5 family, anywhere in the id or path."""
    return bool(t5_in(model))


def is_mllama(model: str | None) -> bool:
    """Llama 3.2 Vision (MLlama), anywhere in the id or path."""
    return bool(mllama_in(model))
