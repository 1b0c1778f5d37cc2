"""HPU900: the finding `lmimigrate hpu-buckets --check FILE` prints (lmimigrate/hpu_buckets.py `check_env`).

The calculator reports these itself; this class exists so `lmimigrate explain HPU900` documents them. It has
no check logic: `lmimigrate check` never reports HPU900.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Severity
from lmimigrate.core.rule import Rule

from .exponential_default import POST1_HISTORY


class HpuBucketsCheck(Rule):
    code = "HPU900"
    name = "hpu-buckets-check"
    stack = "tool"
    trigger = "always"
    severity = Severity.WARNING
    summary = "An env file differs from the linear buckets `lmimigrate hpu-buckets` computed for the target"
    looks_at = ("env:VLLM_*_BUCKET_*", "env:VLLM_EXPONENTIAL_BUCKETING")
    surfaces = ("env",)
    what = (
        "Printed by `lmimigrate hpu-buckets ... --check FILE` (not by `lmimigrate check`), one line per "
        "difference, as `FILE:LINE:1: HPU900 message`:\n\n"
        "- a computed variable is missing (`VAR is not set; expected VAR=value`, on line 1);\n"
        "- a variable has another value (`VAR=old, expected VAR=value`); numbers compare as integers, the "
        "strategy switch case-insensitively;\n"
        "- `VLLM_EXPONENTIAL_BUCKETING` is set where the computed variables do not already carry the switch and "
        "it may select exponential bucketing, which ignores the linear buckets: on vllm-fork 1.21.x when it is "
        "`true`, on vllm-gaudi 0.20.0rc0+ when it is anything but `false` (the legacy variable overrides "
        "`VLLM_BUCKETING_STRATEGY`): remove it;\n"
        "- on vllm-gaudi 0.11.2+, a `VLLM_PROMPT_SEQ_BUCKET_*` variable, which is renamed "
        "`VLLM_PROMPT_QUERY_BUCKET_*` (the SEQ name is a deprecated fallback).\n\n"
        "The exit code is 1 when anything is printed, 0 when the file matches."
    )
    why = (
        "The calculator's values are linear-bucketing parameters computed from your lengths and batch sizes "
        "(reimplementing HabanaAI/vllm-fork `.static_quant/1.22.0/info/hpu-vllm-bucket-calc.py`, branch "
        "`gaudi3k8Benchmarks`, 9033e9527). A file that drifted from them warms up other buckets than your "
        "workload needs, and on Gaudi 1.22.0+ / vllm-gaudi the values only apply with the linear switch the "
        "calculator adds (`VLLM_EXPONENTIAL_BUCKETING=false`, or `VLLM_BUCKETING_STRATEGY=lin` from vllm-gaudi "
        "0.20.0rc0). See docs/hpu-buckets.md.\n\n" + POST1_HISTORY
    )
    def active(self, pairs):
        return False  # documentation only: never run by `lmimigrate check` (and never widens its prefilter)

    fix_safety = (
        "No automatic fix: regenerate the file with `lmimigrate hpu-buckets ... --format env`, or edit the "
        "reported lines. The migration rules HPU001 and HPU050 handle the strategy switch in `lmimigrate check`."
    )
