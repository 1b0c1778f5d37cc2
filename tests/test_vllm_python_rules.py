"""Cross-cutting behaviour of the vLLM Python API rules (VLLM200-VLLM250): name resolution through imports,
aliases, shadowing, notebook cells, instance tracking, and fix safety."""

from __future__ import annotations

import json

from lmimigrate.core import api, registry
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.versions import parse_spec


def run(tmp_path, name: str, text: str, frm: str, to: str, fix: Applicability | None = None):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    f, t = parse_spec(frm), parse_spec(to)
    opts = api.Options(paths=[str(path)], from_={f[0]: f[1]}, to={t[0]: t[1]}, rules=list(registry.all_rules()), fix=fix)
    report = api.run(opts)
    assert not report.internal_error, [x.message for x in report.findings]
    return path, report


def codes(report, prefix="VLLM2"):
    return sorted(f.code for f in report.findings if f.code.startswith(prefix))


def test_aliased_import_keeps_the_alias(tmp_path):
    src = "from vllm.sampling_params import GuidedDecodingParams as GDP\n\np = GDP(json={})\n"
    path, _ = run(tmp_path, "a.py", src, "vllm==0.10.2", "vllm==0.12.0", Applicability.SAFE)
    assert path.read_text() == "from vllm.sampling_params import StructuredOutputsParams as GDP\n\np = GDP(json={})\n"


def test_deprecation_window_is_a_warning_then_an_error(tmp_path):
    src = "from vllm.sampling_params import GuidedDecodingParams\n"
    _, rep = run(tmp_path, "a.py", src, "vllm==0.10.2", "vllm==0.11.0")
    assert [f.severity.value for f in rep.findings if f.code == "VLLM220"] == ["warning"]
    _, rep = run(tmp_path, "a.py", src, "vllm==0.10.2", "vllm==0.12.0")
    assert [f.severity.value for f in rep.findings if f.code == "VLLM220"] == ["error"]


def test_rebound_name_is_reported_without_a_fix(tmp_path):
    src = ("from vllm.sampling_params import GuidedDecodingParams\n\n"
           "def f(GuidedDecodingParams):\n    return GuidedDecodingParams\n")
    _, rep = run(tmp_path, "a.py", src, "vllm==0.10.2", "vllm==0.12.0")
    found = [f for f in rep.findings if f.code == "VLLM220"]
    assert found and all(f.fix is None for f in found)


def test_local_classes_and_other_libraries_are_silent(tmp_path):
    src = (
        "from dataclasses import dataclass\n\n@dataclass\nclass SamplingParams:\n    best_of: int = 1\n\n"
        "class LLM:\n    def generate(self, prompt_token_ids=None):\n        return prompt_token_ids\n\n"
        "task = 'generate'\nsp = SamplingParams(best_of=3)\nllm = LLM()\nllm.generate(prompt_token_ids=[1])\n"
        "from openai import OpenAI\nclient = OpenAI()\n"
    )
    _, rep = run(tmp_path, "app.py", src, "vllm==0.5.5", "vllm==0.33.0")
    assert codes(rep, "VLLM") == []


def test_sampling_params_resolved_through_module_import(tmp_path):
    src = "import vllm as v\n\nsp = v.SamplingParams(use_beam_search=True, best_of=2, logits_processors=[])\n"
    _, rep = run(tmp_path, "a.py", src, "vllm==0.6.2", "vllm==0.17.0")
    assert codes(rep) == ["VLLM240", "VLLM241", "VLLM242"]


def test_generate_on_an_llm_from_another_function_is_not_followed(tmp_path):
    src = (
        "from vllm import LLM\n\ndef make():\n    llm = LLM(model='m')\n    return llm\n\n"
        "def use(llm):\n    return llm.generate(prompt_token_ids=[1, 2])\n"
    )
    _, rep = run(tmp_path, "a.py", src, "vllm==0.10.1", "vllm==0.10.2")
    assert "VLLM250" not in codes(rep)


def test_generate_on_a_name_bound_twice_is_not_followed(tmp_path):
    src = "from vllm import LLM\nllm = LLM(model='m')\nllm = other()\nllm.generate(prompt_token_ids=[1])\n"
    _, rep = run(tmp_path, "a.py", src, "vllm==0.10.1", "vllm==0.10.2")
    assert "VLLM250" not in codes(rep)


def test_prompt_token_ids_single_prompt_and_chained_call(tmp_path):
    src = "from vllm import LLM\nout = LLM(model='m').generate(prompt_token_ids=[1, 2, 3])\n"
    path, _ = run(tmp_path, "a.py", src, "vllm==0.10.1", "vllm==0.10.2", Applicability.UNSAFE)
    assert path.read_text() == 'from vllm import LLM\nout = LLM(model=\'m\').generate(prompts={"prompt_token_ids": [1, 2, 3]})\n'
    # without --unsafe-fixes nothing changes
    src2 = "from vllm import LLM\nllm = LLM(model='m')\nllm.encode(prompt_token_ids=[[1], [2]])\n"
    path, rep = run(tmp_path, "b.py", src2, "vllm==0.10.1", "vllm==0.10.2", Applicability.SAFE)
    assert path.read_text() == src2 and "VLLM250" in codes(rep)


def test_import_rewrite_with_a_comment_is_reported_not_fixed(tmp_path):
    src = "from vllm.entrypoints.openai.tool_parsers import (  # parsers\n    ToolParser,\n)\n"
    path, rep = run(tmp_path, "a.py", src, "vllm==0.12.0", "vllm==0.14.0", Applicability.SAFE)
    assert path.read_text() == src
    assert [f.fix for f in rep.findings if f.code == "VLLM202"] == [None]


def test_multiline_parenthesized_import_is_rewritten(tmp_path):
    src = "from vllm.entrypoints.openai.tool_parsers import (\n    ToolParser,\n    ToolParserManager,\n)\n"
    path, _ = run(tmp_path, "a.py", src, "vllm==0.12.0", "vllm==0.14.0", Applicability.SAFE)
    assert path.read_text() == "from vllm.tool_parsers import ToolParser, ToolParserManager\n"


def test_name_not_yet_at_new_home_in_target_has_no_fix(tmp_path):
    # `vllm.tokenizers` exists from 0.12.0 only: a 0.11.x target keeps the old import silent
    src = "from vllm.transformers_utils.tokenizer import get_tokenizer\n"
    _, rep = run(tmp_path, "a.py", src, "vllm==0.10.0", "vllm==0.11.2")
    assert "VLLM201" not in codes(rep)


def test_import_module_statement_is_reported(tmp_path):
    src = "import vllm.entrypoints.openai.protocol as proto\n\nreq = proto.ChatCompletionRequest\n"
    _, rep = run(tmp_path, "a.py", src, "vllm==0.14.0", "vllm==0.15.0")
    assert codes(rep) == ["VLLM203"]
    src = "import vllm.utils\n"  # the package survives: only FlexibleArgumentParser moved
    _, rep = run(tmp_path, "b.py", src, "vllm==0.11.0", "vllm==0.11.1")
    assert codes(rep) == []


def _notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": c.splitlines(keepends=True)} for c in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1) + "\n"


def test_notebook_import_in_one_cell_use_in_another(tmp_path):
    nb = _notebook("!pip install vllm==0.10.2\nfrom vllm import LLM, SamplingParams\n",
                   "sp = SamplingParams(best_of=2)\nllm = LLM(model='m')\n")
    _, rep = run(tmp_path, "nb.ipynb", nb, "vllm==0.11.2", "vllm==0.12.0")
    assert "VLLM241" in codes(rep)


def test_notebook_compilation_level_fix_in_one_cell(tmp_path):
    nb = _notebook("from vllm.config import CompilationLevel\nlvl = CompilationLevel.PIECEWISE\n")
    path, _ = run(tmp_path, "nb.ipynb", nb, "vllm==0.11.0", "vllm==0.11.1", Applicability.SAFE)
    cells = json.loads(path.read_text())["cells"]
    assert "".join(cells[0]["source"]) == "from vllm.config import CompilationMode\nlvl = CompilationMode.VLLM_COMPILE\n"


def test_lone_cr_line_endings_are_reported_and_fixed(tmp_path):
    # ast ends lines at a lone \r too: offsets come from the Python surface, which counts them (no IndexError)
    src = "import os\rfrom vllm.sampling_params import GuidedDecodingParams\rp = GuidedDecodingParams(json={})\r"
    _, rep = run(tmp_path, "a.py", src, "vllm==0.10.2", "vllm==0.12.0")
    found = [f for f in rep.findings if f.code == "VLLM220"]
    assert found and all(f.fix is not None for f in found)
    path, _ = run(tmp_path, "b.py", src, "vllm==0.10.2", "vllm==0.12.0", Applicability.SAFE)
    fixed = path.read_bytes().decode()
    assert fixed == "import os\rfrom vllm.sampling_params import StructuredOutputsParams\rp = StructuredOutputsParams(json={})\r"
    compile(fixed, "b.py", "exec")
    src = "import os\r    \rfrom vllm.entrypoints.openai.protocol import ChatCompletionRequest, CompletionRequest\r"
    _, rep = run(tmp_path, "c.py", src, "vllm==0.14.0", "vllm==0.15.0")
    assert codes(rep) == ["VLLM203"]
    path, _ = run(tmp_path, "c.py", src, "vllm==0.14.0", "vllm==0.15.0", Applicability.SAFE)
    fixed = path.read_bytes().decode()
    assert fixed == ("import os\r    \rfrom vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest\r"
                     "from vllm.entrypoints.openai.completion.protocol import CompletionRequest\r")
    compile(fixed, "c.py", "exec")


def test_rename_follows_a_name_used_under_an_attribute_store(tmp_path):
    src = ("from vllm.sampling_params import GuidedDecodingParams\n\n"
           "GuidedDecodingParams.extra = 1\np = GuidedDecodingParams(json={})\n")
    path, _ = run(tmp_path, "a.py", src, "vllm==0.10.2", "vllm==0.12.0", Applicability.SAFE)
    assert path.read_text() == src.replace("GuidedDecodingParams", "StructuredOutputsParams")


def test_notebook_name_rebound_in_another_cell_is_not_followed(tmp_path):
    nb = _notebook("from vllm import SamplingParams\n", "SamplingParams = dict\n", "sp = SamplingParams(best_of=2)\n")
    _, rep = run(tmp_path, "nb.ipynb", nb, "vllm==0.11.2", "vllm==0.12.0")
    assert "VLLM241" not in codes(rep)


def test_notebook_rename_with_a_use_in_another_cell_has_no_fix(tmp_path):
    nb = _notebook("from vllm.sampling_params import GuidedDecodingParams\n", "p = GuidedDecodingParams(json={})\n")
    path, rep = run(tmp_path, "nb.ipynb", nb, "vllm==0.10.2", "vllm==0.12.0", Applicability.SAFE)
    assert path.read_text() == nb
    assert [f.fix for f in rep.findings if f.code == "VLLM220"] == [None]
