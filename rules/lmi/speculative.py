"""Speculative decoding after lmi-dist's removal (LMI v15, 0.33.0): lmi-dist's draft-model keys and vLLM's
retired `speculative_*` engine arguments both become `option.speculative_config` (reference R10). See lmi_dist.py
for what upstream does on its own."""

from __future__ import annotations

import json

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule

from .common import ev, get, is_neuron, is_trt, lmi_scopes, rolling_batch, value
from .lmi_dist import EV_LMIDIST_FIELDS, guarded_model

EV_SPEC_VLLM = ev(
    "vLLM 0.8.3 (bundled vLLM 0.8.4 in LMI v15)", "vllm/engine/arg_utils.py",
    "`speculative_model`, `num_speculative_tokens`, `speculative_draft_tensor_parallel_size` ... absent from "
    "EngineArgs from v0.8.3; v0.8.2 maps them into `speculative_config` keys `model`, `num_speculative_tokens`, "
    "`draft_tensor_parallel_size`",
    "§3.2 caveat 5; §3.3; R10; vllm §3 D1",
)
EV_SPEC_TESTS = ev(
    "djl-serving 0.35.0 (LMI v17)", "tests/integration/llm/prepare.py",
    "commit afece25d \"Fix vllm spec decoding config integration test\": `option.speculative_config` JSON",
    "§3.2 caveat 5; R10",
)


def _number(text: str | None):
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return text.strip()


def _spec_edits(ctx, scope, anchor, config: dict, remove: list):
    edits = ctx.edits(anchor.rename, "option.speculative_config")
    more = ctx.edits(anchor.set_value, json.dumps(config))
    if edits is None or more is None:
        return None
    edits = edits + more
    for s in remove:
        d = ctx.edits(s.delete)
        if d is None:
            return None
        edits += d
    return edits


class LmiDistSpeculative(Rule):
    code = "LMI013"
    name = "lmi-dist-speculative-draft-model"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "lmi-dist draft-model keys (`speculative_draft_model`, `speculative_length`, `draft_model_tp_size`) become vLLM `speculative_config`"
    looks_at = ("lmi:option.speculative_draft_model", "lmi:option.speculative_length", "lmi:option.draft_model_tp_size")
    tokens = (b"speculative_draft_model", b"SPECULATIVE_DRAFT_MODEL")
    what = (
        "In an lmi-dist configuration (not a T5-family model) with `option.speculative_draft_model`, reports the "
        "draft-model keys when the target is LMI v15 or later, and offers `option.speculative_config` JSON."
    )
    why = (
        "After LMI substitutes vLLM for lmi-dist, the lmi-dist names reach vLLM's pass-through, which keeps only "
        "EngineArgs fields: the bundled vLLM (0.8.4 in v15) has `speculative_config` only (the flat "
        "`speculative_model` flags were removed in vLLM 0.8.3), so speculative decoding is silently off. The "
        "vLLM keys are `model`, `num_speculative_tokens`, `draft_tensor_parallel_size`. An unset "
        "`speculative_length` meant 4 from v12 (5 before; seed guides still say 5)."
    )
    fix_safety = (
        "Unsafe: it turns speculative decoding on again under vLLM, whose draft-model support differs "
        "(not with TP>1 and PP>1; vLLM V1 restricts draft models); the key mapping is inferred by the reference "
        "and checked against vLLM 0.8.2's own mapping."
    )
    evidence = (EV_LMIDIST_FIELDS, EV_SPEC_VLLM, EV_SPEC_TESTS)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=meta-llama/Llama-2-70b-hf\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
            "option.speculative_draft_model=TinyLlama/TinyLlama-1.1B-Chat-v1.0\noption.speculative_length=5\n"
            "option.draft_model_tp_size=1\n",
            fixed="engine=Python\noption.model_id=meta-llama/Llama-2-70b-hf\noption.rolling_batch=vllm\noption.max_model_len=4096\n"
            "option.speculative_config={\"model\": \"TinyLlama/TinyLlama-1.1B-Chat-v1.0\", \"num_speculative_tokens\": 5, "
            "\"draft_tensor_parallel_size\": 1}\n",
            unsafe=True, from_="lmi==v14", to="lmi==v15",
        ),
    )
    valid = (
        Example("serving.properties", "option.rolling_batch=lmi-dist\noption.speculative_draft_model=x\n",
                from_="lmi==v13", to="lmi==v14"),
    )

    def check(self, ctx):
        pair = ctx.pair("lmi")
        for scope in lmi_scopes(ctx):
            if rolling_batch(scope) != "lmi-dist" or guarded_model(scope, ctx):
                continue
            draft = get(scope, "option.speculative_draft_model")
            if draft is None:
                continue
            length = get(scope, "option.speculative_length")
            tp = get(scope, "option.draft_model_tp_size")
            config: dict = {"model": draft.text_value}
            default_len = 5 if pair is not None and pair.from_ is not None and pair.from_.major < 12 else 4
            config["num_speculative_tokens"] = _number(length.text_value) if length is not None else default_len
            if tp is not None:
                config["draft_tensor_parallel_size"] = _number(tp.text_value)
            literal = all(s is None or s.literal for s in (draft, length, tp))
            edits = _spec_edits(ctx, scope, draft, config, [s for s in (length, tp) if s is not None]) if literal else None
            yield ctx.report(
                draft,
                f"`{draft.origin.raw_key}`: lmi-dist draft-model keys are dropped by vLLM (LMI v15+); use "
                f"`option.speculative_config={json.dumps(config)}`",
                edits=edits, fix_message="write `option.speculative_config`",
            )


#: vLLM <= 0.8.2 flat speculative fields -> speculative_config keys (vllm reference §3 D1).
VLLM_SPEC_KEYS = {
    "speculative_model": "model",
    "num_speculative_tokens": "num_speculative_tokens",
    "speculative_model_quantization": "quantization",
    "speculative_max_model_len": "max_model_len",
    "speculative_draft_tensor_parallel_size": "draft_tensor_parallel_size",
    "speculative_disable_by_batch_size": "disable_by_batch_size",
    "ngram_prompt_lookup_max": "prompt_lookup_max",
    "ngram_prompt_lookup_min": "prompt_lookup_min",
    "spec_decoding_acceptance_method": "acceptance_method",
    "typical_acceptance_sampler_posterior_threshold": "posterior_threshold",
    "typical_acceptance_sampler_posterior_alpha": "posterior_alpha",
    "disable_logprobs_during_spec_decoding": "disable_logprobs",
}


class VllmSpeculativeModel(Rule):
    code = "LMI014"
    name = "vllm-speculative-model-keys"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "`option.speculative_model` and its flat siblings are dropped by the vLLM bundled from LMI v15; use `option.speculative_config`"
    looks_at = tuple(f"lmi:option.{k}" for k in VLLM_SPEC_KEYS)
    tokens = (b"speculative_model", b"SPECULATIVE_MODEL", b"ngram_prompt_lookup", b"NGRAM_PROMPT_LOOKUP")
    what = (
        "On the vLLM backend (rolling batch `vllm`, `auto`, unset or async mode), reports "
        "`option.speculative_model`, `option.num_speculative_tokens` and the other flat vLLM 0.6 speculative "
        "keys when the target is LMI v15 or later, and offers the equivalent `option.speculative_config` JSON."
    )
    why = (
        "LMI v12/v13 passed these as named fields; from v14 they go through the EngineArgs pass-through, which keeps "
        "only fields of the bundled vLLM. vLLM 0.8.3 removed the flat fields in favour of `speculative_config`, and "
        "LMI v15 bundles vLLM 0.8.4: the keys are dropped silently and speculative decoding is off. LMI's own "
        "integration tests use `option.speculative_config` JSON from v17."
    )
    fix_safety = (
        "Unsafe: speculative decoding starts working again, under a newer vLLM whose speculative methods differ "
        "(draft models are restricted in vLLM V1). When only `num_speculative_tokens` is set (no model), the "
        "finding has no fix."
    )
    evidence = (EV_SPEC_VLLM, EV_SPEC_TESTS)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=meta-llama/Llama-3.1-70B-Instruct\noption.rolling_batch=vllm\noption.max_model_len=4096\n"
            "option.speculative_model=meta-llama/Llama-3.2-1B-Instruct\noption.num_speculative_tokens=5\n",
            fixed="engine=Python\noption.model_id=meta-llama/Llama-3.1-70B-Instruct\noption.rolling_batch=vllm\noption.max_model_len=4096\n"
            "option.speculative_config={\"model\": \"meta-llama/Llama-3.2-1B-Instruct\", \"num_speculative_tokens\": 5}\n",
            unsafe=True, from_="lmi==v13", to="lmi==v15",
        ),
    )
    valid = (
        Example("serving.properties", "option.rolling_batch=vllm\noption.speculative_model=x\noption.num_speculative_tokens=5\n",
                from_="lmi==v12", to="lmi==v13"),
        Example("serving.properties", "option.rolling_batch=vllm\noption.speculative_config={\"model\": \"x\", \"num_speculative_tokens\": 5}\n",
                from_="lmi==v16", to="lmi==v17"),
    )

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            rb = rolling_batch(scope)
            if rb not in (None, "auto", "vllm", "disable") or is_trt(scope) or is_neuron(scope):
                continue
            if rb == "disable" and value(get(scope, "option.async_mode")) != "true":
                continue
            found = [(s, VLLM_SPEC_KEYS[s.key[7:]]) for s in scope.settings
                     if s.ns == "lmi" and s.key.startswith("option.") and s.key[7:] in VLLM_SPEC_KEYS]
            if not found:
                continue
            anchor = next((s for s, k in found if k == "model"), None)
            config = {k: _number(s.text_value) if k != "model" else s.text_value for s, k in found}
            literal = all(s.literal for s, _ in found)
            edits = None
            if anchor is not None and literal and get(scope, "option.speculative_config") is None:
                config = {"model": config.pop("model"), **config}
                edits = _spec_edits(ctx, scope, anchor, config, [s for s, _ in found if s is not anchor])
            yield ctx.report(
                (anchor or found[0][0]),
                f"`{(anchor or found[0][0]).origin.raw_key}`: the vLLM bundled with LMI v15+ has no flat speculative "
                f"fields (removed in vLLM 0.8.3), so they are dropped; use `option.speculative_config={json.dumps(config)}`",
                edits=edits, fix_message="write `option.speculative_config`",
            )
