"""LMI v17 (0.35.0) made vLLM async mode the default: reference lmi_ground_truth.md §2 "v16 → v17", §7.2 and
rules R11-R14. The seed starting guide's "MAX_BATCH_SIZE ... defaults to 256" is no longer true under it.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule, spelled

from .common import PY_LMI, RECOMMENDER, RELEASE_NOTES, ev, entry_point, get, is_mllama, is_neuron, is_t5, is_trt, lmi_scopes, model_id, rolling_batch, set_to, value

EV_DEFAULT = ev(
    "djl-serving 0.35.0 (LMI v17)", RECOMMENDER,
    "`setRollingBatch`: `auto` on a text-generation model with vLLM → `option.rolling_batch=disable` and "
    "`option.async_mode=true`; an explicit value returns early",
    "§2 v16→v17 item 1; R11",
)
EV_NOTES = ev("djl-serving 0.35.0 (LMI v17)", RELEASE_NOTES, "V17: async mode is the default for the vLLM backend", "§2 v16→v17 item 1; R11")
EV_BATCH = ev(
    "djl-serving 0.35.0 (LMI v17)", RECOMMENDER,
    "`setRollingBatchSize`: `rollingBatchSize = 32; if (\"vllm\".equals(rollingBatch)) rollingBatchSize = 256` (runs "
    "after `setRollingBatch`, which now leaves `disable`)",
    "§2 v16→v17 item 2 [CODE+INF]; R11",
)
EV_ASYNC_SERVICE = ev(
    "djl-serving 0.35.0 (LMI v17)", "engines/python/setup/djl_python/lmi_vllm/vllm_async_service.py",
    "`tgi_compat`, `bedrock_compat` and string `output_formatter` are not referenced anywhere in `djl_python/lmi_vllm/`",
    "§7.2 output differences; R11",
)
EV_MLLAMA = ev(
    "djl-serving 0.35.0 (LMI v17)", "tests/integration/tests.py",
    "`test_mllama_11b` commented out: \"MLlama is not supported in vllm v1, see vllm-project/vllm#27198\"",
    "§2 v16→v17 item 5; §5; R14",
)

ASYNC_ENTRY = "djl_python.lmi_vllm.vllm_async_service"


def default_backend(scope) -> bool:
    """A vLLM-image configuration that leaves the backend to LMI (rolling batch unset or `auto`, no entry point)."""
    if is_trt(scope) or is_neuron(scope):
        return False
    return rolling_batch(scope) in (None, "auto") and get(scope, "option.entryPoint") is None


def async_path(scope) -> bool:
    """Runs the v17 async handler: by default, or explicitly."""
    if is_trt(scope) or is_neuron(scope):
        return False
    ep = entry_point(scope)
    if ep == ASYNC_ENTRY or value(get(scope, "option.async_mode")) == "true":
        return True
    return default_backend(scope)


class AsyncBatchSize(Rule):
    code = "LMI033"
    name = "async-default-batch-size"
    stack = "lmi"
    changed_in = "17"
    trigger = "default"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "LMI v17 defaults to vLLM async mode, where the default `max_rolling_batch_size` drops from 256 to 32"
    looks_at = ("lmi:option.rolling_batch", "lmi:option.max_rolling_batch_size", "env:MAX_BATCH_SIZE")
    tokens = (b"option.", b"OPTION_", b"HF_MODEL_ID")
    what = (
        "Reports a vLLM configuration that leaves the backend to LMI (`option.rolling_batch` unset or `auto`, no "
        "entry point; not TensorRT-LLM, Neuron or T5) and sets no `option.max_rolling_batch_size` / "
        "`MAX_BATCH_SIZE`, when upgrading across LMI v17 (0.35.0)."
    )
    why = (
        "From v17 `auto` becomes `option.rolling_batch=disable` + `option.async_mode=true`. The batch-size default "
        "is chosen after that: 256 only for `vllm`, else 32, and the async service maps it to vLLM `max_num_seqs`. "
        "A deployment tuned for 256 concurrent sequences silently runs with 32 (derived from code order, not "
        "documented; the starting guide still says 256). Requests change too: see LMI045-LMI047. Setting "
        "`option.rolling_batch=vllm` keeps the old synchronous handler instead (to be removed eventually)."
    )
    fix_safety = (
        "Unsafe: the fix pins `option.max_rolling_batch_size=256`, the previous effective value (vLLM and lmi-dist), "
        "so throughput and memory stay as before; check that the instance still has the KV-cache room under the "
        "newer vLLM."
    )
    evidence = (EV_DEFAULT, EV_BATCH, EV_NOTES)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.max_model_len=8192\n",
            fixed="engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.max_model_len=8192\n"
            "option.max_rolling_batch_size=256\n",
            unsafe=True, from_="lmi==v16", to="lmi==v17",
        ),
        Example(
            "model.env",
            "HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_MAX_MODEL_LEN=8192\n",
            fixed="HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_MAX_MODEL_LEN=8192\nOPTION_MAX_ROLLING_BATCH_SIZE=256\n",
            unsafe=True, from_="lmi==v16", to="lmi==v17",
        ),
    )
    valid = (
        Example("model.env", "HF_MODEL_ID=x\nOPTION_MAX_MODEL_LEN=8192\nMAX_BATCH_SIZE=64\n", from_="lmi==v16", to="lmi==v17"),
        Example("serving.properties", "option.model_id=x\noption.rolling_batch=vllm\n", from_="lmi==v16", to="lmi==v17"),
        Example("serving.properties", "option.model_id=x\n", from_="lmi==v17", to="lmi==v18"),
    )

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            if not default_backend(scope) or get(scope, "option.max_rolling_batch_size") is not None:
                continue
            m = model_id(scope, ctx)
            rb = get(scope, "option.rolling_batch")
            if (rb is None and get(scope, "option.model_id") is None) or is_t5(m) or is_mllama(m):
                continue
            yield ctx.report(
                rb or get(scope, "option.model_id"),
                "LMI v17 (0.35.0) runs this configuration in vLLM async mode, where the default "
                "`max_rolling_batch_size` is 32 instead of 256; pin it (or set `option.rolling_batch=vllm` to keep "
                "the synchronous handler)",
                edits=ctx.edits(scope.insert, "lmi", "option.max_rolling_batch_size", "256"),
                fix_message="pin `option.max_rolling_batch_size=256`",
            )


class AsyncTrioRedundant(Rule):
    code = "LMI035"
    name = "async-mode-explicit-trio"
    stack = "lmi"
    changed_in = "17"
    trigger = "default"
    severity = Severity.INFO
    summary = "The explicit async-mode trio is the default from LMI v17; it can stay for explicitness"
    looks_at = ("lmi:option.async_mode", "lmi:option.rolling_batch", "lmi:option.entryPoint")
    tokens = (b"async_mode", b"ASYNC_MODE")
    what = (
        "Reports `option.async_mode=true` + `option.rolling_batch=disable` + "
        "`option.entryPoint=djl_python.lmi_vllm.vllm_async_service` when upgrading across LMI v17 (0.35.0)."
    )
    why = (
        "v15/v16 needed the three settings to opt in to async mode; from v17 LMI chooses exactly these for a "
        "text-generation model in the vLLM image. Keeping them is harmless and pins the behaviour; removing them "
        "is optional cleanup."
    )
    fix_safety = "No fix: both spellings behave the same on v17+."
    evidence = (EV_DEFAULT, ev("djl-serving 0.33.0 (LMI v15)", "serving/docs/lmi/user_guides/vllm_user_guide.md (branch 0.33.0-dlc)",
                               "async mode: `engine=Python`, `option.async_mode=true`, `option.rolling_batch=disable`, "
                               "`option.entryPoint=djl_python.lmi_vllm.vllm_async_service`", "§2 v14→v15 async mode; R12"))
    invalid = (
        Example("model.env", "HF_MODEL_ID=openai/gpt-oss-20b\nOPTION_ASYNC_MODE=true\nOPTION_ROLLING_BATCH=disable\n"
                "OPTION_ENTRYPOINT=djl_python.lmi_vllm.vllm_async_service\n", from_="lmi==v16", to="lmi==v17"),
    )
    valid = (
        Example("model.env", "HF_MODEL_ID=openai/gpt-oss-20b\nOPTION_ASYNC_MODE=true\nOPTION_ROLLING_BATCH=disable\n"
                "OPTION_ENTRYPOINT=djl_python.lmi_vllm.vllm_async_service\n", from_="lmi==v17", to="lmi==v17"),
    )

    def check(self, ctx):
        for scope, am in set_to(ctx, "option.async_mode", "true"):
            if rolling_batch(scope) == "disable" and entry_point(scope) == ASYNC_ENTRY:
                yield ctx.report(am, "async mode is the default from LMI v17 (0.35.0): these three settings are now "
                                 "optional (keeping them pins the behaviour)")


class HfEntryPointAsync(Rule):
    code = "LMI036"
    name = "hf-entry-point-without-rolling-batch"
    stack = "lmi"
    changed_in = "17"
    severity = Severity.WARNING
    summary = "`option.entryPoint=djl_python.huggingface` without `option.rolling_batch`: LMI v17 turns async mode on underneath it"
    looks_at = ("lmi:option.entryPoint", "lmi:option.rolling_batch")
    tokens = (b"djl_python.huggingface",)
    what = (
        "Reports `option.entryPoint=djl_python.huggingface` when `option.rolling_batch` is unset or `auto`, for "
        "targets from LMI v17 (0.35.0)."
    )
    why = (
        "From v17 the recommender sets `option.rolling_batch=disable` and `option.async_mode=true` for an `auto` "
        "text-generation model, but the explicit HF handler is synchronous. The combination is untested upstream "
        "(inferred from the code). Say what you want: `option.rolling_batch=disable` for the HF handler (e.g. T5), "
        "or remove the entry point for vLLM."
    )
    fix_safety = "No fix: which of the two you meant is your decision."
    evidence = (EV_DEFAULT,)
    invalid = (
        Example("serving.properties", "engine=Python\noption.model_id=x\noption.entryPoint=djl_python.huggingface\n",
                from_="lmi==v16", to="lmi==v17"),
    )
    valid = (Example("serving.properties", "engine=Python\noption.entryPoint=djl_python.huggingface\noption.rolling_batch=disable\n",
                     from_="lmi==v16", to="lmi==v17"),)

    def check(self, ctx):
        for scope, ep in set_to(ctx, "option.entryPoint", "djl_python.huggingface"):
            if rolling_batch(scope) in (None, "auto") and get(scope, "option.async_mode") is None:
                yield ctx.report(ep, f"`{spelled(ep)}` with no explicit rolling batch: LMI v17+ sets async mode on for "
                                 "this model; set `option.rolling_batch` explicitly (`disable` for the HF handler)")


class MllamaV17(Rule):
    code = "LMI037"
    name = "mllama-unsupported-vllm-v1"
    stack = "lmi"
    changed_in = "17"
    severity = Severity.ERROR
    summary = "MLlama (Llama 3.2 Vision) is not supported by the vLLM V1 engine bundled from LMI v17 (0.35.0)"
    looks_at = ("lmi:option.model_id",)
    # In Python the model comes from an env dict or a `model_id=` argument.
    tokens = PY_LMI | {"*": (b"Vision", b"vision", b"mllama", b"MLlama")}
    what = (
        "Reports a Llama-3.2-*-Vision (`mllama`) model served by vLLM or lmi-dist (explicit, `auto` or unset rolling "
        "batch; not TensorRT-LLM) when the target is LMI v17 or later. It is never rewritten to another backend."
    )
    why = (
        "LMI v17 bundles vLLM 0.11 (V1 engine only), which does not support MllamaForConditionalGeneration; the "
        "v17 integration tests disable `test_mllama_11b` for that reason. MLlama ran on vLLM in v12-v16 (V0 "
        "engine) and on lmi-dist from v13 (seed guides that say lmi-dist never supported it describe v12). Stay "
        "on LMI v16, or move to a model vLLM V1 supports."
    )
    fix_safety = "No fix: there is no supported path for this model on v17+."
    evidence = (EV_MLLAMA,)
    invalid = (
        Example("model.env", "HF_MODEL_ID=meta-llama/Llama-3.2-11B-Vision-Instruct\nOPTION_ROLLING_BATCH=vllm\n"
                "OPTION_MAX_MODEL_LEN=8192\n", from_="lmi==v16", to="lmi==v17"),
    )
    valid = (Example("model.env", "HF_MODEL_ID=meta-llama/Llama-3.2-11B-Vision-Instruct\nOPTION_ROLLING_BATCH=vllm\n",
                     from_="lmi==v15", to="lmi==v16"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            m = model_id(scope, ctx)
            if not is_mllama(m) or is_trt(scope) or is_neuron(scope):
                continue
            if rolling_batch(scope) not in (None, "auto", "vllm", "lmi-dist", "disable"):
                continue
            if rolling_batch(scope) == "disable" and not async_path(scope):
                continue
            at = get(scope, "option.model_id") or scope
            yield ctx.report(at, f"`{m}` (MLlama) is not supported by vLLM V1, the only engine from LMI v17 (0.35.0); "
                             "stay on LMI v16")


COMPAT_KEYS = ("option.tgi_compat", "option.bedrock_compat")
BUILTIN_FORMATTERS = ("json", "jsonlines", "sse")


class AsyncIgnoresCompat(Rule):
    code = "LMI038"
    name = "async-ignores-output-options"
    stack = "lmi"
    changed_in = "17"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "`tgi_compat`, `bedrock_compat` and `output_formatter=json|jsonlines|sse` are ignored by the v17 async handler"
    looks_at = COMPAT_KEYS + ("lmi:option.output_formatter",)
    tokens = (b"tgi_compat", b"TGI_COMPAT", b"bedrock_compat", b"BEDROCK_COMPAT", b"output_formatter", b"OUTPUT_FORMATTER")
    what = (
        "Reports `option.tgi_compat=true`, `option.bedrock_compat=true` and `option.output_formatter` set to "
        "`json`, `jsonlines` or `sse` in a configuration that runs the vLLM async handler on the target (by the v17 "
        "default or explicitly), for targets from LMI v17 (0.35.0)."
    )
    why = (
        "These options are read by the rolling-batch (synchronous) path only; nothing in `djl_python/lmi_vllm/` "
        "reads them, so after the v17 default switch responses lose the TGI/Bedrock shape or the chosen stream "
        "format without an error."
    )
    fix_safety = (
        "Unsafe: the fix sets `option.rolling_batch=vllm`, which keeps the synchronous handler that honours these "
        "options (with its 256 batch-size default); upstream plans to remove that handler eventually."
    )
    evidence = (EV_ASYNC_SERVICE, EV_DEFAULT)
    invalid = (
        Example("serving.properties", "engine=Python\noption.model_id=x\noption.tgi_compat=true\noption.max_rolling_batch_size=64\n",
                fixed="engine=Python\noption.model_id=x\noption.tgi_compat=true\noption.max_rolling_batch_size=64\n"
                "option.rolling_batch=vllm\n", unsafe=True, from_="lmi==v16", to="lmi==v17"),
    )
    valid = (Example("serving.properties", "option.model_id=x\noption.rolling_batch=vllm\noption.tgi_compat=true\n",
                     from_="lmi==v16", to="lmi==v17"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            if not async_path(scope):
                continue
            hits = [s for k in COMPAT_KEYS for s in scope.all("lmi", k) if value(s) == "true"]
            hits += [s for s in scope.all("lmi", "option.output_formatter") if value(s) in BUILTIN_FORMATTERS]
            rb = get(scope, "option.rolling_batch")
            explicit = value(get(scope, "option.async_mode")) == "true" or entry_point(scope) == ASYNC_ENTRY
            for s in hits:
                if explicit:
                    edits = None
                elif rb is None:
                    edits = ctx.edits(scope.insert, "lmi", "option.rolling_batch", "vllm")
                else:
                    edits = ctx.edits(rb.set_value, "vllm")
                yield ctx.report(s, f"`{spelled(s)}` is ignored by the vLLM async handler, which LMI v17+ uses here; "
                                 "set `option.rolling_batch=vllm` to keep it working",
                                 edits=edits, fix_message="set `option.rolling_batch=vllm`")
