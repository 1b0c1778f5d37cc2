"""The embedding API: findings on embedded text are reported and fixed in the host's coordinates."""

from __future__ import annotations

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate import surfaces
from lmimigrate.core.engine import Engine
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.registry import by_code
from lmimigrate.core.versions import VersionPair

HOST = """prelude line
<<<
    # LMI v14 config
    engine=MPI
    option.rolling_batch=lmi-dist
>>>
after
"""


@pytest.fixture(autouse=True)
def testhost(monkeypatch):
    monkeypatch.setitem(surfaces.SURFACE_MODULES, "testhost", "tests.embed_host")
    monkeypatch.setattr(surfaces, "HOSTS", surfaces.HOSTS | {"testhost"})


def _engine(*codes: str) -> Engine:
    pairs = {"lmi": VersionPair("lmi", Version("14"), Version("15"), "given")}
    return Engine([by_code(c)() for c in codes], pairs)


def test_finding_is_located_in_the_host():
    findings, _, _, crashed = _engine("LMI010").check_text("f.host", HOST, "testhost", None)
    assert not crashed
    [f] = [f for f in findings if f.code == "LMI010"]
    assert (f.line, f.column) == (4, 5)  # `engine=MPI` on the host's 4th line, after the indent
    assert f.unit.surface == "testhost" and f.unit.text == HOST
    assert HOST[f.span[0] : f.span[1]] == "engine=MPI"
    assert f.fix is not None and f.fix.applicability is Applicability.SAFE


def test_fix_is_written_back_through_the_host_syntax_and_converges():
    eng = _engine("LMI010")
    _, text, applied, _ = eng.check_text("f.host", HOST, "testhost", Applicability.SAFE)
    assert applied == 1
    assert text == HOST.replace("    engine=MPI", "    engine=Python")
    again = eng.check_text("f.host", text, "testhost", Applicability.SAFE)
    assert again[1] == text and again[2] == 0


def test_two_fixes_in_one_block_both_land():
    eng = _engine("LMI010", "LMI008")
    findings, text, applied, _ = eng.check_text("f.host", HOST, "testhost", Applicability.UNSAFE)
    assert "    engine=Python\n" in text and "    option.rolling_batch=vllm\n" in text
    assert text.startswith("prelude line\n<<<\n    # LMI v14 config\n") and text.endswith(">>>\nafter\n")


def test_read_only_block_reports_without_fix():
    src = HOST.replace("<<<\n", "<<< RO\n")
    findings, text, applied, _ = _engine("LMI010").check_text("f.host", src, "testhost", Applicability.SAFE)
    assert [f.code for f in findings] == ["LMI010"] and findings[0].fix is None
    assert text == src and applied == 0


def test_fix_the_host_cannot_hold_is_dropped_not_written():
    src = HOST.replace("    engine=MPI", "    engine=MPI\n    option.note=~")
    findings, text, applied, _ = _engine("LMI010").check_text("f.host", src, "testhost", Applicability.SAFE)
    # `~` is in the block already, so any rewrite of it cannot be encoded: report, do not write.
    assert [f.code for f in findings if f.code == "LMI010"] == ["LMI010"]
    assert all(f.fix is None for f in findings if f.code == "LMI010")
    assert text == src


def test_placeholder_value_is_reported_but_never_rewritten():
    src = HOST.replace("option.rolling_batch=lmi-dist", "option.rolling_batch=lmi-dist\n    option.model_id={model}")
    findings, _, _, _ = _engine("LMI010").check_text("f.host", src, "testhost", None)
    hosted = [s for u in surfaces.parse_file("f.host", src, "testhost").units[1:] for sc in u.scopes for s in sc.settings]
    model = next(s for s in hosted if s.key == "option.model_id")
    assert model.literal is False
    assert next(s for s in hosted if s.key == "engine").literal is True


def test_placeholder_key_is_dropped():
    src = HOST.replace("engine=MPI", "{prefix}.engine=MPI")
    hosted = [s for u in surfaces.parse_file("f.host", src, "testhost").units[1:] for sc in u.scopes for s in sc.settings]
    assert all("engine" not in s.key for s in hosted)


def test_suppression_comment_in_the_host_line_applies():
    src = HOST.replace("    engine=MPI", "    # lmimigrate: ignore[LMI010]\n    engine=MPI")
    findings, _, _, _ = _engine("LMI010").check_text("f.host", src, "testhost", None)
    assert [f.code for f in findings if f.code == "LMI010"] == []
