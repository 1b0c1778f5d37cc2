"""Removed vLLM environment variables, continued (reference §3.14 V4-V6, §3.1 E3): the MoE / linear-kernel
selectors, the variables removed with no flag to move to, and `VLLM_USE_V1`. The moves are env.py's."""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import MODEL, VllmRule, ev
from .env import EnvVarRule, Move, env_tokens

# ---- V4 ------------------------------------------------------------------------------------------------

MOE_HINTS = {
    "VLLM_MXFP4_USE_MARLIN": "Use --moe-backend marlin or --linear-backend marlin.",
    "VLLM_USE_FLASHINFER_MOE_FP16": "Use --moe-backend (e.g. flashinfer_trtllm, flashinfer_cutlass).",
    "VLLM_USE_FLASHINFER_MOE_FP8": "Use --moe-backend (e.g. flashinfer_trtllm, flashinfer_cutlass).",
    "VLLM_USE_FLASHINFER_MOE_FP4": "Use --moe-backend (e.g. flashinfer_trtllm, flashinfer_cutlass, flashinfer_cutedsl).",
    "VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8": "Use --moe-backend flashinfer_trtllm with --quantization_config.moe.activation mxfp8.",
    "VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8_CUTLASS": "Use --moe-backend flashinfer_cutlass with --quantization_config.moe.activation mxfp8.",
    "VLLM_USE_FLASHINFER_MOE_MXFP4_BF16": "Use --moe-backend (e.g. flashinfer_trtllm, flashinfer_cutlass).",
    "VLLM_FLASHINFER_MOE_BACKEND": "Use --moe-backend flashinfer_trtllm, flashinfer_cutlass, or flashinfer_cutedsl.",
    "VLLM_USE_NVFP4_CT_EMULATIONS": "Use --linear-backend emulation.",
    "VLLM_NVFP4_GEMM_BACKEND": "Use --linear-backend.",
    "VLLM_USE_FBGEMM": "Use --linear-backend fbgemm.",
}


class MoeKernelEnvVarsRemoved(VllmRule):
    code = "VLLM163"
    name = "moe-kernel-env-vars-removed"
    stack = "vllm"
    changed_in = "0.24.0"
    trigger = "crossing"
    severity = Severity.WARNING
    summary = "FlashInfer MoE / NVFP4 / FBGEMM kernel env vars were removed in vllm 0.24.0; use `--moe-backend` / `--linear-backend`"
    looks_at = tuple(f"env:{n}" for n in MOE_HINTS)
    tokens = env_tokens(MOE_HINTS)
    what = "Reports the eleven MoE / linear-kernel environment variables removed in 0.24.0, with the replacement upstream names for each."
    why = (
        "0.22.0 wrapped the variables in `deprecated_env(...)` with a replacement text each and 0.24.0 removed "
        "them; a leftover variable is silently ignored and the default kernels are chosen."
    )
    fix_safety = (
        "No fix: the replacements are backend names that depend on the variable's value and the GPU "
        "(e.g. `--moe-backend flashinfer_trtllm` or `flashinfer_cutlass`); choose one from the message."
    )
    evidence = (
        ev("vllm 0.22.0", "vllm/envs.py", "`deprecated_env(\"VLLM_USE_FLASHINFER_MOE_FP8\", \"v0.23\", \"Use --moe-backend "
           "(e.g. flashinfer_trtllm, flashinfer_cutlass).\")`; variables absent v0.24.0", "§3.14 V4"),
    )
    invalid = (
        Example("Dockerfile", f"FROM vllm/vllm-openai:v0.23.0\nENV VLLM_USE_FLASHINFER_MOE_FP8=1\nCMD [\"vllm\", \"serve\", \"{MODEL}\"]\n"),
        Example("compose.yaml", "services:\n  vllm:\n    image: vllm/vllm-openai:v0.23.0\n    environment:\n"
                "      VLLM_USE_FBGEMM: \"1\"\n    command: --model facebook/opt-125m\n"),
    )
    valid = (Example("Dockerfile", "FROM vllm/vllm-openai:v0.23.0\nENV VLLM_USE_FLASHINFER_MOE_FP8=1\n", to="vllm==0.23.0"),)

    def check(self, ctx):
        for name, hint in MOE_HINTS.items():
            for s in ctx.settings("env", name):
                yield ctx.report(s, f"`{s.raw_key}` was removed in vllm 0.24.0 and is ignored: {hint}")


# ---- V5, V6 --------------------------------------------------------------------------------------------

V0_ENV = (
    "GPT_OSS_SYSTEM_TOOL_MCP_LABELS", "VLLM_DISABLE_NCCL_FOR_DP_SYNCHRONIZATION", "VLLM_DISABLE_PAD_FOR_CUDAGRAPH",
    "VLLM_LOGITS_PROCESSOR_THREADS", "VLLM_ROCM_USE_TRITON_ROPE", "VLLM_SKIP_DEEP_GEMM_WARMUP",
    "VLLM_USE_AITER_UNIFIED_ATTENTION", "VLLM_USE_DEEP_GEMM_E8M0_HOPPER", "VLLM_USE_RAY_COMPILED_DAG",
    "VLLM_USE_RAY_SPMD_WORKER", "VLLM_USE_TRITON_FLASH_ATTN", "VLLM_USE_TRTLLM_FP4_GEMM", "VLLM_V0_USE_OUTLINES_CACHE",
)


class EnvVarsRemovedV011(EnvVarRule):
    code = "VLLM164"
    name = "env-vars-removed-0-11-1"
    changed_in = "0.11.1"
    moves = {n: Move(None) for n in V0_ENV}
    moves["VLLM_DISABLE_NCCL_FOR_DP_SYNCHRONIZATION"] = Move(None, hint="`--disable-nccl-for-dp-synchronization` replaces it")
    summary = "Env vars of the V0 era (`VLLM_USE_TRITON_FLASH_ATTN`, `VLLM_USE_RAY_SPMD_WORKER`, ...) were removed in vllm 0.11.1"
    looks_at = tuple(f"env:{n}" for n in V0_ENV)
    tokens = env_tokens(V0_ENV)
    what = "Reports the environment variables dropped from vllm/envs.py in 0.11.1 (other than `VLLM_USE_V1`, see VLLM001)."
    why = (
        "With the V0 engine gone (0.11.0), 0.11.1 dropped these keys from `environment_variables`; a leftover "
        "variable is silently ignored (a warning from 0.17.0)."
    )
    fix_safety = "Safe: the target release does not read the variable, so deleting it changes nothing at run time."
    evidence = (ev("vllm 0.11.1", "vllm/envs.py", "keys absent from `environment_variables` in v0.11.1 (present in v0.11.0)",
                   "§3.14 V5, Appendix C"),)
    invalid = (
        Example(".env", "VLLM_USE_TRITON_FLASH_ATTN=0\nHF_HOME=/data\n", fixed="HF_HOME=/data\n"),
        Example("run.sh", f"#!/bin/sh\nexport VLLM_USE_RAY_SPMD_WORKER=1\nvllm serve {MODEL}\n",
                fixed=f"#!/bin/sh\nvllm serve {MODEL}\n"),
    )
    valid = (Example(".env", "VLLM_USE_TRITON_FLASH_ATTN=0\n", to="vllm==0.11.0"),)


V6 = {"VLLM_FUSED_MOE_CHUNK_SIZE": "0.18.0", "VLLM_SLEEP_WHEN_IDLE": "0.18.0", "VLLM_RPC_TIMEOUT": "0.23.0",
      "VLLM_ENGINE_ITERATION_TIMEOUT_S": "0.32.0"}


class EnvVarsRemovedNoReplacement(EnvVarRule):
    code = "VLLM165"
    name = "env-vars-removed-no-replacement"
    changed_in = "0.18.0"
    moves = {n: Move(None) for n in V6}
    removed_at = V6
    summary = "`VLLM_FUSED_MOE_CHUNK_SIZE`, `VLLM_SLEEP_WHEN_IDLE` (0.18.0), `VLLM_RPC_TIMEOUT` (0.23.0) and `VLLM_ENGINE_ITERATION_TIMEOUT_S` (0.32.0) were removed"
    looks_at = tuple(f"env:{n}" for n in V6)
    tokens = env_tokens(V6)
    what = "Reports these four environment variables once the target release no longer reads them."
    why = "They were dropped from vllm/envs.py with no replacement named in the source; a leftover one is silently ignored."
    fix_safety = "Safe: the target release does not read the variable. If you relied on a timeout, check the new defaults."
    evidence = (ev("vllm 0.18.0 / 0.23.0 / 0.32.0", "vllm/envs.py", "keys absent from `environment_variables` from the "
                   "release named (envs.py key scan)", "§3.14 V6"),)
    invalid = (Example(".env", "VLLM_RPC_TIMEOUT=100000\nHF_HOME=/data\n", fixed="HF_HOME=/data\n", to="vllm==0.23.0"),
               Example("run.sh", f"#!/bin/sh\nexport VLLM_ENGINE_ITERATION_TIMEOUT_S=600\nvllm serve {MODEL}\n",
                       fixed=f"#!/bin/sh\nvllm serve {MODEL}\n", to="vllm==0.33.0"))
    valid = (Example(".env", "VLLM_RPC_TIMEOUT=100000\n", to="vllm==0.22.0"),
             Example(".env", "VLLM_ENGINE_ITERATION_TIMEOUT_S=600\n", to="vllm==0.31.0"))


# ---- E3 ------------------------------------------------------------------------------------------------


class UseV1Removed(VllmRule):
    code = "VLLM001"
    name = "vllm-use-v1-removed"
    stack = "vllm"
    changed_in = "0.11.0"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "`VLLM_USE_V1` is gone: V0 was removed in vllm 0.11.0 and the variable in 0.11.1"
    looks_at = ("env:VLLM_USE_V1",)
    tokens = (b"VLLM_USE_V1",)
    what = (
        "Reports `VLLM_USE_V1` in env files, shell scripts, Dockerfiles, Kubernetes/compose env and Python env "
        "dicts. `VLLM_USE_V1=1` is reported from 0.11.1 (when the variable is gone); `VLLM_USE_V1=0` from 0.11.0 "
        "(when V0 is gone)."
    )
    why = (
        "V1 became the default in 0.8.0. 0.11.0 removed the V0 engine: `VLLM_USE_V1=0` then raises \"Using V1 "
        "LLMEngine, but envs.VLLM_USE_V1=False\". 0.11.1 dropped the variable (ignored; from 0.17.0 warned as "
        "unknown). Note: `VLLM_DISABLE_V1_ENGINE`, which some write-ups mention, never existed in any release."
    )
    fix_safety = (
        "`VLLM_USE_V1=1`: safe delete (V1 is the only engine). `VLLM_USE_V1=0`: unsafe delete; it selected the "
        "V0 engine, which no longer exists, so the server now runs on V1 with its own defaults (batching, "
        "chunked prefill, prefix caching); re-validate throughput and outputs."
    )
    evidence = (
        ev("vllm 0.11.0", "vllm/v1/engine/llm_engine.py", "\"Using V1 LLMEngine, but envs.VLLM_USE_V1=False\" (ValueError)",
           "§3.1 E2"),
        ev("vllm 0.11.1", "vllm/envs.py", "`VLLM_USE_V1` absent from `environment_variables` (present in v0.11.0)", "§3.1 E3"),
    )
    invalid = (
        Example(".env", "VLLM_USE_V1=1\nHF_HOME=/data\n", fixed="HF_HOME=/data\n", to="vllm==0.11.1"),
        Example("run.sh", f"#!/bin/sh\nexport VLLM_USE_V1=0\nvllm serve {MODEL}\n", fixed=f"#!/bin/sh\nvllm serve {MODEL}\n",
                unsafe=True, to="vllm==0.11.0"),
        Example("compose.yaml", "services:\n  vllm:\n    image: vllm/vllm-openai:v0.10.2\n    environment:\n"
                "      VLLM_USE_V1: \"1\"\n      HF_HOME: /data\n    command: --model facebook/opt-125m\n",
                fixed="services:\n  vllm:\n    image: vllm/vllm-openai:v0.10.2\n    environment:\n"
                "      HF_HOME: /data\n    command: --model facebook/opt-125m\n", to="vllm==0.33.0"),
    )
    valid = (
        Example(".env", "VLLM_USE_V1=1\n", to="vllm==0.11.0"),
        Example(".env", "VLLM_USE_V1=0\n", to="vllm==0.10.2"),
    )

    def check(self, ctx):
        for s in ctx.settings("env", "VLLM_USE_V1"):
            v = (s.text_value or "").strip().lower() if s.literal else None
            if v in ("1", "true"):
                if not ctx.target_at_least("0.11.1"):
                    continue
                yield ctx.report(s, "`VLLM_USE_V1` was removed in vllm 0.11.1 (V1 is the only engine): delete it",
                                 edits=ctx.edits(s.delete), applicability=Applicability.SAFE, fix_message="delete it")
            elif v in ("0", "false"):
                yield ctx.report(
                    s,
                    "`VLLM_USE_V1=0` selected the V0 engine, removed in vllm 0.11.0 (0.11.0 refuses to start with it; "
                    "0.11.1 ignores it): the server runs on V1; delete it and re-tune for V1",
                    edits=ctx.edits(s.delete), applicability=Applicability.UNSAFE, fix_message="delete it",
                    severity=Severity.ERROR,
                )
            elif ctx.target_at_least("0.11.1"):
                yield ctx.report(s, "`VLLM_USE_V1` was removed in vllm 0.11.1 and is ignored")
