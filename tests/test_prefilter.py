"""The byte-level prefilter (core/prefilter.py, Engine.rules_for) finds exactly the rules one of whose tokens
occurs in a file or its name: the fast search (keys searched in the file's distinct pieces first) must give
the same answer as a plain substring search for every token."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lmimigrate import surfaces
from lmimigrate.core import registry
from lmimigrate.core.engine import Engine
from lmimigrate.core.prefilter import TokenIndex, clauses, dotted, pieces
from lmimigrate.core.rule import Rule

# Bytes that make the hard cases likely: both cases of a few letters, digits, the run separators, other
# punctuation, a newline and a non-ASCII byte.
_ALPHABET = b"aAbBvVlLmMq05_-.:/= \n\xc3"
_TOKEN = st.binary(min_size=1, max_size=6).map(lambda b: bytes(_ALPHABET[c % len(_ALPHABET)] for c in b))
_TEXT = st.binary(max_size=200).map(lambda b: bytes(_ALPHABET[c % len(_ALPHABET)] for c in b))


@settings(max_examples=300, deadline=None)
@given(members=st.lists(st.lists(_TOKEN, max_size=4), max_size=8), data=_TEXT, name=_TEXT)
def test_members_are_those_with_a_token_in_the_file_or_its_name(members, data, name):
    index = TokenIndex(enumerate(members))
    expected = {i for i, tokens in enumerate(members) if not tokens or any(t in data or t in name for t in tokens)}
    assert index.members(data, name, pieces(data, name), {}) == expected


_EDGED = st.one_of(
    st.tuples(st.booleans(), _TOKEN, st.booleans()).map(lambda e: (b"\b" if e[0] else b"") + e[1] + (b"\b" if e[2] else b"")),
    st.lists(st.sampled_from(["a", "vl", "m0"]), min_size=1, max_size=3).map(lambda ns: dotted(".".join(ns))),
)
_DOTTY_TEXT = st.lists(st.sampled_from([b"a", b"vl", b"m0", b".", b" ", b"\\\n", b"\t", b"x", b"_"]), max_size=30).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(members=st.lists(st.tuples(st.lists(_EDGED, max_size=3), st.one_of(
           st.lists(_EDGED, max_size=2), st.lists(st.lists(_EDGED, min_size=1, max_size=2), max_size=2))), max_size=6),
       data=st.one_of(_TEXT, _DOTTY_TEXT), name=_TEXT)
def test_and_tokens_and_word_edges_are_found_as_a_plain_search_finds_them(members, data, name):
    index = TokenIndex((i, tokens, also) for i, (tokens, also) in enumerate(members))

    def one(ts):
        return any(_plain(t, data) or _plain(t, name) for t in ts)

    expected = {i for i, (tokens, also) in enumerate(members) if (not tokens or one(tokens)) and all(one(c) for c in clauses(also))}
    assert index.members(data, name, pieces(data, name), {}) == expected


def test_a_word_token_is_a_name_not_part_of_one():
    index = TokenIndex([(0, [b"\bLLM\b"]), (1, [b"\bvllm"])])
    for text, want in [(b"vLLM is fast", set()), (b"from vllm import LLM\n", {0, 1}), (b"x = vllm.LLM(m)", {0, 1}),
                       (b"LLM_CONFIG = 1; myvllm", set()), (b"LLM", {0}), (b"\xc3\xa9LLM", {0})]:
        assert index.members(text, b"", pieces(text), {}) == want, text


def test_a_dotted_name_is_found_however_its_dots_are_spaced():
    index = TokenIndex([(0, [dotted("vllm.attention.layer")])])
    for text, want in [(b"from vllm.attention.layer import A", {0}), (b"from vllm . attention.\\\n    layer import A", {0}),
                       (b"import vllm.attention\nlayer = 1", set()), (b"from vllm.attention import layer", set())]:
        assert index.members(text, b"", pieces(text), {}) == want, text


def test_pieces_are_the_distinct_lower_cased_letter_and_digit_runs():
    assert sorted(pieces(b"VLLM_USE_V1=0\nvllm serve -q awq", b"run.sh").split(b"\n")) == [
        b"0", b"awq", b"q", b"run", b"serve", b"sh", b"use", b"v1", b"vllm"]


@settings(max_examples=200, deadline=None)
@given(text=_TEXT)
def test_pieces_read_in_chunks_are_the_same(text):
    from lmimigrate.core import prefilter

    whole = set(pieces(text).split(b"\n"))
    old = prefilter._CHUNK
    prefilter._CHUNK = 7
    try:
        assert set(pieces(text).split(b"\n")) == whole
    finally:
        prefilter._CHUNK = old


def test_pieces_of_a_large_file_take_bounded_memory():
    """A megabyte at a time: the list of every run of the whole file was ~8x its size (issue 15's 10 MB file)."""
    import tracemalloc

    text = b"engine=MPI option.rolling_batch=lmi-dist option.tensor_parallel_degree=4\n" * 60_000
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        got = pieces(text)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert set(got.split(b"\n")) == {b"engine", b"mpi", b"option", b"rolling", b"batch", b"lmi", b"dist", b"tensor",
                                       b"parallel", b"degree", b"4"}
    assert peak < 4 * len(text), f"{peak / len(text):.1f}x the file"


def test_a_token_inside_a_longer_word_is_found():
    """Substring semantics, as before: `vllm` in `myvllm_config`, `-q` glued to other punctuation."""
    index = TokenIndex([(0, [b"vllm"]), (1, [b"-q"]), (2, [b"latest"])])
    data = b"x = myvllm_config(['--a','-qawq'])\n"
    assert index.members(data, b"", pieces(data), {}) == {0, 1}


# ---- the engine's plan, against a plain reference --------------------------------------------------------


def _all_rules() -> list[Rule]:
    return [cls() for cls in registry.all_rules()]


def _plain(token: bytes, text: bytes) -> bool:
    """A plain search: substring, and a `\\b` edge a byte that is no ASCII letter, digit or `_` (or none); a
    dotted name with any spaces, tabs, backslashes and line breaks around its dots."""
    if token.startswith(b"\x1e"):
        first, *rest = token[1:].split(b".")
        start = text.find(first)
        while start >= 0:
            pos = start + len(first)
            for n in rest:
                while pos < len(text) and text[pos] in b" \t\f\\\r\n":
                    pos += 1
                if text[pos : pos + 1] != b".":
                    break
                pos += 1
                while pos < len(text) and text[pos] in b" \t\f\\\r\n":
                    pos += 1
                if text[pos : pos + len(n)] != n:
                    break
                pos += len(n)
            else:
                return True
            start = text.find(first, start + 1)
        return False
    core = token.strip(b"\b")
    start = text.find(core)
    while start >= 0:
        before = text[start - 1 : start] if start else b""
        after = text[start + len(core) : start + len(core) + 1]
        if not (token.startswith(b"\b") and before and (before.isalnum() and before.isascii() or before == b"_")) and \
                not (token.endswith(b"\b") and after and (after.isalnum() and after.isascii() or after == b"_")):
            return True
        start = text.find(core, start + 1)
    return False


def _reference(rules: list[Rule], surface: str, data: bytes, path: str) -> list[str]:
    """Engine.rules_for as documented, by plain search."""
    name = path.rsplit("/", 1)[-1].encode()

    def hit(tokens, and_tokens=()) -> bool:
        def one(ts):
            return any(_plain(t, data) or _plain(t, name) for t in ts)

        return (not tokens or one(tokens)) and all(one(c) for c in clauses(and_tokens))

    def all_and(r, names):  # the and-tokens of a rule read as any of several surfaces: only when the same in each
        each = {clauses(r.and_tokens_for(s)) for s in names}
        return each.pop() if len(each) == 1 else ()

    host = surface in surfaces.HOSTS
    held = surfaces.HOSTED.get(surface) if host else None
    hinted = held is not None and any(hit(ts, also) for ts, also in surfaces.EMBED_HINTS[surface])
    out = []
    for r in rules:
        if type(r).check is Rule.check or (r.surfaces and not host and surface not in r.surfaces):
            continue
        if held is not None:
            own = r.tokens_for(surface) if not r.surfaces or surface in r.surfaces else None
            inner = [h for h in held if not r.surfaces or h in r.surfaces]
            via = [t for h in inner for t in r.tokens_for(h)]
            if (own is not None and hit(own, r.and_tokens_for(surface))) or (hinted and inner and hit(via, all_and(r, inner))):
                out.append(r.code)
        elif host and isinstance(r.tokens, dict):
            if hit([t for ts in r.tokens.values() for t in ts], all_and(r, list(r.tokens))):
                out.append(r.code)
        elif hit(r.tokens_for(surface), r.and_tokens_for(surface)):
            out.append(r.code)
    return out


_NOTEBOOK = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                   "source": ["from vllm import LLM\n", "llm = LLM('m', swap_space=4)\n"]}],
                        "metadata": {}, "nbformat": 4, "nbformat_minor": 5})

#: Files whose configuration the prefilter must let through (surface, path, content, a rule that must run).
_RELEVANT = [
    # serving.properties text in a Python string
    ("python", "deploy/write_config.py",
     'CONFIG = """\nengine=MPI\noption.model_id=google/flan-t5-xxl\noption.rolling_batch=lmi-dist\n"""\n'
     'open("serving.properties", "w").write(CONFIG)\n', "LMI009"),
    # an env file in a Python string
    ("python", "env_writer.py", 'ENV = "OPTION_ROLLING_BATCH=deepspeed\\nHF_MODEL_ID=m\\n"\n', "LMI002"),
    # a vLLM launch command as a Python list
    ("python", "launch.py", 'import subprocess\nsubprocess.run(["vllm", "serve", "m", "-q", "awq"])\n', "VLLM140"),
    # a notebook cell
    ("notebook", "nb/Inference.ipynb", _NOTEBOOK, "VLLM013"),
    # `sh -c` in a shell script
    ("shell", "start.sh", "#!/bin/sh\nsh -c \"vllm serve m --swap-space 4\"\n", "VLLM013"),
    # Terraform environment of a SageMaker model
    ("terraform", "infra/main.tf", 'resource "aws_sagemaker_model" "m" {\n  primary_container {\n    environment = {\n'
     '      OPTION_ROLLING_BATCH = "lmi-dist"\n    }\n  }\n}\n', "LMI008"),
    # a vLLM `--config` file recognised by its name only
    ("yaml", "deploy/vllm-config.yaml", "swap-space: 4\n", "VLLM013"),
]

_IRRELEVANT = [
    ("python", "app/models.py", "from django.db import models\n\nclass Post(models.Model):\n    title = models.CharField()\n"),
    ("python", "app/util.py", "import re\n\ndef f(x):\n    return re.sub('-Q', '', x)\n"),
    ("shell", "build.sh", "#!/bin/sh\nmake -j4 all\n"),
]


def test_relevant_files_get_their_rules_and_the_same_rules_as_a_plain_search():
    rules = _all_rules()
    engine = Engine(rules, {})
    for surface, path, text, code in _RELEVANT:
        data = text.encode()
        got = [r.code for r in engine.rules_for(surface, data, path)]
        assert code in got, (path, code)
        assert got == _reference(rules, surface, data, path), path


def test_irrelevant_files_get_the_same_rules_as_a_plain_search():
    rules = _all_rules()
    engine = Engine(rules, {})
    for surface, path, text in _IRRELEVANT:
        data = text.encode()
        assert [r.code for r in engine.rules_for(surface, data, path)] == _reference(rules, surface, data, path), path
    assert engine.rules_for("python", _IRRELEVANT[0][2].encode(), _IRRELEVANT[0][1]) == []


_WORDS = st.sampled_from([b"vllm", b"VLLM_USE_V1=0", b"option.", b"engine=", b"OPTION_", b"swap_space", b"-q", b"t5",
                          b"latest", b"DJLModel", b"import os\n", b"x = 1\n", b"'", b'"', b" ", b"\n", b"--", b"_",
                          b"sagemaker", b"environ", b"LLM(", b"\xc3\xa9", b"serve", b"entrypoints", b"vLLM", b"EngineArgs",
                          b"task", b"quantization", b"import vllm\n", b"use_v2_block_manager"])


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(_WORDS, max_size=12), surface=st.sampled_from(["python", "notebook", "shell", "yaml", "properties"]))
def test_any_file_gets_the_same_rules_as_a_plain_search(parts, surface):
    rules = _RULES
    data = b"".join(parts)
    assert [r.code for r in _ENGINE.rules_for(surface, data, "dir/f")] == _reference(rules, surface, data, "dir/f")


_RULES = _all_rules()
_ENGINE = Engine(_RULES, {})


# ---- rules whose Python tokens are narrower than their other tokens -------------------------------------------

_LAUNCH_Q = 'import subprocess\n\nsubprocess.run(["vllm", "serve", "m", "-q", "gguf"])\n'
#: (rule, file, content, target): a finding each rule must still make in Python after its tokens there became
#: `vllm` (vLLM settings) or `djl`/`DJLModel` (LMI074): the short flag, `task`, `device` and `latest` are words
#: of ordinary modules.
_PY_FINDINGS = [
    ("VLLM140", "launch.py", _LAUNCH_Q, "vllm==0.24.0"),
    ("VLLM140", "offline.py", 'from vllm import LLM\n\nllm = LLM("m", quantization="gguf")\n', "vllm==0.24.0"),
    ("VLLM141", "launch.py", _LAUNCH_Q.replace("gguf", "hqq"), "vllm==0.14.0"),
    ("VLLM070", "embed.py", 'from vllm import LLM\n\nllm = LLM("m", task="embed")\n', "vllm==0.13.0"),
    ("VLLM112", "device.py", 'import vllm\n\nllm = vllm.LLM("m", device="cuda")\n', "vllm==0.10.0"),
    ("VLLM112", "launch.py", 'import subprocess\n\nsubprocess.run(["vllm", "serve", "m", "--device", "cuda"])\n', "vllm==0.10.0"),
    ("LMI074", "deploy.py", 'from sagemaker import image_uris\n\nuri = image_uris.retrieve(framework="djl-lmi", '
     'version="latest", region="us-west-2")\n', "lmi==v20"),
    ("LMI009", "deploy.py", 'import sagemaker\n\nenv = {"HF_MODEL_ID": "google/flan-t5-xxl", "OPTION_ROLLING_BATCH": '
     '"lmi-dist"}\nmodel = sagemaker.Model(image_uri=IMAGE, env=env)\n', "lmi==v15"),
    ("LMI009", "props.py", 'import sagemaker\n\nmodel = sagemaker.Model(image_uri=IMAGE, env={"HF_MODEL_ID": "google/flan-t5-xxl", '
     '"TENSOR_PARALLEL_DEGREE": "4"})\nIMAGE = "763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.29.0-lmi11.0.0-cu124"\n',
     "lmi==v15"),
    ("LMI037", "deploy.py", 'import sagemaker\n\nenv = {"HF_MODEL_ID": "meta-llama/Llama-3.2-11B-Vision-Instruct", '
     '"OPTION_ROLLING_BATCH": "vllm"}\nmodel = sagemaker.Model(image_uri=IMAGE, env=env)\n', "lmi==v17"),
]


def test_narrowed_python_tokens_keep_the_findings(tmp_path):
    from packaging.version import Version

    from lmimigrate.core import api

    for i, (code, name, text, to) in enumerate(_PY_FINDINGS):
        path = tmp_path / str(i) / name
        path.parent.mkdir()
        path.write_text(text)
        stack, version = to.split("==")
        report = api.run(api.Options(paths=[str(path)], to={stack: Version(version.lstrip("v"))},
                                     rules=[registry.by_code(code)]))
        assert code in [f.code for f in report.findings], (code, name)


def test_ordinary_modules_with_flag_words_are_not_checked_for_vllm_settings():
    text = (b'import argparse\n\np = argparse.ArgumentParser()\np.add_argument("-q", "--quiet")\n'
            b'task = p.parse_args().task\ndevice = "latest"\n')
    codes = [r.code for r in _ENGINE.rules_for("python", text, "cli.py")]
    assert not {"VLLM140", "VLLM141", "VLLM070", "VLLM112", "LMI074"} & set(codes)
    sympy = b"from sympy import symbols\n\nt5, ul2 = symbols('t5 ul2')\nmodel_id = 3\n"
    assert not {"LMI009", "LMI037"} & {r.code for r in _ENGINE.rules_for("python", sympy, "test_symbol.py")}
    assert codes == _reference(_RULES, "python", text, "cli.py")
