"""Gaudi 1.22.0 warns about "experimental" feature variables unless VLLM_ENABLE_EXPERIMENTAL_FLAGS is set (gaudi §1.5)."""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import ForkRule, all_of, env_scopes, env_tokens, ev, names_list

ENABLE = "VLLM_ENABLE_EXPERIMENTAL_FLAGS"

# ext 8211e0b features.py: feature values with an env override (`Value(name, ..., env_var=...)`; without
# env_var the name is 'VLLM_' + name.upper()) and get_experimental_flags(). User flags (bucket variables,
# VLLM_EXPONENTIAL_BUCKETING) are excluded by runtime.py. Only variables users set in practice are listed.
EXPERIMENTAL_VARS = (
    "VLLM_SKIP_WARMUP",
    "VLLM_CONTIGUOUS_PA",
    "VLLM_DELAYED_SAMPLING",
    "VLLM_PROMPT_USE_FUSEDSDPA",
    "VLLM_PROMPT_USE_FLEX_ATTENTION",
    "VLLM_MERGED_PREFILL",
    "VLLM_ENABLE_BUCKETING",
    "VLLM_SOFTMAX_CONST_NORM",
    "VLLM_PT_PROFILE",
    "VLLM_PROFILE_PROMPT",
    "VLLM_PROFILE_DECODE",
)


class ExperimentalFlagsWarning(ForkRule):
    code = "HPU012"
    name = "experimental-flags-need-opt-in"
    changed_in = "1.22.0"
    trigger = "crossing"
    fork_only = True  # vllm-gaudi 0.11.2+ can never print this warning (see HPU053)
    severity = Severity.INFO
    fix_applicability = Applicability.SAFE
    summary = (
        "From Gaudi 1.22.0, feature variables such as `VLLM_SKIP_WARMUP` print an \"experimental\" warning "
        "unless `VLLM_ENABLE_EXPERIMENTAL_FLAGS` is set"
    )
    looks_at = tuple(f"env:{v}" for v in EXPERIMENTAL_VARS) + (f"env:{ENABLE}",)
    tokens = env_tokens(*EXPERIMENTAL_VARS)
    what = (
        "Reports an environment that sets one of the 1.22 \"experimental\" feature variables ("
        + ", ".join(f"`{v}`" for v in EXPERIMENTAL_VARS)
        + ") without `VLLM_ENABLE_EXPERIMENTAL_FLAGS`, when the vllm-fork upgrade reaches 1.22.0. Not reported "
        "when the target is vllm-gaudi, which cannot print this warning."
    )
    why = (
        "1.22.0 moved these switches into vllm-hpu-extension's feature table and classifies them as experimental: "
        "at start-up it logs \"Following environment variables are considered experimental: ... In future "
        "releases using those flags without VLLM_ENABLE_EXPERIMENTAL_FLAGS will trigger a fatal error.\" The "
        "variables still work; the warning announces a fatal error that no fork release introduced."
    )
    fix_safety = (
        "The fix adds `VLLM_ENABLE_EXPERIMENTAL_FLAGS=true`. It is safe: on the fork the variable only silences "
        "this warning (ext 8211e0b runtime.py), so nothing else changes at run time."
    )
    evidence = (
        ev(
            "vllm-fork v0.9.0.1+Gaudi-1.22.0 (ext 8211e0b)",
            "vllm_hpu_extension/runtime.py",
            "`if len(experimental_flag_names) > 0 and not detected.VLLM_ENABLE_EXPERIMENTAL_FLAGS:` ... \"In future "
            "releases using those flags without VLLM_ENABLE_EXPERIMENTAL_FLAGS will trigger a fatal error.\"",
            "§1.5",
        ),
        ev(
            "vllm-fork v0.9.0.1+Gaudi-1.22.0 (ext 8211e0b)",
            "vllm_hpu_extension/features.py",
            "`Value('skip_warmup', False)`, `Value('use_contiguous_pa', Disabled('prefix_caching'), "
            "env_var='VLLM_CONTIGUOUS_PA')`, `Value('use_delayed_sampling', Engine('v0'), "
            "env_var='VLLM_DELAYED_SAMPLING')`",
            "§1.5",
        ),
    )
    invalid = (
        Example(
            "gaudi.env",
            "VLLM_SKIP_WARMUP=false\nVLLM_CONTIGUOUS_PA=true\n",
            fixed="VLLM_SKIP_WARMUP=false\nVLLM_CONTIGUOUS_PA=true\nVLLM_ENABLE_EXPERIMENTAL_FLAGS=true\n",
            from_="vllm-fork==1.21.2",
            to="vllm-fork==1.22.0",
        ),
        Example(
            "k8s.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
            "        - name: VLLM_SKIP_WARMUP\n          value: \"false\"\n",
            fixed="apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
            "        - name: VLLM_SKIP_WARMUP\n          value: \"false\"\n"
            "        - name: VLLM_ENABLE_EXPERIMENTAL_FLAGS\n          value: \"true\"\n",
            from_="vllm-fork==1.21.2",
            to="vllm-fork==1.22.0",
        ),
    )
    valid = (
        Example("gaudi.env", "VLLM_SKIP_WARMUP=false\nVLLM_ENABLE_EXPERIMENTAL_FLAGS=1\n", from_="vllm-fork==1.21.2",
                to="vllm-fork==1.22.0"),
        Example("gaudi.env", "VLLM_SKIP_WARMUP=false\n", from_="vllm-fork==1.21.0", to="vllm-fork==1.21.3"),
        Example("gaudi.env", "VLLM_SKIP_WARMUP=false\n", from_="vllm-fork==1.21.2", to="vllm-gaudi==0.20.0"),
    )

    def check(self, ctx):
        for scope in env_scopes(ctx):
            if scope.get("env", ENABLE) is not None:
                continue
            found = all_of(scope, EXPERIMENTAL_VARS)
            if not found:
                continue
            yield ctx.report(
                found[0],
                f"Gaudi 1.22.0 logs {names_list(found)} as experimental (\"... will trigger a fatal error\") unless "
                f"`{ENABLE}` is set",
                edits=ctx.edits(scope.insert, "env", ENABLE, "true", after=found[-1]),
                fix_message=f"add `{ENABLE}=true`",
            )
