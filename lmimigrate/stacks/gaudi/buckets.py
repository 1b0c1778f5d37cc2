"""`lmimigrate hpu-buckets`: linear warm-up bucket calculator for Intel Gaudi (HPU) vLLM.

A reimplementation of HabanaAI/vllm-fork `.static_quant/1.22.0/info/hpu-vllm-bucket-calc.py` (branch
gaudi3k8Benchmarks, 9033e9527), with two deliberate differences (reference gaudi_bucketing.md §3):

- arithmetic is exact (the ratio is read as a decimal), so 200 * 1.1 is 220, not the float script's 221;
- the output is adapted to the target stack: the switch that makes linear buckets apply, and the
  vllm-gaudi variable names (§1.4, §2, §3.5).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from lmimigrate.core.pep440 import Version

from lmimigrate.core.versions import NEWEST, OLDEST, VersionError, parse_spec
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Sequence

PROG = "lmimigrate hpu-buckets"
DEFAULT_TARGET = "vllm-fork==1.21.2"
CODE = "HPU900"

# Reference §0/§1.4: exponential became the default in Gaudi 1.22.0 (ext 8211e0b); the flag exists from 1.21.0.
FORK_EXP_FLAG = Version("1.21.0")
FORK_EXP_DEFAULT = Version("1.22.0")
# Reference §2: QUERY/CTX names from v0.11.2; VLLM_BUCKETING_STRATEGY from v0.20.0rc0 (PR #762, c2641a62).
GAUDI_QUERY = Version("0.11.2")
GAUDI_STRATEGY = Version("0.20.0rc0")


class InputError(ValueError):
    """Bad user input; reported as a one-line error with exit code 2."""


# ---------------------------------------------------------------------------------------------- calculation


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def parse_ratio(value: Decimal | Fraction | str) -> Fraction:
    try:
        ratio = Fraction(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError, OverflowError):
        raise InputError(f"--range-ratio must be a number with 0 <= R < 1, got {value!r}") from None
    if not 0 <= ratio < 1:
        raise InputError(f"--range-ratio must satisfy 0 <= R < 1, got {value}")
    return ratio


def _check_inputs(input_len: int, output_len: int, bs_list: Sequence[int], bucket_size: int) -> None:
    for name, value in (("--input-len", input_len), ("--output-len", output_len)):
        if not isinstance(value, int) or value <= 0:
            raise InputError(f"{name} must be a positive integer, got {value!r}")
    if not bs_list:
        raise InputError("--bs-list must name at least one batch size")
    if any(not isinstance(b, int) or b <= 0 for b in bs_list):
        raise InputError(f"--bs-list entries must be positive integers, got {','.join(map(str, bs_list))}")
    # Upstream takes STEP from the first two entries as given, so "64,32" yields a negative step (§3.4).
    if any(b >= a for a, b in zip(bs_list[1:], bs_list)):
        raise InputError(f"--bs-list must be strictly increasing, got {','.join(map(str, bs_list))}")
    if not isinstance(bucket_size, int) or bucket_size <= 0 or bucket_size & (bucket_size - 1):
        raise InputError(f"--bucket-size must be a positive power of two, got {bucket_size!r}")


def _variables(min_in, max_in, max_out, bs_list, b, ceil_div):
    """Reference §3.2 steps 2-5; `ceil_div` is exact or float so the upstream result can be replayed."""
    mml = max_in + max_out
    bs_min, bs_max = min(bs_list), max(bs_list)
    step = bs_list[1] - bs_list[0] if len(bs_list) > 1 else bs_min
    return {
        "MAX_MODEL_LEN": mml,
        "VLLM_PROMPT_BS_BUCKET_MIN": 1,
        "VLLM_PROMPT_BS_BUCKET_STEP": step,
        "VLLM_PROMPT_BS_BUCKET_MAX": bs_max,
        "VLLM_PROMPT_SEQ_BUCKET_MIN": b,
        "VLLM_PROMPT_SEQ_BUCKET_STEP": b,
        "VLLM_PROMPT_SEQ_BUCKET_MAX": ceil_div(mml, b) * b,
        "VLLM_DECODE_BS_BUCKET_MIN": bs_min,
        "VLLM_DECODE_BS_BUCKET_STEP": step,
        "VLLM_DECODE_BS_BUCKET_MAX": bs_max,
        "VLLM_DECODE_BLOCK_BUCKET_MIN": ceil_div(bs_min * ceil_div(min_in, b), b) * b,
        "VLLM_DECODE_BLOCK_BUCKET_STEP": b,
        "VLLM_DECODE_BLOCK_BUCKET_MAX": ceil_div(bs_max * ceil_div(mml, b) + 2 * b, b) * b,
    }


def calculate(
    input_len: int,
    output_len: int,
    range_ratio: Decimal | str,
    bs_list: Sequence[int],
    bucket_size: int = 128,
) -> dict:
    """The upstream script's result, computed exactly, plus `notes` on where the float script differs."""
    ratio = parse_ratio(range_ratio)
    bs_list = list(bs_list)
    _check_inputs(input_len, output_len, bs_list, bucket_size)
    lengths = {
        "min_in_len": math.ceil(input_len * (1 - ratio)),
        "max_in_len": math.ceil(input_len * (1 + ratio)),
        "min_out_len": math.ceil(output_len * (1 - ratio)),
        "max_out_len": math.ceil(output_len * (1 + ratio)),
    }
    variables = _variables(
        lengths["min_in_len"], lengths["max_in_len"], lengths["max_out_len"], bs_list, bucket_size, _ceil_div
    )
    result = {
        "benchmark_inputs": {
            "base_input_len": input_len,
            "base_output_len": output_len,
            # Upstream parses the ratio with type=float and prints it back; the value itself is exact here.
            "range_ratio": float(ratio),
            "concurrency_list": bs_list,
            "bucket_size": bucket_size,
        },
        "length_ranges": lengths,
        "calculated_variables": variables,
        "notes": [],
    }
    upstream_ratio = float(Decimal(str(range_ratio).strip()))  # what argparse type=float would have read
    float_lengths, float_vars = _float_replay(input_len, output_len, upstream_ratio, bs_list, bucket_size)
    diffs = [f"{k}={float_lengths[k]}" for k in lengths if float_lengths[k] != lengths[k]]
    diffs += [f"{k}={float_vars[k]}" for k in variables if float_vars[k] != variables[k]]
    if diffs:
        result["notes"].append(
            "exact arithmetic: the upstream float script would print " + ", ".join(diffs)
            + " because IEEE doubles round the ratio (e.g. 200 * 1.1 = 220.00000000000003, ceil 221);"
            " lmimigrate uses the exact decimal value"
        )
    return result


def _float_replay(input_len, output_len, ratio: float, bs_list, b):
    """Upstream's float arithmetic, step for step, only to detect and report where it diverges."""
    lo, hi = 1.0 - ratio, 1.0 + ratio
    lengths = {
        "min_in_len": math.ceil(input_len * lo),
        "max_in_len": math.ceil(input_len * hi),
        "min_out_len": math.ceil(output_len * lo),
        "max_out_len": math.ceil(output_len * hi),
    }
    fdiv = lambda a, d: math.ceil(a / d)  # noqa: E731  (true division, as upstream)
    return lengths, _variables(lengths["min_in_len"], lengths["max_in_len"], lengths["max_out_len"],
                               bs_list, b, fdiv)


# --------------------------------------------------------------------------------------------------- target


def parse_target(spec: str) -> tuple[str, Version]:
    try:
        stack, version = parse_spec(spec)
    except VersionError as exc:
        raise InputError(f"--target: {exc}") from None
    if stack not in ("vllm-fork", "vllm-gaudi"):
        raise InputError(f"--target must be vllm-fork==VERSION or vllm-gaudi==VERSION, got {spec!r}")
    return stack, version


def for_target(result: dict, stack: str, version: Version, max_num_batched_tokens: int | None = None) -> dict:
    """Adapt the upstream variables to what `stack` `version` reads; add target notes and warnings."""
    out = {k: v for k, v in result.items() if k != "notes"}
    variables = dict(result["calculated_variables"])
    notes: list[str] = []
    warnings: list[str] = []
    gaudi = stack == "vllm-gaudi"
    rename = gaudi and version >= GAUDI_QUERY
    seq = "VLLM_PROMPT_QUERY_BUCKET" if rename else "VLLM_PROMPT_SEQ_BUCKET"
    if rename:
        variables = {k.replace("VLLM_PROMPT_SEQ_BUCKET", seq): v for k, v in variables.items()}
    seq_max = variables[f"{seq}_MAX"]
    mml = variables["MAX_MODEL_LEN"]
    bs_min, bs_max = variables["VLLM_DECODE_BS_BUCKET_MIN"], variables["VLLM_DECODE_BS_BUCKET_MAX"]

    switch = None
    if gaudi and version >= GAUDI_STRATEGY:
        switch = ("VLLM_BUCKETING_STRATEGY", "lin")
        reason = ("vllm-gaudi defaults to VLLM_BUCKETING_STRATEGY=exp; `lin` makes these linear buckets apply "
                  "(vllm_gaudi/extension/bucketing/common.py get_bucketing_strategy, since v0.20.0rc0)")
        notes.append("leave VLLM_EXPONENTIAL_BUCKETING unset: it is deprecated but still read and overrides "
                     "VLLM_BUCKETING_STRATEGY (true selects exponential again)")
    elif gaudi or version >= FORK_EXP_DEFAULT:
        switch = ("VLLM_EXPONENTIAL_BUCKETING", "false")
        where = ("vllm-gaudi before v0.20.0rc0 (VLLM_BUCKETING_STRATEGY does not exist yet)" if gaudi
                 else "Gaudi 1.22.0 and later (vllm-hpu-extension 8211e0b)")
        reason = (f"exponential bucketing is the default on {where}; it overwrites every "
                  "VLLM_*_BUCKET_* value ('will be overwritten!') unless VLLM_EXPONENTIAL_BUCKETING=false")
    else:
        reason = None
        if version >= FORK_EXP_FLAG:
            notes.append("linear is the default on Gaudi 1.21.x (VLLM_EXPONENTIAL_BUCKETING defaults to false); "
                         "upgrading to 1.22.0+ needs VLLM_EXPONENTIAL_BUCKETING=false or these values are ignored")
        else:
            notes.append("linear is the only bucketing strategy before Gaudi 1.21.0")
            if result["benchmark_inputs"]["range_ratio"]:
                notes.append("the random benchmark on fork 1.20 draws lengths from [L*R, L], not [L(1-R), L(1+R)] "
                             "(benchmarks/benchmark_serving.py, v1.20)")
    if switch:
        variables[switch[0]] = switch[1]

    if stack == "vllm-fork" and version >= FORK_EXP_DEFAULT:
        notes.append("setting VLLM_DECODE_BLOCK_BUCKET_MAX stops 1.22+ from extending decode buckets to the "
                     "KV-block count; with contiguous PA, block values above it compile at runtime (§3.5e)")
    if stack == "vllm-fork" and version >= Version("1.23.0"):
        notes.append("vllm-fork 1.23 is end-of-life (deprecated in 1.24); migrate to vllm-gaudi")
    if gaudi:
        if rename:
            notes.append("vllm-gaudi renamed VLLM_PROMPT_SEQ_BUCKET_* to VLLM_PROMPT_QUERY_BUCKET_* (v0.11.2); "
                         "the SEQ names are only a deprecated fallback")
            notes.append("prefix caching is on by default in V1: context lengths go in VLLM_PROMPT_CTX_BUCKET_* "
                         "(blocks), which this calculator does not set")
            if bs_max > 1:
                warnings.append(f"VLLM_PROMPT_BS_BUCKET_MAX={bs_max} also raises the real maximum prefill batch "
                                "size on vllm-gaudi (default 1), not only warm-up coverage "
                                "(vllm_gaudi/v1/worker/hpu_model_runner.py max_prefill_batch_size)")
        elif bs_max > 1:
            notes.append("vllm-gaudi before v0.11.2 runs prefill with batch size 1; prompt BS buckets above 1 "
                         "only add warm-up time")
    if max_num_batched_tokens is not None:
        if seq_max > max_num_batched_tokens:
            warnings.append(f"{seq}_MAX={seq_max} exceeds --max-num-batched-tokens {max_num_batched_tokens}: "
                            "prompt buckets with bs*len above the budget are dropped, so the longest prompts "
                            f"compile at runtime; use --max-num-batched-tokens >= {seq_max}")
    elif rename:
        notes.append(f"on vllm-gaudi {seq}_MAX defaults to max_num_batched_tokens and prompt buckets above the "
                     f"budget are dropped: serve with --max-num-batched-tokens >= {seq_max}")
    elif gaudi:
        notes.append(f"prompt buckets above max_num_batched_tokens are dropped: serve with "
                     f"--max-num-batched-tokens >= {seq_max}")
    elif max(mml, 2048) < seq_max:
        notes.append(f"fork V0 without chunked prefill defaults max_num_batched_tokens to max(max_model_len, 2048) "
                     f"= {max(mml, 2048)} (vllm/config.py, v1.22.0), below {seq}_MAX={seq_max}: the (1, "
                     f"{seq_max}) prompt bucket is omitted; serve with --max-num-batched-tokens >= {seq_max}")
    block = variables["VLLM_DECODE_BLOCK_BUCKET_STEP"]
    if block != 128:
        notes.append(f"the decode block formulas treat --bucket-size as the KV block size: serve with "
                     f"--block-size {block}")
    if bs_min > 1:
        notes.append(f"VLLM_DECODE_BS_BUCKET_MIN={bs_min}: decode batches smaller than {bs_min} are padded "
                     f"to {bs_min}")
    if not OLDEST[stack] <= version <= NEWEST[stack]:
        warnings.append(f"{stack} {version} is outside the releases lmimigrate knows "
                        f"({OLDEST[stack]} to {NEWEST[stack]}); the nearest known behaviour is assumed")

    out["calculated_variables"] = variables
    out["target"] = {
        "stack": stack,
        "version": str(version),
        "default_strategy": "exponential" if switch else "linear",
        "linear_switch": f"{switch[0]}={switch[1]}" if switch else None,
        "linear_switch_reason": reason,
    }
    out["notes"] = list(result["notes"]) + notes
    out["warnings"] = warnings
    return out


# --------------------------------------------------------------------------------------------------- output


def render_json(report: dict) -> str:
    return json.dumps(report, indent=4)


def render_text(report: dict) -> str:
    t, inp, lr = report["target"], report["benchmark_inputs"], report["length_ranges"]
    variables = dict(report["calculated_variables"])
    mml = variables.pop("MAX_MODEL_LEN")
    strategy = "exponential is the default" if t["linear_switch"] else "linear is the default"
    lines = [
        f"Linear warm-up buckets for {t['stack']} {t['version']} ({strategy})",
        "",
        f"  inputs        input {inp['base_input_len']}, output {inp['base_output_len']}, range ratio "
        f"{inp['range_ratio']}, batch sizes {','.join(map(str, inp['concurrency_list']))}, "
        f"bucket size {inp['bucket_size']}",
        f"  input length  {lr['min_in_len']} .. {lr['max_in_len']}",
        f"  output length {lr['min_out_len']} .. {lr['max_out_len']}",
        f"  max model len {mml}  (MAX_MODEL_LEN is not an environment variable vLLM reads: pass it as "
        f"--max-model-len {mml})",
        "",
    ]
    width = max(map(len, variables))
    lines += [f"  {k:<{width}}  {v}" for k, v in variables.items()]
    if t["linear_switch_reason"]:
        lines += ["", f"Why {t['linear_switch']}: {t['linear_switch_reason']}"]
    for title, items in (("Notes", report["notes"]), ("Warnings", report["warnings"])):
        if items:
            lines += ["", f"{title}:"] + [f"  - {i}" for i in items]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------ CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Numbers are parsed in run() so every bad value gets the same one-line error and exit code 2.
    parser.add_argument("--input-len", required=True, metavar="N", help="base input length in tokens")
    parser.add_argument("--output-len", required=True, metavar="N", help="base output length in tokens")
    parser.add_argument("--range-ratio", default="0", metavar="R",
                        help="length spread R, 0 <= R < 1, as for the benchmark (default 0)")
    parser.add_argument("--bs-list", default="16", metavar="4,8,16",
                        help="strictly increasing batch sizes / concurrency levels (default 16)")
    parser.add_argument("--bucket-size", default="128", metavar="B",
                        help="bucket step, also the KV block size; a power of two (default 128)")
    parser.add_argument("--target", default=DEFAULT_TARGET, metavar="STACK==VERSION",
                        help=f"vllm-fork==1.22.0, vllm-fork==v0.7.2+Gaudi-1.21.2, vllm-gaudi==0.20.0 "
                             f"(default {DEFAULT_TARGET})")
    parser.add_argument("--max-num-batched-tokens", metavar="N", help="the server's token budget, to check against")
    parser.add_argument("--format", choices=("text", "json", "env", "dotenv"), default="text",
                        help="text, json, env (`export` lines for sh) or dotenv (NAME=value for docker --env-file)")
    parser.add_argument("--check", metavar="FILE", help="compare an env file with the computed variables")


def _positive_int(name: str, text) -> int:
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and re.fullmatch(r"\s*\+?\d+\s*", text):
        value = int(text)
    else:
        raise InputError(f"{name} must be a positive integer, got {text!r}")
    if value <= 0:
        raise InputError(f"{name} must be a positive integer, got {text!r}")
    return value


def build_report(args: argparse.Namespace) -> dict:
    bs_list = [_positive_int("--bs-list entry", part) for part in str(args.bs_list).split(",")]
    budget = args.max_num_batched_tokens
    result = calculate(
        _positive_int("--input-len", args.input_len),
        _positive_int("--output-len", args.output_len),
        str(args.range_ratio),
        bs_list,
        _positive_int("--bucket-size", args.bucket_size),
    )
    stack, version = parse_target(args.target)
    return for_target(result, stack, version,
                      None if budget is None else _positive_int("--max-num-batched-tokens", budget))


def run(args: argparse.Namespace) -> int:
    try:
        report = build_report(args)
        if args.check:
            try:
                with open(args.check, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"cannot read {args.check}: {exc.strerror or exc}") from None
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        for warning in report["warnings"]:
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
        from lmimigrate.stacks.gaudi.bucket_files import check_env

        findings = check_env(args.check, text, report)
        for finding in findings:
            print(finding)
        return 1 if findings else 0
    if args.format == "json":
        print(render_json(report))
    elif args.format in ("env", "dotenv"):
        from lmimigrate.stacks.gaudi import bucket_files

        for warning in report["warnings"]:
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
        print((bucket_files.render_env if args.format == "env" else bucket_files.render_dotenv)(report))
    else:
        print(render_text(report))
    return 0
