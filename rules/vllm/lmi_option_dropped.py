"""VLLM303: LMI `option.*` keys that neither LMI nor the bundled vLLM reads, driven by the LMI and vLLM inventories
(the other "unknown to the target" rules are in unknown_to_target.py)."""

from __future__ import annotations

from lmimigrate.core.ftypes import Evidence, Example, Severity
from lmimigrate.core.rule import Rule

from .unknown_to_target import closest_name, inventory_for

# ---- LMI option.* pass-through ----------------------------------------------------------------------------------

#: LMI keys read outside djl_python's properties managers (Java side or handler-specific: reference
#: lmi_ground_truth.md §2 v17 item 6, §3.1, §4.4), which the extracted LMI inventory cannot list.
LMI_KEYS_OUTSIDE_INVENTORY = frozenset({"entryPoint", "entrypoint", "default_accept", "model_name", "normalize",
                                        "lmcache_auto_config"})


def _lmi_options(lmi_major: int) -> frozenset[str]:
    """Option names LMI itself reads on the vLLM backend of `lmi_major` (not forwarded to EngineArgs)."""
    from lmimigrate.rules.lmi.inventory import known_keys

    return frozenset(known_keys(lmi_major, "vllm")) | LMI_KEYS_OUTSIDE_INVENTORY


#: rolling_batch values whose options go to vLLM (async mode uses `disable`).
_VLLM_BACKENDS = (None, "", "auto", "vllm", "disable")


class LmiOptionDropped(Rule):
    code = "VLLM303"
    generic = True
    name = "lmi-option-silently-dropped"
    stack = "lmi"
    changed_in = "14"
    trigger = "target"
    severity = Severity.WARNING
    summary = "An LMI `option.*` key that is neither an LMI option nor an EngineArgs field of the bundled vLLM is silently dropped"
    looks_at = ("lmi:option.*",)
    tokens = (b"option.", b"OPTION_")
    what = (
        "On LMI v14 (0.32.0) and later with the vLLM backend (`option.rolling_batch` vllm, auto, unset, or async mode), "
        "reports `option.<key>` settings (serving.properties, `OPTION_<KEY>` env vars, option maps) whose key is neither "
        "an option LMI reads itself nor an `EngineArgs` field of the vLLM release that LMI version bundles, with the "
        "closest name. TensorRT-LLM, Neuron and lmi-dist configurations are not checked."
    )
    why = (
        "From v14 LMI forwards every `option.<k>` whose `<k>` is an `EngineArgs` field to vLLM; "
        "`get_additional_vllm_engine_args()` keeps only keys found in `vllm.EngineArgs.__annotations__`, so typos and "
        "engine args that the bundled vLLM removed are dropped without an error or a warning (reference "
        "lmi_ground_truth.md §3.2, rule R9). Real examples: `option.max_rolling_batch_prefill_tokes`."
    )
    fix_safety = "No fix: a similar name is only a guess."
    evidence = (
        Evidence("djl-serving 0.32.0 (LMI v14)", "engines/python/setup/djl_python/properties_manager/vllm_rb_properties.py",
                 "`ConfigDict(extra='allow')`; `get_additional_vllm_engine_args()` keeps keys in "
                 "`vllm.EngineArgs.__annotations__`", "lmi §3.2 era B, §8 R9"),
    )
    invalid = (
        Example("serving.properties", "engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\n"
                "option.rolling_batch=vllm\noption.max_rolling_batch_prefill_tokes=4096\n", from_="lmi==v15",
                to="lmi==v16"),
        Example("model.env", "HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_GPU_MEMORY_UTILISATION=0.9\n",
                from_="lmi==v16", to="lmi==v17"),
    )
    valid = (
        Example("serving.properties", "engine=Python\noption.model_id=m\noption.rolling_batch=vllm\n"
                "option.gpu_memory_utilization=0.9\noption.max_rolling_batch_size=64\noption.enable_prefix_caching=true\n",
                from_="lmi==v15", to="lmi==v16"),
        Example("serving.properties", "engine=MPI\noption.model_id=m\noption.rolling_batch=trtllm\n"
                "option.max_input_len=1024\n", from_="lmi==v15", to="lmi==v16"),
    )

    def check(self, ctx):
        from lmimigrate.stacks.lmi.env import is_lmi_scope
        from lmimigrate.stacks.lmi.versions import lmi_bundled_vllm

        pair = ctx.pair("lmi")
        if pair is None:
            return
        vllm_to = lmi_bundled_vllm(pair.to)
        inv = inventory_for(vllm_to)
        if inv is None:
            return
        fields = set(inv.engine_args_fields)
        lmi_options = _lmi_options(int(pair.to.major))
        for scope in ctx.scopes():
            if not is_lmi_scope(scope):
                continue
            rb = scope.get("lmi", "option.rolling_batch")
            if rb is not None and not rb.literal:
                continue
            rb_value = (rb.text_value or "").strip().lower() if rb else None
            if rb_value not in _VLLM_BACKENDS:
                continue
            if rb_value == "disable":
                am = scope.get("lmi", "option.async_mode")
                if am is None or (am.text_value or "").strip().lower() != "true":
                    continue  # a non-rolling-batch handler (HF accelerate) does not forward options to vLLM
            entry = scope.get("lmi", "option.entryPoint")
            if entry is not None and "vllm" not in (entry.text_value or ""):
                continue
            for s in scope.settings:
                if s.ns != "lmi" or not s.key.startswith("option."):
                    continue
                key = s.key[len("option."):]
                if key in lmi_options or key in fields or key.lower() in fields or ctx.introduced(s):
                    continue
                guess = closest_name(key, lmi_options | fields)
                msg = (f"`{s.origin.raw_key}` is neither an LMI option nor an engine argument of vLLM {vllm_to} "
                       f"(bundled with LMI v{pair.to}): LMI drops it silently")
                if guess:
                    msg += f"; did you mean `{guess}`?"
                yield ctx.report(s, msg)
