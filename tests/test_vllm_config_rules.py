"""Cross-cutting behaviour of the vLLM configuration rules (VLLM001-VLLM199): spellings, deprecation
windows, multi-round convergence, no-fix cases and the helpers' edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core import api, registry
from lmimigrate.core.ftypes import Applicability, TextEdit
from lmimigrate.core.versions import parse_spec

MINE = [r for r in registry.all_rules() if re.fullmatch(r"VLLM(\d{3})", r.code) and int(r.code[4:]) < 200]


def run(tmp_path: Path, name: str, text: str, to: str, frm: str | None = None, fix: Applicability | None = None):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    f = {} if frm is None else dict([parse_spec(frm)])
    opts = api.Options(paths=[str(path)], from_=f, to=dict([parse_spec(to)]), rules=list(registry.all_rules()), fix=fix)
    report = api.run(opts)
    return report, path.read_text(encoding="utf-8")


def codes(report) -> list[str]:
    return [f.code for f in report.findings]


def finding(report, code):
    return next(f for f in report.findings if f.code == code)


# ---- metadata ---------------------------------------------------------------------------------------------


def test_pack_has_rules_in_its_range():
    assert len(MINE) >= 60
    for r in MINE:
        assert r.stack == "vllm"
        assert 1 <= int(r.code[4:]) <= 199


@pytest.mark.parametrize("rule", MINE, ids=lambda r: r.code)
def test_evidence_cites_the_reference(rule):
    for e in rule.evidence:
        assert e.reference.startswith("vllm §"), (rule.code, e.reference)
        assert e.file and e.quote and e.release
    for ex in rule.invalid + rule.valid:
        for spec in (ex.from_, ex.to):
            if spec:
                stack, v = parse_spec(spec)
                assert stack == "vllm" and Version("0.5.5") <= v <= Version("0.33.0"), (rule.code, spec)


@pytest.mark.parametrize("rule", MINE, ids=lambda r: r.code)
def test_examples_cover_the_cli_and_another_surface(rule):
    names = {ex.filename for ex in rule.invalid}
    if rule.code in ("VLLM101",):  # request bodies, not launches
        return
    launch = {"run.sh", "Dockerfile"} & names
    other = names - {"run.sh", "Dockerfile", "train.sh"}
    env_only = all(n in (".env", "compose.yaml", "k8s.yaml", "Dockerfile", "run.sh") for n in names)
    assert launch or env_only, (rule.code, names)
    assert other or len(names) > 1, (rule.code, names)


# ---- spellings --------------------------------------------------------------------------------------------


def test_underscore_and_equals_style_is_kept(tmp_path):
    src = "vllm serve m --chat_template_text_format=openai --swap_space=8 --max_num_seqs 4\n"
    report, out = run(tmp_path, "run.sh", src, "vllm==0.18.0", fix=Applicability.SAFE)
    assert out == "vllm serve m --chat_template_content_format=openai --max_num_seqs 4\n"


def test_python_kwargs_and_yaml_dash_keys(tmp_path):
    report, out = run(tmp_path, "vllm-config.yaml", "model: m\nswap-space: 8\nmax-model-len: 4096\n", "vllm==0.18.0",
                      fix=Applicability.SAFE)
    assert out == "model: m\nmax-model-len: 4096\n"
    src = "from vllm import LLM\n\nllm = LLM(model=\"m\", task=\"generate\")\n"
    report, out = run(tmp_path, "deploy.py", src, "vllm==0.13.0", fix=Applicability.SAFE)
    assert out == "from vllm import LLM\n\nllm = LLM(model=\"m\", runner=\"generate\")\n"


def test_unrelated_words_stay_quiet(tmp_path):
    src = ("class LLM:\n    def __init__(self, task=None, swap_space=0):\n        pass\n\n"
           "m = LLM(task=\"embed\", swap_space=4)\nMAX_BATCH_SIZE = 8\n")
    report, _ = run(tmp_path, "train.py", src, "vllm==0.33.0")
    assert not [c for c in codes(report) if c.startswith("VLLM")]
    report, _ = run(tmp_path, "jobs.sh", "python train.py --task embed --swap-space 4 --disable-log-requests\n",
                    "vllm==0.33.0")
    assert not [c for c in codes(report) if c.startswith("VLLM")]


# ---- deprecation windows and convergence ------------------------------------------------------------------


def test_window_fires_from_the_deprecating_release(tmp_path):
    src = "vllm serve m --speculative-model '[ngram]' --num-speculative-tokens 5\n"
    report, _ = run(tmp_path, "run.sh", src, "vllm==0.8.3", frm="vllm==0.8.2")
    assert "VLLM060" in codes(report)
    report, _ = run(tmp_path, "run.sh", src, "vllm==0.8.2", frm="vllm==0.8.1")
    assert finding(report, "VLLM060").severity.value == "warning"
    report, _ = run(tmp_path, "run.sh", src, "vllm==0.8.1", frm="vllm==0.8.0")
    assert "VLLM060" not in codes(report)


def test_dotted_o_level_converges_to_cc_mode(tmp_path):
    report, out = run(tmp_path, "run.sh", "vllm serve m -O.level=3\n", "vllm==0.33.0", fix=Applicability.SAFE)
    assert out == "vllm serve m -cc.mode=3\n"


def test_folded_speculative_keys_then_removed_keys(tmp_path):
    src = ("vllm serve m --speculative-model '[ngram]' --num-speculative-tokens 5 "
           "--speculative-disable-by-batch-size 4 --port 8000\n")
    report, out = run(tmp_path, "run.sh", src, "vllm==0.33.0", fix=Applicability.SAFE)
    assert out == ("vllm serve m --port 8000 --speculative-config "
                   "'{\"model\": \"[ngram]\", \"num_speculative_tokens\": 5}'\n")


def test_fold_keeps_numbers_and_bare_booleans(tmp_path):
    src = "vllm serve m --guided-decoding-backend guidance --guided-decoding-disable-additional-properties\n"
    report, out = run(tmp_path, "run.sh", src, "vllm==0.12.0", fix=Applicability.UNSAFE)  # unknown source release: unsafe (issue 12)
    assert out == ("vllm serve m --structured-outputs-config "
                   "'{\"backend\": \"guidance\", \"disable_additional_properties\": true}'\n")


# ---- no-fix cases -----------------------------------------------------------------------------------------


def test_fold_gives_up_when_target_already_set(tmp_path):
    src = "vllm serve m --speculative-config '{\"model\": \"x\"}' --num-speculative-tokens 5\n"
    report, _ = run(tmp_path, "run.sh", src, "vllm==0.8.3")
    assert finding(report, "VLLM060").fix is None


def test_guided_backend_with_options_is_not_folded(tmp_path):
    src = "vllm serve m --guided-decoding-backend xgrammar:disable-any-whitespace\n"
    report, _ = run(tmp_path, "run.sh", src, "vllm==0.12.0")
    assert finding(report, "VLLM100").fix is None


def test_env_var_without_launch_has_no_fix(tmp_path):
    report, _ = run(tmp_path, ".env", "VLLM_ATTENTION_BACKEND=FLASHINFER\n", "vllm==0.15.0")
    assert finding(report, "VLLM160").fix is None


def test_env_var_move_is_unsafe_in_shell_and_safe_in_compose(tmp_path):
    report, _ = run(tmp_path, "run.sh", "export VLLM_ALL2ALL_BACKEND=pplx\nvllm serve m\n", "vllm==0.16.0")
    assert finding(report, "VLLM162").fix.applicability is Applicability.UNSAFE
    compose = ("services:\n  a:\n    image: vllm/vllm-openai:v0.15.0\n    environment:\n      VLLM_ALL2ALL_BACKEND: pplx\n"
               "    command: [\"--model\", \"m\"]\n  b:\n    image: vllm/vllm-openai:v0.15.0\n"
               "    command: [\"--model\", \"n\"]\n")
    report, out = run(tmp_path, "compose.yaml", compose, "vllm==0.16.0", fix=Applicability.SAFE)
    assert "command: [\"--model\", \"m\", \"--all2all-backend\", \"pplx\"]" in out
    assert "command: [\"--model\", \"n\"]" in out


def test_env_var_after_the_command_is_not_moved(tmp_path):
    report, _ = run(tmp_path, "run.sh", "vllm serve m &\nexport VLLM_ALL2ALL_BACKEND=pplx\n", "vllm==0.16.0")
    assert finding(report, "VLLM162").fix is None


def test_use_v1_zero_is_an_unsafe_delete(tmp_path):
    report, _ = run(tmp_path, ".env", "VLLM_USE_V1=0\n", "vllm==0.33.0")
    f = finding(report, "VLLM001")
    assert f.fix.applicability is Applicability.UNSAFE and f.severity.value == "error"


def test_yaml_block_mapping_is_rewritten_as_a_flow_mapping(tmp_path):
    src = "model: m\ncompilation_config:\n  level: 3\nmax_model_len: 4096\n"
    report, out = run(tmp_path, "vllm-config.yaml", src, "vllm==0.18.0", fix=Applicability.SAFE)
    assert out == "model: m\ncompilation_config:\n  {\"mode\": 3}\nmax_model_len: 4096\n"


def test_task_score_has_no_fix(tmp_path):
    report, _ = run(tmp_path, "run.sh", "vllm serve m --task score\n", "vllm==0.13.0")
    assert finding(report, "VLLM070").fix is None


def test_default_rules_need_a_known_from_and_respect_pins(tmp_path):
    report, _ = run(tmp_path, "run.sh", "vllm serve m\n", "vllm==0.20.0")
    assert "VLLM024" not in codes(report)
    report, _ = run(tmp_path, "run.sh", "vllm serve m\n", "vllm==0.20.0", frm="vllm==0.19.0")
    assert "VLLM024" in codes(report)
    report, _ = run(tmp_path, "run.sh", "vllm serve m --gpu-memory-utilization 0.95\n", "vllm==0.20.0", frm="vllm==0.19.0")
    assert "VLLM024" not in codes(report)


# ---- helpers ----------------------------------------------------------------------------------------------


def test_merge_deletions_takes_the_continuation_of_trailing_words():
    from lmimigrate.core.scopeops import merge_deletions

    text = "vllm serve m \\\n  --a 1 \\\n  --b 2 \\\n  --c 3\n"
    a, b, c = text.index("--a"), text.index("--b"), text.index("--c")
    edits = [TextEdit(b, c, ""), TextEdit(text.index("1") + 1, len(text) - 1, "")]
    out = merge_deletions(text, edits)
    assert out == [TextEdit(text.index("1") + 1, len(text) - 1, "")]
    assert a < b


def test_dict_value_reads_json_and_python_literals():
    from lmimigrate.core.ftypes import Scope, Setting, Unit
    from lmimigrate.rules.vllm.common import dict_value

    scope = Scope(Unit("x", "shell"))

    def mk(v):
        return Setting("vllm", "k", v, "k", (0, 1), (0, 1), (0, 1), scope)

    assert dict_value(mk('{"a": 1}')) == ({"a": 1}, "json")
    assert dict_value(mk("{'a': True}")) == ({"a": True}, "json")
    assert dict_value(mk({"a": 1})) == ({"a": 1}, "dict")
    assert dict_value(mk("3")) == (None, "")
    assert dict_value(mk("{not json")) == (None, "")
