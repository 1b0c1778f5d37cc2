"""How each vLLM release parsed the boolean environment variables that later became config fields.

Moving `VAR=true` into `--attention-config '{\"x\": true}'` is only right when the source release read `true`
as true: `VLLM_DISABLE_FLASHINFER_PREFILL` and, from 0.13.0, the profiler switches only honoured `1`."""

from __future__ import annotations

from lmimigrate.core.pep440 import Version


# How vLLM read a boolean variable, verified per release in the wheels (vllm/envs.py; from 0.13.0 the profiler
# variables through vllm/config/profiler.py `_set_from_env_if_set`: `value = value == "1"`). A parser returns
# None for a value on which vLLM failed at start (`bool(int("true"))` raises): no fix then.
def _eq1(t: str) -> bool | None:
    return t == "1"


def _ne0(t: str) -> bool | None:
    return t != "0"


def _true1(t: str) -> bool | None:
    return t.lower() in ("true", "1")


def _int(t: str) -> bool | None:
    try:
        return bool(int(t))
    except ValueError:
        return None


#: variable -> ((first release the parser applies to, parser), ...), oldest first. Checked in the 0.11.0,
#: 0.13.0 and 0.14.0 wheels; a source release older than the first entry gets no parser (only "0"/"1" move).
TRUTH = {
    "VLLM_V1_USE_PREFILL_DECODE_ATTENTION": (("0.11.0", _true1),),
    "VLLM_USE_CUDNN_PREFILL": (("0.11.0", _int),),
    "VLLM_USE_TRTLLM_RAGGED_DEEPSEEK_PREFILL": (("0.13.0", _int),),
    "VLLM_USE_TRTLLM_ATTENTION": (("0.11.0", _true1),),
    "VLLM_DISABLE_FLASHINFER_PREFILL": (("0.11.0", _eq1),),
    "VLLM_FLASHINFER_DISABLE_Q_QUANTIZATION": (("0.11.0", _int),),
    **{name: (("0.11.0", _ne0), ("0.13.0", _eq1)) for name in (
        "VLLM_TORCH_PROFILER_RECORD_SHAPES", "VLLM_TORCH_PROFILER_WITH_PROFILE_MEMORY", "VLLM_TORCH_PROFILER_WITH_STACK",
        "VLLM_TORCH_PROFILER_WITH_FLOPS", "VLLM_TORCH_PROFILER_DISABLE_ASYNC_LLM", "VLLM_TORCH_PROFILER_USE_GZIP",
        "VLLM_TORCH_PROFILER_DUMP_CUDA_TIME_TOTAL")},
}


def truth(ctx, name: str, text: str) -> bool | None:
    """What the source release made of a boolean variable's value; None when it cannot be told."""
    if text in ("0", "1"):
        return text == "1"
    pair = ctx.pair("vllm")
    frm = pair.from_ if pair is not None else None
    parser = None
    for first, p in TRUTH.get(name, ()):
        if frm is not None and frm >= Version(first):
            parser = p
    return parser(text) if parser is not None else None
