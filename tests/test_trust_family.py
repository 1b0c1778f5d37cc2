"""Issue 12: a safe fix never moves a T5-family or MLlama model to vLLM, wherever the model id is written;
when the family cannot be identified the rewrite is unsafe and the finding says why."""

from __future__ import annotations

import pytest

from tests.trust_helpers import applicability, by_code, check, fix, write

ECR = "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference"


@pytest.mark.parametrize("model", ["s3://my-bucket/models/flant5-xxl/", "s3://b/flan-ul2/", "bigscience/mt0-xxl",
                                   "google/t5-v1_1-xxl", "/opt/ml/model/ul2", "google/flan-t5-xxl"])
def test_t5_paths_and_ids_are_never_moved_to_vllm(tmp_path, capsys, model):
    write(tmp_path, {"serving.properties": f"engine=Python\noption.model_id={model}\noption.rolling_batch=lmi-dist\n"})
    found = check(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15")
    assert by_code(found, "LMI009") and not by_code(found, "LMI008")
    fix(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15", unsafe=True)
    assert "lmi-dist" in (tmp_path / "serving.properties").read_text()


def test_model_id_in_a_python_constant(tmp_path, capsys):
    write(tmp_path, {"deploy.py": (
        "from sagemaker.model import Model\n"
        "MODEL_ID = \"google/flan-t5-xxl\"\n"
        "env = {\"HF_MODEL_ID\": MODEL_ID, \"OPTION_ROLLING_BATCH\": \"lmi-dist\"}\n"
        f"model = Model(image_uri=\"{ECR}:0.32.0-lmi14.0.0-cu126\", env=env, role=role)\n")})
    found = check(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15")
    assert not by_code(found, "LMI008"), found
    fix(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15", unsafe=True)
    text = (tmp_path / "deploy.py").read_text()
    assert "lmi-dist" in text and "0.32.0-lmi14.0.0-cu126" in text


def test_unknown_model_makes_lmi008_unsafe_and_says_why(tmp_path, capsys):
    write(tmp_path, {"model.env": "HF_MODEL_ID=s3://my-bucket/artifacts/\nOPTION_ROLLING_BATCH=lmi-dist\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15"), "LMI008")
    assert found and applicability(found[0]) == "unsafe"
    assert "is a path, not a Hugging Face id" in found[0]["message"]
    fix(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15")
    assert "lmi-dist" in (tmp_path / "model.env").read_text()


def test_identified_model_keeps_the_safe_rewrite(tmp_path, capsys):
    write(tmp_path, {"model.env": "HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_ROLLING_BATCH=lmi-dist\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15"), "LMI008")
    assert found and applicability(found[0]) == "safe"


def test_mllama_in_a_notebook_markdown_cell_blocks_the_image_bump(tmp_path, capsys):
    import json

    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["Deploy meta-llama/Llama-3.2-11B-Vision-Instruct on LMI\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": [f"image = \"{ECR}:0.34.0-lmi16.0.0-cu128\"\n", "model = Model(image_uri=image, env=cfg)\n"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(tmp_path, {"deploy.ipynb": json.dumps(nb, indent=1) + "\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v16", "--to", "lmi==v17"), "LMI080")
    assert found and found[0]["fix"] is None, found


def test_image_bump_across_v17_without_a_model_is_unsafe(tmp_path, capsys):
    write(tmp_path, {"Dockerfile": f"FROM {ECR}:0.34.0-lmi16.0.0-cu128\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v16", "--to", "lmi==v17"), "LMI080")
    assert found and applicability(found[0]) == "unsafe"
    assert "MLlama" in found[0]["message"] and "not named in this file" in found[0]["message"]


def test_image_bump_not_crossing_a_family_drop_stays_safe(tmp_path, capsys):
    write(tmp_path, {"Dockerfile": f"FROM {ECR}:0.35.0-lmi17.0.0-cu128\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v17", "--to", "lmi==v18"), "LMI080")
    assert found and applicability(found[0]) == "safe"


# ---- the cheap test before the patterns -----------------------------------------------------------------

_PIECES = ["t5", "T5", "flan", "FLAN-", "ul2", "UL2", "mt0", "mT5", "byt5", "code", "gemma", "llama", "Llama-",
           "3.2", "-11B", "-Vision", "guard", "mllama", "MLLAMA", "/", "-", "_", ".", " ", "x", "v1.1", "\u212a", "\u0130"]


def test_the_pieces_check_never_hides_a_match():
    """`t5_in`/`mllama_in` skip their patterns for a text holding none of the pieces every match contains:
    for any text, they give what the patterns alone give."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from lmimigrate.rules.lmi import common

    def raw(pattern, text):
        m = pattern.search(text)
        return m.group(0) if m else None

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=8).map("".join))
    def check(text):
        assert common.t5_in(text) == raw(common._T5, text)
        assert common.mllama_in(text) == raw(common._MLLAMA, text)

    check()
