"""Option keys checked against the per-release inventory (`rules/lmi/inventory.py`): keys a target release does
not read yet, and unknown keys on backends whose option list is closed (lmi-dist v9-v14, vLLM up to v13).

From v14 the vLLM backend forwards unknown keys to the bundled vLLM's EngineArgs; that check is VLLM303's (the
vLLM pack), not repeated here. TensorRT-LLM, HF Accelerate and Neuron read extra keys elsewhere (toolkit
kwargs, `extra='allow'`, `kwargs`), so they are not checked for unknown keys.

Seed 001 (the lmi-dist user guide) gives "LMI Version" columns; they agree with the release branches for the
keys it lists (e.g. `max_model_len`, `speculative_draft_model` >= 0.27.0, `enable_chunked_prefill` >= 0.29.0,
`disable_sliding_window`, `tokenizer_mode` >= 0.30.0), but its `speculative_length` default (5) is v11's
(4 from v12) and its `squeezellm` support ended with vLLM 0.6.2 (LMI v12).
"""

from __future__ import annotations


from lmimigrate.core.ftypes import Example, Severity
from lmimigrate.stacks.vllm.inventory import suggest
from lmimigrate.core.rule import Rule

from .common import PROPS, ev, is_neuron, is_trt, lmi_scopes, rolling_batch
from .inventory import CLOSED, LMI_OPTIONS, known_keys, option_range

EV_LMIDIST = ev("djl-serving 0.27.0-0.32.0 (LMI v9-v14)", PROPS + "lmi_dist_rb_properties.py",
                "`class LmiDistRbProperties(Properties)` (no `extra='allow'`): unknown keys are ignored", "§3.3")
EV_VLLM_A = ev("djl-serving 0.27.0-0.31.0 (LMI v9-v13)", PROPS + "vllm_rb_properties.py",
               "`class VllmRbProperties(Properties)`: a closed model, unknown keys are ignored (pass-through only from 0.32.0)",
               "§3.2 era A; R9")

#: Java-side keys that are not `option.*`-prefixed pydantic fields but must never be called unknown.
_ALWAYS = {"engine", "entrypoint"}


def backend_of(scope) -> str | None:
    """The closed-list backend a scope configures, or None when it is not checked."""
    rb = rolling_batch(scope)
    if is_trt(scope) or is_neuron(scope):
        return None
    if rb == "lmi-dist":
        return "lmi-dist"
    if rb == "vllm":
        return "vllm"
    return None


def _closed_options(ctx, to: int):
    """For each scope whose backend's option list is closed on LMI v`to` (see `CLOSED`): the backend, and its
    `option.*` settings with the key after `option.`."""
    for scope in lmi_scopes(ctx):
        be = backend_of(scope)
        if be is None or not (CLOSED[be][0] <= to < CLOSED[be][1]):
            continue
        yield be, [(s, s.key[7:]) for s in scope.settings if s.ns == "lmi" and s.key.startswith("option.")]


class OptionTooNew(Rule):
    code = "LMI060"
    generic = True
    name = "option-not-in-target"
    stack = "lmi"
    changed_in = "9"
    trigger = "target"
    severity = Severity.WARNING
    summary = "An lmi-dist or vLLM option that the target LMI release does not read yet (or no longer reads)"
    looks_at = ("lmi:option.*",)
    tokens = (b"option.", b"OPTION_")
    what = (
        "For explicit `option.rolling_batch=lmi-dist` or `vllm` configurations on a target whose option list is "
        "closed (lmi-dist v9-v14, vLLM up to v13), reports `option.<key>` settings that the backend reads in other "
        "releases but not in the target: \"since v12\" keys used on v11, removed keys used after their last release."
    )
    why = (
        "The option models of these releases ignore keys they do not declare: a key backported from a newer guide "
        "(`option.limit_mm_per_prompt` on v11, `option.enable_prefix_caching` on v10) silently does nothing."
    )
    fix_safety = "No fix: upgrade the target, or drop the key."
    evidence = (EV_LMIDIST, EV_VLLM_A)
    invalid = (
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
                "option.enable_prefix_caching=true\n", from_="lmi==v9", to="lmi==v10"),
    )
    valid = (
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
                "option.enable_prefix_caching=true\n", from_="lmi==v11", to="lmi==v11"),
    )

    def check(self, ctx):
        to = int(ctx.pair("lmi").to.major)
        for be, options in _closed_options(ctx, to):
            for s, key in options:
                r = option_range(key, be)
                if r is None or ctx.introduced(s):
                    continue
                since, until = r
                if to < since:
                    yield ctx.report(s, f"`{s.origin.raw_key}` is read by {be} from LMI v{since}; LMI v{to} ignores it")
                elif until is not None and to >= until:
                    yield ctx.report(s, f"`{s.origin.raw_key}` was last read by {be} in LMI v{until - 1}; LMI v{to} ignores it")


class OptionUnknown(Rule):
    code = "LMI061"
    generic = True
    name = "option-unknown"
    stack = "lmi"
    changed_in = "9"
    trigger = "target"
    severity = Severity.WARNING
    summary = "An `option.*` key that lmi-dist (v9-v14) or vLLM (up to v13) does not know: it is ignored silently"
    looks_at = ("lmi:option.*",)
    tokens = (b"option.", b"OPTION_")
    what = (
        "For explicit `option.rolling_batch=lmi-dist` (v9-v14 targets) or `vllm` (targets up to v13) "
        "configurations, reports `option.<key>` settings that no release of LMI reads for that backend or as a "
        "common key, with the closest known name (e.g. `option.max_rolling_batch_prefill_tokes` → "
        "`option.max_rolling_batch_prefill_tokens`). vLLM from v14 is checked by VLLM303 against the bundled "
        "vLLM's engine arguments."
    )
    why = (
        "The lmi-dist and era-A vLLM option models are closed pydantic models: a misspelt key is dropped without a "
        "warning, so the setting the user tuned never applies. Real public files carry such typos "
        "(`option.max_rolling_batch_prefill_tokes`, `OPTION_ROLLING_BATCH_SIZE`)."
    )
    fix_safety = "No fix: a similar name is only a guess."
    evidence = (EV_LMIDIST, EV_VLLM_A,
                ev("aws-samples/sagemaker-genai-hosting-examples", "04-workshops/cost/lab1_LoRA_adapters.ipynb",
                   "`option.max_rolling_batch_prefill_tokes` (typo) with lmi-dist", "§6 #20; §3.2 mechanics 2"))
    invalid = (
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
                "option.max_rolling_batch_prefill_tokes=4096\n", from_="lmi==v11", to="lmi==v11"),
        Example("model.env", "HF_MODEL_ID=x\nOPTION_ROLLING_BATCH=vllm\nOPTION_ROLLING_BATCH_SIZE=64\nOPTION_MAX_MODEL_LEN=1\n",
                from_="lmi==v12", to="lmi==v12"),
    )
    valid = (
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
                "option.max_rolling_batch_prefill_tokens=4096\noption.entryPoint=djl_python.huggingface\n", from_="lmi==v11", to="lmi==v11"),
        Example("serving.properties", "option.rolling_batch=trtllm\noption.max_input_len=1024\n", from_="lmi==v11", to="lmi==v11"),
    )

    def check(self, ctx):
        to = int(ctx.pair("lmi").to.major)
        for be, options in _closed_options(ctx, to):
            everything = set(LMI_OPTIONS[be]) | set(LMI_OPTIONS["common"]) | set(LMI_OPTIONS["hf"])
            for s, key in options:
                if key in everything or key.lower() in _ALWAYS or ctx.introduced(s):
                    continue
                guess = suggest(key, known_keys(to, be), cutoff=0.8)
                msg = f"`{s.origin.raw_key}` is not an option {be} reads on LMI v{to}; it is ignored silently"
                if guess:
                    msg += f"; did you mean `option.{guess}`?"
                yield ctx.report(s, msg)
