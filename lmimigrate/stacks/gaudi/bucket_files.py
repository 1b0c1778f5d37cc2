"""`lmimigrate hpu-buckets` files: the variables as `sh` (`--format env`) or for `docker --env-file`
(`--format dotenv`), and `--check FILE`, which compares a file with them.

Only variables the target reads are written: `MAX_MODEL_LEN` is not one (vLLM takes `--max-model-len`; only
the fork's `.cd` docker-compose flow reads a variable of that name), so it is a comment, and `--check` does
not ask for it either.
"""

from __future__ import annotations

import re
import shlex

from lmimigrate.core.pep440 import Version

from lmimigrate.stacks.gaudi.buckets import CODE, FORK_EXP_FLAG, GAUDI_QUERY
from lmimigrate.core.patterns import lazy_pattern

#: Calculated, but read by no serving process: said in a comment, never written as a variable.
NOT_READ = ("MAX_MODEL_LEN",)
MML_NOTE = "MAX_MODEL_LEN is not an environment variable vLLM reads: pass it as --max-model-len"


def env_variables(report: dict) -> dict:
    """The variables a file for this target holds: the calculated ones the target reads, and its switch."""
    return {k: v for k, v in report["calculated_variables"].items() if k not in NOT_READ}


def _comments(report: dict) -> list[str]:
    t = report["target"]
    mml = report["calculated_variables"]["MAX_MODEL_LEN"]
    lines = [f"# lmimigrate hpu-buckets for {t['stack']} {t['version']}",
             f"# {MML_NOTE} {mml} (the vllm-fork .cd docker-compose flow reads MAX_MODEL_LEN={mml})"]
    if t["linear_switch_reason"]:
        lines.append(f"# {t['linear_switch']}: {t['linear_switch_reason']}")
    lines += [f"# note: {n}" for n in report["notes"]]
    lines += [f"# warning: {w}" for w in report["warnings"]]
    return lines


def render_env(report: dict) -> str:
    """POSIX sh: `. ./buckets.env` exports the variables."""
    return "\n".join(_comments(report) + [f"export {k}={shlex.quote(str(v))}" for k, v in env_variables(report).items()])


def render_dotenv(report: dict) -> str:
    """`docker run --env-file` / compose `env_file:`: NAME=value lines, values taken literally (no quotes, no
    `export`); comments only on lines of their own, which is all that format allows."""
    return "\n".join(_comments(report) + [f"{k}={v}" for k, v in env_variables(report).items()])


# ---------------------------------------------------------------------------------------------------- check

_ASSIGN = lazy_pattern(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def read_env_assignments(text: str) -> dict[str, tuple[str, int]]:
    """NAME -> (value, 1-based line) for `NAME=value` / `export NAME=value` lines; later lines win, as in sh."""
    found: dict[str, tuple[str, int]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _ASSIGN.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        raw = m.group(2).strip()
        if raw[:1] in ("'", '"') and raw[0] in raw[1:]:
            value = raw[1:raw.index(raw[0], 1)]
        else:
            value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
        found[m.group(1)] = (value, lineno)
    return found


def _same(expected, actual: str) -> bool:
    if isinstance(expected, int):
        try:
            return int(actual) == expected
        except ValueError:
            return False
    return actual.strip().lower() == str(expected).lower()


_GAUDI_TRUTHY = {"true", "t", "1", "yes", "y", "on"}


def check_env(path: str, text: str, report: dict) -> list[str]:
    assignments = read_env_assignments(text)
    findings = []
    for name, expected in env_variables(report).items():
        if name not in assignments:
            findings.append(f"{path}:1:1: {CODE} {name} is not set; expected {name}={expected}")
        elif not _same(expected, assignments[name][0]):
            value, line = assignments[name]
            findings.append(f"{path}:{line}:1: {CODE} {name}={value}, expected {name}={expected}")
    t = report["target"]
    version = Version(t["version"])
    # Variables the target reads that would silently undo the linear buckets.
    exp = assignments.get("VLLM_EXPONENTIAL_BUCKETING")
    if exp and "VLLM_EXPONENTIAL_BUCKETING" not in env_variables(report):
        # vllm-gaudi reads the legacy flag with its boolean() helper: these spellings mean true (exponential).
        overrides = t["stack"] == "vllm-gaudi" and exp[0].strip().lower() in _GAUDI_TRUTHY
        enables = t["stack"] == "vllm-fork" and version >= FORK_EXP_FLAG and exp[0].lower() == "true"
        if overrides or enables:
            findings.append(f"{path}:{exp[1]}:1: {CODE} VLLM_EXPONENTIAL_BUCKETING={exp[0]} selects exponential "
                            f"bucketing on {t['stack']} {version}, which ignores these buckets; remove it")
    if t["stack"] == "vllm-gaudi" and version >= GAUDI_QUERY:
        for name, (value, line) in assignments.items():
            if name.startswith("VLLM_PROMPT_SEQ_BUCKET_"):
                new = name.replace("_SEQ_", "_QUERY_")
                findings.append(f"{path}:{line}:1: {CODE} {name} is renamed to {new} on vllm-gaudi (v0.11.2+); "
                                "the SEQ name is a deprecated fallback")
    return findings
