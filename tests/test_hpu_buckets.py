"""Tests for `lmimigrate hpu-buckets`.

Oracle: the seed README example (seeds/004) and the vectors in reference gaudi_bucketing.md §3.3/§3.4, which
were produced by running upstream `hpu-vllm-bucket-calc.py`. Numbers below are copied from those documents.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from decimal import Decimal

import pytest

from lmimigrate.stacks.gaudi import bucket_files
from lmimigrate.stacks.gaudi import buckets as hb

SEED_ARGS = ["--input-len", "8096", "--output-len", "1024", "--range-ratio", "0.8", "--bs-list", "4,8,16,32,64"]

# Verbatim from the seed README example (seeds/004_5c38e43f5dbd21e2.txt).
SEED_JSON = json.loads("""
{
    "benchmark_inputs": {
        "base_input_len": 8096,
        "base_output_len": 1024,
        "range_ratio": 0.8,
        "concurrency_list": [4, 8, 16, 32, 64]
    },
    "length_ranges": {
        "min_in_len": 1620,
        "max_in_len": 14573,
        "min_out_len": 205,
        "max_out_len": 1844
    },
    "calculated_variables": {
        "MAX_MODEL_LEN": 16417,
        "VLLM_PROMPT_BS_BUCKET_MIN": 1,
        "VLLM_PROMPT_BS_BUCKET_STEP": 4,
        "VLLM_PROMPT_BS_BUCKET_MAX": 64,
        "VLLM_PROMPT_SEQ_BUCKET_MIN": 128,
        "VLLM_PROMPT_SEQ_BUCKET_STEP": 128,
        "VLLM_PROMPT_SEQ_BUCKET_MAX": 16512,
        "VLLM_DECODE_BS_BUCKET_MIN": 4,
        "VLLM_DECODE_BS_BUCKET_STEP": 4,
        "VLLM_DECODE_BS_BUCKET_MAX": 64,
        "VLLM_DECODE_BLOCK_BUCKET_MIN": 128,
        "VLLM_DECODE_BLOCK_BUCKET_STEP": 128,
        "VLLM_DECODE_BLOCK_BUCKET_MAX": 8576
    }
}
""")


def run_cli(argv, capsys):
    parser = argparse.ArgumentParser(prog="lmimigrate hpu-buckets")
    hb.add_arguments(parser)
    code = hb.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------------ seed and vectors


def test_seed_example_json_matches(capsys):
    code, out, err = run_cli(SEED_ARGS + ["--format", "json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["length_ranges"] == SEED_JSON["length_ranges"]
    assert data["calculated_variables"] == SEED_JSON["calculated_variables"]
    # Key order matters to people diffing against the upstream script's output.
    assert list(data["calculated_variables"]) == list(SEED_JSON["calculated_variables"])
    # The current upstream script also prints bucket_size; the seed README predates that argument (§3.1).
    assert data["benchmark_inputs"] == {**SEED_JSON["benchmark_inputs"], "bucket_size": 128}
    assert data["target"]["stack"] == "vllm-fork" and data["target"]["version"] == "1.21.2"
    assert data["warnings"] == []
    assert isinstance(data["notes"], list)


def test_seed_example_env_lines_match_seed(capsys):
    code, out, _ = run_cli(SEED_ARGS + ["--format", "env"], capsys)
    assert code == 0
    exports = [line for line in out.splitlines() if not line.startswith("#")]
    # MAX_MODEL_LEN is calculated but read by no server: a comment says to pass --max-model-len instead.
    assert exports == [f"export {k}={v}" for k, v in SEED_JSON["calculated_variables"].items() if k != "MAX_MODEL_LEN"]
    assert any(line.startswith("#") and "--max-model-len 16417" in line for line in out.splitlines())


def test_seed_derivation_steps():
    r = hb.calculate(8096, 1024, "0.8", [4, 8, 16, 32, 64])
    # §3.3: round or floor would give 1619/14572/204/1843; ceil gives these.
    assert r["length_ranges"] == {"min_in_len": 1620, "max_in_len": 14573, "min_out_len": 205, "max_out_len": 1844}
    assert r["notes"] == []  # 0.8 has no float artifact here: the upstream script printed the same numbers


@pytest.mark.parametrize(
    "args, expected",
    [
        # (2048, 512, 0.5, "8,16,32")
        (
            (2048, 512, "0.5", [8, 16, 32], 128),
            {"lengths": (1024, 3072, 256, 768), "MAX_MODEL_LEN": 3840, "VLLM_PROMPT_SEQ_BUCKET_MAX": 3840,
             "VLLM_PROMPT_BS_BUCKET_STEP": 8, "VLLM_DECODE_BS_BUCKET_STEP": 8,
             "VLLM_DECODE_BLOCK_BUCKET_MAX": 1280},
        ),
        # Defaults (1024, 1024, 0, "16")
        (
            (1024, 1024, "0", [16], 128),
            {"MAX_MODEL_LEN": 2048, "VLLM_PROMPT_BS_BUCKET_MIN": 1, "VLLM_PROMPT_BS_BUCKET_STEP": 16,
             "VLLM_PROMPT_BS_BUCKET_MAX": 16, "VLLM_DECODE_BS_BUCKET_MIN": 16, "VLLM_DECODE_BS_BUCKET_STEP": 16,
             "VLLM_DECODE_BS_BUCKET_MAX": 16, "VLLM_PROMPT_SEQ_BUCKET_MAX": 2048,
             "VLLM_DECODE_BLOCK_BUCKET_MIN": 128, "VLLM_DECODE_BLOCK_BUCKET_MAX": 512},
        ),
        # (4096, 1024, 0, "32", b = 256)
        (
            (4096, 1024, "0", [32], 256),
            {"MAX_MODEL_LEN": 5120, "VLLM_PROMPT_SEQ_BUCKET_MIN": 256, "VLLM_PROMPT_SEQ_BUCKET_STEP": 256,
             "VLLM_DECODE_BLOCK_BUCKET_MIN": 512, "VLLM_DECODE_BLOCK_BUCKET_MAX": 1280},
        ),
        # (1000, 200, 0.1, "1,2,4"): the exact-arithmetic values (upstream float: 221/1321, see below).
        (
            (1000, 200, "0.1", [1, 2, 4], 128),
            {"lengths": (900, 1100, 180, 220), "MAX_MODEL_LEN": 1320, "VLLM_PROMPT_SEQ_BUCKET_MAX": 1408,
             "VLLM_PROMPT_BS_BUCKET_STEP": 1, "VLLM_DECODE_BLOCK_BUCKET_MIN": 128,
             "VLLM_DECODE_BLOCK_BUCKET_MAX": 384},
        ),
    ],
)
def test_reference_vectors(args, expected):
    r = hb.calculate(*args)
    expected = dict(expected)
    if "lengths" in expected:
        lengths = expected.pop("lengths")
        assert tuple(r["length_ranges"].values()) == lengths
    for name, value in expected.items():
        assert r["calculated_variables"][name] == value, name


def test_float_divergence_is_reported_and_matches_upstream_float():
    r = hb.calculate(1000, 200, Decimal("0.1"), [1, 2, 4])
    assert r["length_ranges"]["max_out_len"] == 220
    assert r["calculated_variables"]["MAX_MODEL_LEN"] == 1320
    # §3.4: the real script printed max_out 221 and MAX_MODEL_LEN 1321, other values unchanged.
    lengths, variables = hb._float_replay(1000, 200, 0.1, [1, 2, 4], 128)
    assert lengths["max_out_len"] == 221
    assert variables["MAX_MODEL_LEN"] == 1321
    assert variables["VLLM_PROMPT_SEQ_BUCKET_MAX"] == 1408
    assert variables["VLLM_DECODE_BLOCK_BUCKET_MAX"] == 384
    (note,) = r["notes"]
    assert "max_out_len=221" in note and "MAX_MODEL_LEN=1321" in note
    assert "VLLM_PROMPT_SEQ_BUCKET_MAX" not in note  # 1408 either way


def test_float_divergence_shown_in_json_and_text(capsys):
    argv = ["--input-len", "1000", "--output-len", "200", "--range-ratio", "0.1", "--bs-list", "1,2,4"]
    _, out, _ = run_cli(argv + ["--format", "json"], capsys)
    data = json.loads(out)
    assert data["calculated_variables"]["MAX_MODEL_LEN"] == 1320
    assert any("MAX_MODEL_LEN=1321" in n for n in data["notes"])
    _, out, _ = run_cli(argv, capsys)
    assert "max_out_len=221" in out


def test_ratio_is_read_exactly_from_its_string():
    # 0.3 is not a double either: 1000 * 1.3 = 1300.0000000000002 as floats, 1300 exactly.
    r = hb.calculate(1000, 1000, "0.3", [1])
    assert r["length_ranges"]["max_in_len"] == 1300
    assert r["benchmark_inputs"]["range_ratio"] == 0.3


# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--input-len", "0", "--output-len", "10"], "--input-len must be a positive integer"),
        (["--input-len", "ten", "--output-len", "10"], "--input-len must be a positive integer"),
        (["--input-len", "10", "--output-len", "-5"], "--output-len must be a positive integer"),
        (["--input-len", "10", "--output-len", "1.5"], "--output-len must be a positive integer"),
        (["--input-len", "10", "--output-len", "10", "--range-ratio", "1"], "0 <= R < 1"),
        (["--input-len", "10", "--output-len", "10", "--range-ratio", "-0.1"], "0 <= R < 1"),
        (["--input-len", "10", "--output-len", "10", "--range-ratio", "abc"], "--range-ratio"),
        (["--input-len", "10", "--output-len", "10", "--range-ratio", "nan"], "--range-ratio"),
        (["--input-len", "10", "--output-len", "10", "--bs-list", "64,32"], "strictly increasing"),
        (["--input-len", "10", "--output-len", "10", "--bs-list", "4,4"], "strictly increasing"),
        (["--input-len", "10", "--output-len", "10", "--bs-list", "0,4"], "positive integer"),
        (["--input-len", "10", "--output-len", "10", "--bs-list", "4,x"], "positive integer"),
        (["--input-len", "10", "--output-len", "10", "--bucket-size", "100"], "power of two"),
        (["--input-len", "10", "--output-len", "10", "--bucket-size", "0"], "--bucket-size"),
        (["--input-len", "10", "--output-len", "10", "--max-num-batched-tokens", "0"],
         "--max-num-batched-tokens must be a positive integer"),
        (["--input-len", "10", "--output-len", "10", "--target", "vllm==0.11.0"], "--target must be"),
        (["--input-len", "10", "--output-len", "10", "--target", "vllm-fork"], "STACK==VERSION"),
        (["--input-len", "10", "--output-len", "10", "--target", "vllm-gaudi==banana"], "not a version"),
        (["--input-len", "10", "--output-len", "10", "--check", "/nonexistent/x.env"], "cannot read"),
    ],
)
def test_bad_input_exits_2_with_one_line(extra, message, capsys):
    code, out, err = run_cli(extra, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("lmimigrate hpu-buckets: error: ")
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_calculate_rejects_descending_list():
    # Upstream would print STEP = -32 here (§3.4).
    with pytest.raises(hb.InputError):
        hb.calculate(1024, 1024, "0", [64, 32])


# --------------------------------------------------------------------------------------------------- targets


def _json(argv, capsys):
    code, out, _ = run_cli(argv + ["--format", "json"], capsys)
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize("target", ["vllm-fork==1.21.2", "vllm-fork==v0.7.2+Gaudi-1.21.2", "vllm-fork==1.20.0"])
def test_fork_before_122_is_plain_linear(target, capsys):
    data = _json(SEED_ARGS + ["--target", target], capsys)
    assert data["calculated_variables"] == SEED_JSON["calculated_variables"]
    assert data["target"]["default_strategy"] == "linear"
    assert data["target"]["linear_switch"] is None


@pytest.mark.parametrize("target", ["vllm-fork==1.22.0", "vllm-fork==v0.9.0.1+Gaudi-1.22.0", "vllm-fork==1.23.0"])
def test_fork_122_adds_exponential_off(target, capsys):
    data = _json(SEED_ARGS + ["--target", target], capsys)
    variables = data["calculated_variables"]
    assert variables.pop("VLLM_EXPONENTIAL_BUCKETING") == "false"
    assert variables == SEED_JSON["calculated_variables"]
    assert data["target"]["default_strategy"] == "exponential"
    assert "overwritten" in data["target"]["linear_switch_reason"]


def test_fork_122_text_explains_switch(capsys):
    code, out, _ = run_cli(SEED_ARGS + ["--target", "vllm-fork==1.22.0"], capsys)
    assert code == 0
    assert "Why VLLM_EXPONENTIAL_BUCKETING=false:" in out
    assert "1.22.0" in out


def _query_vars():
    return {k.replace("_SEQ_", "_QUERY_"): v for k, v in SEED_JSON["calculated_variables"].items()}


@pytest.mark.parametrize("version", ["0.20.0", "0.20.0rc0", "0.26.0"])
def test_vllm_gaudi_020_uses_query_names_and_strategy(version, capsys):
    data = _json(SEED_ARGS + ["--target", f"vllm-gaudi=={version}"], capsys)
    variables = data["calculated_variables"]
    assert variables.pop("VLLM_BUCKETING_STRATEGY") == "lin"
    assert "VLLM_EXPONENTIAL_BUCKETING" not in variables
    assert variables == _query_vars()
    assert not any("_SEQ_" in k for k in variables)
    # PROMPT_BS_MAX=64 changes the real prefill batch on vllm-gaudi (§2).
    assert any("prefill batch" in w for w in data["warnings"])


@pytest.mark.parametrize("version", ["0.11.2", "0.19.1"])
def test_vllm_gaudi_before_020_uses_exponential_flag(version, capsys):
    data = _json(SEED_ARGS + ["--target", f"vllm-gaudi=={version}"], capsys)
    variables = data["calculated_variables"]
    assert variables.pop("VLLM_EXPONENTIAL_BUCKETING") == "false"
    assert "VLLM_BUCKETING_STRATEGY" not in variables
    assert variables == _query_vars()


def test_vllm_gaudi_010_keeps_seq_names(capsys):
    data = _json(SEED_ARGS + ["--target", "vllm-gaudi==0.10.1"], capsys)
    variables = data["calculated_variables"]
    assert variables.pop("VLLM_EXPONENTIAL_BUCKETING") == "false"
    assert variables == SEED_JSON["calculated_variables"]


def test_budget_warning_when_query_max_exceeds_it(capsys):
    data = _json(SEED_ARGS + ["--target", "vllm-gaudi==0.20.0", "--max-num-batched-tokens", "8192"], capsys)
    assert any("VLLM_PROMPT_QUERY_BUCKET_MAX=16512 exceeds --max-num-batched-tokens 8192" in w
               for w in data["warnings"])
    data = _json(SEED_ARGS + ["--target", "vllm-gaudi==0.20.0", "--max-num-batched-tokens", "16512"], capsys)
    assert not any("exceeds" in w for w in data["warnings"])


def test_budget_warning_on_fork_and_default_budget_note(capsys):
    data = _json(SEED_ARGS + ["--max-num-batched-tokens", "16417"], capsys)
    assert any("VLLM_PROMPT_SEQ_BUCKET_MAX=16512 exceeds" in w for w in data["warnings"])
    # §3.5c: without a budget, fork V0 defaults to max(16417, 2048) = 16417 < 16512.
    data = _json(SEED_ARGS, capsys)
    assert any("16417" in n and "16512" in n for n in data["notes"])


def test_text_output_explains_max_model_len(capsys):
    code, out, err = run_cli(SEED_ARGS, capsys)
    assert code == 0 and err == ""
    assert "not an environment variable vLLM reads" in out
    assert "--max-model-len 16417" in out
    for name, value in SEED_JSON["calculated_variables"].items():
        if name != "MAX_MODEL_LEN":
            assert any(line.split() == [name, str(value)] for line in out.splitlines()), name


# ------------------------------------------------------------------------------------------------ env format


@pytest.mark.parametrize("target, var, value", [
    ("vllm-fork==1.21.2", "VLLM_DECODE_BLOCK_BUCKET_MAX", "8576"),
    ("vllm-fork==1.22.0", "VLLM_EXPONENTIAL_BUCKETING", "false"),
    ("vllm-gaudi==0.20.0", "VLLM_BUCKETING_STRATEGY", "lin"),
    ("vllm-gaudi==0.20.0", "VLLM_PROMPT_QUERY_BUCKET_MAX", "16512"),
])
def test_env_format_sources_in_sh(target, var, value, capsys, tmp_path):
    code, out, _ = run_cli(SEED_ARGS + ["--target", target, "--format", "env"], capsys)
    assert code == 0
    env_file = tmp_path / "buckets.env"
    env_file.write_text(out)
    proc = subprocess.run(["sh", "-c", f'. "$1"; echo "${var}"', "sh", str(env_file)],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == value
    assert proc.stderr == ""


@pytest.mark.parametrize("target", ["vllm-fork==1.21.2", "vllm-fork==1.22.0", "vllm-gaudi==0.20.0"])
def test_dotenv_format_is_plain_name_value_lines(target, capsys):
    code, env_out, _ = run_cli(SEED_ARGS + ["--target", target, "--format", "env"], capsys)
    code2, dot_out, _ = run_cli(SEED_ARGS + ["--target", target, "--format", "dotenv"], capsys)
    assert code == code2 == 0
    values = [ln for ln in dot_out.splitlines() if not ln.startswith("#")]
    # docker --env-file takes `NAME=value` literally: no `export`, no quotes, comments on their own lines only
    assert values == [ln.removeprefix("export ") for ln in env_out.splitlines() if not ln.startswith("#")]
    assert all(re.fullmatch(r"[A-Z_][A-Z0-9_]*=[A-Za-z0-9_.]+", ln) for ln in values), values
    assert not any(ln.startswith("MAX_MODEL_LEN=") for ln in values)


def test_check_accepts_a_file_without_max_model_len(capsys, tmp_path):
    lines = [f"{k}={v}" for k, v in SEED_JSON["calculated_variables"].items() if k != "MAX_MODEL_LEN"]
    env_file = tmp_path / "buckets.env"
    env_file.write_text("\n".join(lines) + "\n")
    code, out, _ = run_cli(SEED_ARGS + ["--check", str(env_file)], capsys)
    assert (code, out) == (0, "")


def test_check_round_trips_own_dotenv_output(capsys, tmp_path):
    _, out, _ = run_cli(SEED_ARGS + ["--target", "vllm-gaudi==0.20.0", "--format", "dotenv"], capsys)
    env_file = tmp_path / "docker.env"
    env_file.write_text(out)
    code, out, _ = run_cli(SEED_ARGS + ["--target", "vllm-gaudi==0.20.0", "--check", str(env_file)], capsys)
    assert (code, out) == (0, "")


# ----------------------------------------------------------------------------------------------------- check


def test_read_env_assignments():
    text = ('# comment\nexport A=1\nB="two words"\n  C=\'3\'\nD=4 # trailing\n#E=5\nA=6\nnot an assignment\n')
    assert bucket_files.read_env_assignments(text) == {"A": ("6", 7), "B": ("two words", 3), "C": ("3", 4), "D": ("4", 5)}


def test_check_round_trips_own_env_output(capsys, tmp_path):
    for target in ("vllm-fork==1.21.2", "vllm-fork==1.22.0", "vllm-gaudi==0.15.0", "vllm-gaudi==0.20.0"):
        _, out, _ = run_cli(SEED_ARGS + ["--target", target, "--format", "env"], capsys)
        env_file = tmp_path / "ok.env"
        env_file.write_text(out)
        code, out, _ = run_cli(SEED_ARGS + ["--target", target, "--check", str(env_file)], capsys)
        assert (code, out) == (0, ""), target


def test_check_reports_differences(capsys, tmp_path):
    lines = [f"{k}={v}" for k, v in SEED_JSON["calculated_variables"].items()]
    lines[6] = 'export VLLM_PROMPT_SEQ_BUCKET_MAX="16384"'  # line 7
    del lines[12]  # VLLM_DECODE_BLOCK_BUCKET_MAX missing
    env_file = tmp_path / "bad.env"
    env_file.write_text("\n".join(lines) + "\n")
    code, out, _ = run_cli(SEED_ARGS + ["--check", str(env_file)], capsys)
    assert code == 1
    assert out.splitlines() == [
        f"{env_file}:7:1: HPU900 VLLM_PROMPT_SEQ_BUCKET_MAX=16384, expected VLLM_PROMPT_SEQ_BUCKET_MAX=16512",
        f"{env_file}:1:1: HPU900 VLLM_DECODE_BLOCK_BUCKET_MAX is not set; expected VLLM_DECODE_BLOCK_BUCKET_MAX=8576",
    ]


def test_check_target_specific_conflicts(capsys, tmp_path):
    lines = [f"{k}={v}" for k, v in _query_vars().items()]
    lines += ["VLLM_BUCKETING_STRATEGY=lin", "VLLM_EXPONENTIAL_BUCKETING=true", "VLLM_PROMPT_SEQ_BUCKET_MAX=16512"]
    env_file = tmp_path / "gaudi.env"
    env_file.write_text("\n".join(lines) + "\n")
    code, out, _ = run_cli(SEED_ARGS + ["--target", "vllm-gaudi==0.20.0", "--check", str(env_file)], capsys)
    assert code == 1
    found = out.splitlines()
    assert len(found) == 2
    assert found[0].startswith(f"{env_file}:15:1: HPU900 VLLM_EXPONENTIAL_BUCKETING=true")
    assert found[1].startswith(f"{env_file}:16:1: HPU900 VLLM_PROMPT_SEQ_BUCKET_MAX is renamed")


def test_check_fork_122_wrong_switch(capsys, tmp_path):
    lines = [f"{k}={v}" for k, v in SEED_JSON["calculated_variables"].items()] + ["VLLM_EXPONENTIAL_BUCKETING=true"]
    env_file = tmp_path / "f.env"
    env_file.write_text("\n".join(lines) + "\n")
    code, out, _ = run_cli(SEED_ARGS + ["--target", "vllm-fork==1.22.0", "--check", str(env_file)], capsys)
    assert code == 1
    assert out.splitlines() == [
        f"{env_file}:14:1: HPU900 VLLM_EXPONENTIAL_BUCKETING=true, expected VLLM_EXPONENTIAL_BUCKETING=false"
    ]


@pytest.mark.parametrize("value,reported", [("0", False), ("false", False), ("no", False), ("1", True), ("yes", True), ("On", True)])
def test_check_gaudi_legacy_flag_uses_upstream_boolean(capsys, tmp_path, value, reported):
    # vllm-gaudi parses the legacy flag with boolean(): 0/no mean false (linear), 1/yes/on mean true (exponential).
    lines = [f"{k}={v}" for k, v in _query_vars().items()] + ["VLLM_BUCKETING_STRATEGY=lin", f"VLLM_EXPONENTIAL_BUCKETING={value}"]
    env_file = tmp_path / "gaudi.env"
    env_file.write_text("\n".join(lines) + "\n")
    _, out, _ = run_cli(SEED_ARGS + ["--target", "vllm-gaudi==0.20.0", "--check", str(env_file)], capsys)
    assert ("selects exponential" in out) is reported
