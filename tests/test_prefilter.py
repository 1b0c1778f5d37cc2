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
from lmimigrate.core.prefilter import TokenIndex, pieces
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


def _reference(rules: list[Rule], surface: str, data: bytes, path: str) -> list[str]:
    """Engine.rules_for as documented, by plain substring search."""
    name = path.rsplit("/", 1)[-1].encode()

    def hit(tokens) -> bool:
        return not tokens or any(t in data or t in name for t in tokens)

    host = surface in surfaces.HOSTS
    held = surfaces.HOSTED.get(surface) if host else None
    hinted = held is not None and any(h in data or h in name for h in surfaces.EMBED_HINTS[surface])
    out = []
    for r in rules:
        if type(r).check is Rule.check or (r.surfaces and not host and surface not in r.surfaces):
            continue
        if held is not None:
            own = r.tokens_for(surface) if not r.surfaces or surface in r.surfaces else None
            inner = [h for h in held if not r.surfaces or h in r.surfaces]
            via = [t for h in inner for t in r.tokens_for(h)]
            if (own is not None and hit(own)) or (hinted and inner and hit(via)):
                out.append(r.code)
        elif host and isinstance(r.tokens, dict):
            if hit([t for ts in r.tokens.values() for t in ts]):
                out.append(r.code)
        elif hit(r.tokens_for(surface)):
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
                          b"sagemaker", b"environ", b"LLM(", b"\xc3\xa9"])


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
