"""Single-key LMI changes: removed, renamed, typo'd and conflicting option keys and env vars. Plain removals and
renames are rows of key_changes.py; the NeuronX and TensorRT-LLM options have modules of their own.

Fix policy of the LMI pack (see each rule's "Fix safety"): a fix is SAFE when the fixed configuration behaves on
the target as the original did on the source through a 1:1 mapping upstream defines (a rename), when it deletes
keys nothing on the target reads, or when it writes down what LMI does on its own at start. A fix that makes a
setting take effect that never did, or picks a different backend, is UNSAFE.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.stacks.lmi.env import env_to_lmi_key
from lmimigrate.core.rule import Rule, spelled

from .common import MODEL_INFO, PROPS, ev, get, is_neuron, is_trt, lmi_scopes, rolling_batch, set_to, value
from .inventory import LMI_OPTIONS

SERVER = "serving/src/main/java/ai/djl/serving/ModelServer.java"


class SqueezeLlm(Rule):
    code = "LMI017"
    name = "squeezellm-removed"
    stack = "lmi"
    changed_in = "12"
    severity = Severity.ERROR
    summary = "`option.quantize=squeezellm`: vLLM removed SqueezeLLM; dead from LMI v12 (vLLM 0.6.2)"
    looks_at = ("lmi:option.quantize",)
    tokens = (b"squeezellm", b"SQUEEZELLM")
    what = "Reports `option.quantize=squeezellm` (`OPTION_QUANTIZE`, `HF_MODEL_QUANTIZE`) when the target is LMI v12 or later."
    why = (
        "vLLM removed SqueezeLLM (vllm-project/vllm PR #7971 / #8220) before 0.6.2, the vLLM of LMI v12 (lmi-dist "
        "12 is built on the same vLLM). LMI v12 still listed it in its quantize enum, but the engine cannot load "
        "it; from v13 LMI passes `option.quantize` to the engine unchecked. Seed guides listing `squeezellm` as "
        "supported (\">= 0.27.0\") describe v9-v11."
    )
    fix_safety = "No fix: the checkpoint must be re-quantized (AWQ, GPTQ, FP8) or served unquantized."
    evidence = (
        ev("djl-serving 0.31.0 (LMI v13)", PROPS + "vllm_rb_properties.py",
           "commit 0d9a7e68 \"remove quantization enum and rely on engine validation\" (the enum still listed `squeezellm`)",
           "§2 v12→v13; R7"),
        ev("vLLM 0.6.2 (LMI v12)", "vllm/model_executor/layers/quantization/__init__.py",
           "SqueezeLLM removed (vllm-project/vllm #7971, #8220; referenced by sgl-project/sglang#1603)", "§2 v12→v13 [3P]; R7"),
    )
    invalid = (
        Example("serving.properties", "option.model_id=squeeze-ai-lab/sq-llama-2-7b-w4-s0\noption.rolling_batch=vllm\n"
                "option.quantize=squeezellm\noption.max_model_len=4096\n", from_="lmi==v11", to="lmi==v12"),
        Example("model.env", "HF_MODEL_ID=squeeze-ai-lab/sq-llama-2-7b-w4-s0\nOPTION_ROLLING_BATCH=vllm\nHF_MODEL_QUANTIZE=squeezellm\n", to="lmi==v16"),
    )
    valid = (Example("serving.properties", "option.rolling_batch=vllm\noption.quantize=awq\n", from_="lmi==v11", to="lmi==v12"),)

    def check(self, ctx):
        for scope, s in set_to(ctx, "option.quantize", "squeezellm"):
            if not is_trt(scope):
                yield ctx.report(s, f"`{spelled(s)}`: vLLM removed SqueezeLLM; LMI v12+ cannot load it. Re-quantize (awq, gptq, fp8)")


#: vLLM-native names LMI v14+ checks against its own (handle_lmi_vllm_config_conflicts).
CONFLICTS = {
    "option.max_num_seqs": "option.max_rolling_batch_size",
    "option.tensor_parallel_size": "option.tensor_parallel_degree",
    "option.pipeline_parallel_size": "option.pipeline_parallel_degree",
}


class VllmNativeConflict(Rule):
    code = "LMI019"
    name = "vllm-native-name-conflict"
    stack = "lmi"
    changed_in = "14"
    trigger = "target"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "`option.max_num_seqs` / `tensor_parallel_size` / `pipeline_parallel_size` conflict with LMI's own names from v14"
    looks_at = tuple(f"lmi:{k}" for k in CONFLICTS)
    tokens = (b"max_num_seqs", b"MAX_NUM_SEQS", b"tensor_parallel_size", b"TENSOR_PARALLEL_SIZE",
              b"pipeline_parallel_size", b"PIPELINE_PARALLEL_SIZE")
    what = (
        "On the vLLM backend (not TensorRT-LLM), reports `option.max_num_seqs`, `option.tensor_parallel_size` and "
        "`option.pipeline_parallel_size` (and their `OPTION_*` env forms) when the target is LMI v14 or later."
    )
    why = (
        "From v14 LMI forwards vLLM engine arguments, but `handle_lmi_vllm_config_conflicts` raises `ValueError` "
        "(\"We currently only accept the DJL config\") when one of these differs from LMI's value. LMI always fills "
        "`max_rolling_batch_size` (32 or 256) and `tensor_parallel_degree`, so `option.max_num_seqs=X` alone fails "
        "at load unless X equals the default. Before v14 the vLLM names were ignored."
    )
    fix_safety = (
        "Unsafe: renaming to the LMI name makes the value take effect (up to v13 it was ignored). When the LMI name "
        "is also set to the same value, the fix deletes the vLLM name, which is safe (no conflict, same value). "
        "Different values: no fix."
    )
    evidence = (
        ev("djl-serving 0.32.0 (LMI v14) to master", PROPS + "vllm_rb_properties.py",
           "`handle_lmi_vllm_config_conflicts`: ValueError \"... We currently only accept the DJL config ...\"",
           "§3.2 era B pass-through mechanics 3; R8"),
    )
    invalid = (
        Example("serving.properties", "engine=Python\noption.model_id=x\noption.rolling_batch=vllm\noption.max_num_seqs=128\n",
                fixed="engine=Python\noption.model_id=x\noption.rolling_batch=vllm\noption.max_rolling_batch_size=128\n",
                unsafe=True, from_="lmi==v13", to="lmi==v14"),
        Example("model.env", "HF_MODEL_ID=x\nOPTION_TENSOR_PARALLEL_DEGREE=4\nOPTION_TENSOR_PARALLEL_SIZE=4\n",
                fixed="HF_MODEL_ID=x\nOPTION_TENSOR_PARALLEL_DEGREE=4\n", from_="lmi==v16", to="lmi==v16"),
    )
    valid = (
        Example("serving.properties", "option.rolling_batch=vllm\noption.max_num_seqs=128\n", from_="lmi==v12", to="lmi==v13"),
        Example("serving.properties", "option.rolling_batch=trtllm\noption.pipeline_parallel_size=2\n", from_="lmi==v16", to="lmi==v16"),
    )

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            rb = rolling_batch(scope)
            if is_trt(scope) or is_neuron(scope) or rb in ("scheduler", "?"):
                continue
            if rb == "lmi-dist" and not ctx.target_at_least("15"):
                continue  # lmi-dist has its own closed option model; from v15 LMI runs it on vLLM
            for native, lmi in CONFLICTS.items():
                for s in scope.all("lmi", native):
                    other = get(scope, lmi)
                    short = lmi[len("option."):]
                    if other is None:
                        yield ctx.report(
                            s, f"`{s.origin.raw_key}` conflicts with LMI's `{short}` (LMI v14+ fails with ValueError "
                            f"unless both agree); use `{short}`",
                            edits=ctx.edits(s.rename, lmi), fix_message=f"rename to `{short}`",
                        )
                    elif other.literal and s.literal and (other.text_value or "").strip() == (s.text_value or "").strip():
                        yield ctx.report(
                            s, f"`{s.origin.raw_key}` repeats `{short}`; LMI v14+ only accepts the LMI name",
                            edits=ctx.edits(s.delete), applicability=Applicability.SAFE,
                            fix_message=f"remove `{s.origin.raw_key}`",
                        )
                    else:
                        yield ctx.report(
                            s, f"`{s.origin.raw_key}` differs from `{short}`: LMI v14+ fails with ValueError; keep only `{short}`"
                        )


class HfModelRevision(Rule):
    code = "LMI020"
    name = "hf-model-revision-renamed"
    stack = "lmi"
    changed_in = "9"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`HF_MODEL_REVISION` is no longer read from LMI v9 (0.27.0); it is `HF_REVISION`"
    looks_at = ("env:HF_MODEL_REVISION",)
    tokens = (b"HF_MODEL_REVISION",)
    what = "Reports the `HF_MODEL_REVISION` environment variable when the target is LMI v9 or later."
    why = (
        "`ModelServer` read `HF_MODEL_REVISION` up to 0.26 and `HF_REVISION` from 0.27: the old name is ignored, "
        "so the model is downloaded at its default branch instead of the pinned revision."
    )
    fix_safety = "Safe: a 1:1 rename; the pinned revision applies again as it did on the source."
    evidence = (
        ev("djl-serving 0.27.0 (LMI v9)", SERVER, "reads `HF_REVISION` (0.23-0.26: `HF_MODEL_REVISION`)", "§2 v8→v9; §4.3; R16"),
    )
    invalid = (
        Example("model.env", "HF_MODEL_ID=mistralai/Mistral-7B-v0.1\nHF_MODEL_REVISION=26bca36\n",
                fixed="HF_MODEL_ID=mistralai/Mistral-7B-v0.1\nHF_REVISION=26bca36\n", from_="lmi==v8", to="lmi==v9"),
    )
    valid = (Example("model.env", "HF_MODEL_ID=x\nHF_REVISION=26bca36\n", from_="lmi==v8", to="lmi==v9"),)

    def check(self, ctx):
        for s in ctx.settings("env", "HF_MODEL_REVISION"):
            has_new = s.scope.get("env", "HF_REVISION") is not None
            yield ctx.report(
                s, "`HF_MODEL_REVISION` is ignored from LMI v9 (0.27.0); use `HF_REVISION`",
                edits=None if has_new else ctx.edits(s.rename, "HF_REVISION"), fix_message="rename to `HF_REVISION`",
            )


class EnableStreaming(Rule):
    code = "LMI023"
    name = "enable-streaming-deprecated"
    stack = "lmi"
    trigger = "always"
    severity = Severity.INFO
    fix_applicability = Applicability.SAFE
    summary = "`option.enable_streaming` is deprecated; with rolling batch the request's `stream` flag decides"
    looks_at = ("lmi:option.enable_streaming",)
    tokens = (b"enable_streaming", b"ENABLE_STREAMING")
    what = (
        "Reports `option.enable_streaming` in a rolling-batch configuration (vLLM, lmi-dist, TensorRT-LLM, `auto` "
        "or unset). It stays meaningful on the non-rolling HF Accelerate path (`option.rolling_batch=disable` "
        "without async mode), which is not reported."
    )
    why = (
        "The properties validator warns \"streaming is deprecated\"; rolling-batch handlers stream when the request "
        "body sets `\"stream\": true`, whatever this option says."
    )
    fix_safety = "Safe: rolling-batch handlers do not read the option, so deleting it changes nothing."
    evidence = (
        ev("djl-serving 0.27.0 (LMI v9) to master", PROPS + "properties.py",
           "validator on `enable_streaming`: \"streaming is deprecated\"", "§3.1 option.enable_streaming; R18"),
    )
    invalid = (
        Example("serving.properties", "option.model_id=x\noption.rolling_batch=vllm\noption.enable_streaming=true\n",
                fixed="option.model_id=x\noption.rolling_batch=vllm\n"),
    )
    valid = (Example("serving.properties", "option.entryPoint=djl_python.huggingface\noption.rolling_batch=disable\n"
                     "option.enable_streaming=true\n"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            s = get(scope, "option.enable_streaming")
            if s is None:
                continue
            rb = rolling_batch(scope)
            if rb == "?" or (rb == "disable" and value(get(scope, "option.async_mode")) != "true"):
                continue
            yield ctx.report(s, f"`{s.origin.raw_key}` is deprecated and ignored with rolling batch; clients ask for "
                             "streaming with `\"stream\": true`", edits=ctx.edits(s.delete), fix_message="remove it")


class PredictionTimeout(Rule):
    code = "LMI024"
    name = "prediction-timeout-no-op"
    stack = "lmi"
    trigger = "always"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "`option.prediction_timeout` is not a DJL key (old SageMaker SDK spelling); the key is `option.predict_timeout`"
    looks_at = ("lmi:option.prediction_timeout",)
    tokens = (b"prediction_timeout", b"PREDICTION_TIMEOUT")
    what = "Reports `option.prediction_timeout` / `OPTION_PREDICTION_TIMEOUT` in any LMI version."
    why = (
        "SageMaker SDK releases before 2.224.2 wrote `option.prediction_timeout` into serving.properties, but DJL "
        "reads `predict_timeout` (`PyModel.java`); `prediction_timeout` occurs nowhere in djl-serving, so it was "
        "always a silent no-op and the image default (`PREDICT_TIMEOUT=240`) applied."
    )
    fix_safety = "Unsafe: after the rename the timeout takes effect for the first time."
    evidence = (
        ev("djl-serving (all releases)", "engines/python/src/main/java/ai/djl/python/engine/PyModel.java",
           "reads `predict_timeout`; `prediction_timeout` appears nowhere in djl-serving", "§1.4 SDK v2 before 2.224.2; R19"),
    )
    invalid = (
        Example("serving.properties", "engine=Python\noption.model_id=x\noption.prediction_timeout=600\n",
                fixed="engine=Python\noption.model_id=x\noption.predict_timeout=600\n", unsafe=True),
    )
    valid = (Example("serving.properties", "engine=Python\noption.predict_timeout=600\n"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            for s in scope.all("lmi", "option.prediction_timeout"):
                has = get(scope, "option.predict_timeout") is not None
                yield ctx.report(s, f"`{s.origin.raw_key}` is not read by DJL Serving (it never was); the key is `predict_timeout`",
                                 edits=None if has else ctx.edits(s.rename, "option.predict_timeout"),
                                 fix_message="rename to `option.predict_timeout`")


def _known_somewhere(key: str, major: int) -> bool:
    k = key[len("option."):] if key.startswith("option.") else key
    for table in LMI_OPTIONS.values():
        r = table.get(k)
        if r is not None and r[0] <= major and (r[1] is None or major < r[1]):
            return True
    return False


class OptionMixedCase(Rule):
    code = "LMI027"
    name = "option-env-mixed-case"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "From LMI v10 an `OPTION_*` suffix that is not all capitals is kept verbatim, not lower-cased"
    looks_at = ("env:OPTION_*",)
    tokens = (b"OPTION_",)
    what = (
        "Reports `OPTION_<Suffix>` environment variables whose suffix has lower-case letters, when the verbatim "
        "key is not an LMI option but the lower-cased one is (e.g. `OPTION_Max_Rolling_Batch_Size`), for targets "
        "from LMI v10."
    )
    why = (
        "Up to 0.27 `ModelInfo` lower-cased every `OPTION_` suffix. From 0.28 only suffixes matching `[A-Z_\\d]+` "
        "are lower-cased; others are kept as written (so `OPTION_entryPoint` works), and a mixed-case spelling of a "
        "snake_case option becomes an unknown key that LMI ignores."
    )
    fix_safety = "Safe: the all-capitals spelling maps to the same key the source release read."
    evidence = (
        ev("djl-serving 0.28.0 (LMI v10)", MODEL_INFO, "`OPTION_` suffix lower-cased only when it matches `[A-Z_\\d]+`",
           "§4.4 step 2; R23"),
    )
    invalid = (
        Example("model.env", "HF_MODEL_ID=x\nOPTION_Max_Rolling_Batch_Size=64\n",
                fixed="HF_MODEL_ID=x\nOPTION_MAX_ROLLING_BATCH_SIZE=64\n", from_="lmi==v9", to="lmi==v10"),
    )
    valid = (Example("model.env", "HF_MODEL_ID=x\nOPTION_entryPoint=djl_python.huggingface\nOPTION_MAX_MODEL_LEN=1\n",
                     from_="lmi==v9", to="lmi==v10"),)

    def check(self, ctx):
        pair = ctx.pair("lmi")
        major = int(pair.to.major) if pair else 10
        for scope in lmi_scopes(ctx):
            for s in scope.settings:
                if s.ns != "env" or not s.key.startswith("OPTION_") or s.key[7:].upper() == s.key[7:]:
                    continue
                verbatim = env_to_lmi_key(s.key)
                lowered = env_to_lmi_key("OPTION_" + s.key[7:].upper())
                if verbatim is None or lowered is None or _known_somewhere(verbatim, major) or not _known_somewhere(lowered, major):
                    continue
                yield ctx.report(s, f"`{s.key}` sets `{verbatim}` on LMI v10+ (mixed case is kept verbatim), not "
                                 f"`{lowered}`; write `OPTION_{s.key[7:].upper()}`",
                                 edits=ctx.edits(s.rename, "OPTION_" + s.key[7:].upper()), fix_message="use capitals")
