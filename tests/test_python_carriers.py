"""Python and notebooks as carriers of configuration: names flow across notebook cells, config text inside
string literals, containers of settings, and calls that unpack arguments."""

from __future__ import annotations

import ast
import json

from lmimigrate import surfaces


def _nb(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s.splitlines(True)}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def _call_scopes(parsed):
    return [(u.cell, s.facts.get("qualname")) for u in parsed.units for s in u.scopes if s.kind == "python-call"]


# ---- a notebook is one program ------------------------------------------------------------------------------


def test_imports_of_an_earlier_cell_resolve_in_later_cells():
    nb = _nb("import sagemaker\nfrom sagemaker import image_uris\nfrom sagemaker.djl_inference import DeepSpeedModel\n",
             "region = 'us-east-1'\n",
             "uri = image_uris.retrieve(framework='djl-deepspeed', region=region, version='0.23.0')\n"
             "model = DeepSpeedModel('s3://b/m/', 'role')\n")
    found = _call_scopes(surfaces.parse_file("nb.ipynb", nb, "notebook"))
    assert (3, "sagemaker.image_uris.retrieve") in found
    assert (3, "sagemaker.djl_inference.DeepSpeedModel") in found


def test_a_name_rebound_in_a_later_cell_stops_resolving():
    nb = _nb("from vllm import LLM\n", "class LLM:\n    pass\n", "llm = LLM(model='m', swap_space=4)\n")
    assert _call_scopes(surfaces.parse_file("nb.ipynb", nb, "notebook")) == []


def test_names_flow_in_cell_order_only():
    nb = _nb("llm = LLM(model='m')\n", "from vllm import LLM\n", "llm = LLM(model='n')\n")
    assert _call_scopes(surfaces.parse_file("nb.ipynb", nb, "notebook")) == [(3, "vllm.LLM")]


def test_a_plain_python_file_does_not_inherit_anything():
    parsed = surfaces.parse_file("x.py", "llm = LLM(model='m')\n", "python")
    assert _call_scopes(parsed) == []


# ---- configuration text in string literals ------------------------------------------------------------------

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lmimigrate.core.pep440 import Version

from lmimigrate.core.engine import Engine
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.registry import by_code
from lmimigrate.core.versions import VersionPair


def _engine(stack: str, frm: str, to: str, *codes: str) -> Engine:
    return Engine([by_code(c)() for c in codes], {stack: VersionPair(stack, Version(frm), Version(to), "given")})


def _lmi(src: str, fix=Applicability.UNSAFE, path="deploy.py", surface="python"):
    return _engine("lmi", "14", "15", "LMI010", "LMI008").check_text(path, src, surface, fix)


WRITE = '''def write(path):
    with open(path + "/serving.properties", "w") as f:
        f.write("""engine=MPI
option.rolling_batch=lmi-dist
option.tensor_parallel_degree=4
""")
'''


def test_properties_in_a_triple_quoted_string_are_reported_in_the_host():
    findings, _, _, crashed = _lmi(WRITE, fix=None)
    assert not crashed
    assert sorted((f.code, f.line, f.column) for f in findings) == [("LMI008", 4, 1), ("LMI010", 3, 20)]
    f = next(f for f in findings if f.code == "LMI010")
    assert WRITE[f.span[0] : f.span[1]] == "engine=MPI"


def test_properties_in_a_string_are_fixed_in_place_and_converge():
    _, text, applied, _ = _lmi(WRITE)
    assert applied == 2
    assert text == WRITE.replace("engine=MPI", "engine=Python").replace("=lmi-dist", "=vllm")
    assert _lmi(text)[2] == 0


@pytest.mark.parametrize("literal, fixed", [
    ('"engine=MPI\\noption.rolling_batch=lmi-dist\\n"', '"engine=Python\\noption.rolling_batch=vllm\\n"'),
    ("'engine=MPI\\noption.rolling_batch=lmi-dist'", "'engine=Python\\noption.rolling_batch=vllm'"),
    ('r"""engine=MPI\noption.rolling_batch=lmi-dist\n"""', 'r"""engine=Python\noption.rolling_batch=vllm\n"""'),
    ('b"engine=MPI\\noption.rolling_batch=lmi-dist\\n"', 'b"engine=Python\\noption.rolling_batch=vllm\\n"'),
    ('"""engine=MPI\\noption.rolling_batch=lmi-dist\\n"""', '"""engine=Python\\noption.rolling_batch=vllm\\n"""'),
])
def test_quote_style_escapes_and_prefixes_are_kept(literal, fixed):
    src = f"import pathlib\npathlib.Path('serving.properties').write_text({literal})\n"
    _, text, applied, _ = _lmi(src)
    assert applied == 2 and text == src.replace(literal, fixed)


def test_dedented_fstring_keeps_indentation_and_fields_are_opaque():
    src = ('from pathlib import Path\nfrom textwrap import dedent\n\n\ndef write(model_id, tp):\n'
           '    Path("serving.properties").write_text(dedent(f"""\n'
           '        engine=MPI\n        option.model_id={model_id}\n        option.rolling_batch=lmi-dist\n'
           '        option.tensor_parallel_degree={tp}\n        """))\n')
    parsed = surfaces.parse_file("deploy.py", src, "python")
    props = [s for u in parsed.units[1:] for sc in u.scopes for s in sc.settings]
    assert {s.key: s.literal for s in props} == {
        "engine": True, "option.model_id": False, "option.rolling_batch": True, "option.tensor_parallel_degree": False}
    _, text, applied, _ = _lmi(src)
    assert applied == 2
    assert text == src.replace("        engine=MPI", "        engine=Python").replace("=lmi-dist", "=vllm")


def test_a_fix_that_would_add_braces_to_an_fstring_is_report_only():
    src = 'import os\n\nos.system(f"vllm serve {MODEL} --guided-decoding-backend xgrammar")\n'
    eng = _engine("vllm", "0.10.2", "0.11.0", "VLLM100")
    findings, text, applied, _ = eng.check_text("serve.py", src, "python", Applicability.UNSAFE)
    assert [f.code for f in findings] == ["VLLM100"] and findings[0].fix is None
    assert text == src and applied == 0


def test_vllm_launch_strings_and_argument_lists_are_command_lines():
    src = ('import subprocess\n\nMODEL = "m"\n\n\ndef serve(port):\n'
           "    subprocess.run(['vllm', 'serve', MODEL, '--port', str(port), '--disable-log-requests',\n"
           "                    '--max-model-len', '4096'])\n"
           '    subprocess.Popen("python -m vllm.entrypoints.openai.api_server --model m --disable-log-requests", shell=True)\n')
    eng = _engine("vllm", "0.10.0", "0.10.1", "VLLM080")
    findings, text, applied, _ = eng.check_text("serve.py", src, "python", Applicability.SAFE)
    assert applied == 2  # VLLM080 keeps the explicit choice as `--no-enable-log-requests`, in each syntax
    assert text == (src.replace(" '--disable-log-requests',\n", "\n")
                    .replace("'4096'])", "'4096',\n                    '--no-enable-log-requests'])")
                    .replace(" --disable-log-requests", " --no-enable-log-requests"))
    assert eng.check_text("serve.py", text, "python", Applicability.SAFE)[2] == 0


def test_an_inserted_list_word_takes_the_lists_quote():
    src = "import subprocess\nsubprocess.run(['vllm', 'serve', 'm', '--max-model-len', '4096'])\n"
    eng = _engine("vllm", "0.19.0", "0.20.0", "VLLM024")
    _, text, applied, _ = eng.check_text("serve.py", src, "python", Applicability.UNSAFE)
    assert applied == 1 and text == src.replace("'4096'", "'4096', '--gpu-memory-utilization', '0.9'")


@pytest.mark.parametrize("src", [
    # prose that mentions settings
    '"""Set option.rolling_batch=lmi-dist in serving.properties to use lmi-dist.\n\nThen deploy."""\n',
    'HELP = "use vllm serve --max-model-len 4096 to start the server"\n',
    'SQL = "SELECT engine=1 FROM t WHERE option.x = 2"\n',
    # key=value text of something else
    'CFG = """\nhost=localhost\nport=8080\nengine_threads=4\n"""\n',
    'ARGS = ["python", "train.py", "--model", "vllm-like", "--max-model-len", "4096"]\n',
    'ENV = "PATH=/usr/bin\\nHOME=/root\\n"\n',
])
def test_strings_that_merely_look_similar_stay_quiet(src):
    parsed = surfaces.parse_file("x.py", src, "python")
    assert [u for u in parsed.units if u.host is not None] == []
    assert not [s for s in parsed.units[0].scopes if s.kind == "cli"]


def test_embedded_text_in_a_notebook_cell_is_fixed_in_its_cell():
    nb = _nb("from pathlib import Path\n",
             'Path("serving.properties").write_text("""engine=MPI\noption.rolling_batch=lmi-dist\n""")\n')
    findings, text, applied, _ = _lmi(nb, path="nb.ipynb", surface="notebook")
    assert applied == 2 and {f.cell for f in findings} <= {2}  # the second code cell, 1-based
    cells = json.loads(text)["cells"]
    assert "".join(cells[1]["source"]) == 'Path("serving.properties").write_text("""engine=Python\noption.rolling_batch=vllm\n""")\n'
    assert cells[0] == json.loads(nb)["cells"][0]


# ---- calls that unpack arguments ------------------------------------------------------------------------------

UNPACK = '''from vllm import LLM, AsyncEngineArgs


def build(args):
    return AsyncEngineArgs(**args, max_model_len=4096)


def make(*args, **kwargs):
    return LLM(*args, **kwargs)


def positional(*args):
    return LLM(*args, model="m")


plain = LLM(model="m", max_model_len=4096)
'''


def test_unpacking_is_a_scope_fact_and_blocks_keywords_that_may_already_be_there():
    parsed = surfaces.parse_file("serve.py", UNPACK, "python")
    calls = [s for s in parsed.units[0].scopes if s.kind == "python-call"]
    assert [bool(s.facts.get("unpacked")) for s in calls] == [True, True, True, False]
    build = calls[0]
    with pytest.raises(ValueError):
        build.insert("vllm", "gpu_memory_utilization", 0.9)
    with pytest.raises(ValueError):
        build.get("vllm", "max_model_len").rename("max_seq_len")
    assert build.get("vllm", "max_model_len").delete()  # deleting a visible keyword stays possible
    assert calls[3].insert("vllm", "gpu_memory_utilization", 0.9)


def test_default_change_notes_stay_quiet_when_the_setting_can_arrive_unpacked():
    eng = _engine("vllm", "0.19.0", "0.20.0", "VLLM024")
    findings, text, applied, _ = eng.check_text("serve.py", UNPACK, "python", Applicability.UNSAFE)
    assert [(f.code, f.line) for f in findings] == []  # the plain call was fixed, the unpacking ones untouched
    assert applied == 1
    assert text == UNPACK.replace('plain = LLM(model="m", max_model_len=4096)',
                                  'plain = LLM(model="m", max_model_len=4096, gpu_memory_utilization=0.9)')


def test_chunked_prefill_note_stays_quiet_when_the_setting_can_arrive_unpacked():
    eng = _engine("vllm", "0.7.3", "0.8.0", "VLLM020")
    findings = eng.check_text("serve.py", UNPACK, "python", None)[0]
    assert [f.line for f in findings if f.code == "VLLM020"] == [16]  # `plain = LLM(...)` only


# ---- invariants of the fixture projects that carry configuration in Python -----------------------------------

from pathlib import Path

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
PY_CASES = sorted(p for p in PROJECTS.glob("py-*") if (p / "after").is_dir())


def _carriers(path: Path, text: str):
    surface = surfaces.classify(path.name)
    parsed = surfaces.parse_file(path.name, text, surface)
    spans = [u.host_span for u in parsed.units if u.host is not None]
    spans += [sc.span for u in parsed.units if u.host is None for sc in u.scopes]
    mod = parsed.units[0].python  # and string literals (an image tag in an f-string)
    spans += [mod.offsets.span(n) for n in (mod.nodes if mod else ()) if isinstance(n, (ast.Constant, ast.JoinedStr))]
    return parsed, spans


@pytest.mark.parametrize("case", PY_CASES, ids=lambda p: p.name)
def test_fixed_hosts_parse_embedded_text_parses_and_only_carriers_change(case):
    """Edits stay inside the literals and scopes that carry settings; the host and the embedded texts still parse."""
    import difflib

    for before in sorted((case / "before").rglob("*.py")):
        after = case / "after" / before.relative_to(case / "before")
        old, new = before.read_text(), after.read_text()
        if old == new:
            continue
        parsed_old, allowed = _carriers(before, old)
        parsed_new, _ = _carriers(after, new)  # the host still parses
        hosted = lambda p: [(u.surface, u.label) for u in p.units if u.host is not None]  # noqa: E731
        assert hosted(parsed_new) == hosted(parsed_old)  # every embedded text still parses as its surface
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag != "equal":
                assert any(a <= i1 and i2 <= b for a, b in allowed), f"{before.name}: edit at {i1}-{i2} outside a carrier"


# ---- containers of settings ----------------------------------------------------------------------------------


def _scopes(src: str, kind: str):
    return [s for s in surfaces.parse_file("x.py", src, "python").units[0].scopes if s.kind == kind]


def test_option_dicts_are_lmi_maps_and_look_alike_dicts_are_not():
    src = ('CASES = {\n    "llama": {"option.model_id": "m", "option.rolling_batch": "lmi-dist", "engine": "MPI"},\n'
           '    "db": {"engine": "postgres", "option.timeout": "30", "host": "h", "port": "1"},\n}\n')
    (scope,) = _scopes(src, "lmi-map")
    assert [(s.ns, s.key, s.value) for s in scope.settings] == [
        ("lmi", "option.model_id", "m"), ("lmi", "option.rolling_batch", "lmi-dist"), ("lmi", "engine", "MPI")]
    assert scope.facts["standalone"] is True


@pytest.mark.parametrize("src", [
    # boto3 create_model, PrimaryContainer and Containers=[...]
    'import boto3\nboto3.client("sagemaker").create_model(ModelName="m", PrimaryContainer={"Image": "i", '
    '"Environment": {"OPTION_ROLLING_BATCH": "lmi-dist", "HF_MODEL_ID": "m"}})\n',
    'import boto3\nsm = boto3.client("sagemaker")\nsm.create_model(ModelName="m", Containers=[{"Image": "i", '
    '"Environment": {"OPTION_ROLLING_BATCH": "lmi-dist", "HF_MODEL_ID": "m"}}])\n',
    # CDK
    'from aws_cdk import aws_sagemaker as sm\nsm.CfnModel.ContainerDefinitionProperty(image="i", '
    'environment={"OPTION_ROLLING_BATCH": "lmi-dist", "HF_MODEL_ID": "m"})\n',
    # Modal
    'import modal\nimage = modal.Image.debian_slim().env({"OPTION_ROLLING_BATCH": "lmi-dist", "HF_MODEL_ID": "m"})\n',
    # lists of name/value dicts
    'ENV = [{"name": "OPTION_ROLLING_BATCH", "value": "lmi-dist"}, {"name": "HF_MODEL_ID", "value": "m"}]\n',
])
def test_environment_containers_of_sdks_are_env_scopes(src):
    (scope,) = _scopes(src, "env")
    assert [(s.key, s.value) for s in scope.settings if s.ns == "env"] == [("OPTION_ROLLING_BATCH", "lmi-dist"), ("HF_MODEL_ID", "m")]
    findings, text, applied, _ = _engine("lmi", "14", "15", "LMI008").check_text("deploy.py", src, "python", Applicability.UNSAFE)
    assert applied == 1 and text == src.replace('"lmi-dist"', '"vllm"', 1)


def test_name_value_list_insert_writes_a_dict_like_its_neighbours():
    src = "ENV = [\n    {'name': 'OPTION_ROLLING_BATCH', 'value': 'vllm'},\n]\n"
    (scope,) = _scopes(src, "env")
    out = surfaces.parse_file("x.py", src, "python")
    from lmimigrate.core.engine import apply_edits

    new = apply_edits(src, scope.insert("env", "OPTION_MAX_MODEL_LEN", "4096"))
    assert new == ("ENV = [\n    {'name': 'OPTION_ROLLING_BATCH', 'value': 'vllm'},\n"
                   "    {'name': 'OPTION_MAX_MODEL_LEN', 'value': '4096'},\n]\n")
    assert out.units[0].scopes


ENGINE_ARGS = '''from vllm import AsyncEngineArgs, AsyncLLMEngine

DEFAULT_ARGS = {
    "model": "meta-llama/Llama-3.1-8B-Instruct",
    "disable_log_requests": True,
    "guided_decoding_backend": "xgrammar",
}


def build(**overrides):
    args = dict(DEFAULT_ARGS, **overrides)
    return AsyncLLMEngine.from_engine_args(AsyncEngineArgs(**args))
'''


def test_engine_argument_dicts_that_flow_into_engine_args_get_the_vllm_rules():
    (scope,) = _scopes(ENGINE_ARGS, "python-dict")
    assert [s.key for s in scope.settings] == ["model", "disable_log_requests", "guided_decoding_backend"]
    assert scope.facts["qualname"] == "vllm.AsyncEngineArgs"
    with pytest.raises(ValueError):  # a new key could collide with a keyword beside the unpacking
        scope.insert("vllm", "max_model_len", 4096)
    eng = _engine("vllm", "0.10.0", "0.11.0", "VLLM080", "VLLM100")
    findings = eng.check_text("engine.py", ENGINE_ARGS, "python", None)[0]
    assert sorted((f.code, f.line) for f in findings) == [("VLLM080", 5), ("VLLM100", 6)]
    # a rename is written in the dict, keeping its quotes
    src = ENGINE_ARGS.replace('"guided_decoding_backend": "xgrammar",', '"override_pooler_config": {"pooling_type": "MEAN"},')
    _, text, applied, _ = _engine("vllm", "0.10.0", "0.11.0", "VLLM071").check_text("engine.py", src, "python", Applicability.UNSAFE)
    assert applied == 1 and text == src.replace('"override_pooler_config"', '"pooler_config"')


def test_a_dict_that_does_not_reach_an_engine_call_is_not_read():
    src = ENGINE_ARGS.replace("AsyncEngineArgs(**args)", "AsyncEngineArgs(model='m')")
    assert _scopes(src, "python-dict") == []
    src = 'import other\nDEFAULT_ARGS = {"model": "m", "disable_log_requests": True}\nother.Args(**DEFAULT_ARGS)\n'
    assert _scopes(src, "python-dict") == []


def test_a_constant_bound_once_counts_as_the_literal_of_the_keyword():
    src = ('from sagemaker import image_uris\n\nVERSION = "0.27.0"\n\n'
           'uri = image_uris.retrieve(framework="djl-deepspeed", version=VERSION, region="us-east-1")\n')
    (call,) = _scopes(src, "python-call")
    v = call.get("call", "version")
    assert (v.value, v.literal, src[v.value_span[0] : v.value_span[1]]) == ("0.27.0", True, '"0.27.0"')


def test_image_tags_in_fstrings_with_placeholder_account_and_region_are_bumped():
    src = ('ACCOUNT = "763104351884"\nREGION = "us-west-2"\n'
           'IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/djl-inference:0.32.0-lmi14.0.0-cu124"\n'
           'MODEL_ID = "meta-llama/Llama-3.1-8B-Instruct"\n')
    findings, text, applied, _ = _engine("lmi", "14", "15", "LMI080").check_text("deploy.py", src, "python", Applicability.UNSAFE)
    assert [f.code for f in findings] == [] and applied == 1
    assert "djl-inference:0.33.0-lmi15.0.0-cu128" in text


def test_unknown_keys_of_an_unpacked_engine_argument_dict_are_reported():
    src = ENGINE_ARGS.replace('"guided_decoding_backend": "xgrammar",', '"max_num_seq": 8,')
    findings = _engine("vllm", "0.11.0", "0.12.0", "VLLM301").check_text("engine.py", src, "python", None)[0]
    # `disable_log_requests` left the engine arguments before 0.12.0 too
    assert [(f.code, f.line) for f in findings] == [("VLLM301", 5), ("VLLM301", 6)]
    assert "did you mean `max_num_seqs`" in findings[1].message


def test_a_python_file_without_embedding_hints_gets_no_rules_of_other_surfaces():
    """Tokenless rules of the surfaces Python may hold (LMM003 reads properties and env) count only in a file with
    one of the embedding hints: an ordinary module is not parsed for them."""
    eng = Engine([by_code("LMM003")()], {})
    assert eng.rules_for("python", b"import os\n\nx = compile('1', 'f', 'eval')\n", "app.py") == []
    assert [r.code for r in eng.rules_for("python", b"CONFIG = 'engine=MPI\\n'\n", "app.py")] == ["LMM003"]
    assert [r.code for r in eng.rules_for("properties", b"a=1\n", "serving.properties")] == ["LMM003"]


@pytest.mark.parametrize("nl", ["\r\n", "\r"])
def test_properties_in_a_triple_quoted_string_of_a_crlf_or_cr_file(nl):
    src = f'def w(f):{nl}    f.write("""engine=MPI{nl}option.rolling_batch=lmi-dist{nl}"""){nl}'
    findings, text, applied, _ = _lmi(src)
    assert applied == 2 and text == src.replace("engine=MPI", "engine=Python").replace("=lmi-dist", "=vllm")


# ---- the literal pre-check: `_may_be_config` lets through every text `what_is` reads -------------------------

_PARTS = st.sampled_from(["option.model_id=m", "engine=MPI", "engine: MPI", "OPTION_X=1", "VLLM_USE_V1=0",
                          "export VLLM_X=1", "vllm serve m --swap-space 4", "python -m vllm.entrypoints.api_server",
                          "--x 1", "HF_MODEL_ID=m", "x=1", "# c", "\n", " ", "vLLM", "Option.", "ENGINE=1"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PARTS, max_size=8).map("".join))
def test_what_is_reads_only_texts_the_pre_check_lets_through(text):
    from lmimigrate.surfaces.python import carriers

    if carriers.what_is(text) is not None:
        assert carriers._may_be_config(text), text
