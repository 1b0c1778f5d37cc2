"""Issue 12, "Rule facts corrected": each test failed before its fix."""

from __future__ import annotations

import pytest

from tests.trust_helpers import applicability, by_code, check, write

MODEL = "meta-llama/Llama-3.1-8B-Instruct"


@pytest.mark.parametrize("frm", ["0.10.0", "0.10.1"])
def test_vllm153_enable_prompt_adapter_from_0_10_0_and_0_10_1(tmp_path, capsys, frm):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} --enable-prompt-adapter\n"})
    found = by_code(check(capsys, tmp_path, "--from", f"vllm=={frm}", "--to", "vllm==0.10.2"), "VLLM153")
    assert found and "removed in vllm 0.10.2" in found[0]["message"], found


def test_hpu008_fires_for_gaudi_1_18(tmp_path, capsys):
    write(tmp_path, {"gaudi.env": "VLLM_SKIP_WARMUP=1\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm-fork==1.18.0", "--to", "vllm-fork==1.18.1"), "HPU008")
    assert found, found


def test_vllm082_deletion_is_safe_with_the_v1_evidence(tmp_path, capsys):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} --disable-frontend-multiprocessing\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm==0.18.0", "--to", "vllm==0.19.0"), "VLLM082")
    assert found and applicability(found[0]) == "safe"


@pytest.mark.parametrize("frm", ["v15", "v16"])
def test_lmi045_047_quiet_for_a_config_already_async(tmp_path, capsys, frm):
    write(tmp_path, {"serving.properties": "engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\n"
                     "option.async_mode=true\noption.rolling_batch=disable\n"
                     "option.entryPoint=djl_python.lmi_vllm.vllm_async_service\n"})
    found = check(capsys, tmp_path, "--from", f"lmi=={frm}", "--to", "lmi==v17")
    assert not [f for f in found if f["code"] in ("LMI045", "LMI046", "LMI047")], found


def test_lmi045_still_fires_for_a_sync_config(tmp_path, capsys):
    write(tmp_path, {"serving.properties": "engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\n"})
    assert by_code(check(capsys, tmp_path, "--from", "lmi==v16", "--to", "lmi==v17"), "LMI045")


def test_vllm021_quiet_when_the_source_ran_v0(tmp_path, capsys):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nexport VLLM_USE_V1=0\nvllm serve {MODEL} --no-enable-chunked-prefill\n"})
    found = check(capsys, tmp_path, "--from", "vllm==0.10.2", "--to", "vllm==0.11.1")
    assert not by_code(found, "VLLM021"), found


def test_vllm020_quiet_when_v0_is_pinned_before_its_removal(tmp_path, capsys):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nexport VLLM_USE_V1=0\nvllm serve {MODEL} --enable-chunked-prefill False\n"})
    found = check(capsys, tmp_path, "--from", "vllm==0.7.3", "--to", "vllm==0.10.2")
    assert not by_code(found, "VLLM020"), found


def test_vllm021_still_fires_under_v1(tmp_path, capsys):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} --no-enable-chunked-prefill\n"})
    assert by_code(check(capsys, tmp_path, "--from", "vllm==0.10.2", "--to", "vllm==0.11.1"), "VLLM021")


@pytest.mark.parametrize("code,frm,to", [("VLLM018", "0.8.5", "0.9.0"), ("VLLM019", "0.27.0", "0.28.0")])
@pytest.mark.parametrize("image", ["vllm/vllm-tpu:v0.9.0", "rocm/vllm:latest",
                                   "vault.habana.ai/gaudi-docker/1.21.2/ubuntu22.04/habanalabs/pytorch-installer-2.6.0"])
def test_gpu_tier_notes_only_on_cuda(tmp_path, capsys, code, frm, to, image):
    write(tmp_path, {"Dockerfile": f"FROM {image}\nCMD [\"vllm\", \"serve\", \"{MODEL}\"]\n"})
    assert not by_code(check(capsys, tmp_path, "--from", f"vllm=={frm}", "--to", f"vllm=={to}"), code)
    write(tmp_path, {"Dockerfile": f"FROM vllm/vllm-openai:v{frm}\nCMD [\"vllm\", \"serve\", \"{MODEL}\"]\n"})
    assert by_code(check(capsys, tmp_path, "--from", f"vllm=={frm}", "--to", f"vllm=={to}"), code)


def test_vllm017_states_the_0_8_0_to_0_8_4_defaults(tmp_path, capsys):
    # 0.8.3 still gave 1024 sequences on every GPU; 0.8.4 kept 1024 only on H100/H200 (read in both wheels).
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL}\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm==0.7.3", "--to", "vllm==0.8.2"), "VLLM017")
    assert found and "1024 on every GPU in 0.8.0-0.8.3" in found[0]["message"]
    assert "1024 on H100/H200 (0.8.4)" in found[0]["message"]


@pytest.mark.parametrize("code,frm,to", [("VLLM026", "0.10.1", "0.10.2"), ("VLLM027", "0.6.2", "0.6.3"),
                                         ("VLLM028", "0.17.0", "0.18.0")])
def test_missed_default_changes_are_reported(tmp_path, capsys, code, frm, to):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL}\n"})
    assert by_code(check(capsys, tmp_path, "--from", f"vllm=={frm}", "--to", f"vllm=={to}"), code)


def test_lmm007_mode_bits_even_as_root(tmp_path, capsys):
    import os

    write(tmp_path, {"serving.properties": "engine=DeepSpeed\noption.model_id=tiiuae/falcon-7b\noption.max_tokens=2048\n"})
    p = tmp_path / "serving.properties"
    os.chmod(p, 0o444)
    try:
        found = check(capsys, tmp_path, "--from", "lmi==v9", "--to", "lmi==v10", "--fix")
        assert "option.max_tokens=2048" in p.read_text()
        assert by_code(found, "LMM007") and "0444" in by_code(found, "LMM007")[0]["message"]
    finally:
        os.chmod(p, 0o644)


def test_vllm101_engine_argument_key_points_to_structured_outputs_config(tmp_path, capsys):
    write(tmp_path, {"serve.py": "from vllm import AsyncEngineArgs\nargs = {\"model\": \"m\", \"guided_decoding_backend\": \"xgrammar\"}\n"
                     "engine = AsyncEngineArgs(**args)\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm==0.11.0", "--to", "vllm==0.12.0"), "VLLM101")
    assert found and "structured_outputs_config.backend" in found[0]["message"]
    assert "request field `guided_decoding_backend`" not in found[0]["message"]


def test_vllm302_reports_removed_upstream_enable_vars_outside_gaudi(tmp_path, capsys):
    write(tmp_path, {"vllm.env": "VLLM_LOGGING_LEVEL=DEBUG\nVLLM_ENABLE_MOE_DP_CHUNK=1\nVLLM_ENABLE_V1_MULTIPROCESING=0\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm==0.19.0", "--to", "vllm==0.33.0"), "VLLM302")
    named = " ".join(f["message"] for f in found)
    assert "VLLM_ENABLE_MOE_DP_CHUNK" in named and "VLLM_ENABLE_V1_MULTIPROCESING" in named


def test_vllm302_gaudi_names_exempt_in_a_gaudi_block(tmp_path, capsys):
    write(tmp_path, {"gaudi.env": "VLLM_LOGGING_LEVEL=INFO\nVLLM_PROMPT_BS_BUCKET_MAX=8\nVLLM_SKIP_WARMUP=true\n"
                     "VLLM_ENABLE_EXPERIMENTAL_FLAGS=1\n"})
    assert not by_code(check(capsys, tmp_path, "--from", "vllm==0.19.0", "--to", "vllm==0.33.0"), "VLLM302")


def test_lmi_evidence_quotes_are_verbatim():
    from lmimigrate.rules.lmi import deepspeed, sdk

    assert "we have decided to discontinue integration with the DeepSpeed inference library" in deepspeed.EV_DOC.quote
    lmi070 = next(r for r in vars(sdk).values() if getattr(r, "code", None) == "LMI070")
    assert any('framework="djl-lmi", version="0.28.0"' in e.quote and "0.29.0-dlc" in e.release for e in lmi070.evidence)


def test_mixed_spelling_reaches_the_specific_rule(tmp_path, capsys):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} --max-seq_len-to-capture 8192\n"})
    found = check(capsys, tmp_path, "--from", "vllm==0.10.2", "--to", "vllm==0.11.0")
    assert by_code(found, "VLLM031") and not by_code(found, "VLLM300"), found


def test_abbreviated_flag_is_accepted_and_spelled_out(tmp_path, capsys):
    write(tmp_path, {"run.sh": f"#!/bin/sh\nvllm serve {MODEL} --max-num-batched-token 4096 --max-num 8\n"})
    found = by_code(check(capsys, tmp_path, "--from", "vllm==0.10.2", "--to", "vllm==0.11.0"), "VLLM300")
    abbrev = [f for f in found if "--max-num-batched-token`" in f["message"]]
    assert abbrev and "unrecognized" not in abbrev[0]["message"] and applicability(abbrev[0]) == "safe"
    assert [f for f in found if "ambiguous option" in f["message"]]
    check(capsys, tmp_path, "--from", "vllm==0.10.2", "--to", "vllm==0.11.0", "--fix")
    assert "--max-num-batched-tokens 4096 --max-num 8" in (tmp_path / "run.sh").read_text()
