"""Variables a release stopped reading (gaudi §1.4, §1.5, §2): reported on the variable, fixed by deleting it.

Deleting a variable the target never reads changes nothing at run time, so every fix here is safe; the message
says what the variable used to do, because its effect is already gone once you upgrade.
"""

from __future__ import annotations

from lmimigrate.core.changes import KeyChange, rule_classes
from lmimigrate.core.ftypes import Example, Severity
from lmimigrate.core.rule import Rule

from .common import FORK, LIMIT_VARS, PLUGIN, ForkRule, PluginRule, env_scopes, env_settings, env_tokens, ev, fork_reports, release_name

EVIDENCE_3D_WARMUP = ev(
    "vllm-fork v0.9.0.1+Gaudi-1.22.0",
    "vllm/worker/hpu_model_runner.py (removed by habana_main 6bac2f76b \"3d warmup (#1178)\", 2025-06-12)",
    "the reads of VLLM_GRAPH_PROMPT_RATIO, VLLM_GRAPH_PROMPT_STRATEGY, VLLM_GRAPH_DECODE_STRATEGY and "
    "VLLM_GRAPH_MULTIMODAL_PROMPT_RATIO are deleted; README entry dropped in 617498ad3 (#1585)",
    "§1.5, §4",
)
EVIDENCE_PLUGIN_GRAPH = ev(
    "vllm-gaudi v0.10.0 .. v0.26.0",
    "vllm_gaudi/ (git grep over every tag)",
    "no read of VLLM_GRAPH_PROMPT_RATIO, VLLM_GRAPH_PROMPT_STRATEGY, VLLM_GRAPH_DECODE_STRATEGY or "
    "VLLM_GRAPH_MULTIMODAL_PROMPT_RATIO",
    "§2",
)
EVIDENCE_LIMIT_122 = ev(
    "vllm-fork v0.9.0.1+Gaudi-1.22.0 (ext 8211e0b)",
    "vllm_hpu_extension/bucketing/exponential.py (`check_for_user_flags`: params 'min', 'step', 'max', 'limit')",
    "\"Using Exponential Strategy - Your configuration {flag}={value} will be overwritten!\"",
    "§1.4",
)
EVIDENCE_LIMIT_121 = ev(
    "vllm-fork v0.7.2+Gaudi-1.21.0 .. 1.21.3 (ext 2b4ba56, 29bc7a4)",
    "vllm_hpu_extension/bucketing/exponential.py",
    "only `VLLM_*_BUCKET_LIMIT` is read from the environment; MIN/STEP/MAX are \"[non-modifiable]\"",
    "§1.4",
)
EVIDENCE_LIMIT_PLUGIN = ev(
    "vllm-gaudi v0.20.0rc0",
    "vllm_gaudi/extension/features.py",
    "`get_user_flags()` declares `VLLM_*_BUCKET_{MIN,STEP,MAX,PAD_MAX,PAD_PERCENT}` and no `*_LIMIT` "
    "(v0.19.1 still declares `Env('VLLM_DECODE_BLOCK_BUCKET_LIMIT', int)`)",
    "§2",
)
EVIDENCE_DELAYED_PLUGIN = ev(
    "vllm-gaudi v0.11.2",
    "vllm_gaudi/envs.py, vllm_gaudi/extension/features.py",
    "v0.10.1 reads `os.environ.get(\"VLLM_DELAYED_SAMPLING\", \"false\")` and declares "
    "`Value('use_delayed_sampling', Engine('v0'), env_var='VLLM_DELAYED_SAMPLING')`; v0.11.2 has neither",
    "§2",
)

GRAPH_VARS = (
    "VLLM_GRAPH_PROMPT_RATIO",
    "VLLM_GRAPH_PROMPT_STRATEGY",
    "VLLM_GRAPH_DECODE_STRATEGY",
    "VLLM_GRAPH_MULTIMODAL_PROMPT_RATIO",
)


ROWS = (
    KeyChange(
        "HPU002", "bucket-limit-ignored", "", LIMIT_VARS, "1.22.0", "delete", namespace="env", stack=FORK,
        extra={"did": "set the number of exponential buckets per dimension, read only by the 1.21.x exponential strategy"},
        samples={"env": "VLLM_DECODE_BLOCK_BUCKET_LIMIT=12"}, sample_from="vllm-fork==1.21.2", sample_to="vllm-fork==1.22.0",
        why="1.21.x read the `*_BUCKET_LIMIT` variables when `VLLM_EXPONENTIAL_BUCKETING=true`. 1.22.0 computes the "
        "bucket count itself (ceil(log2(max)) + 1 per dimension) and only logs the value as \"will be "
        "overwritten!\"; the linear strategy never read it.",
        evidence=(EVIDENCE_LIMIT_121, EVIDENCE_LIMIT_122),
    ),
    *(
        KeyChange(
            code, name, "", (var,), "1.22.0", "delete", namespace="env", stack=FORK, extra={"did": did},
            samples={"env": f"{var}={value}"}, sample_from="vllm-fork==1.21.2", sample_to="vllm-fork==1.22.0",
            why=f"Gaudi 1.22.0 replaced the 2-D warm-up with 3-D buckets (habana_main 6bac2f76b, \"3d warmup\") and "
            f"deleted the code that read `{var}`; no replacement variable exists. It is now silently ignored.",
            evidence=(EVIDENCE_3D_WARMUP,),
        )
        for code, name, var, did, value in (
            ("HPU003", "graph-prompt-ratio-removed", "VLLM_GRAPH_PROMPT_RATIO",
             "split HPU-graph memory between prompt and decode graphs, default 0.3 on 1.19-1.21.x", "0.5"),
            ("HPU004", "graph-prompt-strategy-removed", "VLLM_GRAPH_PROMPT_STRATEGY",
             "chose the capture order of prompt graphs, default `min_tokens`", "max_bs"),
            ("HPU005", "graph-decode-strategy-removed", "VLLM_GRAPH_DECODE_STRATEGY",
             "chose the capture order of decode graphs, default `max_bs`", "min_tokens"),
            ("HPU006", "graph-multimodal-prompt-ratio-removed", "VLLM_GRAPH_MULTIMODAL_PROMPT_RATIO",
             "split graph memory for multimodal prompt graphs, default 0.3", "0.4"),
        )
    ),
    KeyChange(
        "HPU052", "bucket-limit-removed", "", LIMIT_VARS, "0.20.0rc0", "delete", namespace="env", stack=PLUGIN,
        extra={"did": "was declared but ignored up to vllm-gaudi 0.19.x, as on fork 1.22", "defer_to_fork": "1.22.0"},
        samples={"env": "VLLM_PROMPT_SEQ_BUCKET_LIMIT=10"}, sample_from="vllm-fork==1.22.0", sample_to="vllm-gaudi==0.20.0",
        why="vllm-gaudi 0.20.0rc0 dropped the `*_BUCKET_LIMIT` flags when it introduced `VLLM_BUCKETING_STRATEGY` "
        "(PR #762). They had no effect since fork 1.22.0.",
        evidence=(EVIDENCE_LIMIT_PLUGIN, EVIDENCE_LIMIT_122),
    ),
    KeyChange(
        "HPU054", "graph-variables-not-read", "", GRAPH_VARS, "0.10.0", "delete", namespace="env", stack=PLUGIN,
        extra={"did": "configured fork HPU-graph capture up to Gaudi 1.21.x", "defer_to_fork": "1.22.0"},
        samples={"env": "VLLM_GRAPH_PROMPT_RATIO=0.3"}, sample_from="vllm-fork==1.22.0", sample_to="vllm-gaudi==0.20.0",
        why="The graph-capture variables were removed from the fork in 1.22.0 (6bac2f76b) and vllm-gaudi never read "
        "them.",
        evidence=(EVIDENCE_PLUGIN_GRAPH, EVIDENCE_3D_WARMUP),
    ),
    KeyChange(
        "HPU055", "delayed-sampling-removed", "", ("VLLM_DELAYED_SAMPLING",), "0.11.2", "delete", namespace="env",
        stack=PLUGIN, extra={"did": "turned on delayed (asynchronous) sampling in the fork's V0 engine"},
        samples={"env": "VLLM_DELAYED_SAMPLING=true"}, sample_from="vllm-fork==1.22.0", sample_to="vllm-gaudi==0.11.2",
        why="Delayed sampling was a V0-engine feature of the fork. vllm-gaudi runs vLLM's V1 engine; v0.10.x still "
        "declared the variable (for V0 only) and v0.11.2 removed it.",
        evidence=(EVIDENCE_DELAYED_PLUGIN,),
    ),
)


class RemovedVar(Rule):
    """Base of the rules made from `ROWS` (action "delete", namespace "env"): the variable is deleted (a safe fix).
    `samples["env"]` is the examples' `NAME=value`. `extra`: "did" (what the variable did, for the message),
    "defer_to_fork" (plugin rows: stand back while a fork rule reports the same variables)."""

    trigger = "crossing"
    severity = Severity.WARNING
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        return env_tokens(*row.keys)

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        where, names = release_name(row.stack, row.changed_in), ", ".join(f"`{n}`" for n in row.keys)
        var, _, value = row.samples["env"].partition("=")
        frm, to, defer = row.sample_from, row.sample_to, row.extra.get("defer_to_fork")
        k8s = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
        return dict(
            summary=(f"`{row.keys[0]}` is no longer read from {where}" if len(row.keys) == 1
                     else f"{names} are no longer read from {where}"),
            what=f"Reports {names} in any environment when the upgrade reaches {where}.",
            why=row.why + (
                " When you move from the fork, a fork rule reports these variables first if your upgrade also "
                f"crosses Gaudi {defer}; this rule covers the rest." if defer else ""
            ),
            fix_safety=(
                f"The fix deletes the variable. It is safe: {where} does not read it, so removing it changes nothing "
                "at run time; it only removes dead configuration that looks effective."
            ),
            invalid=(
                Example("gaudi.env", f"PT_HPU_LAZY_MODE=1\n{var}={value}\nVLLM_GRAPH_RESERVED_MEM=0.2\n",
                        fixed="PT_HPU_LAZY_MODE=1\nVLLM_GRAPH_RESERVED_MEM=0.2\n", from_=frm, to=to),
                Example("k8s.yaml", k8s + f"        - name: {var}\n          value: \"{value}\"\n        - name: "
                        "PT_HPU_LAZY_MODE\n          value: \"1\"\n",
                        fixed=k8s + "        - name: PT_HPU_LAZY_MODE\n          value: \"1\"\n", from_=frm, to=to),
            ),
            valid=(
                # Not crossed: the fork stays on its source release / the plugin target predates the change.
                Example("gaudi.env", f"PT_HPU_LAZY_MODE=1\n{var}={value}\n", from_=frm,
                        to=frm if row.stack == FORK or row.changed_in == "0.10.0" else "vllm-gaudi==0.10.0"),
                Example("gaudi.env", "PT_HPU_LAZY_MODE=1\nVLLM_GRAPH_RESERVED_MEM=0.1\n", from_=frm, to=to),
            ),
        )

    def check(self, ctx):
        row = self.row
        defer = row.extra.get("defer_to_fork")
        if defer and fork_reports(ctx, defer):
            return
        where = release_name(row.stack, row.changed_in)
        for scope in env_scopes(ctx):
            for s in env_settings(scope):
                if s.key not in row.keys:
                    continue
                yield ctx.report(
                    s,
                    f"`{s.raw_key}` is not read from {where}; delete it (it {row.extra['did']})",
                    edits=ctx.edits(s.delete),
                    fix_message=f"delete `{s.raw_key}`",
                )


class ForkRemovedVar(RemovedVar, ForkRule):
    """A variable the fork stopped reading."""


class PluginRemovedVar(RemovedVar, PluginRule):
    """A variable vllm-gaudi stopped reading."""


rule_classes((r for r in ROWS if r.stack == FORK), ForkRemovedVar, globals())
rule_classes((r for r in ROWS if r.stack == PLUGIN), PluginRemovedVar, globals())
