import time
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmimigrate import surfaces
from lmimigrate.core.engine import apply_edits
from lmimigrate.core.ftypes import ParseError
from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("yaml"), ids=lambda p: p.name)
def test_yaml_case(case):
    run_case(case)



def _parse(text, name="x.yaml"):
    return surfaces.parse_file(name, text, "yaml")


def _load(text):
    from ruamel.yaml import YAML

    return list(YAML(typ="safe", pure=True).load_all(text))


HELM_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          env:
            {{- toYaml .Values.env | nindent 12 }}
"""


def test_helm_template_is_skipped_with_a_marker():
    with pytest.raises(ParseError) as e:
        _parse(HELM_TEMPLATE)
    assert getattr(e.value, "template", False) is True
    assert e.value.offset == HELM_TEMPLATE.index("{{")


def test_jinja_block_is_a_template():
    text = "env:\n{% for k in keys %}\n  {{ k }}: 1\n{% endfor %}\n"
    with pytest.raises(ParseError) as e:
        _parse(text)
    assert e.value.template is True and e.value.offset == text.index("{%")


def test_braces_inside_scalars_still_make_a_template():
    # Even quoted, `{{ }}` means the file is rendered before use: never parsed, never rewritten.
    text = "env:\n  - name: MODEL\n    value: \"{{ .Values.model }}\"\n  - name: PLAIN\n    value: x\n"
    with pytest.raises(ParseError) as info:
        _parse(text)
    assert info.value.template and info.value.offset == text.index("{{")


def test_github_expressions_are_not_templates_but_not_literal():
    text = "env:\n  - name: TOKEN\n    value: ${{ secrets.T }}\n  - name: PLAIN\n    value: x\n"
    (scope,) = _parse(text).scopes()
    assert [(s.key, s.value, s.literal) for s in scope.settings] == [("TOKEN", None, False), ("PLAIN", "x", True)]


def test_billion_laughs_is_bounded():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("env:\n  HF_HOME: *a9\n  VLLM_USE_V1: '1'")
    text = "\n".join(lines) + "\n"
    tracemalloc.start()
    t0 = time.perf_counter()
    parsed = _parse(text)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 20 and peak < 20_000_000  # the memory bound is the guard; time only catches a blow-up
    (scope,) = parsed.scopes()
    got = [(s.key, s.value, s.literal) for s in scope.settings]
    assert got == [("HF_HOME", None, False), ("VLLM_USE_V1", "1", True)]


def test_alias_inside_vllm_config_value_is_not_literal():
    text = "base: &b {level: 3}\nmax-num-seqs: 4\ncompilation-config: *b\nenforce-eager: true\n"
    (scope,) = _parse(text, "vllm.yaml").scopes()
    assert [(s.key, s.value, s.literal) for s in scope.settings][1:] == [
        ("max_num_seqs", 4, True), ("compilation_config", None, False), ("enforce_eager", True, True)]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        "{a: " * 5000 + "}" * 5000,
        "".join("  " * i + "a:\n" for i in range(5000)) + "  " * 5000 + "b: 1\n",
        "- " * 5000 + "x\n",
        "[" * 5000,
    ],
    ids=["flow-seq", "flow-map", "block-map", "compact-seq", "unclosed"],
)
def test_deep_nesting_is_a_parse_error_and_fast(text):
    t0 = time.perf_counter()
    with pytest.raises(ParseError) as e:
        _parse(text)
    assert time.perf_counter() - t0 < 30  # generous: catches a quadratic or exponential parser, not a slow machine
    assert "nested too deeply" in e.value.message and e.value.offset is not None


@pytest.mark.parametrize(
    "text, offset",
    [("a: [1, 2\n", 9), ("a: b\n c: d\n", 7), ("a: 'x\n", 6), ("a: \x07b\n", 3), ("key: value\n\tbad: 1\n", 11)],
)
def test_yaml_errors_have_offsets(text, offset):
    with pytest.raises(ParseError) as e:
        _parse(text)
    assert e.value.offset == offset
    assert not getattr(e.value, "template", False)


def test_tags_are_never_constructed():
    text = "env:\n  A: !!python/object/apply:os.system [\"echo hi\"]\n  B: !Ref Param\n  C: !!str 8\n"
    parsed = _parse(text)
    # A's value is a collection, so the map is not an env map; nothing was executed either way.
    assert list(parsed.scopes()) == []
    parsed = _parse("env:\n  B: !Ref Param\n  C: !!str 8\n")
    (scope,) = parsed.scopes()
    assert [(s.key, s.value, s.literal) for s in scope.settings] == [("B", None, False), ("C", "8", True)]


def test_unrelated_yaml_has_no_scopes():
    text = "name: test\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env:\n      lower: x\n"
    assert list(_parse(text).scopes()) == []


def test_vllm_config_needs_two_flags_unless_named_vllm():
    assert list(_parse("model: m\nfoo: 1\n").scopes()) == []
    (scope,) = _parse("model: m\nenforce-eager: true\n", "vllm.yaml").scopes()
    assert scope.kind == "vllm-config"
    assert list(_parse("apiVersion: v1\nmodel: m\nport: 1\n").scopes()) == []


def test_underscore_style_is_kept_on_rename_and_insert():
    text = "max_num_seqs: 4\nenforce_eager: true\n"
    (scope,) = _parse(text).scopes()
    s = scope.settings[0]
    edits = s.rename("max_num_batched_tokens") + scope.insert("vllm", "kv_cache_dtype", "fp8")
    assert apply_edits(text, edits) == "max_num_batched_tokens: 4\nenforce_eager: true\nkv_cache_dtype: fp8\n"


def test_env_values_that_look_typed_are_quoted():
    text = "env:\n  - name: A\n    value: x\n"
    (scope,) = _parse(text).scopes()
    (s,) = scope.settings
    cases = [
        (True, '"true"'), (8, '"8"'), ("0.6.3", "0.6.3"), ("1:30", '"1:30"'), ("1e3", '"1e3"'), ("yes", '"yes"'),
        ("null", '"null"'), ("a: b", '"a: b"'), ("a #b", '"a #b"'), ("", '""'), ("ok-value", "ok-value"),
        ("x\ny", '"x\\ny"'), ("?x", '"?x"'), ("\x7f", '"\\u007f"'),
    ]
    for value, spelled in cases:
        (e,) = s.set_value(value)
        assert e.content == spelled
        assert _load(apply_edits(text, [e]))[0]["env"][0]["value"] == str(value).replace("True", "true")


def test_first_entry_of_a_map_in_a_sequence_item():
    text = "envs:\n  - A: '1'\n    B: '2'\n"
    parsed = _parse(text)
    assert list(parsed.scopes()) == []  # a list of maps of names is not an env list
    text = "x:\n  - env:\n      A: '1'\n      B: '2'\n"
    (scope,) = _parse(text).scopes()
    assert _load(apply_edits(text, scope.settings[0].delete())) == [{"x": [{"env": {"B": "2"}}]}]


def test_compose_list_value_that_cannot_be_plain_raises():
    text = "services:\n  a:\n    environment:\n      - A=1\n"
    (scope,) = _parse(text).scopes()
    with pytest.raises(ValueError):
        scope.settings[0].set_value("x: y")


# ---- properties: every single edit keeps valid YAML with exactly the intended change ----------------------

_names = st.lists(st.from_regex(r"[A-Z][A-Z0-9_]{0,5}", fullmatch=True), min_size=1, max_size=4, unique=True)
_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=6)


def _render(form, env, quote, indent):
    pad = " " * indent
    q = quote
    if form == "list":
        body = "".join(f"  {pad}- name: {k}\n  {pad}  value: {q}{v}{q}\n" for k, v in env.items())
        return "spec:\n  env:\n" + body + "other: 1\n"
    if form == "flowlist":
        items = ", ".join(f"{{name: {k}, value: {q}{v}{q}}}" for k, v in env.items())
        return f"env: [{items}]\nother: 1\n"
    if form == "map":
        return "env:\n" + "".join(f"{pad}{k}: {q}{v}{q}\n" for k, v in env.items()) + "other: 1\n"
    if form == "flowmap":
        return "env: {" + ", ".join(f"{k}: {q}{v}{q}" for k, v in env.items()) + "}\nother: 1\n"
    body = "".join(f"    {pad}- {q}{k}={v}{q}\n" for k, v in env.items())
    return "services:\n  s:\n    environment:\n" + body + "other: 1\n"


def _env_of(doc, form):
    if form == "list":
        return {i["name"]: i["value"] for i in (doc["spec"]["env"] or [])}
    if form == "flowlist":
        return {i["name"]: i["value"] for i in doc["env"]}
    if form in ("map", "flowmap"):
        return dict(doc["env"] or {})
    return dict(i.split("=", 1) for i in (doc["services"]["s"]["environment"] or []))


@settings(max_examples=150, deadline=None)
@given(
    _names,
    st.sampled_from(["list", "flowlist", "map", "flowmap", "compose"]),
    st.sampled_from(['"', "'", ""]),
    st.sampled_from([2, 4]),
    _values,
)
def test_every_edit_keeps_valid_yaml(names, form, quote, indent, new_value):
    env = {k: f"v{i}" for i, k in enumerate(names)}
    text = _render(form, env, quote, indent)
    (scope,) = _parse(text).scopes()
    own = [s for s in scope.settings if s.derived_from is None]
    assert [s.key for s in own] == names and [s.value for s in own] == list(env.values())
    for s in own:
        assert _env_of(_load(apply_edits(text, s.delete()))[0], form) == {k: v for k, v in env.items() if k != s.key}
        try:
            edited = apply_edits(text, s.set_value(new_value))
        except ValueError:
            assert form == "compose"
        else:
            assert _env_of(_load(edited)[0], form) == {**env, s.key: new_value}
        renamed = _env_of(_load(apply_edits(text, s.rename("ZNEW", "env")))[0], form)
        assert list(renamed) == [("ZNEW" if k == s.key else k) for k in env]
        inserted = _env_of(_load(apply_edits(text, scope.insert("env", "ZINS", True, after=s)))[0], form)
        keys = list(env)
        at = keys.index(s.key) + 1
        assert list(inserted) == keys[:at] + ["ZINS"] + keys[at:] and inserted["ZINS"] == "true"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:-[]{}#&*!|>'\"%@ \n\t=,?.0123{}", max_size=80))
def test_never_raises_anything_but_parse_error(text):
    try:
        _parse(text)
    except ParseError as e:
        assert e.offset is None or 0 <= e.offset <= len(text)


def test_cloudformation_yaml_environment_with_intrinsics():
    text = (
        "Resources:\n  Model:\n    Type: AWS::SageMaker::Model\n    Properties:\n      PrimaryContainer:\n"
        "        Image: !Sub '${AWS::AccountId}.dkr.ecr/djl-inference:0.29.0-lmi11.0.0-cu124'\n"
        "        Environment:\n          HF_MODEL_ID: !Ref ModelId\n          OPTION_ROLLING_BATCH: lmi-dist\n"
    )
    (scope,) = _parse(text).scopes()
    assert [(s.ns, s.key, s.value, s.literal) for s in scope.settings] == [
        ("env", "HF_MODEL_ID", None, False), ("lmi", "option.model_id", None, False),
        ("env", "OPTION_ROLLING_BATCH", "lmi-dist", True), ("lmi", "option.rolling_batch", "lmi-dist", True)]
    assert "image" not in scope.facts  # a tagged image is not a literal
    edited = apply_edits(text, scope.settings[0].set_value("org/model"))
    assert "HF_MODEL_ID: org/model\n" in edited


def test_scope_facts_name_the_container_and_image():
    text = (
        "containers:\n  - name: srv\n    image: vllm/vllm-openai:v0.6.3\n    args: [--model, m]\n"
        "    env:\n      - name: A\n        value: '1'\n"
    )
    cli, env = _parse(text).scopes()
    assert cli.kind == "cli" and cli.facts["implicit_entrypoint"] is True
    for scope in (cli, env):
        assert scope.facts["container"] == "srv" and scope.facts["image"] == "vllm/vllm-openai:v0.6.3"
    assert env.label == "container srv env"


def test_nested_vllm_config_value_can_be_replaced():
    text = "model: m\ncompilation-config:\n  level: 3\nmax-num-seqs: 2\n"
    (scope,) = _parse(text).scopes()
    s = scope.get("vllm", "compilation_config")
    assert s.value == {"level": 3}
    edited = apply_edits(text, s.set_value({"level": 0, "use_cudagraph": False}))
    assert _load(edited)[0]["compilation-config"] == {"level": 0, "use_cudagraph": False}
    (again,) = _parse(edited).scopes()
    assert again.get("vllm", "compilation_config").value == {"level": 0, "use_cudagraph": False}


@pytest.mark.parametrize(
    "name,text,is_vllm",
    [
        ("config.yaml", "model: bert-base\ntask: classification\nseed: 3\n", False),
        ("config.yaml", "model: m\ntask: generate\nmax-model-len: 4096\n", False),
        ("config.yaml", "model: m\ntensor-parallel-size: 2\nmax-model-len: 4096\n", True),
        ("vllm.yaml", "model: m\nmax_num_seqs: 8\n", True),
        ("vllm.yaml", "model: m\nport: 8000\n", False),
    ],
)
def test_vllm_config_needs_vllm_specific_keys(name, text, is_vllm):
    from lmimigrate.surfaces import yaml as yamlfile

    parsed = yamlfile.parse_file(name, text)
    assert any(s.kind == "vllm-config" for s in parsed.scopes()) is is_vllm
