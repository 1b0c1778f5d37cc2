"""`lmimigrate plan --from vllm==0.8.2 --to vllm==0.12.0` in text, markdown and JSON."""

from __future__ import annotations

import json
import re

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core import registry
from lmimigrate.cli import main

ARGS = ["plan", "--from", "vllm==0.8.2", "--to", "vllm==0.12.0"]

# Changes on the path (0.8.2 < release <= 0.12.0) that the plan must list, with their release.
ON_PATH = {
    "VLLM207": "0.8.3",  # reasoning_parsers -> vllm.reasoning
    "VLLM208": "0.9.0",  # model_loader.loader split
    "VLLM209": "0.10.0",  # vllm.spec_decode / vllm.prompt_adapter removed
    "VLLM210": "0.10.1",  # vllm.model_executor.guided_decoding removed
    "VLLM250": "0.10.2",  # LLM.generate(prompt_token_ids=) removed
    "VLLM220": "0.11.0",  # GuidedDecodingParams -> StructuredOutputsParams
    "VLLM221": "0.11.0",  # SamplingParams(guided_decoding=) -> structured_outputs=
    "VLLM200": "0.11.1",  # FlexibleArgumentParser moved
    "VLLM230": "0.11.1",  # CompilationLevel -> CompilationMode
    "VLLM201": "0.12.0",  # vllm.transformers_utils.tokenizer -> vllm.tokenizers
    "VLLM241": "0.12.0",  # SamplingParams(best_of=) removed
}
# Before the path (already done at 0.8.2), after it, or not tied to a release change.
OFF_PATH = ("VLLM212", "VLLM240", "VLLM202", "VLLM203", "VLLM242", "VLLM300", "VLLM301", "VLLM302", "VLLM303", "LMI001")


def _plan(capsys, fmt: str) -> str:
    assert main([*ARGS, "--output-format", fmt]) == 0
    return capsys.readouterr().out


def test_json(capsys):
    rows = json.loads(_plan(capsys, "json"))
    codes = [r["code"] for r in rows]
    for code, release in ON_PATH.items():
        assert code in codes, code
        row = rows[codes.index(code)]
        assert row["version"] == release and row["release"] == f"vllm {release}"
        assert row["stack"] == "vllm" and row["summary"] and row["evidence"] and row["url"].endswith(f"{code}.md")
    for code in OFF_PATH:
        assert code not in codes, code
    assert len(codes) == len(set(codes))
    versions = [Version(r["version"]) for r in rows]
    assert versions == sorted(versions)
    assert all(Version("0.8.2") < v <= Version("0.12.0") for v in versions)
    # Every rule of the stack whose change lies on the path is listed (the plan comes from the rules themselves).
    expected = {
        r.code for r in registry.all_rules()
        if r.stack == "vllm" and r.changed_in and Version("0.8.2") < Version(r.changed_in) <= Version("0.12.0")
    }
    assert expected <= set(codes)
    fixes = {r["code"]: r["fix"] for r in rows}
    assert fixes["VLLM220"] == "safe fix" and fixes["VLLM208"] == "no fix" and fixes["VLLM250"] == "unsafe fix"


def test_text_is_grouped_by_release(capsys):
    out = _plan(capsys, "text")
    rows = json.loads(_plan(capsys, "json"))
    lines = out.splitlines()
    assert lines[0] == f"Migration plan: vllm 0.8.2 -> vllm 0.12.0 ({len(rows)} changes)"
    headings = [ln for ln in lines[1:] if ln.startswith("vllm ")]
    assert headings == list(dict.fromkeys(r["release"] for r in rows))
    listed = [ln.split()[0] for ln in lines if re.match(r"  [A-Z]+\d+ ", ln)]
    assert listed == [r["code"] for r in rows]
    section = out[out.index("\nvllm 0.11.1\n"):]
    line = next(ln for ln in section.splitlines() if ln.startswith("  VLLM230 "))
    assert "[safe fix]" in line and "CompilationMode" in line
    assert any("evidence: vllm 0.11.1: vllm/config/compilation.py" in ln for ln in lines)


def test_markdown_has_a_table_per_release(capsys):
    out = _plan(capsys, "markdown")
    rows = json.loads(_plan(capsys, "json"))
    lines = out.splitlines()
    assert lines[0] == f"# Migration plan: vllm 0.8.2 -> vllm 0.12.0 ({len(rows)} changes)"
    headings = [ln[3:] for ln in lines if ln.startswith("## ")]
    assert headings == list(dict.fromkeys(r["release"] for r in rows))
    assert lines.count("| code | change | fix | evidence |") == len(headings)
    table = [ln for ln in lines if ln.startswith("| [")]
    assert len(table) == len(rows)
    for ln, row in zip(table, rows):
        assert ln.startswith(f"| [{row['code']}]({row['url']}) |")
        # exactly the 5 cell borders: a `|` inside a cell is escaped
        assert len(re.findall(r"(?<!\\)\|", ln)) == 5, ln


def test_markdown_cells_are_escaped():
    from lmimigrate.plan import md_cell

    assert md_cell("a | b") == "a \\| b"
    assert md_cell("`x|y` <model>\nnext") == "`x\\|y` &lt;model><br>next"


@pytest.mark.parametrize("args", [["--from", "vllm==0.12.0", "--to", "vllm==0.8.2"], ["--from", "vllm==0.8.2", "--to", "lmi==v12"]])
def test_bad_ranges(args, capsys):
    assert main(["plan", *args]) == 2
    assert "error" in capsys.readouterr().err
