"""Issue 12: `check` predicts `--fix`. Every fix that `--fix --unsafe-fixes` applies belongs to a finding that
plain `check` reports for the same file in the same run (same version pairs), including findings that only
arise once another fix is applied. Property test over every rule example and every fixture project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmimigrate.core import engine as engine_mod
from lmimigrate.core.ftypes import Applicability
from tests.rule_examples import all_examples, run_example
from tests.trust_helpers import by_code, check, write

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


@pytest.fixture
def applied(monkeypatch):
    """(path, code) of every fix the engine applies while `recording` is on."""
    log: list[tuple[str, str]] = []
    state = {"on": False}
    real = engine_mod._apply

    def spy(parsed, chosen, path, surface):
        out = real(parsed, chosen, path, surface)
        if state["on"]:
            bad = out[3]
            log.extend((path, f.code) for f in chosen if f not in bad)
        return out

    monkeypatch.setattr(engine_mod, "_apply", spy)
    return log, state


def _reported(report) -> set[tuple[str, str]]:
    return {(f.path, f.code) for f in report.findings}


def _uncovered(log, reported) -> list[tuple[str, str]]:
    return sorted({x for x in log if x not in reported})


@pytest.mark.parametrize("rule,ex", list(all_examples("invalid")) + list(all_examples("valid")))
def test_check_covers_every_fix_of_a_rule_example(rule, ex, tmp_path, applied):
    log, state = applied
    _, report = run_example(rule, ex, tmp_path)
    reported = _reported(report)
    state["on"] = True
    run_example(rule, ex, tmp_path, fix=Applicability.UNSAFE)
    assert not _uncovered(log, reported), (f"--fix applied fixes that check did not report: {_uncovered(log, reported)}; "
                                           f"check reported {sorted(reported)}")


CASES = sorted(p for p in PROJECTS.iterdir() if (p / "case.json").exists()) if PROJECTS.is_dir() else []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_check_covers_every_fix_of_a_fixture_project(case, tmp_path, capsys, applied):
    log, state = applied
    spec = json.loads((case / "case.json").read_text())
    work = tmp_path / "repo"
    shutil.copytree(case / "before", work)
    args = list(spec.get("args", []))
    reported = {(str(Path(f["path"])), f["code"]) for f in check(capsys, work, *args)}
    state["on"] = True
    check(capsys, work, *args, "--fix", "--unsafe-fixes")
    assert not _uncovered(log, reported), _uncovered(log, reported)


# ---- the three cases of the issue ------------------------------------------------------------------------------

def test_speculative_model_under_lmi_dist_is_reported_up_front(tmp_path, capsys):
    write(tmp_path, {"model.env": "HF_MODEL_ID=meta-llama/Llama-3.1-70B-Instruct\nOPTION_ROLLING_BATCH=lmi-dist\n"
                     "OPTION_SPECULATIVE_MODEL=meta-llama/Llama-3.2-1B-Instruct\nOPTION_NUM_SPECULATIVE_TOKENS=5\n"})
    found = by_code(check(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15"), "LMI014")
    assert found and found[0]["line"] == 3 and "LMI008" in found[0]["message"]


def test_typo_is_reported_up_front_for_v15(tmp_path, capsys):
    write(tmp_path, {"serving.properties": "engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\n"
                     "option.rolling_batch=lmi-dist\noption.max_rolling_batch_prefill_tokes=4096\n"})
    found = check(capsys, tmp_path, "--from", "lmi==v14", "--to", "lmi==v15")
    assert [f for f in found if f["line"] == 4 and "max_rolling_batch_prefill_tokes" in f["message"]], found


def test_diff_adds_no_default_note_fix_that_check_did_not_report(tmp_path, capsys):
    # DeepSpeed -> vLLM (LMI002) used to make LMI001 add `option.enable_chunked_prefill=true` in a later round.
    src = "engine=DeepSpeed\noption.model_id=tiiuae/falcon-40b\noption.rolling_batch=deepspeed\noption.tensor_parallel_degree=4\n"
    write(tmp_path, {"serving.properties": src})
    codes = {f["code"] for f in check(capsys, tmp_path, "--from", "lmi==v9", "--to", "lmi==v12")}
    check(capsys, tmp_path, "--from", "lmi==v9", "--to", "lmi==v12", "--fix", "--unsafe-fixes")
    text = (tmp_path / "serving.properties").read_text()
    assert "enable_chunked_prefill" not in text or "LMI001" in codes, text
