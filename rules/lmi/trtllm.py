"""TensorRT-LLM option changes: the KV-cache memory fraction's new name and the T5 batch scheduler policy. The
fix policy is keys.py's."""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule

from .common import ENTRYPOINT_SH, PROPS, ev, get, is_t5, is_trt, lmi_scopes, model_id


def _trt_features(scope) -> bool:
    feat = scope.get("env", "SERVING_FEATURES")
    return bool(feat is not None and "trtllm" in (feat.text_value or "").lower())


class TrtKvCacheFraction(Rule):
    code = "LMI025"
    name = "trtllm-kv-cache-fraction-renamed"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "TensorRT-LLM 0.33.0+ reads the KV-cache fraction only as `option.free_gpu_memory_fraction`"
    looks_at = ("lmi:option.kv_cache_free_gpu_mem_fraction", "env:CUDA_MEMORY_FRACTION")
    tokens = (b"kv_cache_free_gpu_mem_fraction", b"KV_CACHE_FREE_GPU_MEM_FRACTION", b"CUDA_MEMORY_FRACTION")
    what = (
        "In a TensorRT-LLM configuration, reports `option.kv_cache_free_gpu_mem_fraction` "
        "(`OPTION_KV_CACHE_FREE_GPU_MEM_FRACTION`) and the TGI-style `CUDA_MEMORY_FRACTION` when the target is the "
        "0.33.0 (v15) TensorRT-LLM container or later."
    )
    why = (
        "The 0.33.0 TensorRT-LLM image moved to the TRT-LLM LLM-API handler; `get_kv_cache_config` reads only "
        "`free_gpu_memory_fraction`, and nothing reads `kv_cache_free_gpu_mem_fraction` any more. The entrypoint "
        "still translates `CUDA_MEMORY_FRACTION` into the old name for trtllm, a dead mapping."
    )
    fix_safety = "Safe: a 1:1 rename of the same fraction into the key the new handler reads."
    evidence = (
        ev("djl-serving 0.33.0 (TensorRT-LLM 0.21 image)", PROPS + "trt_properties.py",
           "`get_kv_cache_config`: `free_gpu_memory_fraction` from `__pydantic_extra__`", "§2 TensorRT-LLM container changes; R20"),
        ev("djl-serving 0.33.0", ENTRYPOINT_SH,
           "`CUDA_MEMORY_FRACTION` → `OPTION_KV_CACHE_FREE_GPU_MEM_FRACTION` if `SERVING_FEATURES=trtllm`", "§4.1; R20"),
    )
    invalid = (
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=trtllm\n"
                "option.kv_cache_free_gpu_mem_fraction=0.95\n",
                fixed="engine=MPI\noption.model_id=x\noption.rolling_batch=trtllm\noption.free_gpu_memory_fraction=0.95\n",
                from_="lmi==v14", to="lmi==v15"),
        Example("trt.env", "HF_MODEL_ID=x\nOPTION_ROLLING_BATCH=trtllm\nCUDA_MEMORY_FRACTION=0.9\n",
                fixed="HF_MODEL_ID=x\nOPTION_ROLLING_BATCH=trtllm\nOPTION_FREE_GPU_MEMORY_FRACTION=0.9\n",
                from_="lmi==v14", to="lmi==v15"),
    )
    valid = (
        Example("serving.properties", "option.rolling_batch=trtllm\noption.kv_cache_free_gpu_mem_fraction=0.95\n",
                from_="lmi==v13", to="lmi==v14"),
        Example("model.env", "HF_MODEL_ID=x\nOPTION_ROLLING_BATCH=vllm\nCUDA_MEMORY_FRACTION=0.9\n", from_="lmi==v14", to="lmi==v15"),
    )

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            trt = is_trt(scope) or _trt_features(scope)
            if not trt:
                continue
            has_new = get(scope, "option.free_gpu_memory_fraction") is not None
            for s in scope.all("lmi", "option.kv_cache_free_gpu_mem_fraction"):
                yield ctx.report(s, f"`{s.origin.raw_key}` is not read by the TensorRT-LLM handler from 0.33.0; use "
                                 "`free_gpu_memory_fraction`",
                                 edits=None if has_new else ctx.edits(s.rename, "option.free_gpu_memory_fraction"),
                                 fix_message="rename to `free_gpu_memory_fraction`")
            for s in scope.all("env", "CUDA_MEMORY_FRACTION"):
                yield ctx.report(s, "`CUDA_MEMORY_FRACTION` is translated to a key the TensorRT-LLM handler no longer "
                                 "reads (0.33.0+); set `OPTION_FREE_GPU_MEMORY_FRACTION`",
                                 edits=None if has_new else ctx.edits(s.rename, "option.free_gpu_memory_fraction", "lmi"),
                                 fix_message="use `OPTION_FREE_GPU_MEMORY_FRACTION`")


class TrtT5SchedulerPolicy(Rule):
    code = "LMI032"
    name = "trtllm-t5-batch-scheduler-policy"
    stack = "lmi"
    changed_in = "12"
    until = "15"
    trigger = "default"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "TensorRT-LLM T5 uses more memory from LMI v12; set `option.batch_scheduler_policy=guaranteed_no_evict`"
    looks_at = ("lmi:option.batch_scheduler_policy",)
    tokens = (b"t5", b"T5", b"ul2", b"UL2")
    what = (
        "Reports a T5-family model in a TensorRT-LLM configuration without `option.batch_scheduler_policy`, when "
        "upgrading across LMI v12 (0.30.0) to a toolkit-era TensorRT-LLM image (before 0.33.0)."
    )
    why = "The v12 breaking-changes page: TensorRT-LLM T5 needs more memory; set `option.batch_scheduler_policy=guaranteed_no_evict` for T5 models."
    fix_safety = "Unsafe: the scheduler policy changes how requests are admitted (fewer concurrent requests, no eviction)."
    evidence = (
        ev("djl-serving 0.30.0 (LMI v12)", "serving/docs/lmi/announcements/breaking_changes.md (branch 0.30.0-dlc)",
           "TRT-LLM T5: set `option.batch_scheduler_policy=guaranteed_no_evict`", "§2 v11→v12 item 3"),
    )
    invalid = (
        Example("serving.properties", "engine=MPI\noption.model_id=google/flan-t5-xl\noption.rolling_batch=trtllm\n",
                fixed="engine=MPI\noption.model_id=google/flan-t5-xl\noption.rolling_batch=trtllm\n"
                "option.batch_scheduler_policy=guaranteed_no_evict\n", unsafe=True, from_="lmi==v11", to="lmi==v12"),
    )
    valid = (Example("serving.properties", "engine=MPI\noption.model_id=google/flan-t5-xl\noption.rolling_batch=trtllm\n"
                     "option.batch_scheduler_policy=guaranteed_no_evict\n", from_="lmi==v11", to="lmi==v12"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            if not is_trt(scope) or not is_t5(model_id(scope, ctx)) or get(scope, "option.batch_scheduler_policy") is not None:
                continue
            at = get(scope, "option.rolling_batch") or get(scope, "option.model_id") or scope
            yield ctx.report(at, "TensorRT-LLM T5 needs more memory from LMI v12 (0.30.0); set "
                             "`option.batch_scheduler_policy=guaranteed_no_evict`",
                             edits=ctx.edits(scope.insert, "lmi", "option.batch_scheduler_policy", "guaranteed_no_evict"),
                             fix_message="set `option.batch_scheduler_policy=guaranteed_no_evict`")
