from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Evidence, Example, Severity
from lmimigrate.stacks.lmi.env import is_lmi_scope
from lmimigrate.core.rule import Rule
from lmimigrate.rules.lmi.common import is_neuron, is_trt

ROLLING_BATCHES = (None, "auto", "lmi-dist", "vllm")


class PrefillTokensDefault(Rule):
    code = "LMI001"
    name = "prefill-tokens-default-changed"
    stack = "lmi"
    changed_in = "12"
    trigger = "default"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "LMI v12 no longer caps warm-up prefill at 4096 tokens; long-context models can run out of memory at start"
    looks_at = (
        "lmi:option.rolling_batch",
        "lmi:option.max_rolling_batch_prefill_tokens",
        "lmi:option.max_model_len",
        "lmi:option.enable_chunked_prefill",
    )
    tokens = (b"option.", b"OPTION_", b"rolling_batch", b"ROLLING_BATCH")
    what = (
        "Reports an lmi-dist or vLLM rolling-batch configuration (explicit, or `auto`/unset, which picks lmi-dist "
        "on v12) that sets neither `option.max_rolling_batch_prefill_tokens` nor `option.max_model_len` (nor "
        "enables chunked prefill), when the upgrade crosses LMI v12 (0.30.0)."
    )
    why = (
        "Up to v11, an unset `max_rolling_batch_prefill_tokens` meant a 4096-token warm-up prefill. From v12 the "
        "backend uses vLLM's default, which warms up at `max_model_len`; a model with a long context that loaded "
        "on v11 can now fail at start with out-of-memory on the same instance."
    )
    fix_safety = (
        "The fix is unsafe: it sets `option.enable_chunked_prefill=true` (with chunked prefill the prefill default "
        "is 512 tokens), which changes scheduling and latency. The alternative is to set "
        "`option.max_model_len` and `option.max_rolling_batch_prefill_tokens` for your instance; only you know "
        "the right values."
    )
    evidence = (
        Evidence(
            "djl-serving 0.30.0 (LMI v12)",
            "serving/docs/lmi/announcements/breaking_changes.md (branch 0.30.0-dlc)",
            "\"Starting in LMI v12 (0.30.0), the default behavior for `option.max_rolling_batch_prefill_tokens` when "
            "using the lmi-dist rolling-batch backend has changed.\"",
            "lmi §2 v11→v12 item 1; rule R6",
        ),
        Evidence(
            "djl-serving 0.29.0 (LMI v11)",
            "engines/python/setup/djl_python/rolling_batch/lmi_dist_rolling_batch.py (branch 0.29.0-dlc)",
            "`_WARMUP_PREFILL_TOKENS = 4096`",
            "lmi §2 v11→v12 item 1",
        ),
    )
    invalid = (
        Example(
            "serving.properties",
            "engine=MPI\noption.model_id=meta-llama/Llama-3.1-70B-Instruct\noption.rolling_batch=lmi-dist\n"
            "option.tensor_parallel_degree=8\n",
            fixed="engine=MPI\noption.model_id=meta-llama/Llama-3.1-70B-Instruct\noption.rolling_batch=lmi-dist\n"
            "option.tensor_parallel_degree=8\noption.enable_chunked_prefill=true\n",
            unsafe=True,
            from_="lmi==0.29.0",
            to="lmi==0.30.0",
        ),
        Example(
            "model.env",
            "HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_ROLLING_BATCH=vllm\n",
            fixed="HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_ROLLING_BATCH=vllm\n"
            "OPTION_ENABLE_CHUNKED_PREFILL=true\n",
            unsafe=True,
            from_="lmi==v11",
            to="lmi==v12",
        ),
    )
    valid = (
        Example(
            "serving.properties",
            "option.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=lmi-dist\noption.max_model_len=8192\n",
            from_="lmi==0.29.0",
            to="lmi==0.30.0",
        ),
        Example(
            "serving.properties",
            "option.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=trtllm\n",
            from_="lmi==0.29.0",
            to="lmi==0.30.0",
        ),
        Example(
            "serving.properties",
            "option.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=lmi-dist\n",
            from_="lmi==0.30.0",
            to="lmi==0.31.0",
        ),
        Example(
            "serving.properties",
            "option.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.entryPoint=djl_python.transformers_neuronx\n",
            from_="lmi==0.29.0",
            to="lmi==0.30.0",
        ),
    )

    def check(self, ctx):
        for scope in ctx.scopes():
            if not is_lmi_scope(scope) or is_neuron(scope) or is_trt(scope):
                continue  # Neuron and TensorRT-LLM have their own prefill handling; the v12 change is lmi-dist/vLLM
            rb = scope.get("lmi", "option.rolling_batch")
            rb_value = (rb.text_value or "").strip().lower() if rb and rb.literal else None
            if rb is not None and not rb.literal:
                continue
            if rb_value not in ROLLING_BATCHES:
                continue
            if scope.get("lmi", "option.max_rolling_batch_prefill_tokens") or scope.get("lmi", "option.max_model_len"):
                continue
            chunked = scope.get("lmi", "option.enable_chunked_prefill")
            if chunked is not None:
                continue  # an explicit choice either way: the user has looked at prefill behaviour
            if rb is None and scope.get("lmi", "option.model_id") is None:
                continue
            anchor = rb or scope.get("lmi", "option.model_id")
            backend = rb_value if rb_value and rb_value != "auto" else "lmi-dist (the v12 default for `auto`)"
            yield ctx.report(
                anchor,
                f"LMI v12 changed the warm-up prefill default for {backend}: without "
                "`max_rolling_batch_prefill_tokens` or `max_model_len`, warm-up runs at the full context "
                "length instead of 4096 tokens and may run out of memory",
                edits=ctx.edits(scope.insert, "lmi", "option.enable_chunked_prefill", True),
                applicability=Applicability.UNSAFE,
                fix_message="enable chunked prefill (`option.enable_chunked_prefill=true`)",
            )
