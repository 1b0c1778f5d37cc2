"""The T5 and MLlama guards: never migrated to vLLM, whatever the spelling; and the model-name matcher."""

from __future__ import annotations

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core import api, registry
from lmimigrate.core.ftypes import Applicability
from lmimigrate.rules.lmi.common import is_mllama, is_t5


@pytest.mark.parametrize("model", ["google/flan-t5-xxl", "t5-small", "google/flan-ul2", "google/mt5-xl", "google/byt5-base",
                                   "google/t5gemma-2b-2b-ul2", "GOOGLE/FLAN-T5-BASE", "s3://bucket/models/flan-t5-xl/",
                                   "/opt/ml/model/t5-large"])
def test_t5_family(model):
    assert is_t5(model)


@pytest.mark.parametrize("model", ["meta-llama/Llama-3.1-8B-Instruct", "t5x-team/llama", "Salesforce/codegen-2B",
                                   "google/gemma-2b", "tiiuae/falcon-7b", "my-org/gpt2-t5ish-chat", None, ""])
def test_not_t5(model):
    assert not is_t5(model)


def test_mllama():
    assert is_mllama("meta-llama/Llama-3.2-11B-Vision-Instruct")
    assert is_mllama("meta-llama/Llama-3.2-90B-Vision")
    assert not is_mllama("meta-llama/Llama-3.2-3B-Instruct")


def run(tmp_path, files: dict, frm: str, to: str, fix=None):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    opts = api.Options(paths=[str(tmp_path)], from_={"lmi": Version(frm)}, to={"lmi": Version(to)},
                       rules=list(registry.all_rules()), fix=fix)
    return api.run(opts)


T5_FILES = {
    "serving.properties": "engine=MPI\noption.model_id=google/flan-t5-xxl\noption.rolling_batch=lmi-dist\noption.mpi_mode=true\n",
    "model.env": "HF_MODEL_ID=google/flan-ul2\nOPTION_ROLLING_BATCH=lmi-dist\nOPTION_ENGINE=MPI\n",
    "k8s.yaml": "containers:\n- name: t5\n  image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.32.0-lmi14.0.0-cu126\n"
                "  env:\n  - name: HF_MODEL_ID\n    value: google/mt5-xl\n  - name: OPTION_ROLLING_BATCH\n    value: lmi-dist\n",
}


@pytest.mark.parametrize("to", ["15", "17", "27"])
def test_t5_never_rewritten_even_with_unsafe_fixes(tmp_path, to):
    report = run(tmp_path, T5_FILES, "14", to)
    codes = sorted(f.code for f in report.findings)
    assert codes.count("LMI009") == 3
    assert not {"LMI008", "LMI010", "LMI011"} & set(codes)
    run(tmp_path, {}, "14", to, fix=Applicability.UNSAFE)
    for name, text in T5_FILES.items():
        after = (tmp_path / name).read_text()
        assert "vllm" not in after and after.count("lmi-dist") == text.count("lmi-dist"), name
        assert "djl-inference:0.32.0-lmi14.0.0-cu126" in after or "djl-inference" not in text


def test_t5_on_trtllm_is_not_blocked(tmp_path):
    report = run(tmp_path, {"serving.properties": "engine=MPI\noption.model_id=google/flan-t5-xl\noption.rolling_batch=trtllm\n"
                            "option.batch_scheduler_policy=guaranteed_no_evict\n"}, "14", "15")
    assert not [f for f in report.findings if f.code.startswith("LMI00") and f.code in ("LMI008", "LMI009", "LMI010")]


def test_t5_model_in_another_scope_of_the_same_notebook_blocks_the_rewrite(tmp_path):
    nb = ('{"cells": [{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": '
          '["%%writefile serving.properties\\n", "engine=MPI\\n", "option.rolling_batch=lmi-dist\\n"]}, '
          '{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": '
          '["import os\\n", "env = {\\"HF_MODEL_ID\\": \\"google/flan-t5-xxl\\", \\"OPTION_TENSOR_PARALLEL_DEGREE\\": \\"4\\"}\\n"]}], '
          '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')
    report = run(tmp_path, {"nb.ipynb": nb}, "14", "15")
    codes = [f.code for f in report.findings]
    assert "LMI009" in codes and "LMI008" not in codes


def test_mllama_blocked_from_v17_but_migrated_before(tmp_path):
    files = {"serving.properties": "engine=MPI\noption.model_id=meta-llama/Llama-3.2-11B-Vision-Instruct\n"
                                   "option.rolling_batch=lmi-dist\noption.max_model_len=8192\n"}
    codes = [f.code for f in run(tmp_path, files, "14", "16").findings]
    assert "LMI008" in codes and "LMI037" not in codes
    codes = [f.code for f in run(tmp_path, files, "14", "17").findings]
    assert "LMI037" in codes and "LMI008" not in codes


def test_unknown_model_makes_the_rewrite_unsafe_and_says_so(tmp_path):
    # Issue 12: when the family matters and cannot be identified, the rewrite is unsafe.
    report = run(tmp_path, {"serving.properties": "engine=Python\noption.rolling_batch=lmi-dist\noption.max_model_len=1\n"}, "14", "15")
    f = next(f for f in report.findings if f.code == "LMI008")
    assert f.fix is not None and f.fix.applicability is Applicability.UNSAFE
    assert "T5" in f.message and "not named in this file" in f.message
