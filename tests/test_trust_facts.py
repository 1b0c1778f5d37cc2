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
