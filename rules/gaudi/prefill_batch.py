"""vllm-gaudi: VLLM_PROMPT_BS_BUCKET_MAX became the real prefill batch size (gaudi §2)."""

from __future__ import annotations

from lmimigrate.core.ftypes import Example, Severity

from .common import PluginRule, env_scopes, env_tokens, ev

VAR = "VLLM_PROMPT_BS_BUCKET_MAX"


class PromptBsMaxIsPrefillBatch(PluginRule):
    code = "HPU060"
    name = "prompt-bs-bucket-max-sets-prefill-batch"
    changed_in = "0.11.2"
    trigger = "crossing"
    severity = Severity.WARNING
    summary = "On vllm-gaudi 0.11.2+, `VLLM_PROMPT_BS_BUCKET_MAX` also sets the maximum prefill batch size"
    looks_at = (f"env:{VAR}",)
    tokens = env_tokens(VAR)
    what = f"Reports `{VAR}` when the vllm-gaudi target is 0.11.2 or newer."
    why = (
        "On the fork the variable only bounds which prompt buckets are warmed up; the prefill batch itself is "
        "bounded by `--max-num-prefill-seqs` (default max_num_seqs). vllm-gaudi (PR #258, 8c20fcea) takes the "
        "runner's maximum prefill batch size from this variable, with a default of 1: a value tuned for warm-up "
        "coverage (for example 64) now also lets up to that many prompts be prefilled together, which changes "
        "memory use and latency. The vllm-gaudi docs say it \"no longer affects only prompt warm-up coverage\"."
    )
    fix_safety = "No fix: choose the prefill batch size you want on vllm-gaudi and set the variable to it."
    evidence = (
        ev(
            "vllm-gaudi v0.11.2 .. v0.26.0",
            "vllm_gaudi/v1/worker/hpu_model_runner.py",
            "`self.max_prefill_batch_size = with_default(get_config().VLLM_PROMPT_BS_BUCKET_MAX, 1)`",
            "§2",
        ),
    )
    invalid = (
        Example("gaudi.env", f"{VAR}=64\nVLLM_BUCKETING_STRATEGY=lin\n", from_="vllm-fork==1.22.0",
                to="vllm-gaudi==0.20.0"),
        Example(
            "compose.yaml",
            f"services:\n  vllm:\n    environment:\n      {VAR}: \"16\"\n",
            to="vllm-gaudi==0.11.2",
        ),
    )
    valid = (
        Example("gaudi.env", f"{VAR}=64\n", from_="vllm-fork==1.22.0", to="vllm-gaudi==0.10.1"),
        Example("gaudi.env", f"{VAR}=64\n", from_="vllm-fork==1.21.2", to="vllm-fork==1.22.0"),
    )

    def check(self, ctx):
        for scope in env_scopes(ctx):
            s = scope.get("env", VAR)
            if s is None:
                continue
            shown = f"={s.text_value}" if s.literal and s.text_value is not None else ""
            yield ctx.report(
                s,
                f"`{s.raw_key}{shown}` is also the maximum prefill batch size on vllm-gaudi 0.11.2+ (the fork "
                "used it for warm-up only); check the value",
            )
