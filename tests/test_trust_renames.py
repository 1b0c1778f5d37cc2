"""Issue 12: a rename (or delete) of an environment variable whose old name is still read elsewhere in the same
file is unsafe, and the finding says where. One mechanism for every rule."""

from __future__ import annotations

import pytest

from tests.trust_helpers import applicability, by_code, check, fix, write


@pytest.mark.parametrize("name,text", [
    ("run.sh", "#!/bin/sh\nexport HF_MODEL_REVISION=abc123\necho \"revision $HF_MODEL_REVISION\"\n"),
    ("run.sh", "#!/bin/sh\nexport HF_MODEL_REVISION=abc123\n: \"${HF_MODEL_REVISION:?must be set}\"\n"),
    ("Dockerfile", ("FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.27.0-deepspeed0.12.6-cu121\n"
                    "ENV HF_MODEL_REVISION=abc123\nLABEL revision=${HF_MODEL_REVISION}\n")),
    ("deploy.py", ("import os\nenv = {\"HF_MODEL_ID\": \"x/y\", \"HF_MODEL_REVISION\": \"abc123\"}\n"
                   "print(os.environ[\"HF_MODEL_REVISION\"])\n")),
])
def test_lmi020_rename_with_a_remaining_reference_is_unsafe(tmp_path, capsys, name, text):
    write(tmp_path, {name: text})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v8", "--to", "lmi==v9"), "LMI020")
    assert found, check(capsys, tmp_path, "--from", "lmi==v8", "--to", "lmi==v9")
    assert applicability(found[0]) == "unsafe" and "still read at line" in found[0]["message"]
    fix(capsys, tmp_path, "--from", "lmi==v8", "--to", "lmi==v9")
    assert (tmp_path / name).read_text() == text


def test_lmi020_rename_without_references_stays_safe(tmp_path, capsys):
    write(tmp_path, {"model.env": "HF_MODEL_ID=x/y\nHF_MODEL_REVISION=abc123\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v8", "--to", "lmi==v9"), "LMI020")
    assert found and applicability(found[0]) == "safe"
