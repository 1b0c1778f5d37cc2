"""Issue 12, "Why": safe fixes that broke deployments. Each test failed before the fix."""

from __future__ import annotations

import pytest

from tests.trust_helpers import applicability, by_code, check, fix, write

MODEL = "meta-llama/Llama-3.1-8B-Instruct"


# ---- VLLM060: orphan speculative sub-flags ---------------------------------------------------------------

@pytest.mark.parametrize("flags", ["--speculative-draft-tensor-parallel-size 1",
                                   "--ngram-prompt-lookup-max 4 --ngram-prompt-lookup-min 1",
                                   "--speculative-model [ngram]"])
def test_vllm060_never_folds_a_config_the_target_rejects(tmp_path, capsys, flags):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} {flags}\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm==0.8.2", "--to", "vllm==0.33.0"), "VLLM060")
    assert found and found[0]["fix"] is None, found
    assert "no fix" in found[0]["message"]
    fix(capsys, tmp_path, "--from", "vllm==0.8.2", "--to", "vllm==0.33.0", unsafe=True)
    assert "--speculative-config" not in (tmp_path / "run.sh").read_text()


def test_vllm060_complete_flags_still_fold(tmp_path, capsys):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} --speculative-model [ngram] --num-speculative-tokens 3\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm==0.8.2", "--to", "vllm==0.8.3"), "VLLM060")
    assert found and applicability(found[0]) == "safe"


# ---- VLLM100 from 0.11.0-0.11.2 ----------------------------------------------------------------------------

@pytest.mark.parametrize("frm,want", [("0.11.0", "unsafe"), ("0.11.2", "unsafe"), ("0.10.2", "safe")])
def test_vllm100_unsafe_when_the_flags_were_a_no_op(tmp_path, capsys, frm, want):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} --guided-decoding-backend xgrammar\n"})
    found = by_code(check(capsys, tmp_path, "--from", f"vllm=={frm}", "--to", "vllm==0.12.0"), "VLLM100")
    assert found and applicability(found[0]) == want
    if want == "unsafe":
        assert "silently ignored" in found[0]["message"]


# ---- VLLM160/161: truthiness per variable per release ------------------------------------------------------

K8S = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: v\nspec:\n  containers:\n  - name: vllm\n"
       "    image: vllm/vllm-openai:v0.14.0\n    env:\n    - name: {var}\n      value: \"{value}\"\n"
       f"    args: [\"--model\", \"{MODEL}\"]\n")


@pytest.mark.parametrize("var,value,frm,want", [
    ("VLLM_DISABLE_FLASHINFER_PREFILL", "true", "0.14.0", "false"),   # envs.py: == "1"
    ("VLLM_DISABLE_FLASHINFER_PREFILL", "1", "0.14.0", "true"),
    ("VLLM_USE_TRTLLM_ATTENTION", "true", "0.14.0", "true"),          # envs.py: lower() in ("1", "true")
    ("VLLM_TORCH_PROFILER_WITH_STACK", "true", "0.14.0", "false"),    # config/profiler.py: value == "1"
    ("VLLM_TORCH_PROFILER_WITH_STACK", "true", "0.11.0", "true"),     # envs.py 0.11: != "0"
])
def test_env_to_flag_moves_follow_the_source_release_parsing(tmp_path, capsys, var, value, frm, want):
    write(tmp_path, {"k8s.yaml": K8S.format(var=var, value=value)})
    fix(capsys, tmp_path, "--from", f"vllm=={frm}", "--to", "vllm==0.16.0", unsafe=True)
    text = (tmp_path / "k8s.yaml").read_text()
    assert var not in text, text
    assert f': {want}' in text.replace('\\"', '"'), text


def test_env_bool_with_unknown_release_is_not_guessed(tmp_path, capsys):
    k8s = K8S.format(var="VLLM_DISABLE_FLASHINFER_PREFILL", value="true").replace("vllm/vllm-openai:v0.14.0", "myorg/llm")
    write(tmp_path, {"k8s.yaml": k8s})
    found = by_code(check(capsys, tmp_path, "--to", "vllm==0.15.0"), "VLLM160")
    assert found and found[0]["fix"] is None and "depends on the release" in found[0]["message"]


# ---- LMI016 keeps disable_flash_attn ------------------------------------------------------------------------

def test_lmi016_keeps_disable_flash_attn(tmp_path, capsys):
    write(tmp_path, {"serving.properties": "engine=Python\noption.model_id=tiiuae/falcon-7b\noption.rolling_batch=scheduler\n"
                     "option.disable_flash_attn=true\noption.max_splits=2\n"})
    found = check(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15")
    assert [f for f in by_code(found, "LMI016") if "disable_flash_attn" in f["message"]] == []
    fix(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15", unsafe=True)
    text = (tmp_path / "serving.properties").read_text()
    assert "option.disable_flash_attn=true" in text and "max_splits" not in text


# ---- HPU012 acts on Gaudi scopes only ------------------------------------------------------------------------

COMPOSE = """\
x-env: &common
  VLLM_SKIP_WARMUP: "true"
services:
  gaudi:
    image: vault.habana.ai/gaudi-docker/1.21.2/ubuntu22.04/habanalabs/pytorch-installer-2.6.0:latest
    environment:
      <<: *common
      HABANA_VISIBLE_DEVICES: all
  cpu:
    image: public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.9.2
    environment:
      VLLM_SKIP_WARMUP: "true"
      VLLM_CPU_KVCACHE_SPACE: "40"
"""


def test_hpu012_leaves_a_cpu_service_alone(tmp_path, capsys):
    write(tmp_path, {"compose.yaml": COMPOSE})
    fix(capsys, tmp_path, "--from", "vllm-fork==1.21.2", "--to", "vllm-fork==1.22.0")
    text = (tmp_path / "compose.yaml").read_text()
    cpu = text[text.index("  cpu:"):]
    assert "VLLM_ENABLE_EXPERIMENTAL_FLAGS" not in cpu, text


# ---- custom handlers make removals unsafe ------------------------------------------------------------------------

DS = "engine=DeepSpeed\noption.model_id=tiiuae/falcon-7b\noption.max_tokens=2048\n"


@pytest.mark.parametrize("files", [{"model.py": "def handle(inputs):\n    return None\n"},
                                   {"inference.py": "def handle(inputs):\n    return None\n"}])
def test_lmi005_unsafe_beside_a_custom_handler(tmp_path, capsys, files):
    write(tmp_path, {"serving.properties": DS, **files})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v9", "--to", "lmi==v10"), "LMI005")
    assert found and applicability(found[0]) == "unsafe" and "custom handler" in found[0]["message"]
    fix(capsys, tmp_path, "--from", "lmi==v9", "--to", "lmi==v10")
    assert "option.max_tokens=2048" in (tmp_path / "serving.properties").read_text()


def test_lmi005_unsafe_with_a_user_entry_point(tmp_path, capsys):
    write(tmp_path, {"serving.properties": DS + "option.entryPoint=my_handler.py\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v9", "--to", "lmi==v10"), "LMI005")
    assert found and applicability(found[0]) == "unsafe"


def test_lmi005_safe_without_a_handler(tmp_path, capsys):
    write(tmp_path, {"serving.properties": DS})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v9", "--to", "lmi==v10"), "LMI005")
    assert found and applicability(found[0]) == "safe"
