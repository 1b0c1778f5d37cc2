"""CompilationConfig keys and the `-O` / `-cc` spellings (reference §3.3 C4-C11).

A compilation config reaches vLLM as a JSON value (`--compilation-config '{"level": 3}'`, `-O '{...}'` up to
0.11, `compilation_config: {...}` in a vLLM `--config` file, `LLM(compilation_config={...})`) or as dotted
flags (`-O.level=3`, `-cc.mode=3`, `--compilation-config.pass_config.enable_noop=true`). JSON values are
re-serialized with `json.dumps` defaults when rewritten. Dotted flags are renamed in place (the scope's
`rename_leaf`); their nested keys keep underscores (vLLM does not convert dashes after the first dot). The
`-O` / `-cc` spellings themselves and `--cuda-graph-sizes` are in compilation_flags.py.
"""

from __future__ import annotations

import abc

import json

from lmimigrate.core.changes import key_tokens
from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import MODEL, VllmRule, as_bool, dict_edits, dict_value, ev, settings
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

CC = "compilation_config"


def _cc_settings(ctx):
    """(setting, kind) for whole compilation configs: kind "dict"/"json" from dict_value; `-O '{...}'` counts."""
    for key in (CC, "O"):
        for s in settings(ctx, key):
            d, kind = dict_value(s)
            if d is not None:
                yield s, d, kind


def _dotted(ctx, prefix: str):
    """Dotted settings under `compilation_config.<prefix>`: (setting, tail) with tail the rest of the path."""
    head = CC + "." + prefix if prefix else CC + "."
    for s in ctx.settings("vllm"):
        if s.derived_from is None and s.key.startswith(head):
            tail = s.key[len(head):] if prefix else s.key[len(CC) + 1:]
            if tail and "." not in tail:
                yield s, tail


def _replace_key(d: dict, old: str, new_items: list[tuple[str, Any]]) -> dict:
    """`d` with `old` replaced in place by `new_items` (an empty list deletes it)."""
    out: dict = {}
    for k, v in d.items():
        if k == old:
            for nk, nv in new_items:
                out[nk] = nv
        else:
            out[k] = v
    return out


class CompilationKeysRule(VllmRule, abc.ABC):
    """Base: renames inside a compilation config. `section` is "" (top level) or "pass_config"."""

    stack = "vllm"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    section = ""
    olds: tuple[str, ...] = ()

    @abc.abstractmethod
    def map_key(self, key: str, value: Any, d: dict) -> list[tuple[str, Any]] | None:
        """Replacement items for one old key, or None when no unambiguous mapping exists."""

    @abc.abstractmethod
    def describe(self, keys: list[str]) -> str:
        """The finding's message for these old keys."""

    def check(self, ctx):
        gone = ctx.target_at_least(self.removed_in or self.changed_in)
        sev = Severity.ERROR if gone else Severity.WARNING
        for s, d, kind in _cc_settings(ctx):
            part = d.get(self.section) if self.section else d
            if not isinstance(part, dict):
                continue
            found = [k for k in part if k in self.olds]
            if not found:
                continue
            new_part = part
            ok = True
            for k in found:
                items = self.map_key(k, new_part[k], new_part)
                if items is None:
                    ok = False
                    break
                new_part = _replace_key(new_part, k, items)
            edits = None
            if ok:
                new = {k: (new_part if k == self.section else v) for k, v in d.items()} if self.section else new_part
                edits = dict_edits(ctx, s, new, kind)
            yield ctx.report(s, self.describe(found), edits=edits, severity=sev,
                             fix_message="rewrite the compilation config")
        for s, tail in _dotted(ctx, self.section + "." if self.section else ""):
            if tail not in self.olds:
                continue
            value = s.value if s.literal else None
            items = self.map_key(tail, _parse_cli_value(value), {}) if s.literal else None
            edits = None
            if items is not None and len(items) <= 1:
                if not items:
                    edits = ctx.edits(s.delete)
                else:
                    (nk, nv), = items
                    edits = ctx.edits(s.scope.rename_leaf, s, nk)
                    if edits is not None and nv != _parse_cli_value(value):
                        more = ctx.edits(s.set_value, nv)
                        edits = None if more is None else edits + more
            yield ctx.report(s, self.describe([tail]), edits=edits, severity=sev,
                             fix_message="rename the compilation-config key")


def _parse_cli_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


# ---- C4 ------------------------------------------------------------------------------------------------


class CompilationLevelToMode(CompilationKeysRule):
    code = "VLLM030"
    name = "compilation-level-to-mode"
    changed_in = "0.11.1"
    removed_in = "0.18.0"
    olds = ("level",)
    summary = "`compilation_config.level` was renamed `mode` (deprecated 0.11.1, removed 0.18.0)"
    looks_at = ("vllm:compilation_config", "vllm:compilation_config.level", "vllm:O")
    # In Python the key only occurs inside a `compilation_config=` value.
    tokens = {"python": (b"compilation_config",), "*": key_tokens(["level"])}
    what = (
        "Reports the key `level` in a compilation config (`--compilation-config '{\"level\": 3}'`, `-O.level=3`, "
        "`-cc.level=3`, `compilation_config={\"level\": 3}`) and renames it `mode`."
    )
    why = (
        "0.11.1 replaced `CompilationLevel` by `CompilationMode` and the config key `level` by `mode` (same "
        "numbers: 0 none, 1 stock torch.compile, 2 trace once, 3 vLLM compile); `level` is gone in 0.18.0, "
        "where the config rejects unknown keys."
    )
    fix_safety = "Safe: the numbers keep their meaning (`CompilationLevel.PIECEWISE` = `CompilationMode.VLLM_COMPILE` = 3)."
    evidence = (
        ev("vllm 0.11.1", "vllm/config/compilation.py", "\"Level is deprecated and will be removed in the next "
           "release, either 0.12.0 or 0.11.2 … Please use mode\"; `level` field absent v0.18.0", "§3.3 C4"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --compilation-config '{{\"level\": 3, \"cudagraph_capture_sizes\": [1, 2, 4]}}'\n",
                fixed=f"vllm serve {MODEL} --compilation-config '{{\"mode\": 3, \"cudagraph_capture_sizes\": [1, 2, 4]}}'\n",
                to="vllm==0.18.0"),
        Example("run.sh", f"vllm serve {MODEL} -O.level=3\n", fixed=f"vllm serve {MODEL} -O.mode=3\n", to="vllm==0.11.2"),
        Example("vllm-config.yaml", f"model: {MODEL}\ncompilation_config: {{\"level\": 3}}\nmax_model_len: 4096\n",
                fixed=f"model: {MODEL}\ncompilation_config: {{\"mode\": 3}}\nmax_model_len: 4096\n", to="vllm==0.18.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} -cc.mode=3\n", to="vllm==0.18.0"),
        Example("run.sh", f"vllm serve {MODEL} --compilation-config '{{\"level\": 3}}'\n", to="vllm==0.11.0"),
        Example("run.sh", "#!/bin/sh\nLOG_LEVEL=3 ./start.sh --level 3\n", to="vllm==0.18.0"),
    )

    def map_key(self, key, value, d):
        if "mode" in d:
            return None
        return [("mode", value)]

    def describe(self, keys):
        return "compilation config key `level` was renamed `mode` in vllm 0.11.1 (removed in 0.18.0)"


# ---- C5 ------------------------------------------------------------------------------------------------


class CudagraphFlagsToMode(CompilationKeysRule):
    code = "VLLM033"
    name = "use-cudagraph-to-cudagraph-mode"
    changed_in = "0.10.1"
    removed_in = "0.11.1"
    olds = ("use_cudagraph", "full_cuda_graph")
    summary = "`compilation_config.use_cudagraph` / `full_cuda_graph` were replaced by `cudagraph_mode` (removed 0.11.1)"
    looks_at = ("vllm:compilation_config",)
    tokens = key_tokens(["use_cudagraph", "full_cuda_graph"])
    what = (
        "Reports `use_cudagraph` and `full_cuda_graph` in a compilation config and rewrites them as "
        "`cudagraph_mode` with the mapping of vLLM's own deprecation code."
    )
    why = (
        "0.10.1 introduced `cudagraph_mode` (NONE, PIECEWISE, FULL, FULL_DECODE_ONLY, FULL_AND_PIECEWISE) and "
        "translated the old booleans: `use_cudagraph=False` -> `NONE`, `full_cuda_graph=True` -> `FULL`; the "
        "booleans were removed in 0.11.1."
    )
    fix_safety = (
        "Safe: `use_cudagraph: false` becomes `cudagraph_mode: \"NONE\"` and `full_cuda_graph: true` becomes "
        "`\"FULL\"`, exactly as 0.10.1-0.11.0 translated them; `use_cudagraph: true` and `full_cuda_graph: "
        "false` were the defaults and are dropped. No fix when both would set a mode or `cudagraph_mode` is "
        "already set (vLLM raised an error for those)."
    )
    evidence = (
        ev("vllm 0.11.0", "vllm/config/compilation.py", "\"use_cudagraph is deprecated, use cudagraph_mode=NONE "
           "instead\", \"full_cuda_graph is deprecated, use cudagraph_mode=FULL instead\"; both fields absent "
           "v0.11.1", "§3.3 C5"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --compilation-config '{{\"full_cuda_graph\": true}}'\n",
                fixed=f"vllm serve {MODEL} --compilation-config '{{\"cudagraph_mode\": \"FULL\"}}'\n", to="vllm==0.11.1"),
        Example("vllm-config.yaml", f"model: {MODEL}\ncompilation_config: {{\"level\": 3, \"use_cudagraph\": false}}\n"
                "max_model_len: 4096\n",
                fixed=f"model: {MODEL}\ncompilation_config: {{\"mode\": 3, \"cudagraph_mode\": \"NONE\"}}\nmax_model_len: 4096\n",
                to="vllm==0.11.1"),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} -O '{{\"cudagraph_mode\": \"FULL\"}}'\n", to="vllm==0.11.1"),)

    def map_key(self, key, value, d):
        b = as_bool(value) if value is not None else None
        if b is None:
            return None
        sets = (key == "use_cudagraph" and not b) or (key == "full_cuda_graph" and b)
        if not sets:
            return []
        other = "full_cuda_graph" if key == "use_cudagraph" else "use_cudagraph"
        if "cudagraph_mode" in d:
            return None
        if other in d and ((other == "full_cuda_graph" and as_bool(d[other])) or
                           (other == "use_cudagraph" and as_bool(d[other]) is False)):
            return None
        return [("cudagraph_mode", "NONE" if key == "use_cudagraph" else "FULL")]

    def describe(self, keys):
        names = " and ".join(f"`{k}`" for k in keys)
        return f"compilation config {names} {'were' if len(keys) > 1 else 'was'} removed in vllm 0.11.1: use `cudagraph_mode`"


# ---- C6 ------------------------------------------------------------------------------------------------


class UseInductorToBackend(CompilationKeysRule):
    code = "VLLM034"
    name = "use-inductor-to-backend"
    changed_in = "0.11.1"
    removed_in = "0.12.0"
    olds = ("use_inductor",)
    summary = "`compilation_config.use_inductor` was replaced by `backend` (deprecated 0.11.1, removed 0.12.0)"
    looks_at = ("vllm:compilation_config",)
    tokens = key_tokens(["use_inductor"])
    what = "Reports `use_inductor` in a compilation config and rewrites it as `backend: \"inductor\"` / `\"eager\"`."
    why = "0.11.1 deprecated `use_inductor` in favour of `backend`; 0.12.0 removed it."
    fix_safety = "Safe: vLLM 0.11.1 translated `use_inductor=True` to `backend=\"inductor\"` and False to `\"eager\"`."
    evidence = (
        ev("vllm 0.11.1", "vllm/config/compilation.py", "\"This flag is deprecated and will be removed in the next "
           "release 0.12.0. Please use the 'backend' option instead.\"; `self.backend = \"inductor\" if "
           "self.use_inductor else \"eager\"`; absent v0.12.0", "§3.3 C6"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --compilation-config '{{\"use_inductor\": false}}'\n",
                fixed=f"vllm serve {MODEL} --compilation-config '{{\"backend\": \"eager\"}}'\n", to="vllm==0.12.0"),
        Example("vllm-config.yaml", f"model: {MODEL}\ncompilation_config: {{\"use_inductor\": true}}\nmax_model_len: 4096\n",
                fixed=f"model: {MODEL}\ncompilation_config: {{\"backend\": \"inductor\"}}\nmax_model_len: 4096\n",
                to="vllm==0.12.0"),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} --compilation-config '{{\"backend\": \"eager\"}}'\n", to="vllm==0.12.0"),)

    def map_key(self, key, value, d):
        b = as_bool(value) if value is not None else None
        if b is None or "backend" in d:
            return None
        return [("backend", "inductor" if b else "eager")]

    def describe(self, keys):
        return "compilation config `use_inductor` was replaced by `backend` in vllm 0.11.1 (removed in 0.12.0)"


# ---- C10 -----------------------------------------------------------------------------------------------

PASS_RENAMES = {
    "enable_fusion": ("fuse_norm_quant", "fuse_act_quant"),
    "enable_attn_fusion": ("fuse_attn_quant",),
    "enable_noop": ("eliminate_noops",),
    "enable_sequence_parallelism": ("enable_sp",),
    "enable_async_tp": ("fuse_gemm_comms",),
    "enable_fi_allreduce_fusion": ("fuse_allreduce_rms",),
}


class PassConfigRenames(CompilationKeysRule):
    code = "VLLM035"
    name = "pass-config-renames"
    changed_in = "0.12.0"
    removed_in = "0.13.0"
    section = "pass_config"
    olds = tuple(PASS_RENAMES)
    summary = "PassConfig fusion flags were renamed in vllm 0.12.0 (old names removed in 0.13.0)"
    looks_at = ("vllm:compilation_config",)
    tokens = key_tokens(PASS_RENAMES)
    what = (
        "Reports the PassConfig keys `enable_fusion`, `enable_attn_fusion`, `enable_noop`, "
        "`enable_sequence_parallelism`, `enable_async_tp` and `enable_fi_allreduce_fusion` under "
        "`compilation_config.pass_config` and renames them."
    )
    why = (
        "0.12.0 renamed the passes: `enable_fusion` -> `fuse_norm_quant` + `fuse_act_quant`, "
        "`enable_attn_fusion` -> `fuse_attn_quant`, `enable_noop` -> `eliminate_noops`, "
        "`enable_sequence_parallelism` -> `enable_sp`, `enable_async_tp` -> `fuse_gemm_comms`, "
        "`enable_fi_allreduce_fusion` -> `fuse_allreduce_rms`; 0.13.0 removed the old names. (The seed document's "
        "list of these six as current fields is true only for 0.10.0-0.11.2.)"
    )
    fix_safety = (
        "Safe: each deprecation docstring names its replacement; `enable_fusion` sets both of its successors to "
        "the same value. A dotted `enable_fusion` flag is reported without a fix (it needs two flags)."
    )
    evidence = (
        ev("vllm 0.12.0", "vllm/config/compilation.py", "\"Deprecated in: v0.12.0. Use fuse_norm_quant and "
           "fuse_act_quant instead. Will be removed in v0.13.0\" (etc.); old fields absent v0.13.0", "§3.3 C10"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} -cc '{{\"pass_config\": {{\"enable_fusion\": true, \"enable_noop\": true}}}}'\n",
                fixed=f"vllm serve {MODEL} -cc '{{\"pass_config\": {{\"fuse_norm_quant\": true, \"fuse_act_quant\": true, "
                "\"eliminate_noops\": true}}'\n", to="vllm==0.13.0"),
        Example("run.sh", f"vllm serve {MODEL} -cc.pass_config.enable_noop=true\n",
                fixed=f"vllm serve {MODEL} -cc.pass_config.eliminate_noops=true\n", to="vllm==0.13.0"),
        Example("vllm-config.yaml", f"model: {MODEL}\ncompilation_config: {{\"pass_config\": {{\"enable_attn_fusion\": true}}}}\n"
                "max_model_len: 4096\n",
                fixed=f"model: {MODEL}\ncompilation_config: {{\"pass_config\": {{\"fuse_attn_quant\": true}}}}\nmax_model_len: 4096\n",
                to="vllm==0.13.0"),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} -cc.pass_config.eliminate_noops=true\n", to="vllm==0.13.0"),)

    def map_key(self, key, value, d):
        news = PASS_RENAMES[key]
        if any(n in d for n in news):
            return None
        return [(n, value) for n in news]

    def describe(self, keys):
        pairs = ", ".join(f"`{k}` -> {' + '.join(f'`{n}`' for n in PASS_RENAMES[k])}" for k in keys)
        return f"PassConfig keys renamed in vllm 0.12.0 (old names removed in 0.13.0): {pairs}"


# ---- C11 -----------------------------------------------------------------------------------------------


class PassConfigSpRemoved(CompilationKeysRule):
    code = "VLLM036"
    name = "pass-config-sequence-parallel-removed"
    changed_in = "0.32.0"
    section = "pass_config"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    olds = ("enable_sp", "fuse_gemm_comms", "sp_min_token_num")
    summary = "PassConfig `enable_sp`, `fuse_gemm_comms` and `sp_min_token_num` were removed in vllm 0.32.0"
    looks_at = ("vllm:compilation_config",)
    tokens = key_tokens(["enable_sp", "fuse_gemm_comms", "sp_min_token_num", "enable_sequence_parallelism", "enable_async_tp"])
    what = "Reports the sequence-parallelism PassConfig keys removed in 0.32.0."
    why = (
        "The sequence-parallelism and GEMM/communication fusion passes' switches are gone from PassConfig in "
        "0.32.0, which rejects unknown keys; no replacement was found in the 0.32.0 config."
    )
    fix_safety = "Unsafe: deleting the keys lets the server start, but the passes they enabled no longer run; measure throughput."
    evidence = (
        ev("vllm 0.32.0", "vllm/config/compilation.py", "PassConfig `enable_sp`, `fuse_gemm_comms`, `sp_min_token_num` "
           "present v0.31.0, absent v0.32.0", "§3.3 C11"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} -cc '{{\"pass_config\": {{\"enable_sp\": true}}, \"mode\": 3}}'\n",
                fixed=f"vllm serve {MODEL} -cc '{{\"pass_config\": {{}}, \"mode\": 3}}'\n", unsafe=True, to="vllm==0.32.0"),
        Example("vllm-config.yaml", f"model: {MODEL}\ncompilation_config: {{\"pass_config\": {{\"fuse_gemm_comms\": true}}}}\n"
                "max_model_len: 4096\n",
                fixed=f"model: {MODEL}\ncompilation_config: {{\"pass_config\": {{}}}}\nmax_model_len: 4096\n",
                unsafe=True, to="vllm==0.32.0"),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} -cc.pass_config.enable_sp=true\n", to="vllm==0.31.0"),)

    def map_key(self, key, value, d):
        return []

    def describe(self, keys):
        return f"PassConfig {', '.join(f'`{k}`' for k in keys)} removed in vllm 0.32.0 (no replacement)"
