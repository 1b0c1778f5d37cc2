import pytest

from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("python"), ids=lambda p: p.name)
def test_python_case(case):
    run_case(case)


import ast
from pathlib import Path

from lmimigrate import surfaces
from lmimigrate.core.engine import apply_edits
from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.surfaces import python as P


def _unit(text):
    u = Unit(text, "python")
    P.parse(u)
    return u


def _expr(mod, source):
    return ast.parse(source, mode="eval").body


def test_resolve_through_imports():
    mod = _unit(
        "import vllm\nimport vllm.entrypoints.llm\nimport numpy as np\nfrom vllm import LLM as L\n"
        "from sagemaker import image_uris\nfrom . import vllm_local\n"
    ).python
    assert mod.resolve(_expr(mod, "L")) == "vllm.LLM"
    assert mod.resolve(_expr(mod, "vllm.LLM")) == "vllm.LLM"
    assert mod.resolve(_expr(mod, "vllm.entrypoints.llm.LLM")) == "vllm.entrypoints.llm.LLM"
    assert mod.resolve(_expr(mod, "image_uris.retrieve")) == "sagemaker.image_uris.retrieve"
    assert mod.resolve(_expr(mod, "np.array")) == "numpy.array"
    assert mod.resolve(_expr(mod, "LLM")) is None
    assert mod.resolve(_expr(mod, "vllm_local.LLM")) is None  # relative imports are not resolved
    assert mod.resolve(_expr(mod, "f().LLM")) is None


def test_local_definitions_shadow_imports():
    mod = _unit("from vllm import LLM, SamplingParams\nclass LLM:\n    pass\nSamplingParams = object\n").python
    assert mod.resolve(_expr(mod, "LLM")) is None
    assert mod.resolve(_expr(mod, "SamplingParams")) is None
    assert mod.calls == []


def test_try_import_fallback_to_none_still_resolves():
    u = _unit("try:\n    from vllm import LLM\nexcept ImportError:\n    LLM = None\n\nLLM(model='m')\n")
    assert [s.key for s in u.scopes[0].settings] == ["model"]


def test_imports_table_spans():
    text = "import vllm.entrypoints.llm as vl, os\nfrom vllm.sampling_params import (\n    GuidedDecodingParams as G,\n    SamplingParams,\n)\n"
    mod = _unit(text).python
    first, second = mod.imports
    assert not first.is_from and [n.name for n in first.names] == ["vllm.entrypoints.llm", "os"]
    n = first.names[0]
    assert text[n.span[0] : n.span[1]] == "vllm.entrypoints.llm" and n.local == "vl"
    assert text[n.asname_span[0] : n.asname_span[1]] == "vl"
    assert text[second.module_span[0] : second.module_span[1]] == "vllm.sampling_params"
    assert [text[a.span[0] : a.span[1]] for a in second.names] == ["GuidedDecodingParams", "SamplingParams"]
    assert text[second.span[0] : second.span[1]].startswith("from vllm") and text[second.span[1] - 1] == ")"
    assert second.level == 0 and second.names[0].local == "G"


def test_relative_import_is_listed_but_not_resolved():
    mod = _unit("from ..vllm import LLM\nLLM(model='x')\n").python
    (imp,) = mod.imports
    assert imp.level == 2 and imp.module == "vllm"
    assert mod.calls == []


def test_references_rename_spans():
    text = ("import vllm.sampling_params\nfrom vllm.sampling_params import GuidedDecodingParams\n"
            "g = GuidedDecodingParams(json={})\nh = vllm.sampling_params.GuidedDecodingParams(regex='x')\n")
    mod = _unit(text).python
    refs = [(r.qualname, text[r.name_span[0] : r.name_span[1]]) for r in mod.references]
    assert refs == [("vllm.sampling_params.GuidedDecodingParams", "GuidedDecodingParams")] * 2
    edits = [P.TextEdit(*r.name_span, "StructuredOutputsParams") for r in mod.references]
    assert apply_edits(text, edits).count("StructuredOutputsParams(") == 2


def test_calls_facts_and_non_literals():
    text = "from sagemaker.model import Model\nm = Model('uri', *rest, env=ENV, name=f'x{y}', **kw)\n"
    u = _unit(text)
    (scope,) = [s for s in u.scopes if s.kind == "python-call"]
    assert scope.facts["qualname"] == "sagemaker.model.Model"
    assert scope.facts["args"][0] == ("uri", (44, 49)) and text[44:49] == "'uri'"
    assert [(s.key, s.literal) for s in scope.settings] == [("env", False), ("name", False)]
    call = scope.facts["call"]
    assert [k.name for k in call.keywords] == ["env", "name", None]


def test_non_ascii_columns():
    text = "from vllm import LLM\nx = ('é✓', LLM(model='ö', max_num_seqs=2))\n"
    (scope,) = _unit(text).scopes
    s = scope.get("vllm", "max_num_seqs")
    assert text[s.key_span[0] : s.key_span[1]] == "max_num_seqs"
    assert text[s.value_span[0] : s.value_span[1]] == "2"
    assert apply_edits(text, s.delete()) == "from vllm import LLM\nx = ('é✓', LLM(model='ö'))\n"


def test_parenthesized_arguments_and_delete_first():
    text = "from vllm import LLM\nLLM(model=('m'), seed=(1), dtype='half')\n"
    (scope,) = _unit(text).scopes
    assert apply_edits(text, scope.get("vllm", "model").delete()) == "from vllm import LLM\nLLM(seed=(1), dtype='half')\n"
    assert apply_edits(text, scope.insert("vllm", "n", None)) == "from vllm import LLM\nLLM(model=('m'), seed=(1), dtype='half', n=None)\n"


def test_insert_into_empty_call_and_quote_style():
    text = "from vllm import SamplingParams\nsp = SamplingParams()\nx = 'a'\n"
    (scope,) = _unit(text).scopes
    assert apply_edits(text, scope.insert("sampling", "stop", ["</s>"])) == (
        "from vllm import SamplingParams\nsp = SamplingParams(stop=['</s>'])\nx = 'a'\n")
    with pytest.raises(ValueError):
        scope.insert("vllm", "max_num_seqs", 1)  # a SamplingParams call holds sampling settings only
    with pytest.raises(ValueError):
        scope.insert("sampling", "not an identifier", 1)


def test_keyword_delete_keeps_comment_on_previous_line():
    text = "from vllm import LLM\nLLM(\n    model='m',  # the model\n    seed=1)\n"
    (scope,) = _unit(text).scopes
    out = apply_edits(text, scope.get("vllm", "seed").delete())
    assert out == "from vllm import LLM\nLLM(\n    model='m'  # the model\n    )\n"
    ast.parse(out)


def test_generator_argument_cannot_be_edited():
    text = "from vllm import SamplingParams\nSamplingParams(x for x in y)\n"
    (scope,) = _unit(text).scopes
    with pytest.raises(ValueError):
        scope.insert("sampling", "n", 1)


def test_env_values_are_strings():
    text = "from sagemaker.huggingface import HuggingFaceModel\nHuggingFaceModel(env={'A': True, 'B': 2, 'C': x})\n"
    env = next(s for s in _unit(text).scopes if s.kind == "env")
    assert [(s.key, s.value, s.literal) for s in env.settings] == [("A", "true", True), ("B", "2", True), ("C", None, False)]
    a = env.get("env", "A")
    assert apply_edits(text, a.set_value(False)).count("{'A': 'false',") == 1


def test_os_environ_insert_refused_when_sharing_a_line():
    text = "import os; os.environ['VLLM_X'] = '1'\n"
    (scope,) = _unit(text).scopes
    with pytest.raises(ValueError):
        scope.insert("env", "B", "2")
    assert apply_edits(text, scope.settings[0].delete()) == "import os\n"


def test_prefilter_skips_parsing():
    u = _unit("def broken(:\n")
    assert u.scopes == [] and u.python is None


@pytest.mark.parametrize(
    "text, offset",
    [("import vllm\nx = (\n", 16), ("import vllm\nx = 'é' +\n", 21), ("import vllm\n\x00", None)],
)
def test_syntax_error_is_parse_error_with_offset(text, offset):
    with pytest.raises(ParseError) as e:
        surfaces.parse_file("x.py", text, "python")
    if offset is not None:
        assert e.value.offset == offset


def test_deep_nesting_is_a_parse_error():
    text = "import vllm\nx = " + "(" * 5000 + ")" * 5000 + "\n"
    with pytest.raises(ParseError):
        surfaces.parse_file("x.py", text, "python")


def test_other_library_llm_is_never_a_scope():
    u = _unit("import vllm\nfrom langchain_community.llms import VLLM as LLM\nLLM(model='m', vllm_kwargs={})\n")
    assert u.scopes == []
    assert [c.qualname for c in u.python.calls] == ["langchain_community.llms.VLLM"]


from hypothesis import given, settings
from hypothesis import strategies as st

_PIECES = st.sampled_from([
    "from vllm import LLM as L\n", "import os, vllm\n", "from sagemaker.model import Model\n", "L(", "Model(", ")", "(",
    "model='m'", "env=", "{", "}", "'OPTION_X': ", "\"v\"", ", ", ",", "\n", "    ", "# c\n", "os.environ['A'] = ",
    "dict(", "A=1", "**kw", "*a", "x for x in y", "é", "\r\n", "\\\n", "env = ", "=", ":", "'", "\"\"\"", "\x00",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30))
def test_any_text_gives_scopes_or_parse_error(pieces):
    text = "".join(pieces)
    try:
        parsed = surfaces.parse_file("x.py", text, "python")
    except ParseError:
        return
    for scope in parsed.scopes():
        for s in scope.settings:
            assert 0 <= s.key_span[0] <= s.key_span[1] <= len(text)
            for op in (s.delete, lambda: s.rename("other_key"), lambda: s.set_value("v")):
                try:
                    out = apply_edits(text, op())
                except ValueError:
                    continue
                surfaces.parse_file("x.py", out, "python")  # an edit of valid Python stays valid
        try:
            out = apply_edits(text, scope.insert(scope.settings[0].ns if scope.settings else "env", "NEW_KEY", "1"))
        except ValueError:
            continue
        surfaces.parse_file("x.py", out, "python")


_SEPS = st.sampled_from([", ", ",", ",\n    ", " ,\n", ",  # note\n    ", ",\\\n  "])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a=1", "b='x'", "c=(2)", "d={'k': [1]}", "*rest", "**kw", "(pos)", "e=f(x)"]),
             min_size=0, max_size=5, unique=True),
    st.lists(_SEPS, min_size=5, max_size=5),
    st.sampled_from(["", "\n    "]),
    st.sampled_from(["", ",", ",\n", "\n", "  # end\n"]),
)
def test_call_edits_keep_valid_python(items, seps, lead, tail):
    if tail.startswith(",") and (not items or items[-1].startswith("*")):
        tail = ""
    body = lead + "".join(item + (seps[i] if i < len(items) - 1 else "") for i, item in enumerate(items)) + tail
    text = "from vllm import LLM\nLLM(" + body + ")\n"
    try:
        compile(text, "x", "exec")
    except SyntaxError:
        return
    (scope,) = surfaces.parse_file("x.py", text, "python").scopes()
    names = [s.key for s in scope.settings]
    unpacked = any(item.startswith("*") for item in items)
    for s in scope.settings:
        out = apply_edits(text, s.delete())
        tree = ast.parse(out)
        assert [k.arg for k in tree.body[1].value.keywords if k.arg] == [n for n in names if n != s.key]
        if not unpacked:
            out = apply_edits(text, scope.insert("vllm", "z", 0, after=s))
            assert "z" in [k.arg for k in ast.parse(out).body[1].value.keywords]
    if unpacked:  # `z` may already arrive through *args/**kwargs: adding it could raise TypeError
        with pytest.raises(ValueError):
            scope.insert("vllm", "z", 0)
        return
    out = apply_edits(text, scope.insert("vllm", "z", 0))
    assert [k.arg for k in ast.parse(out).body[1].value.keywords][-1] == "z"


def test_os_environ_insert_after_last_line_without_newline():
    text = "import os\n\nif True:\n    os.environ['HF_MODEL_ID'] = 'm'"
    (scope,) = _unit(text).scopes
    out = apply_edits(text, scope.insert("lmi", "option.rolling_batch", "vllm"))
    assert out == text + "\n    os.environ['OPTION_ROLLING_BATCH'] = 'vllm'"


def _stored_reference(tree: ast.AST) -> set[str]:
    """Names bound otherwise than by an absolute import, computed the plain way."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.ImportFrom) and (node.level or not node.module):
            out.update(a.asname or a.name for a in node.names)
    return out


_FIXTURE_SOURCES = sorted(str(p) for p in Path(__file__).resolve().parent.parent.joinpath("fixtures").rglob("*.py"))


@pytest.mark.parametrize("path", _FIXTURE_SOURCES + ["inline"])
def test_stored_names_are_every_non_import_binding(path):
    """`PyModule.stored` (collected while the module is built) equals the plain walk over the tree."""
    text = (Path(path).read_text(encoding="utf-8-sig") if path != "inline" else
            "from . import a\nfrom .b import c as d\nimport vllm\nfrom vllm import LLM\n"
            "try:\n    from vllm import X\nexcept ImportError:\n    X = None\n"
            "class K:\n    def m(self, p, *q, r=1, **s):\n        del self.z\n        t = lambda u: u\n"
            "for i, (j, k) in []:\n    pass\nwith open('f') as fh:\n    (w := 1)\n")
    mod = P.build_module(text, Unit(text=text, surface="python").index.starts)
    assert mod.stored == _stored_reference(mod.tree)


_ALL_SYNTAX = '''
import a.b as c
from .d import e as f, g
@deco(1)
async def h(i: int, /, j=2, *k, l: "x" = 3, **m) -> None:
    global n
    async with o as (p, q):
        async for r in s:
            await t
    try:
        u = [v async for v in w if v]
    except (X, Y) as z:
        raise Z from z
    finally:
        del u
class K(Base, metaclass=M):
    attr: int = 1
    def meth(self, *, kw): return lambda a, *b, c=1, **d: (a, b, c, d)
match point:
    case {"x": xx, **rest} if xx > 0: pass
    case [1, 2, *others]: pass
    case Point(x=0, y=yy) | Point(x=yy): pass
    case str() as name: pass
    case _: pass
print(f"{value!r:>{width}}", x if y else z, *args, **kwargs)
(walrus := 1) and not x or -y
assert x, "msg"
while True:
    break
else:
    continue
with open("f") as fh, other(): pass
for (i, j) in {k: v for k, v in items}: nonlocal_name = {s for s in t}
yield_value = (g for g in gen)
'''


def _walk_reference(tree):
    """Every node below `tree`, parents first, without the Load/Store markers: the generic walk."""
    out, i = [tree], 0
    while i < len(out):
        node = out[i]
        i += 1
        for name in node._fields:
            v = getattr(node, name, None)
            for x in v if isinstance(v, list) else [v]:
                if isinstance(x, ast.AST) and not isinstance(x, ast.expr_context):
                    out.append(x)
    return out


@pytest.mark.parametrize("path", _FIXTURE_SOURCES + ["all syntax"])
def test_the_walk_reaches_every_node(path):
    """`_walk` reads only the fields that can hold a node: it still yields every node, in the same order."""
    from lmimigrate.surfaces.python.model import _walk

    text = Path(path).read_text(encoding="utf-8-sig") if path != "all syntax" else _ALL_SYNTAX
    tree = ast.parse(text)
    assert [id(n) for n in _walk(tree)] == [id(n) for n in _walk_reference(tree)]
