"""Client-side and default changes a configuration cannot express: info rules so `lmimigrate plan` lists them
and `check` reminds the owner of an LMI configuration that crosses the release (reference §2, §7).

Each row (a `KeyChange`, action "default-changed", made a rule by `ClientGuidance`) fires once per file, on the
first LMI scope that runs the affected handler, only when `--from` is known and the upgrade crosses the release
(trigger "default").
"""

from __future__ import annotations

import re

from lmimigrate.core.changes import KeyChange, rule_classes
from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule

from .async_mode import ASYNC_ENTRY, async_path
from .common import BREAKING, PROPS, RELEASE_NOTES, entry_point, ev, get, is_neuron, is_trt, lmi_scopes, rolling_batch, value
from lmimigrate.core.patterns import lazy_pattern

SCHEMA = "serving/docs/lmi/user_guides/lmi_input_output_schema.md"
V10_NOTES = "serving/docs/lmi/user_guides/release_notes.md (branch 0.29.0-dlc, titled LMI V10)"
ASYNC_UTILS = "engines/python/setup/djl_python/lmi_vllm/request_response_utils.py"


def rolling(scope) -> bool:
    """A rolling-batch configuration (the LMI request schema with `inputs`/`parameters`)."""
    return rolling_batch(scope) in (None, "auto", "vllm", "lmi-dist", "trtllm") and not is_neuron(scope)


def vllm_sync(scope) -> bool:
    return rolling_batch(scope) in (None, "auto", "vllm") and not is_trt(scope) and not is_neuron(scope)


def vllm_or_lmidist(scope) -> bool:
    return rolling_batch(scope) in (None, "auto", "vllm", "lmi-dist") and not is_trt(scope) and not is_neuron(scope)


def _anchor(scope):
    return get(scope, "option.rolling_batch") or get(scope, "option.model_id")


def already_async(scope, ctx) -> bool:
    """The source already ran the async handler explicitly (`option.async_mode=true` or the async entry point),
    which LMI offers from v15: the v17 async-mode changes are not new to it."""
    pair = ctx.pair("lmi")
    if pair is None or pair.from_ is None or pair.from_.major < 15:
        return False
    return value(get(scope, "option.async_mode")) == "true" or entry_point(scope) == ASYNC_ENTRY


ROWS = (
    KeyChange(
        "LMI040", "response-token-id-int", "", (), "10", "default-changed", namespace="lmi", fix=None,
        summary="Rolling-batch responses carry the token `id` as an integer, not a list",
        why="The LMI v10 release notes: the streaming/details token `id` changed from a one-element list to an integer. "
    "Clients that index `token[\"id\"][0]` break.",
        message="LMI v10 (0.28.0) returns token `id` as an integer instead of a list: update clients that read `token[\"id\"][0]`",
        evidence=(ev("djl-serving 0.29.0 (LMI v10 release notes)", V10_NOTES, "\"Rolling-batch response token `id` changed from list to integer\"",
        "§2 v9→v10; §7.1"),),
        context={"properties": "option.model_id=x\noption.rolling_batch=lmi-dist\n"},
        extra={"applies": rolling},
    ),
    KeyChange(
        "LMI041", "stream-error-finish-reason", "", (), "10", "default-changed", namespace="lmi", fix=None,
        summary="Errors end a response stream with a final line carrying `finish_reason: \"error\"`",
        why="From v10 a failing request no longer hangs the stream: LMI ends it with a final jsonline whose "
    "`finish_reason` is `error`. Streaming clients should check it.",
        message="LMI v10 (0.28.0) ends a failed stream with `finish_reason: \"error\"`: make streaming clients check it",
        evidence=(ev("djl-serving 0.29.0 (LMI v10 release notes)", V10_NOTES, "errors end the stream with a final jsonline carrying `finish_reason: \"error\"`",
        "§2 v9→v10; §7.1"),),
        context={"properties": "option.model_id=x\noption.rolling_batch=lmi-dist\n"},
        extra={"applies": rolling},
    ),
    KeyChange(
        "LMI043", "request-inputs-required", "", (), "12", "default-changed", namespace="lmi", fix=None,
        summary="Rolling-batch requests must be a JSON object with `inputs`; `parameters` must be an object",
        why="Commit 6e540115 (`input_parser.py`): up to v11 a body without `inputs` was used as the input itself "
    "(`input_map.pop(\"inputs\", input_map)`); from v12 such requests are rejected.",
        message="LMI v12 (0.30.0) rejects rolling-batch requests without `inputs` (and non-object `parameters`): check client payloads",
        evidence=(ev("djl-serving 0.30.0 (LMI v12)", "engines/python/setup/djl_python/input_parser.py",
        "commit 6e540115: body must be a JSON object with `inputs`; 0.29 used `input_map.pop(\"inputs\", input_map)`", "§2 v11→v12 item 5; §7.1"),),
        context={"properties": "option.model_id=x\noption.rolling_batch=vllm\noption.max_model_len=4096\n"},
        extra={"applies": rolling},
    ),
    KeyChange(
        "LMI049", "chunked-prefill-default-none", "", (), "12", "default-changed", namespace="lmi", fix=None,
        summary="`option.enable_chunked_prefill` defaults to vLLM's choice (on for contexts over 32k) instead of false",
        why="Commit 3042adda changed the LMI default from `False` to `None`, so vLLM decides: chunked prefill is on for "
    "long-context models, which changes scheduling and latency. Set it explicitly to keep v11 behaviour.",
        message="LMI v12 (0.30.0) lets vLLM decide `enable_chunked_prefill` (on above 32k context); set it explicitly to keep v11 behaviour",
        evidence=(ev("djl-serving 0.30.0 (LMI v12)", BREAKING + " (branch 0.30.0-dlc)", "`option.enable_chunked_prefill` default `False` → `None` (commit 3042adda)",
        "§2 v11→v12 item 2"),),
        context={"properties": "option.model_id=x\noption.rolling_batch=vllm\noption.max_model_len=4096\n"},
        extra={"applies": lambda s: vllm_or_lmidist(s) and get(s, "option.enable_chunked_prefill") is None},
    ),
    KeyChange(
        "LMI051", "auto-picks-lmi-dist", "", (), "12", "default-changed", namespace="lmi", fix=None,
        summary="`option.rolling_batch=auto` picks lmi-dist for every text-generation model in the LMI container",
        why="Up to v11 `auto` chose by a model-type whitelist and fell back to `scheduler` on SageMaker for other types; "
    "from v12 every text-generation model gets lmi-dist.",
        message="LMI v12 (0.30.0): `auto` now selects lmi-dist for every text-generation model (no model-type whitelist); "
    "pin `option.rolling_batch` if you relied on the fallback",
        evidence=(ev("djl-serving 0.30.0 (LMI v12)", "wlm/src/main/java/ai/djl/serving/wlm/LmiConfigRecommender.java",
        "`MODEL_TO_ROLLING_BATCH` whitelist removed: `auto` → lmi-dist for text-generation", "§2 v11→v12 item 5"),),
        context={"properties": "option.model_id=x\noption.rolling_batch=auto\noption.max_model_len=4096\n"},
        extra={"applies": lambda s: rolling_batch(s) in (None, "auto") and not is_trt(s) and not is_neuron(s)
        and get(s, "option.entryPoint") is None},
    ),
    KeyChange(
        "LMI044", "do-sample-semantics", "", (), "14", "default-changed", namespace="lmi", fix=None,
        summary="vLLM requests with `temperature` but no `do_sample` now sample instead of decoding greedily",
        why="`vllm_rolling_batch.py`: up to 0.31 decoding was greedy unless `do_sample=true`; from 0.32 `do_sample=false` "
    "is greedy, no `do_sample` and no `temperature` is greedy, but `temperature` without `do_sample` samples.",
        message="LMI v14 (0.32.0): a vLLM request that sets `temperature` without `do_sample` now samples; send "
    "`do_sample: false` where greedy output is required",
        evidence=(ev("djl-serving 0.32.0 (LMI v14)", "engines/python/setup/djl_python/rolling_batch/vllm_rolling_batch.py",
        "greedy only for `do_sample=false` or neither `do_sample` nor `temperature` (0.31: greedy unless `do_sample=true`)",
        "§2 v13→v14; §7.1"),
     ev("djl-serving 0.32.0 (LMI v14)", SCHEMA, "`do_sample` is no longer required for sampling", "§2 v13→v14")),
        context={"properties": "option.model_id=x\noption.rolling_batch=vllm\n"},
        extra={"applies": vllm_sync},
    ),
    KeyChange(
        "LMI045", "async-stop-sequences-ignored", "", (), "17", "default-changed", namespace="lmi", fix=None,
        summary="In v17 async mode `parameters.stop_sequences` is not translated to vLLM `stop` and is ignored",
        why="`convert_lmi_schema_to_completion_request` copies unknown keys verbatim into the Completions request; vLLM "
    "logs \"fields were present in the request but ignored\", so generation no longer stops. Send `stop` instead.",
        message="LMI v17 (0.35.0) async mode ignores `parameters.stop_sequences`: clients must send `stop`",
        evidence=(ev("djl-serving 0.35.0 (LMI v17)", ASYNC_UTILS, "`convert_lmi_schema_to_completion_request`: other keys copied "
        "verbatim (no `stop_sequences` → `stop`)", "§7.2; R11"),),
        context={"properties": "option.model_id=x\noption.max_rolling_batch_size=64\n"},
        extra={"applies": async_path},
    ),
    KeyChange(
        "LMI046", "async-sampling-default", "", (), "17", "default-changed", namespace="lmi", fix=None,
        summary="In v17 async mode a request without `do_sample` uses the model's sampling defaults, not greedy decoding",
        why="The async converter maps only `do_sample=false` to `temperature=0`; an absent `do_sample` leaves vLLM and "
    "generation-config defaults in force, while the synchronous handler decoded greedily.",
        message="LMI v17 (0.35.0) async mode no longer decodes greedily by default: send `temperature: 0` (or `do_sample: false`) for greedy output",
        evidence=(ev("djl-serving 0.35.0 (LMI v17)", ASYNC_UTILS, "`do_sample=false` → `temperature=0`; `do_sample` absent → no change",
        "§7.2; R11"),),
        context={"properties": "option.model_id=x\noption.max_rolling_batch_size=64\n"},
        extra={"applies": async_path},
    ),
    KeyChange(
        "LMI047", "async-token-logprob-key", "", (), "17", "default-changed", namespace="lmi", fix=None,
        summary="In v17 async mode token objects carry `logprob` (TGI style) instead of `log_prob`",
        why="`request_io.Token.as_tgi_dict` (async) vs `as_dict` (sync): streaming and `details` tokens rename "
    "`log_prob` to `logprob`. `top_n_tokens` also changes meaning (`n` instead of `logprobs`).",
        message="LMI v17 (0.35.0) async mode returns token `logprob` instead of `log_prob` (and maps `top_n_tokens` to `n`): update response parsers",
        evidence=(ev("djl-serving 0.35.0 (LMI v17)", "engines/python/setup/djl_python/request_io.py",
        "`Token.as_tgi_dict` (`logprob`) in async mode vs `Token.as_dict` (`log_prob`)", "§7.2; R11"),),
        context={"properties": "option.model_id=x\noption.max_rolling_batch_size=64\n"},
        extra={"applies": async_path},
    ),
)


class ClientGuidance(Rule):
    """Base of the rules made from `ROWS`: one finding per file, on the first LMI scope that runs the affected
    handler (`extra["applies"](scope)`), with `row.message`. `context["properties"]` is the examples'
    serving.properties. Keys are empty: the change is in client code, which is not analysed."""

    stack = "lmi"
    severity = Severity.INFO
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        return (b"option.", b"OPTION_", b"HF_MODEL_ID")

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        changed_in, summary, example = row.changed_in, row.summary, row.context["properties"]
        prev = str(int(changed_in) - 1)
        return dict(
            looks_at=("lmi:option.rolling_batch",),
            what=f"Reminds the owner of an LMI configuration that upgrades across LMI v{changed_in}: "
            f"{summary[0].lower() + summary[1:]}. Client code is not analysed; the finding is guidance (it appears "
            "once per file and in `lmimigrate plan`).",
            fix_safety="No fix: the change is in client code or request payloads.",
            invalid=(Example("serving.properties", example, from_=f"lmi=={prev}", to=f"lmi=={changed_in}"),),
            valid=(Example("serving.properties", example, from_=f"lmi=={changed_in}", to=f"lmi=={changed_in}"),),
        )

    def check(self, ctx):
        applies = self.row.extra["applies"]
        for scope in lmi_scopes(ctx):
            at = _anchor(scope)
            if at is None or not applies(scope):
                continue
            if applies is async_path and already_async(scope, ctx):
                continue
            yield ctx.report(at, self.row.message)
            return


rule_classes(ROWS, ClientGuidance, globals())


class OutputFormatterSignature(Rule):
    code = "LMI042"
    name = "output-formatter-signature"
    stack = "lmi"
    changed_in = "10"
    severity = Severity.WARNING
    summary = "Custom output formatters take `RequestOutput` from LMI v10; the legacy signature shim goes away in 0.29.0"
    looks_at = ("lmi:option.output_formatter",)
    tokens = (b"output_formatter", b"OUTPUT_FORMATTER")
    what = (
        "Reports `option.output_formatter` naming a custom function (anything but `json`, `jsonlines`, `sse`, "
        "`none`) when the target is LMI v10 or later."
    )
    why = (
        "v10 changed the custom formatter signature to `fn(request_output: RequestOutput) -> str`. The legacy "
        "`(token, first_token, last_token, details, generated_text, id)` form went through "
        "`adapt_legacy_output_formatter`, marked \"will be removed by 0.29.0\"."
    )
    fix_safety = "No fix: the formatter's code must be rewritten."
    evidence = (
        ev("djl-serving 0.28.0 (LMI v10)", "engines/python/setup/djl_python/output_formatter.py",
           "`adapt_legacy_output_formatter` ... \"will be removed by 0.29.0\"", "§2 v9→v10"),
        ev("djl-serving 0.29.0 (LMI v10 release notes)", V10_NOTES, "custom output formatter signature `fn(request_output: RequestOutput) -> str`", "§2 v9→v10"),
    )
    invalid = (
        Example("serving.properties", "engine=MPI\noption.rolling_batch=lmi-dist\noption.output_formatter=custom_fmt\n",
                from_="lmi==v9", to="lmi==v10"),
    )
    valid = (Example("serving.properties", "option.rolling_batch=lmi-dist\noption.output_formatter=jsonlines\n",
                     from_="lmi==v9", to="lmi==v10"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            s = get(scope, "option.output_formatter")
            v = value(s)
            if v and v not in ("json", "jsonlines", "sse", "none", "jsonlines_chat", "sse_chat"):
                yield ctx.report(s, f"`{s.origin.raw_key}` names a custom formatter: from LMI v10 it receives a "
                                 "`RequestOutput` (the legacy signature shim is gone from 0.29.0)")


_OUTPUT_DECORATOR = lazy_pattern(r"^[ \t]*@(?:[\w.]+\.)?output_formatter\b", re.M)


class OutputFormatterFinal(Rule):
    code = "LMI048"
    name = "output-formatter-final"
    stack = "lmi"
    changed_in = "19"
    trigger = "default"
    severity = Severity.WARNING
    summary = "From LMI v19 a user `@output_formatter` is the final formatter; LMI no longer wraps its own around it"
    looks_at = ("python:djl_python.output_formatter",)
    tokens = (b"output_formatter",)
    surfaces = ("python", "notebook")
    what = "Reports `@output_formatter` decorators in Python files that import `djl_python`, when upgrading across LMI v19."
    why = (
        "Release notes V19 (PR #2986): the user's formatter output is returned as is. Handlers that relied on LMI "
        "re-wrapping their result (adding `generated_text`/`details` envelopes, SSE framing) now return a different shape."
    )
    fix_safety = "No fix: return the complete response shape from the formatter."
    evidence = (ev("djl-serving 0.36.0-lmi19", RELEASE_NOTES, "V19: \"a user @output_formatter is now the final formatter\" (PR #2986)",
                   "§2 v18→v27 v19"),)
    invalid = (
        Example("model.py", "from djl_python.output_formatter import output_formatter\n\n\n@output_formatter\n"
                "def fmt(output):\n    return {\"text\": output[\"generated_text\"]}\n", from_="lmi==v18", to="lmi==v19"),
    )
    valid = (Example("model.py", "from flask import Flask\n\n\ndef output_formatter(x):\n    return x\n", from_="lmi==v18", to="lmi==v19"),)

    def check(self, ctx):
        for unit in ctx.units:
            if unit.surface not in ("python", "notebook") or "djl_python" not in unit.text:
                continue
            for m in _OUTPUT_DECORATOR.finditer(unit.text):
                start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                yield ctx.report((unit, start, m.end()), "from LMI v19 this formatter's return value is the final "
                                 "response (LMI no longer wraps it): return the full response shape")


class SpeculativeLengthDefault(Rule):
    code = "LMI050"
    name = "lmi-dist-speculative-length-default"
    stack = "lmi"
    changed_in = "12"
    trigger = "default"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "lmi-dist's default `option.speculative_length` changed from 5 to 4 in LMI v12"
    looks_at = ("lmi:option.speculative_draft_model", "lmi:option.speculative_length")
    tokens = (b"speculative_draft_model", b"SPECULATIVE_DRAFT_MODEL")
    what = "Reports lmi-dist draft-model speculative decoding without `option.speculative_length`, when upgrading across LMI v12."
    why = "`LmiDistRbProperties.speculative_length` defaults to 4 from v12 (5 before; seed guides still say 5)."
    fix_safety = "Unsafe: pinning 5 keeps the v11 behaviour but may not be what you want with the new lmi-dist."
    evidence = (ev("djl-serving 0.30.0 (LMI v12)", PROPS + "lmi_dist_rb_properties.py", "`speculative_length: int = 4` (0.29.0: 5)",
                   "§2 v11→v12 item 5; §3.3"),)
    invalid = (
        Example("serving.properties", "engine=MPI\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
                "option.speculative_draft_model=TinyLlama/TinyLlama-1.1B-Chat-v1.0\n",
                fixed="engine=MPI\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
                "option.speculative_draft_model=TinyLlama/TinyLlama-1.1B-Chat-v1.0\noption.speculative_length=5\n",
                unsafe=True, from_="lmi==v11", to="lmi==v12"),
    )
    valid = (Example("serving.properties", "option.rolling_batch=lmi-dist\noption.speculative_draft_model=x\noption.speculative_length=5\n",
                     from_="lmi==v11", to="lmi==v12"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            d = get(scope, "option.speculative_draft_model")
            if d is None or rolling_batch(scope) != "lmi-dist" or get(scope, "option.speculative_length") is not None:
                continue
            yield ctx.report(d, "lmi-dist drafts 4 tokens by default from LMI v12 (was 5); set `option.speculative_length`",
                             edits=ctx.edits(scope.insert, "lmi", "option.speculative_length", "5"),
                             fix_message="pin `option.speculative_length=5`")
