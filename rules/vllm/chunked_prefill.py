"""Chunked prefill across the V0 -> V1 switch (reference §3.2 S4, S5): forced on by V1 from 0.8.0, a `False`
honoured again from 0.11.1; both quiet for a launch that pins the V0 engine while the target still has it."""

from __future__ import annotations

from lmimigrate.core.ftypes import Example, Severity

from .common import MODEL, VllmRule, as_bool, ev
from .defaults import launches, pinned

# ---- S4 / S5: chunked prefill --------------------------------------------------------------------------


def runs_v0(ctx, scope) -> bool:
    """The launch's file pins the V0 engine (`VLLM_USE_V1=0`, in the same container or service for YAML): V0
    honoured `enable_chunked_prefill` and chunked only long contexts. `VLLM_USE_V1` exists up to 0.11.0."""
    for s in ctx.settings("env", "VLLM_USE_V1"):
        if s.unit is not scope.unit or not s.literal or (s.text_value or "").strip() != "0":
            continue
        mine, theirs = scope.label.rsplit(" ", 1)[0], s.scope.label.rsplit(" ", 1)[0]
        if scope.unit.surface not in ("yaml", "json") or mine == theirs:
            return True
    return False


class ChunkedPrefillForcedOn(VllmRule):
    code = "VLLM020"
    name = "chunked-prefill-forced-on"
    stack = "vllm"
    changed_in = "0.8.0"
    trigger = "default"
    severity = Severity.INFO
    summary = "vllm 0.8.0 (V1) turns chunked prefill on for generative models; `--enable-chunked-prefill=False` is ignored until 0.11.0"
    looks_at = ("vllm:enable_chunked_prefill",)
    tokens = (b"vllm", b"VLLM", b"LLM")
    what = (
        "Reports launches when the upgrade crosses 0.8.0: a warning where `enable_chunked_prefill` is false and "
        "the target is 0.8.0-0.11.0 (the value is ignored), an info where it is not set (chunked prefill is now on)."
    )
    why = (
        "V0 enabled chunked prefill only for contexts over 32K; V1 always chunks prefills of generative models, "
        "and up to 0.11.0 assigned `enable_chunked_prefill = True` regardless of the user's value."
    )
    fix_safety = "No fix."
    evidence = (
        ev("vllm 0.8.5", "vllm/engine/arg_utils.py", "\"V1 always uses chunked prefills.\" `self.enable_chunked_prefill = True`",
           "§3.2 S4"),
        ev("vllm 0.6.2", "vllm/engine/arg_utils.py", "\"enable chunked prefill by default for long context (> 32K) models\"",
           "§3.2 S4"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --enable-chunked-prefill False\n", from_="vllm==0.7.3", to="vllm==0.10.2"),
        Example("vllm-config.yaml", f"model: {MODEL}\nmax_model_len: 4096\n", from_="vllm==0.7.3", to="vllm==0.8.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --enable-chunked-prefill\n", from_="vllm==0.7.3", to="vllm==0.8.0"),
        Example("run.sh", f"vllm serve {MODEL}\n", to="vllm==0.8.0"),
    )

    def check(self, ctx):
        ignored = not ctx.target_at_least("0.11.1")
        for scope in launches(ctx):
            if ignored and runs_v0(ctx, scope):
                continue  # the target still has V0, and this launch asks for it
            s = scope.get("vllm", "enable_chunked_prefill")
            off = scope.get("vllm", "no_enable_chunked_prefill") is not None or (
                s is not None and s.literal and as_bool(s.value) is False)
            if off:
                if ignored:
                    yield ctx.report(s or scope.get("vllm", "no_enable_chunked_prefill"),
                                     "vllm 0.8.0-0.11.0 (V1) ignore `enable_chunked_prefill=False`: chunked prefill "
                                     "stays on for generative models", severity=Severity.WARNING)
            elif s is None and not pinned(scope, "enable_chunked_prefill"):
                yield ctx.report(scope, "vllm 0.8.0 (V1) always chunks prefills of generative models (V0: only "
                                 "contexts over 32K); `max_num_batched_tokens` now bounds each step's prefill")


class ChunkedPrefillFalseHonoured(VllmRule):
    code = "VLLM021"
    name = "chunked-prefill-false-honoured"
    stack = "vllm"
    changed_in = "0.11.1"
    trigger = "default"
    severity = Severity.WARNING
    summary = "From vllm 0.11.1 `enable_chunked_prefill=False` takes effect again (it was ignored in 0.8.0-0.11.0)"
    looks_at = ("vllm:enable_chunked_prefill",)
    tokens = (b"chunked_prefill", b"chunked-prefill")
    what = (
        "Reports `enable_chunked_prefill` false when migrating from 0.8.0-0.11.0 to 0.11.1 or later, unless the "
        "same launch pins the V0 engine (`VLLM_USE_V1=0`), which honoured the value."
    )
    why = (
        "0.8.0-0.11.0 forced chunked prefill on and ignored the value; 0.11.1 honours it, so a leftover `False` "
        "now disables chunked prefill (0.12.0+ warns the model may not support that) and changes memory use "
        "and latency."
    )
    fix_safety = "No fix: delete the setting to keep the behaviour you had, or keep it if you want chunking off."
    evidence = (
        ev("vllm 0.11.1", "vllm/engine/arg_utils.py", "`_set_default_args`: \"if self.enable_chunked_prefill is None: … "
           "default_chunked_prefill\"", "§3.2 S5"),
    )
    invalid = (Example("run.sh", f"vllm serve {MODEL} --no-enable-chunked-prefill\n", from_="vllm==0.10.2", to="vllm==0.11.1"),
               Example("vllm-config.yaml", f"model: {MODEL}\nenable_chunked_prefill: false\nmax_model_len: 4096\n",
                       from_="vllm==0.9.2", to="vllm==0.33.0"))
    valid = (Example("run.sh", f"vllm serve {MODEL} --no-enable-chunked-prefill\n", from_="vllm==0.7.3", to="vllm==0.11.1"),)

    def check(self, ctx):
        from lmimigrate.core.pep440 import Version

        pair = ctx.pair()
        if pair is None or pair.from_ is None or pair.from_ < Version("0.8.0"):
            return
        for scope in launches(ctx):
            if runs_v0(ctx, scope):
                continue  # the source ran V0, which honoured the value: nothing changes
            s = scope.get("vllm", "enable_chunked_prefill")
            neg = scope.get("vllm", "no_enable_chunked_prefill")
            if neg is not None or (s is not None and s.literal and as_bool(s.value) is False):
                yield ctx.report(neg or s, "`enable_chunked_prefill=False` was ignored by vllm 0.8.0-0.11.0 and takes "
                                 "effect from 0.11.1: chunked prefill turns off; delete it to keep chunking")
