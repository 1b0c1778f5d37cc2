"""`lmimigrate plan --from lmi==A --to lmi==B` lists the LMI pack's changes, client-side guidance included."""

from __future__ import annotations

import json

import pytest

from lmimigrate.cli import main
from lmimigrate.plan import changes
from lmimigrate.core.pep440 import Version


def codes(frm: int, to: int) -> list[str]:
    return [r["code"] for r in changes("lmi", Version(str(frm)), Version(str(to))) if r["stack"] == "lmi"]


def test_v16_to_v17_lists_async_default_and_client_guidance():
    got = codes(16, 17)
    # R11 batch size, R12 trio, R13, R14 MLlama, ignored compat options, R21, and the §7.2 request changes.
    for code in ("LMI033", "LMI035", "LMI036", "LMI037", "LMI038", "LMI026", "LMI045", "LMI046", "LMI047"):
        assert code in got, code
    # Nothing from other releases.
    assert "LMI008" not in got and "LMI002" not in got and "LMI048" not in got


def test_v9_to_v10_lists_deepspeed_removal_and_response_changes():
    got = codes(9, 10)
    for code in ("LMI002", "LMI003", "LMI004", "LMI005", "LMI006", "LMI007", "LMI040", "LMI041", "LMI042", "LMI070", "LMI072"):
        assert code in got, code
    assert "LMI045" not in got


def test_v14_to_v15_lists_lmi_dist_and_scheduler_removal():
    got = codes(14, 15)
    for code in ("LMI008", "LMI009", "LMI010", "LMI011", "LMI012", "LMI013", "LMI014", "LMI015", "LMI016", "LMI025"):
        assert code in got, code
    # R8 belongs to v14; a v14 source already had it.
    assert "LMI019" not in got


def test_v9_to_v27_spans_every_release_in_order():
    rows = [r for r in changes("lmi", Version("9"), Version("27")) if r["stack"] == "lmi"]
    versions = [Version(r["version"]) for r in rows]
    assert versions == sorted(versions)
    got = {r["code"] for r in rows}
    assert {"LMI002", "LMI017", "LMI019", "LMI008", "LMI033", "LMI048", "LMI074"} <= got
    assert "LMI020" not in got  # v9 itself: HF_MODEL_REVISION was already gone


def test_same_version_plan_is_empty_for_lmi_rules():
    assert codes(17, 17) == []


def test_plan_json_carries_lmi_evidence(capsys):
    assert main(["plan", "--from", "lmi==v16", "--to", "lmi==v17", "--output-format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by = {r["code"]: r for r in rows}
    assert by["LMI045"]["fix"] == "no fix"
    assert by["LMI033"]["fix"] == "unsafe fix"
    assert any("LmiConfigRecommender.java" in e for e in by["LMI033"]["evidence"])


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_plan_renders(fmt, capsys):
    assert main(["plan", "--from", "lmi==0.27.0", "--to", "lmi==0.28.0", "--output-format", fmt]) == 0
    out = capsys.readouterr().out
    assert "LMI002" in out and "LMI v10 (0.28.0)" in out
