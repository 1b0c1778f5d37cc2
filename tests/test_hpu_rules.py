"""Cross-cutting behaviour of the Gaudi rules (HPU001-HPU099, HPU900): version gating between the fork and the
plugin, chained fixes, one finding per environment, value parsing per release, detection, and the docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core import api, registry
from lmimigrate.cli import main
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.versions import parse_spec
from lmimigrate.rules.gaudi import common

BUCKETS = "".join(f"{v}=128\n" for v in common.LINEAR_BUCKET_VARS)


def run(tmp_path: Path, files: dict[str, str], *specs: str, fix: Applicability | None = None):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    frm, to = {}, {}
    for spec in specs:
        kind, _, rest = spec.partition(":")
        stack, version = parse_spec(rest)
        (frm if kind == "from" else to)[stack] = version
    opts = api.Options(paths=[str(tmp_path)], from_=frm, to=to, rules=list(registry.all_rules()), fix=fix)
    report = api.run(opts)
    return report, [f for f in report.findings if f.code.startswith("HPU")]


def codes(findings) -> list[str]:
    return sorted(f.code for f in findings)


# ---- value parsing per release ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,version,expected",
    [
        ("true", "1.21.2", True),
        ("TRUE", "1.21.0", True),
        ("1", "1.21.3", False),
        ("yes", "1.21.2", False),
        ("1", "1.22.0", True),
        ("On", "1.23.0", True),
        ("false", "1.22.0", False),
        ("maybe", "1.22.0", False),
    ],
)
def test_fork_flag_parsing(value, version, expected):
    assert common.fork_flag_true(value, Version(version)) is expected


def test_widened_values_are_exactly_the_boolean_set_minus_true():
    assert set(common.WIDENED_TRUE) == {"t", "1", "yes", "y", "on"}


# ---- the 1.22 crossing: one finding per environment -----------------------------------------------------


def test_one_finding_per_scope_not_per_variable(tmp_path):
    k8s = (
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
        "    - name: a\n      env:\n"
        + "".join(f"        - name: {v}\n          value: \"128\"\n" for v in common.LINEAR_BUCKET_VARS)
        + "    - name: b\n      env:\n        - name: VLLM_DECODE_BS_BUCKET_MAX\n          value: \"64\"\n"
    )
    _, found = run(tmp_path, {"gaudi.env": BUCKETS, "k8s.yaml": k8s}, "from:vllm-fork==1.21.2", "to:vllm-fork==1.22.0")
    hpu001 = [f for f in found if f.code == "HPU001"]
    assert len(hpu001) == 3  # the env file and each container
    env_finding = next(f for f in hpu001 if f.path.endswith("gaudi.env"))
    assert env_finding.line == 1 and "and 9 more" in env_finding.message


def test_safe_only_with_known_source(tmp_path):
    _, known = run(tmp_path / "a", {"gaudi.env": BUCKETS}, "from:vllm-fork==1.21.2", "to:vllm-fork==1.22.0")
    _, unknown = run(tmp_path / "b", {"gaudi.env": BUCKETS}, "to:vllm-fork==1.22.0")
    (k,) = [f for f in known if f.code == "HPU001"]
    (u,) = [f for f in unknown if f.code == "HPU001"]
    assert k.fix.applicability is Applicability.SAFE
    assert u.fix.applicability is Applicability.UNSAFE


def test_source_detected_from_gaudi_image_makes_fix_safe(tmp_path):
    dockerfile = (
        "FROM vault.habana.ai/gaudi-docker/1.21.2/ubuntu22.04/habanalabs/pytorch-installer-2.6.0:latest\n"
        "ENV VLLM_PROMPT_BS_BUCKET_MAX=16\n"
    )
    report, found = run(tmp_path, {"Dockerfile": dockerfile}, "to:vllm-fork==1.22.0", fix=Applicability.SAFE)
    assert report.pairs["vllm-fork"].from_ == Version("1.21.2")
    assert "VLLM_EXPONENTIAL_BUCKETING=false" in (tmp_path / "Dockerfile").read_text()
    assert "HPU001" not in codes(found)


def test_quiet_cases(tmp_path):
    files = {
        "explicit.env": BUCKETS + "VLLM_EXPONENTIAL_BUCKETING=false\n",
        "gpu.env": "VLLM_USE_V1=1\nVLLM_ATTENTION_BACKEND=FLASH_ATTN\nVLLM_LOGGING_LEVEL=DEBUG\n",
        "unrelated.sh": "export MAX_BATCH_SIZE=8\nexport LOG_LEVEL=info\n",
    }
    _, found = run(tmp_path, files, "from:vllm-fork==1.21.2", "to:vllm-fork==1.22.0")
    assert not [f for f in found if f.code != "HPU011" or not f.path.endswith("explicit.env")], [
        (f.path, f.code) for f in found
    ]
    _, staying = run(tmp_path, {}, "from:vllm-fork==1.21.2", "to:vllm-fork==1.21.3")
    assert codes(staying) == []


def test_no_hpu_findings_for_gpu_projects_without_any_version(tmp_path):
    files = {
        "vllm.env": "VLLM_USE_V1=1\nVLLM_WORKER_MULTIPROC_METHOD=spawn\n",
        "k8s.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
        "        - name: VLLM_ATTENTION_BACKEND\n          value: FLASHINFER\n",
    }
    _, found = run(tmp_path, files)
    assert found == []


def test_non_literal_flag(tmp_path):
    sh = "export VLLM_PROMPT_BS_BUCKET_MAX=16\nexport VLLM_EXPONENTIAL_BUCKETING=${EXP_BUCKETS}\n"
    _, fork = run(tmp_path / "a", {"run.sh": sh}, "from:vllm-fork==1.21.2", "to:vllm-fork==1.22.0")
    assert "HPU001" not in codes(fork)  # the flag is set; its value is the user's business
    _, plugin = run(tmp_path / "b", {"run.sh": sh}, "from:vllm-fork==1.22.0", "to:vllm-gaudi==0.20.0")
    (f,) = [f for f in plugin if f.code == "HPU050"]
    assert f.fix is None


# ---- fork -> plugin: gating and chained fixes ------------------------------------------------------------


def test_chain_fork_121_to_plugin_ends_with_strategy_lin(tmp_path):
    env = "VLLM_PROMPT_SEQ_BUCKET_MAX=4096\nVLLM_DECODE_BS_BUCKET_MAX=64\n"
    run(tmp_path, {"gaudi.env": env}, "from:vllm-fork==1.21.2", "to:vllm-gaudi==0.20.0", fix=Applicability.SAFE)
    assert (tmp_path / "gaudi.env").read_text() == (
        "VLLM_PROMPT_QUERY_BUCKET_MAX=4096\nVLLM_DECODE_BS_BUCKET_MAX=64\nVLLM_BUCKETING_STRATEGY=lin\n"
    )


def test_chain_to_plugin_before_strategy_keeps_legacy_flag(tmp_path):
    env = "VLLM_DECODE_BS_BUCKET_MAX=64\n"
    run(tmp_path, {"gaudi.env": env}, "from:vllm-fork==1.21.2", "to:vllm-gaudi==0.19.1", fix=Applicability.SAFE)
    assert (tmp_path / "gaudi.env").read_text() == env + "VLLM_EXPONENTIAL_BUCKETING=false\n"


def test_strategy_already_set_for_the_plugin(tmp_path):
    env = "VLLM_DECODE_BS_BUCKET_MAX=64\nVLLM_BUCKETING_STRATEGY=lin\n"
    _, plugin = run(tmp_path / "a", {"gaudi.env": env}, "from:vllm-fork==1.21.2", "to:vllm-gaudi==0.20.0")
    _, fork = run(tmp_path / "b", {"gaudi.env": env}, "from:vllm-fork==1.21.2", "to:vllm-fork==1.22.0")
    assert "HPU001" not in codes(plugin)
    assert "HPU001" in codes(fork)  # the fork does not read VLLM_BUCKETING_STRATEGY


def test_only_plugin_target_fork_source_unknown(tmp_path):
    """`--to vllm-gaudi==0.20.0` alone: the fork pair runs (unknown) -> 1.23.0, so fork removals are reported by
    the fork rules, the linear switch is offered as unsafe, and default changes stay quiet (source unknown)."""
    env = "VLLM_DECODE_BS_BUCKET_MAX=64\nVLLM_DECODE_BS_BUCKET_LIMIT=8\nVLLM_GRAPH_PROMPT_RATIO=0.3\n"
    report, found = run(tmp_path, {"gaudi.env": env}, "to:vllm-gaudi==0.20.0")
    assert report.pairs["vllm-fork"].from_ is None and report.pairs["vllm-fork"].to == Version("1.23.0")
    assert codes(found) == ["HPU001", "HPU002", "HPU003"]
    (hpu001,) = [f for f in found if f.code == "HPU001"]
    assert hpu001.fix.applicability is Applicability.UNSAFE
    assert not [f for f in found if f.code in ("HPU052", "HPU054")]  # no double report of the same variable


def test_plugin_rules_take_over_when_fork_source_is_122(tmp_path):
    env = "VLLM_DECODE_BS_BUCKET_LIMIT=8\nVLLM_GRAPH_PROMPT_RATIO=0.3\n"
    _, found = run(tmp_path, {"gaudi.env": env}, "from:vllm-fork==1.22.0", "to:vllm-gaudi==0.20.0")
    assert {"HPU052", "HPU054"} <= set(codes(found))
    assert not {"HPU002", "HPU003"} & set(codes(found))


def test_users_already_on_the_plugin_get_no_fork_rules(tmp_path):
    env = BUCKETS + "VLLM_GRAPH_PROMPT_RATIO=0.3\nVLLM_SKIP_WARMUP=1\nVLLM_EXPONENTIAL_BUCKETING=false\n"
    _, found = run(tmp_path, {"gaudi.env": env}, "from:vllm-gaudi==0.15.1", "to:vllm-gaudi==0.20.0")
    assert not [f for f in found if registry.by_code(f.code).stack == "vllm-fork"]
    # Only what 0.15.1 -> 0.20.0 crosses: the strategy switch; the graph variable was dead before too.
    assert codes(found) == ["HPU050"]


def test_fork_only_warning_silent_when_moving_to_plugin(tmp_path):
    env = "VLLM_SKIP_WARMUP=false\n"
    _, fork = run(tmp_path / "a", {"gaudi.env": env}, "from:vllm-fork==1.21.2", "to:vllm-fork==1.22.0")
    _, plugin = run(tmp_path / "b", {"gaudi.env": env}, "from:vllm-fork==1.21.2", "to:vllm-gaudi==0.20.0")
    assert "HPU012" in codes(fork) and "HPU012" not in codes(plugin)


def test_plugin_defaults_need_a_known_source(tmp_path):
    env = "VLLM_SKIP_WARMUP=false\n"
    _, unknown = run(tmp_path / "a", {"gaudi.env": env}, "to:vllm-gaudi==0.20.0")
    _, known = run(tmp_path / "b", {"gaudi.env": env}, "from:vllm-fork==1.22.0", "to:vllm-gaudi==0.20.0")
    assert "HPU064" not in codes(unknown) and "HPU064" in codes(known)


def test_strategy_conflict_is_unsafe(tmp_path):
    env = "VLLM_BUCKETING_STRATEGY=pad\nVLLM_EXPONENTIAL_BUCKETING=false\n"
    _, found = run(tmp_path, {"gaudi.env": env}, "to:vllm-gaudi==0.20.0")
    (f,) = [f for f in found if f.code == "HPU050"]
    assert f.fix.applicability is Applicability.UNSAFE and "`lin` runs, not `pad`" in f.message


# ---- docs ------------------------------------------------------------------------------------------------


def test_explain_hpu900(capsys):
    assert main(["explain", "HPU900"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# HPU900 hpu-buckets-check") and "--check" in out and "1.21.0-post1" in out


def test_hpu900_never_runs_in_check(tmp_path):
    _, found = run(tmp_path, {"gaudi.env": BUCKETS}, "from:vllm-fork==1.21.2", "to:vllm-fork==1.21.2")
    assert "HPU900" not in codes(found)
    assert registry.by_code("HPU900")().active({}) is False


@pytest.mark.parametrize("code", ["HPU001", "HPU007", "HPU009", "HPU011"])
def test_post1_history_in_docs(code, capsys):
    main(["explain", code])
    out = capsys.readouterr().out
    assert "1.21.0-post1" in out and "cancelled" in out and "e43d5c89e" in out


def test_codes_stay_in_range():
    for r in registry.all_rules():
        if r.__module__.startswith("lmimigrate.rules.gaudi"):
            n = int(r.code[3:])
            assert r.code.startswith("HPU") and (1 <= n <= 99 or n == 900), r.code
            assert r.stack in ("vllm-fork", "vllm-gaudi") or r.code == "HPU900"
