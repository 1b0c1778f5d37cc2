"""Model and logging flags folded into one JSON-valued config flag (the mechanism is fold.py's `FoldRule`): M12 EPLB
flags -> `--eplb-config`, M1 `--rope-scaling`/`--rope-theta` -> `--hf-overrides`, L4 `--log-config-file` ->
`--logging-config`."""

from __future__ import annotations

from lmimigrate.core.changes import key_tokens
from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import MODEL, ev
from .fold import FoldRule

# ---- M12 -----------------------------------------------------------------------------------------------

EPLB = {
    "num_redundant_experts": ("num_redundant_experts", "num"),
    "eplb_window_size": ("window_size", "num"),
    "eplb_step_interval": ("step_interval", "num"),
    "eplb_log_balancedness": ("log_balancedness", "bool"),
}


class EplbFlagsFolded(FoldRule):
    code = "VLLM120"
    name = "eplb-flags-to-eplb-config"
    changed_in = "0.10.2"
    removed_in = "0.12.0"
    target = "eplb_config"
    mapping = EPLB
    summary = "`--num-redundant-experts` and the `--eplb-*` flags were replaced by `--eplb-config` (deprecated 0.10.2, removed 0.12.0)"
    looks_at = tuple(f"vllm:{k}" for k in EPLB)
    tokens = key_tokens(EPLB)
    what = "Reports the expert-parallel load-balancer flags and folds them into one `--eplb-config` JSON."
    why = (
        "0.10.2 grouped the EPLB options in `EPLBConfig` (`num_redundant_experts`, `window_size`, "
        "`step_interval`, `log_balancedness`); 0.12.0 removed the separate flags."
    )
    fix_safety = "Safe: same values under the field names the deprecation message names."
    evidence = (
        ev("vllm 0.11.0", "vllm/config/parallel.py", "\"`num_redundant_experts` is deprecated and has been replaced "
           "with `eplb_config.num_redundant_experts`. This will be removed in v0.12.0.\"", "§3.8 M12"),
    )
    invalid = (
        Example(
            "run.sh",
            f"vllm serve {MODEL} --enable-eplb --num-redundant-experts 32 --eplb-window-size 1000\n",
            fixed=f"vllm serve {MODEL} --enable-eplb --eplb-config '{{\"num_redundant_experts\": 32, \"window_size\": 1000}}'\n",
            to="vllm==0.12.0",
        ),
        Example(
            "vllm-config.yaml",
            f"model: {MODEL}\ntensor_parallel_size: 8\nenable_eplb: true\nnum_redundant_experts: 32\nmax_model_len: 4096\n",
            fixed=f"model: {MODEL}\ntensor_parallel_size: 8\nenable_eplb: true\neplb_config: {{\"num_redundant_experts\": 32}}\n"
            "max_model_len: 4096\n",
            to="vllm==0.12.0",
        ),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} --enable-eplb --eplb-config '{{\"num_redundant_experts\": 32}}'\n",
                     to="vllm==0.12.0"),)


# ---- M1 ------------------------------------------------------------------------------------------------

ROPE = {"rope_scaling": ("rope_scaling", "json"), "rope_theta": ("rope_theta", "num")}


class RopeFlagsToHfOverrides(FoldRule):
    code = "VLLM110"
    name = "rope-flags-to-hf-overrides"
    changed_in = "0.11.1"
    target = "hf_overrides"
    mapping = ROPE
    merge = True
    fix_applicability = Applicability.UNSAFE
    summary = "`--rope-scaling` and `--rope-theta` were removed in vllm 0.11.1; use `--hf-overrides`"
    looks_at = ("vllm:rope_scaling", "vllm:rope_theta", "vllm:hf_overrides")
    tokens = key_tokens(["rope_scaling", "rope_theta"])
    what = (
        "Reports `--rope-scaling` / `--rope-theta` (and `LLM(rope_scaling=, rope_theta=)`) and moves them into "
        "`--hf-overrides '{\"rope_scaling\": {...}, \"rope_theta\": X}'`, merged into an existing `--hf-overrides`."
    )
    why = (
        "Up to 0.11.0 vLLM itself turned these flags into HF config overrides (`hf_overrides_kw.update("
        "{\"rope_scaling\": ...})`) and told users to pass `--hf-overrides` instead; 0.11.1 removed the flags. "
        "Caveat (reference §5): from 0.12.0 the legacy `rope_scaling`/`rope_theta` keys are mapped onto "
        "`rope_parameters` only when Transformers v4 is installed; with Transformers v5 the override may need "
        "to be `{\"rope_parameters\": {...}}`."
    )
    fix_safety = (
        "Unsafe: the rewrite is what vLLM 0.11.0 did internally, but with Transformers v5 (vLLM 0.12.0+) an "
        "override of the legacy `rope_scaling` key may be ignored without an error, so a long-context model "
        "would silently lose its RoPE scaling. Check the model's effective `max_model_len` after the upgrade."
    )
    evidence = (
        ev("vllm 0.11.0", "vllm/config/model.py", "\"`--rope-scaling` will be removed in a future release. 'Please "
           "instead use `--hf-overrides '{hf_overrides_str}'`\"; flags and fields absent v0.11.1", "§3.8 M1"),
        ev("vllm 0.12.0", "vllm/transformers_utils/config.py", "`patch_rope_parameters`: \"Transformers v4 installed, "
           "legacy config fields may be present\"", "§3.8 M1, §5"),
    )
    invalid = (
        Example(
            "run.sh",
            f"vllm serve {MODEL} --rope-scaling '{{\"rope_type\":\"yarn\",\"factor\":4.0}}' --rope-theta 1000000 --max-model-len 32768\n",
            fixed=f"vllm serve {MODEL} --max-model-len 32768 --hf-overrides '{{\"rope_scaling\": {{\"rope_type\": \"yarn\", \"factor\": 4.0}}, \"rope_theta\": 1000000}}'\n",
            unsafe=True,
        ),
        Example(
            "vllm-config.yaml",
            f"model: {MODEL}\nhf_overrides: {{\"max_position_embeddings\": 32768}}\nrope_theta: 1000000\n",
            fixed=f"model: {MODEL}\nhf_overrides: {{\"max_position_embeddings\": 32768, \"rope_theta\": 1000000}}\n",
            unsafe=True,
        ),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --hf-overrides '{{\"rope_theta\": 1000000}}'\n"),
        Example("run.sh", f"vllm serve {MODEL} --rope-theta 1000000\n", to="vllm==0.11.0"),
    )


# ---- L4 ------------------------------------------------------------------------------------------------


class LogConfigFileDeprecated(FoldRule):
    code = "VLLM087"
    name = "log-config-file-to-logging-config"
    changed_in = "0.31.0"
    target = "logging_config"
    deprecated_only = True
    mapping = {"log_config_file": ("pylogging_config_file", "str")}
    severity = Severity.WARNING
    summary = "`--log-config-file` is deprecated from vllm 0.31.0; use `--logging-config.pylogging_config_file`"
    looks_at = ("vllm:log_config_file",)
    tokens = key_tokens(["log_config_file"])
    what = "Reports `--log-config-file FILE` and rewrites it as `--logging-config '{\"pylogging_config_file\": \"FILE\"}'`."
    why = (
        "0.31.0 introduced `--logging-config` and deprecated `--log-config-file` (announced for removal in "
        "0.33.0; still accepted, with a warning, in 0.33.0)."
    )
    fix_safety = "Safe: vLLM 0.31.0+ copies `--log-config-file` into exactly this field."
    evidence = (
        ev("vllm 0.31.0", "vllm/engine/arg_utils.py", "\"--log-config-file is deprecated and will be removed in "
           "v0.33.0. Use --logging-config.pylogging_config_file instead.\" (still present in v0.33.0)", "§3.6 L4"),
    )
    invalid = (
        Example(
            "run.sh",
            f"vllm serve {MODEL} --log-config-file /etc/vllm/logging.json --port 8000\n",
            fixed=f"vllm serve {MODEL} --port 8000 --logging-config '{{\"pylogging_config_file\": \"/etc/vllm/logging.json\"}}'\n",
        ),
        Example(
            "vllm-config.yaml",
            f"model: {MODEL}\nlog_config_file: /etc/vllm/logging.json\nmax_model_len: 4096\n",
            fixed=f"model: {MODEL}\nlogging_config: {{\"pylogging_config_file\": \"/etc/vllm/logging.json\"}}\nmax_model_len: 4096\n",
        ),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} --log-config-file /etc/vllm/logging.json\n", to="vllm==0.30.0"),)

    def message(self, ctx, olds, gone):
        return f"`{olds[0].raw_key}` is deprecated since vllm 0.31.0: use `--logging-config.pylogging_config_file`"
