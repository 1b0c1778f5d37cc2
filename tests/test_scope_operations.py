"""The scope operations rules use instead of building text (lmimigrate/core/scopeops.py, overridden per surface)
and the Python module model's edits (lmimigrate/surfaces/python/edits.py)."""

from __future__ import annotations

import re

import pytest

from lmimigrate import surfaces
from lmimigrate.core.ftypes import ParsedFile, Scope, Unit
from lmimigrate.core.rule import Context, spelled


def parsed(name: str, text: str) -> ParsedFile:
    return surfaces.parse_file(name, text, surfaces.classify(name))


def scope_of(pf: ParsedFile, kind: str) -> Scope:
    return next(s for s in pf.scopes() if s.kind == kind)


def apply(text: str, edits) -> str:
    for e in sorted(edits, reverse=True):
        text = text[: e.start] + e.content + text[e.end :]
    return text


SCRIPT = ("vllm serve m \\\n  -O.mode=3 \\\n  --cuda-graph-sizes 1 2 4 \\\n"
          "  --compilation-config.pass_config.enable_noop=true\n")


def test_command_line_renames_keep_the_written_head():
    cli = scope_of(parsed("run.sh", SCRIPT), "cli")
    o_mode, sizes, noop = cli.settings
    assert apply(SCRIPT, cli.rename_prefix(o_mode, "-O", "-cc")).count("-cc.mode=3") == 1
    # vLLM converts dashes only before the first dot: the nested key keeps its underscores.
    assert "--compilation-config.pass_config.eliminate_noops=true" in apply(SCRIPT, cli.rename_leaf(noop, "eliminate_noops"))
    with pytest.raises(ValueError):
        cli.rename_prefix(sizes, "-O", "-cc")


def test_other_syntaxes_rename_the_leaf_through_rename_and_have_no_prefix():
    text = "model: m\nmax_model_len: 4096\n"
    cfg = scope_of(parsed("vllm-config.yaml", text), "vllm-config")
    key = cfg.get("vllm", "max_model_len")
    assert key is not None
    assert apply(text, cfg.rename_leaf(key, "max_seq_len")) == "model: m\nmax_seq_len: 4096\n"
    ctx = Context("vllm-config.yaml", ParsedFile("vllm-config.yaml", [cfg.unit]), {})
    assert ctx.edits(cfg.rename_prefix, key, "-O", "-cc") is None  # no fix, no crash


def test_words_after_a_flag():
    cli = scope_of(parsed("run.sh", SCRIPT), "cli")
    assert list(cli.words_after(cli.settings[1]))[:2] == ["2", "4"]
    assert list(Scope(Unit("x", "properties")).words_after(cli.settings[1])) == []


def test_deleting_the_last_flags_of_a_continued_command_leaves_no_dangling_backslash():
    text = "vllm serve m \\\n  --a 1 \\\n  --b 2 \\\n  --c 3\n"
    cli = scope_of(parsed("run.sh", text), "cli")
    b, c = cli.settings[1:]
    assert apply(text, cli.delete_together([b, c])) == "vllm serve m \\\n  --a 1\n"
    # The same deletions without a line-continuation syntax keep the backslash (it is not theirs to take).
    plain = Scope(Unit(text, "yaml"))
    merged = plain.merge_deletions([e for s in (b, c) for e in cli.delete(s)])
    assert apply(text, merged) == "vllm serve m \\\n  --a 1 \\\n  \n"


def test_display_spells_a_key_in_each_syntax():
    cli = scope_of(parsed("run.sh", SCRIPT), "cli")
    cfg = scope_of(parsed("vllm-config.yaml", "model: m\nmax_model_len: 4096\n"), "vllm-config")
    call = scope_of(parsed("serve.py", "from vllm import LLM\n\nllm = LLM(model='m', max_model_len=4096)\n"),
                    "python-call")
    got = [spelled(s, "runner", "generate") for s in (cli, cfg, call)]
    assert got == ["--runner generate", "runner: generate", "runner='generate'"]
    assert spelled(cli, "enforce_eager") == "--enforce-eager"
    assert spelled(cli.settings[0]) == "-O.mode=3"


def test_find_and_replace_text_no_surface_reads():
    pf = parsed("k8s.yaml", "image: deepjavalibrary/djl-serving:0.29.0-lmi\n")
    ctx = Context("k8s.yaml", pf, {})
    found = list(ctx.find(re.compile(r"djl-serving:(\S+)"), re.compile(r"nothing")))
    assert [(i, m.group(1)) for _, i, m in found] == [(0, "0.29.0-lmi")]
    unit, _, m = found[0]
    assert apply(unit.text, ctx.replace(unit, *m.span(1), "0.30.0-lmi")).endswith(":0.30.0-lmi\n")


def test_python_model_edits():
    text = ("from vllm.utils import FlexibleArgumentParser, cdiv as div\nfrom vllm import SamplingParams\n\n"
            "sp = SamplingParams(guided_decoding=g, prompt_token_ids=[1, 2])\n")
    pf = parsed("serve.py", text)
    mod = pf.units[0].python
    imp = mod.imports[0]
    parser, cdiv = imp.names
    assert apply(text, parser.rename("P", keep_local=True)).startswith("from vllm.utils import P as FlexibleArgumentParser,")
    assert apply(text, cdiv.rename("ceil", keep_local=True)).startswith("from vllm.utils import FlexibleArgumentParser, ceil as div")
    homes = [("vllm.utils.argparse_utils", "FlexibleArgumentParser"), ("vllm.utils.math_utils", "cdiv")]
    assert apply(text, mod.rewrite_import(imp, homes, "\n")).startswith(
        "from vllm.utils.argparse_utils import FlexibleArgumentParser\nfrom vllm.utils.math_utils import cdiv as div\n")
    assert mod.plain(imp)
    call = next(c for c in mod.calls if c.qualname == "vllm.SamplingParams")
    guided, ids = call.keywords
    assert "SamplingParams(structured_outputs=g," in apply(text, guided.rename("structured_outputs"))
    new = apply(text, ids.replace("prompts", {"prompt_token_ids": [1, 2]}))
    assert new.endswith('prompts={"prompt_token_ids": [1, 2]})\n')
    shared = "x = 1; from vllm.utils import cdiv\n"
    smod = parsed("serve.py", shared).units[0].python
    with pytest.raises(ValueError):
        smod.rewrite_import(smod.imports[0], [("vllm.utils.math_utils", "cdiv")], "\n")
