"""Removed and deprecated quantization methods and load formats (reference §3.10, K3, K4)."""

from __future__ import annotations

from lmimigrate.core.changes import key_tokens
from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import MODEL, PY_VLLM, VllmRule, as_bool, ev, settings

# ---- §3.10, K3, K4 -------------------------------------------------------------------------------------

REMOVED_QUANT = {
    "squeezellm": "0.6.1", "nvfp4": "0.9.0", "aqlm": "0.10.1", "marlin": "0.10.2", "neuron_quant": "0.10.2",
    "qqq": "0.10.2", "tpu_int8": "0.14.0", "cpu_gptq": "0.14.0", "deepspeedfp": "0.15.0", "hqq": "0.15.0",
    "rtn": "0.15.0", "auto-round": "0.15.0", "bitblas": "0.16.0", "gptq_bitblas": "0.16.0",
    "gptq_marlin_24": "0.16.0", "ipex": "0.16.0", "ptpc_fp8": "0.19.0", "petit_nvfp4": "0.20.0",
    "cpu_awq": "0.23.0", "gguf": "0.24.0", "bitsandbytes": "0.28.0",
}
QUANT_RENAMED = {"nvfp4": ("modelopt_fp4", Applicability.SAFE), "auto-round": ("inc", Applicability.UNSAFE)}


class QuantizationMethodRemoved(VllmRule):
    code = "VLLM140"
    name = "quantization-method-removed"
    stack = "vllm"
    changed_in = "0.6.1"
    trigger = "crossing"
    severity = Severity.ERROR
    fix_applicability = Applicability.SAFE
    summary = "A `--quantization` method was removed (squeezellm 0.6.1 ... gguf 0.24.0, bitsandbytes 0.28.0)"
    looks_at = ("vllm:quantization",)
    tokens = key_tokens(["quantization"]) + (b"-q",)  # the short flag as written
    and_tokens = PY_VLLM
    what = (
        "Reports `--quantization` / `-q` / `quantization:` / `LLM(quantization=...)` set to a method the target "
        "release no longer has: " + ", ".join(f"`{m}` ({v})" for m, v in REMOVED_QUANT.items()) + "."
    )
    why = (
        "The method is gone from `QUANTIZATION_METHODS`, so the engine refuses to start. `nvfp4` was renamed "
        "`modelopt_fp4` (0.9.0); `auto-round` checkpoints are served by `inc` (0.15.0). GGUF and bitsandbytes "
        "support was removed without a deprecation period (0.24.0 / 0.28.0). The method `awq_legacy`, named "
        "in some write-ups, never existed."
    )
    fix_safety = (
        "`nvfp4` -> `modelopt_fp4`: safe (same `ModelOptNvFp4Config`). `auto-round` -> `inc`: unsafe (the `inc` "
        "method overrides `auto-round` checkpoints, but kernels differ). Others: no fix; re-quantize with a "
        "supported method (e.g. AWQ, GPTQ, FP8)."
    )
    evidence = (
        ev("vllm 0.6.1 ... 0.28.0", "vllm/model_executor/layers/quantization/__init__.py", "`QUANTIZATION_METHODS` / "
           "`QuantizationMethods` scan: last present / first absent per method", "§3.10"),
        ev("vllm 0.15.0", "vllm/model_executor/layers/quantization/inc.py", "\"Override the `auto-round` method to `inc`\"",
           "§3.10"),
        ev("vllm 0.24.0 / 0.28.0", "vllm/model_executor/model_loader/__init__.py", "`gguf` / `bitsandbytes` present "
           "v0.23.0 / v0.27.0, absent v0.24.0 / v0.28.0; issue vllm-project/vllm#39583", "§3.9 K3, K4"),
    )
    invalid = (
        Example("run.sh", "vllm serve TheBloke/Llama-2-7B-GGUF -q gguf --max-model-len 4096\n", to="vllm==0.24.0"),
        Example("vllm-config.yaml", "model: nvidia/Llama-3.1-8B-Instruct-FP4\nquantization: nvfp4\nmax_model_len: 4096\n",
                fixed="model: nvidia/Llama-3.1-8B-Instruct-FP4\nquantization: modelopt_fp4\nmax_model_len: 4096\n",
                to="vllm==0.9.0"),
        Example("run.sh", f"vllm serve {MODEL} --quantization marlin\n", to="vllm==0.33.0"),
    )
    valid = (
        Example("run.sh", "vllm serve TheBloke/Llama-2-7B-GGUF -q gguf\n", to="vllm==0.23.0"),
        Example("run.sh", f"vllm serve {MODEL} --quantization awq\n", to="vllm==0.33.0"),
    )

    def check(self, ctx):
        for s in settings(ctx, "quantization"):
            m = (s.text_value or "").strip().lower() if s.literal else None
            if m not in REMOVED_QUANT or not ctx.crosses(REMOVED_QUANT[m]):
                continue
            edits, app, todo = None, None, "re-quantize the model with a supported method"
            if m in QUANT_RENAMED:
                new, app = QUANT_RENAMED[m]
                edits, todo = ctx.edits(s.set_value, new), f"use `{new}`"
            yield ctx.report(s, f"quantization method `{m}` was removed in vllm {REMOVED_QUANT[m]}: {todo}",
                             edits=edits, applicability=app, fix_message=todo)


REMOVED_LOAD = {"gguf": "0.24.0", "bitsandbytes": "0.28.0"}


class LoadFormatRemoved(VllmRule):
    code = "VLLM132"
    name = "load-format-removed"
    stack = "vllm"
    changed_in = "0.24.0"
    trigger = "crossing"
    severity = Severity.ERROR
    summary = "`--load-format gguf` (0.24.0) and `--load-format bitsandbytes` (0.28.0) are no longer supported"
    looks_at = ("vllm:load_format",)
    tokens = key_tokens(["load_format"])
    what = "Reports `--load-format gguf` / `bitsandbytes` (any surface) once the target release dropped the loader."
    why = "The GGUF and bitsandbytes model loaders were removed with their quantization methods (see VLLM140)."
    fix_safety = "No fix: convert the checkpoint (e.g. to safetensors with AWQ/GPTQ/FP8 quantization)."
    evidence = (
        ev("vllm 0.24.0 / 0.28.0", "vllm/config/load.py", "\"bitsandbytes will load the weights using bitsandbytes "
           "quantization\" (v0.27.0); gguf / bitsandbytes loaders absent v0.24.0 / v0.28.0", "§3.9 K3, K4"),
    )
    invalid = (
        Example("run.sh", "vllm serve unsloth/llama-3-8b-bnb-4bit --load-format bitsandbytes --quantization bitsandbytes\n",
                to="vllm==0.28.0"),
        Example("vllm-config.yaml", "model: /models/llama.gguf\nload_format: gguf\nmax_model_len: 4096\n", to="vllm==0.24.0"),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} --load-format safetensors\n", to="vllm==0.33.0"),)

    def check(self, ctx):
        for s in settings(ctx, "load_format"):
            v = (s.text_value or "").strip().lower() if s.literal else None
            if v in REMOVED_LOAD and ctx.crosses(REMOVED_LOAD[v]):
                yield ctx.report(s, f"`--load-format {v}` is not supported from vllm {REMOVED_LOAD[v]}: convert the checkpoint")


# deprecated from 0.14.0 until removal (None: still present in 0.33.0, the newest release scanned)
DEPRECATED_QUANT = {
    "deepspeedfp": "0.15.0", "hqq": "0.15.0", "rtn": "0.15.0", "auto-round": "0.15.0", "bitblas": "0.16.0",
    "gptq_bitblas": "0.16.0", "gptq_marlin_24": "0.16.0", "ipex": "0.16.0", "ptpc_fp8": "0.19.0",
    "petit_nvfp4": "0.20.0", "fbgemm_fp8": None, "fp_quant": None,
}


class DeprecatedQuantizationHardFail(VllmRule):
    code = "VLLM141"
    name = "deprecated-quantization-needs-opt-in"
    stack = "vllm"
    changed_in = "0.14.0"
    trigger = "crossing"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "From vllm 0.14.0 a deprecated quantization method refuses to start without `--allow-deprecated-quantization`"
    looks_at = ("vllm:quantization", "vllm:allow_deprecated_quantization")
    tokens = key_tokens(["quantization"]) + (b"-q",)  # the short flag as written
    and_tokens = PY_VLLM
    what = (
        "Reports `--quantization` set to a method in `DEPRECATED_QUANTIZATION_METHODS` (e.g. `fbgemm_fp8`, "
        "`fp_quant`, `ptpc_fp8`) without `--allow-deprecated-quantization`, for targets from 0.14.0 until the "
        "method's removal (then VLLM140 applies)."
    )
    why = (
        "0.14.0 made deprecated methods a start-up error: \"The quantization method %s is deprecated and will be "
        "removed in future versions of vLLM. To bypass, set `--allow-deprecated-quantization`.\""
    )
    fix_safety = (
        "Unsafe: the fix adds `--allow-deprecated-quantization`, which only postpones the problem; the method "
        "will be removed. Plan a re-quantization."
    )
    evidence = (
        ev("vllm 0.14.0", "vllm/config/model.py", "\"The quantization method %s is deprecated and will be removed in "
           "future versions of vLLM. To bypass, set `--allow-deprecated-quantization`.\"; "
           "`DEPRECATED_QUANTIZATION_METHODS` in vllm/model_executor/layers/quantization/__init__.py", "§3.10"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --quantization fbgemm_fp8\n",
                fixed=f"vllm serve {MODEL} --quantization fbgemm_fp8 --allow-deprecated-quantization\n", unsafe=True),
        Example("vllm-config.yaml", f"model: {MODEL}\nquantization: ptpc_fp8\nmax_model_len: 4096\n",
                fixed=f"model: {MODEL}\nquantization: ptpc_fp8\nmax_model_len: 4096\nallow_deprecated_quantization: true\n",
                unsafe=True, to="vllm==0.18.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --quantization fbgemm_fp8 --allow-deprecated-quantization\n"),
        Example("run.sh", f"vllm serve {MODEL} --quantization fbgemm_fp8\n", to="vllm==0.13.0"),
        Example("run.sh", f"vllm serve {MODEL} --quantization fp8\n"),
    )

    def check(self, ctx):
        from lmimigrate.core.pep440 import Version

        pair = ctx.pair()
        for s in settings(ctx, "quantization"):
            m = (s.text_value or "").strip().lower() if s.literal else None
            if m not in DEPRECATED_QUANT:
                continue
            until = DEPRECATED_QUANT[m]
            if until is not None and pair is not None and pair.to >= Version(until):
                continue  # removed: VLLM140
            allow = s.scope.get("vllm", "allow_deprecated_quantization")
            if allow is not None and as_bool(allow.value) is not False:
                continue
            yield ctx.report(
                s, f"quantization method `{m}` is deprecated: from vllm 0.14.0 the server refuses to start unless "
                "`--allow-deprecated-quantization` is set" + (f"; it is removed in {until}" if until else ""),
                edits=None if allow is not None else ctx.edits(s.scope.insert, "vllm", "allow_deprecated_quantization", True),
                fix_message="add `--allow-deprecated-quantization`",
            )
