"""Removed vLLM environment variables (reference §3.1 E3, §3.14 V1-V6): the moves and V1-V3 here; V4-V6 and
E3 (`VLLM_USE_V1`) in env_removed.py.

A removed `VLLM_*` variable is silently ignored (from 0.17.0 vLLM warns "Unknown vLLM environment variable
detected"). Where a flag replaced it, the variable is moved onto the vLLM launch of the same file: the
command of the same container/service (Kubernetes, compose), the `CMD`/`ENTRYPOINT` of a Dockerfile, the
`vllm serve` line of a shell script, or the `LLM(...)` call of a Python file.

Fix safety of a move: safe for YAML (same container or service) and Dockerfiles (`ENV` reaches every later
instruction and the command); unsafe for shell scripts and Python, where the assignment may sit in a branch,
a function or a sub-shell, or feed other processes too. With no launch in the file (or several), no fix:
deleting the variable alone would drop the setting.
"""

from __future__ import annotations

from lmimigrate.core.record import record

from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import VllmRule

from .common import MODEL, dict_value, ev, flag
from .env_truth import truth
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

LLM_CALLS = ("vllm.LLM", "vllm.entrypoints.llm.LLM", "vllm.EngineArgs", "vllm.engine.arg_utils.EngineArgs",
             "vllm.AsyncEngineArgs", "vllm.engine.arg_utils.AsyncEngineArgs")


def _owner(label: str) -> str:
    return label.rsplit(" ", 1)[0] if " " in label else label


def launch_for(s) -> tuple[Any, Applicability] | None:
    """The vLLM launch scope an env assignment reaches, and how safe moving it there is."""
    unit = s.unit
    env_scope = s.scope
    launches = [sc for sc in unit.scopes if sc.kind == "cli"
                or (sc.kind == "python-call" and sc.facts.get("qualname") in LLM_CALLS)]
    if unit.surface in ("yaml", "json"):
        mine = [sc for sc in launches if _owner(sc.label) == _owner(env_scope.label)]
        return (mine[0], Applicability.SAFE) if len(mine) == 1 else None
    if len(launches) != 1 or launches[0].span[0] < s.key_span[0]:
        return None
    if unit.surface == "dockerfile":
        return launches[0], Applicability.SAFE
    return launches[0], Applicability.UNSAFE


def _convert(conv: str, text: str | None) -> Any:
    if text is None:
        return None
    t = text.strip()
    if conv == "str":
        return t or None
    if conv == "int":
        try:
            return int(t)
        except ValueError:
            return None
    if conv == "bool":  # only "0" and "1" mean the same to every parser vLLM used; see `truth` for the rest
        return {"1": True, "0": False}.get(text)
    return None


@record(frozen=True)
class Move:
    target: str | None  # the vllm key receiving the value; None: no replacement
    sub: str | None = None  # key inside a dict-valued target
    conv: str = "str"
    extra: tuple[tuple[str, Any], ...] = ()  # fixed keys added with the value (e.g. profiler: torch)
    hint: str = ""  # what upstream says to use instead, when no mechanical move exists


class EnvVarRule(VllmRule):
    """Base: `moves` maps each removed variable to its replacement."""

    stack = "vllm"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    moves: dict[str, Move] = {}
    removed_at: dict[str, str] = {}  # variable -> removal release, when it differs from changed_in

    def check(self, ctx):
        for name, move in self.moves.items():
            version = self.removed_at.get(name, self.changed_in)
            if not ctx.target_at_least(version):
                continue
            for s in ctx.settings("env", name):
                yield self.finding(ctx, s, move, version)

    def finding(self, ctx, s, move: Move, version: str):
        base = f"`{s.raw_key}` was removed in vllm {version} and is ignored"
        if move.target is None:
            text = f"{base}{': ' + move.hint if move.hint else ''}; delete it"
            return ctx.report(s, text, edits=ctx.edits(s.delete), applicability=Applicability.SAFE,
                              fix_message="delete it")
        if not s.literal or s.text_value is None:
            value = None
        elif move.conv == "bool":
            value = truth(ctx, s.key, s.text_value)
        else:
            value = _convert(move.conv, s.text_value)
        want = f"`{flag(move.target)}{'.' + move.sub if move.sub else ''}`"
        text = f"{base}: use {want}" + (f" ({move.hint})" if move.hint else "")
        if value is None and move.conv == "bool" and s.literal:
            text += (f"; no fix: how vllm read `{s.text_value}` depends on the release (only `0` and `1` mean the same "
                     "to all; give --from vllm==X)")
        edits, app = None, None
        found = launch_for(s) if value is not None else None
        if found is not None:
            launch, app = found
            more = self._insert(ctx, launch, move, value)
            dele = ctx.edits(s.delete)
            if more is not None and dele is not None:
                edits = dele + more
        return ctx.report(s, text, edits=edits, applicability=app,
                          fix_message=f"move it to {want} on the vLLM command")

    def _insert(self, ctx, launch, move: Move, value: Any):
        existing = launch.get("vllm", move.target)
        if move.sub is None:
            if existing is not None:
                return None
            return ctx.edits(launch.insert, "vllm", move.target, value)
        new = dict(move.extra)
        new[move.sub] = value
        if existing is None:
            return ctx.edits(launch.insert, "vllm", move.target, new)
        current, kind = dict_value(existing)
        if current is None or any(k in current and current[k] != v for k, v in new.items()):
            return None
        import json

        merged = {**current, **new}
        return ctx.edits(existing.set_value, json.dumps(merged) if kind == "json" else merged)


def env_tokens(names) -> tuple[bytes, ...]:
    return tuple(n.encode() for n in names)


_K8S_HEAD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: vllm\nspec:\n  containers:\n  - name: vllm\n"
             "    image: vllm/vllm-openai:v0.14.0\n")


# ---- V1 ------------------------------------------------------------------------------------------------

ATTENTION = {
    "VLLM_ATTENTION_BACKEND": Move("attention_backend"),
    "VLLM_FLASH_ATTN_VERSION": Move("attention_config", "flash_attn_version", "int"),
    "VLLM_V1_USE_PREFILL_DECODE_ATTENTION": Move("attention_config", "use_prefill_decode_attention", "bool"),
    "VLLM_FLASH_ATTN_MAX_NUM_SPLITS_FOR_CUDA_GRAPH": Move("attention_config", "flash_attn_max_num_splits_for_cuda_graph", "int"),
    "VLLM_USE_CUDNN_PREFILL": Move("attention_config", "use_cudnn_prefill", "bool"),
    "VLLM_USE_TRTLLM_RAGGED_DEEPSEEK_PREFILL": Move("attention_config", "use_trtllm_ragged_deepseek_prefill", "bool"),
    "VLLM_USE_TRTLLM_ATTENTION": Move("attention_config", "use_trtllm_attention", "bool"),
    "VLLM_DISABLE_FLASHINFER_PREFILL": Move("attention_config", "disable_flashinfer_prefill", "bool"),
    "VLLM_FLASHINFER_DISABLE_Q_QUANTIZATION": Move("attention_config", "disable_flashinfer_q_quantization", "bool"),
}


class AttentionEnvVarsRemoved(EnvVarRule):
    code = "VLLM160"
    name = "attention-env-vars-removed"
    changed_in = "0.15.0"
    moves = ATTENTION
    summary = "`VLLM_ATTENTION_BACKEND` and the other attention env vars were removed in vllm 0.15.0; use `--attention-backend` / `--attention-config`"
    looks_at = tuple(f"env:{n}" for n in ATTENTION)
    tokens = env_tokens(ATTENTION)
    what = (
        "Reports the nine attention environment variables removed in 0.15.0 and moves each onto the vLLM launch "
        "of the same file: `VLLM_ATTENTION_BACKEND=X` becomes `--attention-backend X`, the others become fields of "
        "`--attention-config` (e.g. `VLLM_FLASH_ATTN_VERSION=3` -> `--attention-config '{\"flash_attn_version\": 3}'`)."
    )
    why = (
        "0.13.0 added `AttentionConfig` (`--attention-backend`, `--attention-config.<field>`) and copied the env "
        "vars into it with a deprecation warning; 0.15.0 removed them from vllm/envs.py, so a leftover variable "
        "is silently ignored and the default backend is used."
    )
    fix_safety = (
        "Moving the value is what 0.13.0-0.14.0 did internally (`_set_from_env_if_set(\"backend\", "
        "\"VLLM_ATTENTION_BACKEND\")`). Safe in Kubernetes/compose (same container or service) and Dockerfiles; "
        "unsafe in shell scripts and Python (the assignment may be conditional or feed other processes). No fix "
        "when the file has no (or more than one) matching vLLM launch."
    )
    evidence = (
        ev("vllm 0.14.0", "vllm/config/attention.py", "\"Using %s environment variable is deprecated and will be removed "
           "in v0.14.0 … Please use --attention-config.%s\"; `_set_from_env_if_set(\"backend\", "
           "\"VLLM_ATTENTION_BACKEND\")`; variables absent from v0.15.0 vllm/envs.py", "§3.14 V1"),
    )
    invalid = (
        Example("Dockerfile", f"FROM vllm/vllm-openai:v0.14.0\nENV VLLM_ATTENTION_BACKEND=FLASHINFER\n"
                f"CMD [\"vllm\", \"serve\", \"{MODEL}\", \"--max-model-len\", \"4096\"]\n",
                fixed=f"FROM vllm/vllm-openai:v0.14.0\n"
                f"CMD [\"vllm\", \"serve\", \"{MODEL}\", \"--max-model-len\", \"4096\", \"--attention-backend\", \"FLASHINFER\"]\n"),
        Example("compose.yaml", "services:\n  vllm:\n    image: vllm/vllm-openai:v0.14.0\n    environment:\n"
                "      - VLLM_ATTENTION_BACKEND=FLASHINFER\n      - HF_HOME=/data\n"
                f"    command: --model {MODEL} --max-model-len 4096\n",
                fixed="services:\n  vllm:\n    image: vllm/vllm-openai:v0.14.0\n    environment:\n"
                "      - HF_HOME=/data\n"
                f"    command: --model {MODEL} --max-model-len 4096 --attention-backend FLASHINFER\n"),
        Example("run.sh", f"#!/bin/sh\nexport VLLM_FLASH_ATTN_VERSION=3\nvllm serve {MODEL} \\\n  --max-model-len 4096\n",
                fixed=f"#!/bin/sh\nvllm serve {MODEL} \\\n  --max-model-len 4096 \\\n"
                "  --attention-config '{\"flash_attn_version\": 3}'\n", unsafe=True),
        Example(".env", "VLLM_ATTENTION_BACKEND=FLASHINFER\n"),
    )
    valid = (
        Example("run.sh", f"#!/bin/sh\nexport VLLM_ATTENTION_BACKEND=FLASHINFER\nvllm serve {MODEL}\n", to="vllm==0.14.0"),
        Example("run.sh", f"#!/bin/sh\nvllm serve {MODEL} --attention-backend FLASHINFER\n"),
    )


# ---- V2 ------------------------------------------------------------------------------------------------

PROFILER = {
    "VLLM_TORCH_PROFILER_DIR": Move("profiler_config", "torch_profiler_dir", "str", (("profiler", "torch"),)),
    "VLLM_TORCH_PROFILER_RECORD_SHAPES": Move("profiler_config", "torch_profiler_record_shapes", "bool"),
    "VLLM_TORCH_PROFILER_WITH_PROFILE_MEMORY": Move("profiler_config", "torch_profiler_with_memory", "bool"),
    "VLLM_TORCH_PROFILER_WITH_STACK": Move("profiler_config", "torch_profiler_with_stack", "bool"),
    "VLLM_TORCH_PROFILER_WITH_FLOPS": Move("profiler_config", "torch_profiler_with_flops", "bool"),
    "VLLM_TORCH_PROFILER_DISABLE_ASYNC_LLM": Move("profiler_config", "ignore_frontend", "bool"),
    "VLLM_TORCH_PROFILER_USE_GZIP": Move("profiler_config", "torch_profiler_use_gzip", "bool"),
    "VLLM_TORCH_PROFILER_DUMP_CUDA_TIME_TOTAL": Move("profiler_config", "torch_profiler_dump_cuda_time_total", "bool"),
    "VLLM_PROFILER_DELAY_ITERS": Move("profiler_config", "delay_iterations", "int"),
    "VLLM_PROFILER_MAX_ITERS": Move("profiler_config", "max_iterations", "int"),
    "VLLM_TORCH_CUDA_PROFILE": Move("profiler_config", hint="`--profiler-config '{\"profiler\": \"cuda\"}'` when it was 1"),
}


class ProfilerEnvVarsRemoved(EnvVarRule):
    code = "VLLM161"
    name = "profiler-env-vars-removed"
    changed_in = "0.16.0"
    moves = PROFILER
    summary = "The `VLLM_TORCH_PROFILER_*` / `VLLM_PROFILER_*` env vars were removed in vllm 0.16.0; use `--profiler-config`"
    looks_at = tuple(f"env:{n}" for n in PROFILER)
    tokens = (b"VLLM_TORCH_PROFILER", b"VLLM_PROFILER_", b"VLLM_TORCH_CUDA_PROFILE")
    what = "Reports the profiler environment variables removed in 0.16.0 and moves them into `--profiler-config` JSON."
    why = (
        "0.13.0 added `ProfilerConfig` and read the env vars into it with a deprecation warning "
        "(`VLLM_TORCH_PROFILER_DIR` -> `profiler: torch` + `torch_profiler_dir`, `VLLM_PROFILER_DELAY_ITERS` -> "
        "`delay_iterations`, ...); 0.16.0 removed them, so the profiler silently stays off."
    )
    fix_safety = (
        "As for VLLM160: the mapping is the one 0.15.0 applied. `VLLM_TORCH_CUDA_PROFILE` is reported without a "
        "fix (write `{\"profiler\": \"cuda\"}` yourself)."
    )
    evidence = (
        ev("vllm 0.15.0", "vllm/config/profiler.py", "\"Using %s environment variable is deprecated and will be removed "
           "in …\", `_set_from_env_if_set(\"torch_profiler_dir\", \"VLLM_TORCH_PROFILER_DIR\"`; variables absent "
           "v0.16.0", "§3.14 V2"),
    )
    invalid = (
        Example("k8s.yaml", _K8S_HEAD + "    env:\n    - name: VLLM_TORCH_PROFILER_DIR\n      value: /traces\n"
                f"    args: [\"--model\", \"{MODEL}\"]\n",
                fixed=_K8S_HEAD + "    env: []\n"
                f"    args: [\"--model\", \"{MODEL}\", \"--profiler-config\", \"{{\\\"profiler\\\": \\\"torch\\\", "
                "\\\"torch_profiler_dir\\\": \\\"/traces\\\"}\"]\n"),
        Example("run.sh", f"#!/bin/sh\nexport VLLM_TORCH_PROFILER_DIR=/traces\nvllm serve {MODEL}\n",
                fixed=f"#!/bin/sh\nvllm serve {MODEL} --profiler-config '{{\"profiler\": \"torch\", \"torch_profiler_dir\": \"/traces\"}}'\n",
                unsafe=True),
    )
    valid = (Example("run.sh", f"#!/bin/sh\nexport VLLM_TORCH_PROFILER_DIR=/traces\nvllm serve {MODEL}\n", to="vllm==0.15.0"),)

    def finding(self, ctx, s, move, version):
        if move.sub is None:
            return ctx.report(s, f"`{s.raw_key}` was removed in vllm {version} and is ignored: use {move.hint}")
        return super().finding(ctx, s, move, version)


# ---- V3 ------------------------------------------------------------------------------------------------


class All2AllEnvVarRemoved(EnvVarRule):
    code = "VLLM162"
    name = "all2all-backend-env-var-removed"
    changed_in = "0.16.0"
    moves = {"VLLM_ALL2ALL_BACKEND": Move("all2all_backend")}
    summary = "`VLLM_ALL2ALL_BACKEND` was removed in vllm 0.16.0; use `--all2all-backend`"
    looks_at = ("env:VLLM_ALL2ALL_BACKEND",)
    tokens = (b"VLLM_ALL2ALL_BACKEND",)
    what = "Reports `VLLM_ALL2ALL_BACKEND` and moves it to `--all2all-backend` on the vLLM launch of the same file."
    why = "0.11.1 added `--all2all-backend` and deprecated the variable; 0.16.0 removed it, so it is silently ignored."
    fix_safety = AttentionEnvVarsRemoved.fix_safety.replace("_set_from_env_if_set(\"backend\", \"VLLM_ATTENTION_BACKEND\")",
                                                            "the deprecation message names the flag")
    evidence = (
        ev("vllm 0.15.0", "vllm/config/parallel.py", "\"VLLM_ALL2ALL_BACKEND environment variable is deprecated and will "
           "be removed in v0.15.0. Please use the --all2all-backend command-line argument instead.\"", "§3.14 V3"),
    )
    invalid = (
        Example("k8s.yaml", _K8S_HEAD + "    env:\n    - name: VLLM_ALL2ALL_BACKEND\n      value: deepep_low_latency\n"
                "    - name: HF_HOME\n      value: /data\n    args:\n    - --model\n    - facebook/opt-125m\n",
                fixed=_K8S_HEAD + "    env:\n    - name: HF_HOME\n      value: /data\n    args:\n    - --model\n"
                "    - facebook/opt-125m\n    - --all2all-backend\n    - deepep_low_latency\n"),
        Example("run.sh", f"#!/bin/sh\nexport VLLM_ALL2ALL_BACKEND=pplx\nvllm serve {MODEL} --enable-expert-parallel\n",
                fixed=f"#!/bin/sh\nvllm serve {MODEL} --enable-expert-parallel --all2all-backend pplx\n", unsafe=True),
    )
    valid = (Example("run.sh", f"#!/bin/sh\nexport VLLM_ALL2ALL_BACKEND=pplx\nvllm serve {MODEL}\n", to="vllm==0.15.0"),)
