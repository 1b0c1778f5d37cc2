"""Gaudi 1.22.0: exponential warm-up bucketing became the default (gaudi §1.4, §4 "1.21.x → 1.22.0")."""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import (
    EXP_FLAG,
    FORK,
    GAUDI_VLLM_VARS,
    LINEAR_BUCKET_VARS,
    PLUGIN,
    STRATEGY,
    ForkRule,
    all_of,
    env_scopes,
    env_settings,
    env_tokens,
    ev,
    is_gaudi_scope,
    names_list,
)

POST1_HISTORY = (
    "Seed and third-party documents (for example the `README_Bucketing.md` next to the upstream bucket calculator) "
    "say exponential bucketing became the default in the \"1.21.0-post1\" release. That release was cancelled and "
    "never shipped: the flip happened only on the dev branch `v1.21.0_next` (fork e2d9721f1, ext 058a49b), the "
    "post1 tags were reverted (fork e43d5c89e: \"there will be no post1 release\"), and 1.21.2 explicitly disabled "
    "exponential bucketing again (fork 569c0aac6 / ext 29bc7a4). Every shipped 1.21.x release defaults to linear; "
    "1.22.0 (ext 8211e0b) is the first release where exponential is the default."
)

EVIDENCE_DEFAULT_121 = ev(
    "vllm-fork v0.8.5.post1+Gaudi-1.21.3 (ext 29bc7a4)",
    "vllm_hpu_extension/bucketing/common.py",
    "`os.environ.get('VLLM_EXPONENTIAL_BUCKETING', 'false').lower() == 'true'`",
    "§1.4",
)
EVIDENCE_DEFAULT_122 = ev(
    "vllm-fork v0.9.0.1+Gaudi-1.22.0 (ext 8211e0b)",
    "vllm_hpu_extension/bucketing/common.py",
    "`use_exponential_bucketing = True if get_config().VLLM_EXPONENTIAL_BUCKETING == None else "
    "get_config().VLLM_EXPONENTIAL_BUCKETING`",
    "§1.4",
)
EVIDENCE_OVERWRITTEN = ev(
    "vllm-fork v0.9.0.1+Gaudi-1.22.0 (ext 8211e0b)",
    "vllm_hpu_extension/bucketing/exponential.py (`check_for_user_flags`)",
    "\"Using Exponential Strategy - Your configuration {flag}={value} will be overwritten!\"",
    "§1.4",
)
EVIDENCE_README_122 = ev(
    "vllm-fork branch v1.22.0",
    "README_GAUDI.md",
    "\"Starting from v1.22.0 Intel Gaudi Software release, Linear strategy is no longer the default warm-up "
    "mechanism\"",
    "§1.4",
)
EVIDENCE_NO_POST1 = ev(
    "vllm-fork e43d5c89e (#1387, 2025-06-09)",
    "README_GAUDI.md (revert of c18c4094c \"Update tags in files for 1.21.0-post1 release\")",
    "\"as there will be no post1 release\"",
    "§1.4",
)

_K8S_BEFORE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama-gaudi
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vault.habana.ai/gaudi-docker/1.21.2/ubuntu22.04/habanalabs/pytorch-installer-2.6.0:latest
          env:
            - name: VLLM_PROMPT_SEQ_BUCKET_MAX
              value: "4096"
            - name: VLLM_DECODE_BLOCK_BUCKET_MAX
              value: "2048"
"""


class LinearBucketsNeedSwitch(ForkRule):
    code = "HPU001"
    name = "linear-buckets-ignored-by-exponential-default"
    changed_in = "1.22.0"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = (
        "Linear bucket variables without `VLLM_EXPONENTIAL_BUCKETING` are ignored from Gaudi 1.22.0, where "
        "exponential bucketing is the default"
    )
    looks_at = tuple(f"env:{v}" for v in LINEAR_BUCKET_VARS) + (f"env:{EXP_FLAG}",)
    tokens = env_tokens(*LINEAR_BUCKET_VARS)
    what = (
        "Reports an environment (an env file, shell exports, a Dockerfile's `ENV`, a Kubernetes or compose `env`, "
        "a Python env dict) that sets any of the linear bucket variables "
        "`VLLM_{PROMPT_BS,PROMPT_SEQ,DECODE_BS,DECODE_BLOCK}_BUCKET_{MIN,STEP,MAX}` but not "
        "`VLLM_EXPONENTIAL_BUCKETING`, when the vllm-fork upgrade reaches Gaudi 1.22.0. One finding per "
        "environment, on its first bucket variable. When the target is vllm-gaudi and the environment already "
        "sets `VLLM_BUCKETING_STRATEGY`, it is not reported (that variable decides there)."
    )
    why = (
        "Up to Gaudi 1.21.x the fork defaults to linear bucketing and uses these values. From 1.22.0 "
        "`VLLM_EXPONENTIAL_BUCKETING` defaults to true, and the exponential strategy ignores every user bucket "
        "variable; the only trace is a log line per variable (\"Using Exponential Strategy - Your configuration "
        "... will be overwritten!\"). Warm-up then prepares a different set of buckets than the one you tuned "
        "(for memory, warm-up time or padding), without an error.\n\n" + POST1_HISTORY
    )
    fix_safety = (
        "The fix adds `VLLM_EXPONENTIAL_BUCKETING=false` to the same environment, next to the bucket variables. "
        "It is safe when the source release is known to be older than 1.22.0: 1.21.x read the flag as false by "
        "default and earlier releases had only linear bucketing, so the fix keeps exactly the strategy and the "
        "buckets the values were written for. When the source release is unknown (no `--from`, nothing "
        "detected), the fix is offered as unsafe: on 1.22+ these values are ignored today, and switching to "
        "linear would change your warm-up. If you want exponential bucketing, delete the bucket variables instead."
    )
    evidence = (EVIDENCE_DEFAULT_121, EVIDENCE_DEFAULT_122, EVIDENCE_OVERWRITTEN, EVIDENCE_README_122, EVIDENCE_NO_POST1)
    invalid = (
        Example(
            "gaudi.env",
            "# tuned with lmimigrate hpu-buckets\nVLLM_PROMPT_BS_BUCKET_MAX=16\nVLLM_PROMPT_SEQ_BUCKET_MAX=4096\n"
            "PT_HPU_LAZY_MODE=1\n",
            fixed="# tuned with lmimigrate hpu-buckets\nVLLM_PROMPT_BS_BUCKET_MAX=16\nVLLM_PROMPT_SEQ_BUCKET_MAX=4096\n"
            "VLLM_EXPONENTIAL_BUCKETING=false\nPT_HPU_LAZY_MODE=1\n",
            from_="vllm-fork==1.21.2",
            to="vllm-fork==1.22.0",
        ),
        Example(
            "k8s.yaml",
            _K8S_BEFORE,
            fixed=_K8S_BEFORE
            + "            - name: VLLM_EXPONENTIAL_BUCKETING\n              value: \"false\"\n",
            from_="vllm-fork==v0.7.2+Gaudi-1.21.2",
            to="vllm-fork==1.22.0",
        ),
        Example(
            "run.sh",
            "#!/bin/sh\nexport VLLM_DECODE_BS_BUCKET_MAX=64\nvllm serve meta-llama/Llama-3.1-8B-Instruct\n",
            fixed="#!/bin/sh\nexport VLLM_DECODE_BS_BUCKET_MAX=64\nexport VLLM_EXPONENTIAL_BUCKETING=false\n"
            "vllm serve meta-llama/Llama-3.1-8B-Instruct\n",
            from_="vllm-fork==1.20.0",
            to="vllm-fork==1.23.0",
        ),
        Example(
            "compose.yaml",
            "services:\n  vllm:\n    image: registry.example.com/vllm-hpu:1.0\n"
            "    environment:\n      VLLM_PROMPT_BS_BUCKET_MAX: \"16\"\n",
            # Unknown source release: the fix is unsafe (on 1.22+ these values may be ignored on purpose).
            fixed="services:\n  vllm:\n    image: registry.example.com/vllm-hpu:1.0\n"
            "    environment:\n      VLLM_PROMPT_BS_BUCKET_MAX: \"16\"\n      VLLM_EXPONENTIAL_BUCKETING: \"false\"\n",
            unsafe=True,
            to="vllm-fork==1.22.0",
        ),
        Example(
            "deploy.py",
            "import os\n\nos.environ[\"VLLM_PROMPT_BS_BUCKET_MAX\"] = \"16\"\nos.environ[\"VLLM_DECODE_BS_BUCKET_MAX\"] = \"64\"\n",
            from_="vllm-fork==1.21.2",
            to="vllm-fork==1.22.0",
        ),
    )
    valid = (
        Example(
            "gaudi.env",
            "VLLM_PROMPT_BS_BUCKET_MAX=16\nVLLM_EXPONENTIAL_BUCKETING=false\n",
            from_="vllm-fork==1.21.2",
            to="vllm-fork==1.22.0",
        ),
        Example("gaudi.env", "VLLM_PROMPT_BS_BUCKET_MAX=16\n", from_="vllm-fork==1.21.0", to="vllm-fork==1.21.2"),
        Example(
            "k8s.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n      env:\n"
            "        - name: VLLM_USE_V1\n          value: \"1\"\n        - name: MAX_BATCH_SIZE\n          value: \"8\"\n",
            from_="vllm-fork==1.21.2",
            to="vllm-fork==1.22.0",
        ),
        # Already on 1.22: nothing is crossed.
        Example("gaudi.env", "VLLM_PROMPT_BS_BUCKET_MAX=16\n", from_="vllm-fork==1.22.0", to="vllm-fork==1.23.0"),
    )

    def check(self, ctx):
        pair = ctx.pair(FORK)
        known = pair is not None and pair.from_ is not None
        plugin_target = ctx.pair(PLUGIN) is not None
        for scope in env_scopes(ctx):
            buckets = all_of(scope, LINEAR_BUCKET_VARS)
            if not buckets or scope.get("env", EXP_FLAG) is not None:
                continue
            if plugin_target and scope.get("env", STRATEGY) is not None:
                continue  # already written for vllm-gaudi, whose VLLM_BUCKETING_STRATEGY decides
            # On a vllm-gaudi 0.20.0rc0+ target write the switch HPU050 would turn the legacy flag into, so the fix
            # lands in one step and `check` has nothing new to say about our own edit.
            key, value = (STRATEGY, "lin") if plugin_target and ctx.target_at_least("0.20.0rc0", PLUGIN) else (EXP_FLAG, "false")
            yield ctx.report(
                buckets[0],
                f"Gaudi 1.22.0 made exponential bucketing the default: {names_list(buckets)} "
                "are ignored there (\"will be overwritten!\") unless `VLLM_EXPONENTIAL_BUCKETING=false` is set",
                edits=ctx.edits(scope.insert, "env", key, value, after=buckets[-1]),
                applicability=Applicability.SAFE if known else Applicability.UNSAFE,
                fix_message=f"add `{key}={value}` to keep linear bucketing"
                + ("" if known else " (unsafe: the source release is unknown)"),
            )


class ExponentialDefault(ForkRule):
    code = "HPU011"
    name = "exponential-bucketing-default"
    changed_in = "1.22.0"
    trigger = "default"
    severity = Severity.INFO
    summary = "Gaudi 1.22.0 switched the default warm-up bucketing from linear to exponential"
    looks_at = (f"env:{EXP_FLAG}",)
    tokens = (b"VLLM_", b"PT_HPU_", b"HABANA_")
    what = (
        "Reports a Gaudi vLLM environment (one that sets a Gaudi-only `VLLM_*` variable, or a `PT_HPU_*` / "
        "`HABANA_*` variable in a file that mentions vLLM) that sets neither `VLLM_EXPONENTIAL_BUCKETING` nor any "
        "linear bucket variable (HPU001 covers those), when the upgrade crosses Gaudi 1.22.0 from a known release."
    )
    why = (
        "With the flag unset, 1.21.x warms up linear buckets and 1.22.0 exponential ones: fewer buckets and a "
        "shorter warm-up, but different padding at run time. Usually an improvement; worth knowing when latency "
        "or warm-up time changes after the upgrade. `VLLM_EXPONENTIAL_BUCKETING=false` keeps linear.\n\n"
        + POST1_HISTORY
    )
    fix_safety = "No fix: exponential bucketing is the upstream recommendation; keep linear only if you need it."
    evidence = (EVIDENCE_DEFAULT_121, EVIDENCE_DEFAULT_122, EVIDENCE_README_122, EVIDENCE_NO_POST1)
    invalid = (
        Example("gaudi.env", "VLLM_SKIP_WARMUP=false\nVLLM_GRAPH_RESERVED_MEM=0.2\n", from_="vllm-fork==1.21.2",
                to="vllm-fork==1.22.0"),
        Example(
            "compose.yaml",
            "services:\n  vllm:\n    image: registry.example.com/vllm-hpu:1.0\n    environment:\n"
            "      - PT_HPU_LAZY_MODE=1\n",
            from_="vllm-fork==1.21.3",
            to="vllm-fork==1.22.0",
        ),
    )
    valid = (
        Example("gaudi.env", "VLLM_SKIP_WARMUP=false\nVLLM_EXPONENTIAL_BUCKETING=true\n", from_="vllm-fork==1.21.2",
                to="vllm-fork==1.22.0"),
        # A Gaudi training job: PT_HPU_* without vLLM.
        Example("train.env", "PT_HPU_LAZY_MODE=1\nHABANA_VISIBLE_DEVICES=all\n", from_="vllm-fork==1.21.2",
                to="vllm-fork==1.22.0"),
        # Unknown source release: a default change is only reported when the source is known.
        Example("gaudi.env", "VLLM_SKIP_WARMUP=false\n", to="vllm-fork==1.22.0"),
    )

    def check(self, ctx):
        for scope in env_scopes(ctx):
            if scope.get("env", EXP_FLAG) is not None or all_of(scope, LINEAR_BUCKET_VARS):
                continue
            if ctx.pair(PLUGIN) is not None and scope.get("env", STRATEGY) is not None:
                continue
            if not is_gaudi_scope(scope):
                continue
            anchor = next((s for s in env_settings(scope) if s.key in GAUDI_VLLM_VARS), None) or next(
                env_settings(scope)
            )
            yield ctx.report(
                anchor,
                "Gaudi 1.22.0 warms up exponential buckets by default (linear up to 1.21.x); set "
                "`VLLM_EXPONENTIAL_BUCKETING=false` to keep linear bucketing",
            )
