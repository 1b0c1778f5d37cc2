"""Variables vllm-gaudi renamed or replaced (gaudi §2)."""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import (
    EXP_FLAG,
    PROMPT_SEQ_VARS,
    STRATEGY,
    PluginRule,
    env_scopes,
    env_tokens,
    ev,
    literal_text,
    plugin_flag_true,
)
from .experimental_flags import ENABLE

DEVELOPER = "VLLM_DEVELOPER_MODE"


class ExponentialFlagToStrategy(PluginRule):
    code = "HPU050"
    name = "exponential-flag-replaced-by-bucketing-strategy"
    changed_in = "0.20.0rc0"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`VLLM_EXPONENTIAL_BUCKETING` is deprecated in vllm-gaudi 0.20; use `VLLM_BUCKETING_STRATEGY=exp|lin`"
    looks_at = (f"env:{EXP_FLAG}", f"env:{STRATEGY}")
    tokens = env_tokens(EXP_FLAG)
    what = (
        "Reports `VLLM_EXPONENTIAL_BUCKETING` when the vllm-gaudi target is 0.20.0rc0 or newer, and rewrites it "
        "as `VLLM_BUCKETING_STRATEGY` (`exp` for a true value, `lin` otherwise)."
    )
    why = (
        "vllm-gaudi 0.20.0rc0 (PR #762, c2641a62) replaced the boolean with `VLLM_BUCKETING_STRATEGY` = `exp` | "
        "`lin` | `pad` (default `exp`). The old variable is still read, logs \"VLLM_EXPONENTIAL_BUCKETING is "
        "deprecated and will be removed in a future release\", and *overrides* the strategy: while it is set, "
        "`VLLM_BUCKETING_STRATEGY` has no effect and the new padding-aware strategy `pad` cannot be selected. "
        "vllm-gaudi's own `.cd` docker tooling still sets the old variable, so copied configs often carry it."
    )
    fix_safety = (
        "The rename is safe: the override maps the old value with the same boolean parser "
        "(`x.lower() in ['true', 't', '1', 'yes', 'y', 'on']`) to exp, anything else to lin, and the fix writes "
        "exactly that strategy, so the same strategy runs. When `VLLM_BUCKETING_STRATEGY` is already set to the "
        "same strategy, the fix only deletes the old variable (safe). When it is set to a different strategy, the "
        "old variable wins today; the fix deletes it so your `VLLM_BUCKETING_STRATEGY` takes effect, which "
        "changes the strategy that runs: that fix is unsafe."
    )
    evidence = (
        ev(
            "vllm-gaudi v0.20.0rc0",
            "vllm_gaudi/extension/bucketing/common.py (`get_bucketing_strategy`)",
            "\"for backward compatibility - if VLLM_EXPONENTIAL_BUCKETING is set, it will override the bucketing "
            "strategy\"; `use_exp_bucketing = boolean(exp_bucketing_env)`; \"VLLM_EXPONENTIAL_BUCKETING is "
            "deprecated and will be removed in a future release. Use VLLM_BUCKETING_STRATEGY='exp'|'lin'|'pad' "
            "instead.\"",
            "§2",
        ),
        ev(
            "vllm-gaudi v0.20.0rc0",
            "vllm_gaudi/extension/features.py",
            "`Value('bucketing_strategy', 'exp', env_var='VLLM_BUCKETING_STRATEGY', env_var_type=str, "
            "check=choice('exp', 'lin', 'pad'))`",
            "§2",
        ),
    )
    invalid = (
        Example(
            "gaudi.env",
            "VLLM_EXPONENTIAL_BUCKETING=false\nVLLM_DECODE_BS_BUCKET_MAX=64\n",
            fixed="VLLM_BUCKETING_STRATEGY=lin\nVLLM_DECODE_BS_BUCKET_MAX=64\n",
            from_="vllm-fork==1.22.0",
            to="vllm-gaudi==0.20.0",
        ),
        Example(
            "compose.yaml",
            "services:\n  vllm:\n    environment:\n      VLLM_EXPONENTIAL_BUCKETING: \"True\"\n",
            fixed="services:\n  vllm:\n    environment:\n      VLLM_BUCKETING_STRATEGY: \"exp\"\n",
            to="vllm-gaudi==0.20.0",
        ),
        Example(
            "k8s.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
            "        - name: VLLM_BUCKETING_STRATEGY\n          value: pad\n"
            "        - name: VLLM_EXPONENTIAL_BUCKETING\n          value: \"false\"\n",
            fixed="apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
            "        - name: VLLM_BUCKETING_STRATEGY\n          value: pad\n",
            unsafe=True,
            to="vllm-gaudi==0.21.0",
        ),
    )
    valid = (
        Example("gaudi.env", "VLLM_EXPONENTIAL_BUCKETING=false\n", from_="vllm-fork==1.22.0", to="vllm-gaudi==0.19.1"),
        Example("gaudi.env", "VLLM_BUCKETING_STRATEGY=lin\n", to="vllm-gaudi==0.20.0"),
        Example("gaudi.env", "VLLM_EXPONENTIAL_BUCKETING=false\n", to="vllm-fork==1.23.0"),
    )

    def check(self, ctx):
        for scope in env_scopes(ctx):
            old = scope.get("env", EXP_FLAG)
            value = literal_text(old)
            if value is None:
                if old is not None:
                    yield ctx.report(old, f"`{EXP_FLAG}` is deprecated from vllm-gaudi 0.20.0rc0 and overrides "
                                          f"`{STRATEGY}`; use `{STRATEGY}=exp|lin`")
                continue
            wanted = "exp" if plugin_flag_true(value) else "lin"
            strategy = scope.get("env", STRATEGY)
            message = (
                f"`{old.raw_key}={value}` is deprecated from vllm-gaudi 0.20.0rc0 and overrides `{STRATEGY}`; "
                f"use `{STRATEGY}={wanted}`"
            )
            if strategy is None:
                edits = ctx.edits(lambda: old.rename(STRATEGY) + old.set_value(wanted))
                yield ctx.report(old, message, edits=edits, fix_message=f"replace with `{STRATEGY}={wanted}`")
                continue
            current = literal_text(strategy)
            if current == wanted:
                yield ctx.report(old, message, edits=ctx.edits(old.delete),
                                 fix_message=f"delete `{old.raw_key}` (`{STRATEGY}={wanted}` is already set)")
            elif current is None:
                yield ctx.report(old, message)
            else:
                yield ctx.report(
                    old,
                    f"`{old.raw_key}={value}` overrides `{STRATEGY}={current}` on vllm-gaudi 0.20.0rc0+: "
                    f"`{wanted}` runs, not `{current}`",
                    edits=ctx.edits(old.delete),
                    applicability=Applicability.UNSAFE,
                    fix_message=f"delete `{old.raw_key}` so `{STRATEGY}={current}` applies (changes the strategy)",
                )


class PromptSeqToQuery(PluginRule):
    code = "HPU051"
    name = "prompt-seq-renamed-to-query"
    changed_in = "0.11.2"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`VLLM_PROMPT_SEQ_BUCKET_*` is renamed `VLLM_PROMPT_QUERY_BUCKET_*` in vllm-gaudi 0.11.2"
    looks_at = tuple(f"env:{v}" for v in PROMPT_SEQ_VARS)
    tokens = env_tokens(*PROMPT_SEQ_VARS)
    what = (
        "Reports `VLLM_PROMPT_SEQ_BUCKET_{MIN,STEP,MAX}` when the vllm-gaudi target is 0.11.2 or newer and renames "
        "each to `VLLM_PROMPT_QUERY_BUCKET_*`."
    )
    why = (
        "vllm-gaudi runs vLLM's V1 engine with chunked prefill and prefix caching: a prompt bucket is (batch, "
        "query tokens, context blocks), and 0.11.2 named the token dimension QUERY (context has its own "
        "`VLLM_PROMPT_CTX_BUCKET_*`, counted in blocks). The SEQ names still work through a deprecated fallback "
        "that logs \"... not set, using VLLM_PROMPT_SEQ_BUCKET_... value ... instead. This fallback behavior is "
        "deprecated and will be removed in v0.12.0\" (it was still present in 0.26.0). Note that the QUERY max "
        "defaults to `max_num_batched_tokens`, not `max_model_len` (HPU063): long prompts are split into chunks "
        "and their earlier chunks become context."
    )
    fix_safety = (
        "The rename is safe: `read_bucket_settings` reads each QUERY variable and, only when it is unset, the SEQ "
        "variable of the same parameter, so `VLLM_PROMPT_QUERY_BUCKET_MAX=4096` behaves exactly like the "
        "fallback from `VLLM_PROMPT_SEQ_BUCKET_MAX=4096` (your explicit value is kept either way). When the QUERY "
        "variable is already set, the SEQ one is ignored, and the fix deletes it (also safe)."
    )
    evidence = (
        ev(
            "vllm-gaudi v0.11.2 .. v0.26.0",
            "vllm_gaudi/extension/bucketing/linear.py (`read_bucket_settings`)",
            "`if val is None and dim == 'query': fallback_env = f'VLLM_{phase}_SEQ_BUCKET_{p}'.upper()` ... \"This "
            "fallback behavior is deprecated and will be removed in v0.12.0.\"",
            "§2",
        ),
    )
    invalid = (
        Example(
            "gaudi.env",
            "VLLM_PROMPT_SEQ_BUCKET_MIN=128\nVLLM_PROMPT_SEQ_BUCKET_MAX=4096\nVLLM_BUCKETING_STRATEGY=lin\n",
            fixed="VLLM_PROMPT_QUERY_BUCKET_MIN=128\nVLLM_PROMPT_QUERY_BUCKET_MAX=4096\nVLLM_BUCKETING_STRATEGY=lin\n",
            from_="vllm-fork==1.22.0",
            to="vllm-gaudi==0.20.0",
        ),
        Example(
            "run.sh",
            "export VLLM_PROMPT_SEQ_BUCKET_STEP=256\nexport VLLM_PROMPT_QUERY_BUCKET_STEP=128\n"
            "export VLLM_EXPONENTIAL_BUCKETING=false\n",
            fixed="export VLLM_PROMPT_QUERY_BUCKET_STEP=128\nexport VLLM_EXPONENTIAL_BUCKETING=false\n",
            from_="vllm-fork==1.22.0",
            to="vllm-gaudi==0.11.2",
        ),
        Example(
            "k8s.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
            "        - name: VLLM_BUCKETING_STRATEGY\n          value: lin\n"
            "        - name: VLLM_PROMPT_SEQ_BUCKET_MAX\n          value: \"8192\"\n",
            fixed="apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
            "        - name: VLLM_BUCKETING_STRATEGY\n          value: lin\n"
            "        - name: VLLM_PROMPT_QUERY_BUCKET_MAX\n          value: \"8192\"\n",
            from_="vllm-fork==1.22.0",
            to="vllm-gaudi==0.26.0",
        ),
    )
    valid = (
        Example("gaudi.env", "VLLM_PROMPT_SEQ_BUCKET_MAX=4096\n", from_="vllm-fork==1.22.0", to="vllm-gaudi==0.10.1"),
        Example("gaudi.env", "VLLM_PROMPT_SEQ_BUCKET_MAX=4096\nVLLM_EXPONENTIAL_BUCKETING=false\n",
                from_="vllm-fork==1.21.2", to="vllm-fork==1.23.0"),
    )

    def check(self, ctx):
        for scope in env_scopes(ctx):
            for p in ("MIN", "STEP", "MAX"):
                old = scope.get("env", f"VLLM_PROMPT_SEQ_BUCKET_{p}")
                if old is None:
                    continue
                new = f"VLLM_PROMPT_QUERY_BUCKET_{p}"
                if scope.get("env", new) is not None:
                    yield ctx.report(old, f"`{old.raw_key}` is ignored because `{new}` is set (vllm-gaudi 0.11.2+)",
                                     edits=ctx.edits(old.delete), fix_message=f"delete `{old.raw_key}`")
                else:
                    yield ctx.report(old, f"`{old.raw_key}` is renamed `{new}` in vllm-gaudi 0.11.2 (the old name "
                                          "is a deprecated fallback)",
                                     edits=ctx.edits(old.rename, new), fix_message=f"rename to `{new}`")


class ExperimentalFlagsToDeveloperMode(PluginRule):
    code = "HPU053"
    name = "experimental-flags-renamed-developer-mode"
    changed_in = "0.11.2"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "vllm-gaudi 0.11.2 replaced `VLLM_ENABLE_EXPERIMENTAL_FLAGS` with `VLLM_DEVELOPER_MODE`; the old name is not read"
    looks_at = (f"env:{ENABLE}", f"env:{DEVELOPER}")
    tokens = env_tokens(ENABLE)
    what = "Reports `VLLM_ENABLE_EXPERIMENTAL_FLAGS` when the vllm-gaudi target is 0.11.2 or newer."
    why = (
        "The fork (1.22) and vllm-gaudi 0.10.x used `VLLM_ENABLE_EXPERIMENTAL_FLAGS` to silence the "
        "\"considered experimental\" start-up warning. 0.11.2 declares `VLLM_DEVELOPER_MODE` instead and reads the "
        "old name nowhere. The warning itself can no longer fire: `finalize_config` builds the experimental set "
        "as `{k: v for k, v in user_flags.items() if k not in user_flags}`, which is always empty (read from "
        "code, not run), although its text still promises a fatal error \"From v0.12.0\". `VLLM_DEVELOPER_MODE` "
        "itself only adds a log line per warm-up bucket (`log_warmup` in `warmup_graphs`)."
    )
    fix_safety = (
        "The fix deletes the old variable, which is safe: the target does not read it. It does not rename it to "
        "`VLLM_DEVELOPER_MODE`, because that would turn on per-bucket warm-up logging that you did not have; set "
        "`VLLM_DEVELOPER_MODE=true` yourself if you want it."
    )
    evidence = (
        ev(
            "vllm-gaudi v0.11.2",
            "vllm_gaudi/extension/features.py",
            "`Env('VLLM_DEVELOPER_MODE', boolean)` (v0.10.0/v0.10.1: `Env('VLLM_ENABLE_EXPERIMENTAL_FLAGS', boolean)`)",
            "§2",
        ),
        ev(
            "vllm-gaudi v0.11.2 .. v0.26.0",
            "vllm_gaudi/extension/runtime.py (`finalize_config`)",
            "`experimental_flags = {k: v for k, v in user_flags.items() if k not in user_flags}`; \"From v0.12.0 "
            "release using those flags without VLLM_DEVELOPER_MODE will trigger a fatal error.\"",
            "§2",
        ),
        ev(
            "vllm-gaudi v0.11.2",
            "vllm_gaudi/v1/worker/hpu_model_runner.py (`warmup_graphs`)",
            "`developer_settings = get_config().VLLM_DEVELOPER_MODE` ... `if developer_settings: self.log_warmup(...)`",
            "§2",
        ),
    )
    invalid = (
        Example(
            "gaudi.env",
            "VLLM_ENABLE_EXPERIMENTAL_FLAGS=true\nVLLM_SKIP_WARMUP=false\n",
            fixed="VLLM_SKIP_WARMUP=false\n",
            from_="vllm-fork==1.22.0",
            to="vllm-gaudi==0.20.0",
        ),
        Example(
            "compose.yaml",
            "services:\n  vllm:\n    environment:\n      - VLLM_ENABLE_EXPERIMENTAL_FLAGS=1\n      - VLLM_CONTIGUOUS_PA=false\n",
            fixed="services:\n  vllm:\n    environment:\n      - VLLM_CONTIGUOUS_PA=false\n",
            from_="vllm-fork==1.22.0",
            to="vllm-gaudi==0.11.2",
        ),
    )
    valid = (
        Example("gaudi.env", "VLLM_ENABLE_EXPERIMENTAL_FLAGS=true\n", from_="vllm-fork==1.22.0", to="vllm-gaudi==0.10.1"),
        Example("gaudi.env", "VLLM_DEVELOPER_MODE=true\n", to="vllm-gaudi==0.20.0"),
    )

    def check(self, ctx):
        for scope in env_scopes(ctx):
            for s in scope.all("env", ENABLE):
                yield ctx.report(
                    s,
                    f"`{s.raw_key}` is not read from vllm-gaudi 0.11.2 (replaced by `{DEVELOPER}`, which only adds "
                    "warm-up logging); delete it",
                    edits=ctx.edits(s.delete),
                    fix_message=f"delete `{s.raw_key}`",
                )
