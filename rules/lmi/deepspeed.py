"""LMI v10 (0.28.0) removed DeepSpeed: the engine alias, the handler, the rolling batcher and their options.

Reference lmi_ground_truth.md §2 "v9 → v10", rule R1. Note for readers of older guides (seed 002): the
starting guide's `image_uris.retrieve(framework="djl-deepspeed", version="0.27.0")` no longer applies from
0.28.0; see LMI070.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule, spelled

from .common import PROPS, ev, get, lmi_scopes, rolling_batch, set_to, value

DS_DOC = "serving/docs/lmi/announcements/deepspeed-deprecation.md (branch 0.28.0-dlc)"
EV_DOC = ev(
    "djl-serving 0.28.0 (LMI v10)", DS_DOC,
    "\"The `deepspeed` container has been renamed to the `lmi` container.\" \"As part of this change, we have "
    "decided to discontinue integration with the DeepSpeed inference library.\" \"You can continue to use vLLM or "
    "LMi-dist Library with the LMI container.\"",
    "§2 v9→v10; R1",
)
EV_PROVIDER = ev(
    "djl-serving 0.28.0 (LMI v10)",
    "engines/python/src/main/resources/META-INF/services/ai.djl.engine.EngineProvider",
    "`MpiEngineProvider$DsEngineProvider` (the `DeepSpeed` engine alias) is no longer listed",
    "§2 v9→v10; R1",
)
EV_FIELDS = ev(
    "djl-serving 0.27.0 (LMI v9)", PROPS + "ds_properties.py (branch 0.27.0-dlc; file deleted in 0.28.0)",
    "`class DeepSpeedProperties(Properties)`: `max_tokens`, `enable_cuda_graph`, `triangular_masking`, "
    "`return_tuple`, `training_mp_size`, `checkpoint`, `save_mp_checkpoint_path`, `ds_config` "
    "(alias `deepspeed_config_path`), `smoothquant_alpha`",
    "§2 v9→v10; R1",
)

#: DeepSpeed-only option keys (ds_properties.py@0.27.0-dlc), dropped with the handler in v10.
DS_ONLY_KEYS = (
    "max_tokens", "enable_cuda_graph", "triangular_masking", "return_tuple", "training_mp_size", "checkpoint",
    "save_mp_checkpoint_path", "deepspeed_config_path", "smoothquant_alpha",
)
DS_QUANTIZE = ("smoothquant", "dynamic_int8")


def is_deepspeed(scope) -> bool:
    return (
        value(get(scope, "engine")) == "deepspeed"
        or rolling_batch(scope) == "deepspeed"
        or (value(get(scope, "option.entryPoint")) or "") == "djl_python.deepspeed"
    )


def _target_backend(ctx) -> str:
    return "vLLM (`option.rolling_batch=vllm`)" if ctx.target_at_least("15") else "lmi-dist or vLLM"


class DeepSpeedEngine(Rule):
    code = "LMI002"
    name = "deepspeed-engine-removed"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "`engine=DeepSpeed` no longer resolves from LMI v10 (0.28.0): the DeepSpeed engine was removed"
    looks_at = ("lmi:engine",)
    tokens = (b"DeepSpeed", b"deepspeed", b"DEEPSPEED")
    what = "Reports `engine=DeepSpeed` (serving.properties, `OPTION_ENGINE=DeepSpeed`, option maps) when the target is LMI v10 or later."
    why = (
        "LMI v10 removed DeepSpeed: the `DeepSpeed` engine alias was taken out of the engine provider list, so the "
        "model fails to load. The documented replacement is `engine=Python` with a rolling-batch backend: lmi-dist "
        "(`option.mpi_mode=true`) on v10-v14, vLLM from v15 (lmi-dist was removed in v15)."
    )
    fix_safety = (
        "Unsafe: the model then runs on a different backend (lmi-dist or vLLM instead of DeepSpeed), with other "
        "kernels, memory use and defaults. For a v10-v14 target the fix also adds `option.mpi_mode=true` as the "
        "deprecation guide says (lmi-dist needs MPI); from v15 `engine=Python` alone selects vLLM."
    )
    evidence = (EV_DOC, EV_PROVIDER)
    invalid = (
        Example(
            "serving.properties",
            "engine=DeepSpeed\noption.model_id=TheBloke/Llama-2-13B-fp16\noption.tensor_parallel_degree=4\n",
            fixed="engine=Python\noption.model_id=TheBloke/Llama-2-13B-fp16\noption.tensor_parallel_degree=4\n"
            "option.mpi_mode=true\n",
            unsafe=True, from_="lmi==v9", to="lmi==v10",
        ),
        Example(
            "model.env",
            "HF_MODEL_ID=TheBloke/Llama-2-13B-fp16\nOPTION_ENGINE=DeepSpeed\nOPTION_MAX_MODEL_LEN=4096\n",
            fixed="HF_MODEL_ID=TheBloke/Llama-2-13B-fp16\nOPTION_ENGINE=Python\nOPTION_MAX_MODEL_LEN=4096\n",
            unsafe=True, from_="lmi==v9", to="lmi==v15",
        ),
    )
    valid = (
        Example("serving.properties", "engine=DeepSpeed\noption.model_id=x\n", from_="lmi==v8", to="lmi==v9"),
        Example("serving.properties", "engine=Python\noption.model_id=x\n", from_="lmi==v9", to="lmi==v10"),
    )

    def check(self, ctx):
        for scope, s in set_to(ctx, "engine", "deepspeed"):
            edits = ctx.edits(s.set_value, "Python")
            # lmi-dist (v10-v14) needs MPI; a scope moving to vLLM (`rolling_batch=deepspeed` -> `vllm`, LMI003) does not.
            lmi_dist_next = rolling_batch(scope) in (None, "auto", "lmi-dist")
            if edits is not None and lmi_dist_next and not ctx.target_at_least("15") and get(scope, "option.mpi_mode") is None:
                more = ctx.edits(scope.insert, "lmi", "option.mpi_mode", "true")
                edits = edits + more if more is not None else None
            yield ctx.report(
                s,
                f"`{spelled(s)}`: the DeepSpeed engine was removed in LMI v10 (0.28.0); use `engine=Python` with "
                f"{_target_backend(ctx)}",
                edits=edits,
                fix_message="set `engine=Python`" + (" and `option.mpi_mode=true`" if edits and len(edits) > 1 else ""),
            )


class DeepSpeedRollingBatch(Rule):
    code = "LMI003"
    name = "deepspeed-rolling-batch-removed"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "`option.rolling_batch=deepspeed` is not a valid rolling-batch backend from LMI v10 (0.28.0)"
    looks_at = ("lmi:option.rolling_batch",)
    tokens = (b"deepspeed", b"DeepSpeed", b"DEEPSPEED")
    what = "Reports `option.rolling_batch=deepspeed` (any spelling) when the target is LMI v10 or later."
    why = (
        "`deepspeed` was removed from `RollingBatchEnum` in 0.28.0, so pydantic rejects the configuration when "
        "the model loads. Move to `vllm` (from v15 the only GPU rolling-batch backend) or lmi-dist (v10-v14)."
    )
    fix_safety = (
        "Unsafe: `option.rolling_batch=vllm` runs the model on vLLM, a different engine with different memory "
        "use and defaults; review `option.max_rolling_batch_size` and the tensor-parallel degree."
    )
    evidence = (
        EV_DOC,
        ev("djl-serving 0.28.0 (LMI v10)", PROPS + "properties.py",
           "`class RollingBatchEnum`: `vllm`, `tnx`, `lmi-dist`, `scheduler`, `auto`, `disable`, `trtllm` (no `deepspeed`)",
           "§3.1 option.rolling_batch; R1"),
    )
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=TheBloke/Llama-2-13B-fp16\noption.rolling_batch=deepspeed\n",
            fixed="engine=Python\noption.model_id=TheBloke/Llama-2-13B-fp16\noption.rolling_batch=vllm\n",
            unsafe=True, from_="lmi==v9", to="lmi==v10",
        ),
        Example(
            "compose.yaml",
            "services:\n  lmi:\n    image: deepjavalibrary/djl-serving:0.27.0-deepspeed\n    environment:\n"
            "      HF_MODEL_ID: TheBloke/Llama-2-13B-fp16\n      OPTION_ROLLING_BATCH: deepspeed\n",
            fixed="services:\n  lmi:\n    image: deepjavalibrary/djl-serving:0.28.0-lmi\n    environment:\n"
            "      HF_MODEL_ID: TheBloke/Llama-2-13B-fp16\n      OPTION_ROLLING_BATCH: vllm\n",
            unsafe=True, from_="lmi==v9", to="lmi==v10",
        ),
    )
    valid = (Example("serving.properties", "option.rolling_batch=vllm\n", from_="lmi==v9", to="lmi==v10"),)

    def check(self, ctx):
        for scope, s in set_to(ctx, "option.rolling_batch", "deepspeed"):
            yield ctx.report(
                s,
                f"`{spelled(s)}`: the DeepSpeed rolling batcher was removed in LMI v10 (0.28.0); use `vllm`",
                edits=ctx.edits(s.set_value, "vllm"),
                fix_message="use `vllm`",
            )


class DeepSpeedEntryPoint(Rule):
    code = "LMI004"
    name = "deepspeed-entry-point-removed"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "`option.entryPoint=djl_python.deepspeed` names a handler removed in LMI v10 (0.28.0)"
    looks_at = ("lmi:option.entryPoint",)
    tokens = (b"djl_python.deepspeed",)
    what = "Reports `option.entryPoint=djl_python.deepspeed` / `OPTION_ENTRYPOINT=djl_python.deepspeed` for LMI v10 and later."
    why = (
        "`djl_python/deepspeed.py` was deleted in 0.28.0; the handler module cannot be imported. Without an "
        "entry point LMI picks the right handler for the rolling-batch backend itself."
    )
    fix_safety = "Unsafe: removing the entry point lets LMI choose the handler (vLLM or lmi-dist), a different engine."
    evidence = (EV_DOC,)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.entryPoint=djl_python.deepspeed\noption.model_id=TheBloke/Llama-2-13B-fp16\n",
            fixed="engine=Python\noption.model_id=TheBloke/Llama-2-13B-fp16\n",
            unsafe=True, from_="lmi==v9", to="lmi==v10",
        ),
    )
    valid = (Example("serving.properties", "option.entryPoint=djl_python.huggingface\n", from_="lmi==v9", to="lmi==v10"),)

    def check(self, ctx):
        for scope, s in set_to(ctx, "option.entryPoint", "djl_python.deepspeed"):
            yield ctx.report(
                s,
                f"`{spelled(s)}`: `djl_python.deepspeed` was removed in LMI v10 (0.28.0); remove the entry point "
                "and let LMI pick the handler",
                edits=ctx.edits(s.delete),
                fix_message="remove the entry point",
            )


class DeepSpeedOnlyOption(Rule):
    code = "LMI005"
    name = "deepspeed-only-option"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "A DeepSpeed-only option in a DeepSpeed configuration: nothing reads it from LMI v10 (0.28.0)"
    looks_at = tuple(f"lmi:option.{k}" for k in DS_ONLY_KEYS)
    tokens = (b"deepspeed", b"DeepSpeed", b"DEEPSPEED")
    what = (
        "In a DeepSpeed configuration (`engine=DeepSpeed`, `option.rolling_batch=deepspeed` or "
        "`option.entryPoint=djl_python.deepspeed`), reports the DeepSpeed-only options " +
        ", ".join(f"`option.{k}`" for k in DS_ONLY_KEYS) + " when the target is LMI v10 or later."
    )
    why = (
        "These fields existed only in `DeepSpeedProperties`, deleted with the DeepSpeed handler in 0.28.0. "
        "After the move to vLLM or lmi-dist they are dead configuration (the vLLM era-A and lmi-dist models "
        "ignore unknown keys; from v14 vLLM's pass-through drops names that are not engine arguments)."
    )
    fix_safety = (
        "Safe: the fix deletes keys no built-in handler of the target reads, so runtime behaviour does not change. "
        "Unsafe when the repository has its own handler (`model.py` / `inference.py` beside serving.properties, or "
        "an `option.entryPoint` that is not a `djl_python` module): it may read the key (this applies to every "
        "LMI fix that removes or renames a key)."
    )
    evidence = (EV_FIELDS, EV_DOC)
    invalid = (
        Example(
            "serving.properties",
            "engine=DeepSpeed\noption.model_id=x\noption.max_tokens=2048\noption.enable_cuda_graph=true\n",
            fixed="engine=DeepSpeed\noption.model_id=x\n",
            from_="lmi==v9", to="lmi==v10",
        ),
    )
    valid = (
        # `max_tokens` is a TensorRT-LLM KV-cache key from v15: only DeepSpeed configurations are checked.
        Example("serving.properties", "option.rolling_batch=trtllm\noption.max_tokens=2048\n", from_="lmi==v9", to="lmi==v15"),
    )

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            if not is_deepspeed(scope):
                continue
            for key in DS_ONLY_KEYS:
                for s in scope.all("lmi", "option." + key):
                    yield ctx.report(
                        s,
                        f"`{s.origin.raw_key}` was read only by the DeepSpeed handler, removed in LMI v10 (0.28.0)",
                        edits=ctx.edits(s.delete),
                        fix_message=f"remove `{s.origin.raw_key}`",
                    )


class DeepSpeedQuantize(Rule):
    code = "LMI006"
    name = "deepspeed-quantize-method"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.ERROR
    summary = "`option.quantize=smoothquant|dynamic_int8` were DeepSpeed methods; the LMI v10 backends do not have them"
    looks_at = ("lmi:option.quantize",)
    tokens = (b"smoothquant", b"dynamic_int8", b"SMOOTHQUANT", b"DYNAMIC_INT8")
    what = (
        "Reports `option.quantize=smoothquant` or `dynamic_int8` outside a TensorRT-LLM configuration when the "
        "target is LMI v10 or later."
    )
    why = (
        "`smoothquant` and `dynamic_int8` were members of `DsQuantizeMethods` (DeepSpeed). lmi-dist and vLLM "
        "validate `option.quantize` against their own methods (awq, gptq, fp8 ...), so the model fails to load; "
        "a SmoothQuant model needs the TensorRT-LLM container (which has its own `smoothquant`) or a "
        "re-quantized checkpoint."
    )
    fix_safety = "No fix: the right quantization for the new backend depends on the checkpoint."
    evidence = (EV_FIELDS, EV_DOC)
    invalid = (
        Example("serving.properties", "engine=DeepSpeed\noption.model_id=x\noption.quantize=smoothquant\n",
                from_="lmi==v9", to="lmi==v10"),
    )
    valid = (
        Example("serving.properties", "engine=MPI\noption.rolling_batch=trtllm\noption.quantize=smoothquant\n",
                from_="lmi==v9", to="lmi==v10"),
    )

    def check(self, ctx):
        from .common import is_trt

        for scope, s in set_to(ctx, "option.quantize", *DS_QUANTIZE):
            if is_trt(scope):
                continue
            yield ctx.report(
                s, f"`{spelled(s)}` was a DeepSpeed quantization method, removed in LMI v10 (0.28.0); "
                "re-quantize (awq, gptq, fp8) or use the TensorRT-LLM container"
            )


class ServingLoadModels(Rule):
    code = "LMI007"
    name = "serving-load-models-deprecated"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.WARNING
    summary = "`SERVING_LOAD_MODELS` is deprecated from LMI v10 (0.28.0); use `HF_MODEL_ID`"
    looks_at = ("env:SERVING_LOAD_MODELS",)
    tokens = (b"SERVING_LOAD_MODELS",)
    what = "Reports the `SERVING_LOAD_MODELS` environment variable when the target is LMI v10 or later."
    why = (
        "The LMI v10 release notes deprecate `SERVING_LOAD_MODELS` (historically `test::<engine>=/opt/ml/model`, "
        "which also chose the engine) in favour of `HF_MODEL_ID` (a Hub id, `s3://` URL or `/opt/ml/model`) and "
        "per-model `serving.properties`/`OPTION_*` settings."
    )
    fix_safety = "No fix: the engine encoded in the value has to move to `OPTION_ENGINE`/`engine` by hand."
    evidence = (
        ev("djl-serving 0.29.0 (release notes titled LMI V10)", "serving/docs/lmi/user_guides/release_notes.md (branch 0.29.0-dlc)",
           "\"SERVING_LOAD_MODELS\" deprecated: use `HF_MODEL_ID`", "§2 v9→v10; §4.4 historic"),
    )
    invalid = (
        Example("model.env", "SERVING_LOAD_MODELS=test::MPI=/opt/ml/model\nOPTION_ROLLING_BATCH=lmi-dist\n",
                from_="lmi==v9", to="lmi==v10"),
    )
    valid = (Example("model.env", "HF_MODEL_ID=/opt/ml/model\nOPTION_ROLLING_BATCH=lmi-dist\n", from_="lmi==v9", to="lmi==v10"),)

    def check(self, ctx):
        for s in ctx.settings("env", "SERVING_LOAD_MODELS"):
            yield ctx.report(
                s, "`SERVING_LOAD_MODELS` is deprecated since LMI v10 (0.28.0): set `HF_MODEL_ID` (and the engine "
                "with `OPTION_ENGINE`) instead"
            )
