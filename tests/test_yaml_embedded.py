"""YAML, one document at a time, and YAML scalars that hold another surface's file (issue 11 §2, §6)."""

from __future__ import annotations

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate import surfaces
from lmimigrate.core.engine import Engine
from lmimigrate.core.ftypes import Applicability, ParseError
from lmimigrate.core.registry import by_code
from lmimigrate.core.versions import VersionPair
from lmimigrate.surfaces.yaml.codec import decode
from lmimigrate.surfaces.yaml.tree import compose, walk

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.8.2
          env:
            - name: VLLM_USE_V1
              value: "1"
            - name: HF_HOME
              value: /data
"""
SECRET = "apiVersion: v1\nkind: Secret\nstringData:\n  token: {{HF_TOKEN}}\n"
CHAT_TEMPLATE = """apiVersion: v1
kind: ConfigMap
data:
  template.jinja: |
    {% for m in messages %}{{ m['content'] }}{% endfor %}
"""


def _vllm(*codes):
    return Engine([by_code(c)() for c in codes], {"vllm": VersionPair("vllm", Version("0.8.2"), Version("0.33.0"), "given")})


def _env_keys(parsed):
    return [s.key for sc in parsed.scopes() if sc.kind == "env" for s in sc.settings]


def test_a_templated_secret_does_not_hide_the_deployment_below_it():
    text = SECRET + "---\n" + DEPLOYMENT
    parsed = surfaces.parse_file("k8s.yaml", text, "yaml")
    assert _env_keys(parsed) == ["VLLM_USE_V1", "HF_HOME"]
    [err] = parsed.errors
    assert err.template and err.offset == text.index("{{")
    findings, fixed, applied, _ = _vllm("VLLM001").check_text("k8s.yaml", text, "yaml", Applicability.SAFE)
    assert applied == 1 and "VLLM_USE_V1" not in fixed and fixed.startswith(SECRET)
    assert [f.code for f in findings] == ["LMM004"] and findings[0].line == 4


def test_braces_in_a_block_scalar_are_data_not_a_template():
    parsed = surfaces.parse_file("k8s.yaml", CHAT_TEMPLATE + "---\n" + DEPLOYMENT, "yaml")
    assert not parsed.errors and _env_keys(parsed) == ["VLLM_USE_V1", "HF_HOME"]


def test_a_document_that_does_not_parse_is_reported_and_nothing_is_rewritten():
    text = DEPLOYMENT + "---\nkey: [unclosed\n"
    findings, fixed, applied, _ = _vllm("VLLM001").check_text("k8s.yaml", text, "yaml", Applicability.SAFE)
    assert sorted(f.code for f in findings) == ["LMM001", "VLLM001"]
    assert applied == 0 and fixed == text


def test_a_file_whose_only_document_is_a_template_still_raises():
    with pytest.raises(ParseError) as e:
        surfaces.parse_file("k8s.yaml", SECRET, "yaml")
    assert e.value.template


def test_helm_chart_templates_stay_skipped():
    text = "env:\n  - name: X\n    value: {{ .Values.x }}\n---\nenv:\n  - name: {{ .Values.name }}\n    value: y\n"
    with pytest.raises(ParseError) as e:
        surfaces.parse_file("templates/deployment.yaml", text, "yaml")
    assert e.value.template


# ---- scalars as text -------------------------------------------------------------------------------------


def _scalar(text, value_start):
    [root] = compose(text)
    node = next(n for n, _, _ in walk(root) if n.kind == "scalar" and n.token == text.index(value_start))
    return decode(text, node, (0, len(text)))


@pytest.mark.parametrize(
    "text,start,new,want",
    [
        # a double-quoted scalar: escapes outside the edit are kept byte for byte, new text is escaped
        ('a: "x=\\x41\\tb=\\"1\\""\n', '"', 'x=A\tb="2"\n', 'a: "x=\\x41\\tb=\\"2\\"\\n"\n'),
        ("a: 'it''s x=1'\n", "'", "it's x=2", "a: 'it''s x=2'\n"),
        ("a: run x=1\n", "run", "run x=2", "a: run x=2\n"),
        # a literal block: new lines get the block's indentation, deleted lines go whole
        ("a: |\n  one\n  two\nb: 1\n", "|", "one\nnew\ntwo", "a: |\n  one\n  new\n  two\nb: 1\n"),
        ("a: |-\n  one\n\n  two\nb: 1\n", "|", "one\n\ntwo\nthree", "a: |-\n  one\n\n  two\n  three\nb: 1\n"),
        ("a: |\r\n  one\r\n  two\r\n", "|", "two", "a: |\r\n  two\r\n"),
    ],
)
def test_scalar_text_maps_edits_back_in_the_scalars_style(text, start, new, want):
    scalar = _scalar(text, start)
    a, b = scalar.span
    assert text[:a] + scalar.encode(new) + text[b:] == want


@pytest.mark.parametrize(
    "text,start,new",
    [
        ("a: run x=1\n", "run", "run x=1\necho"),  # a plain scalar on one line cannot hold a line break
        ("a: run x=1\n", "run", "run x: 1"),  # nor `: `
        ("a: run x=1\n", "run", "run x #1"),  # nor ` #`
        ("a: 'x=1'\n", "'", "x=1\ny=2"),
    ],
)
def test_text_a_style_cannot_hold_is_refused(text, start, new):
    with pytest.raises(ValueError):
        _scalar(text, start).encode(new)


def test_folded_and_indicated_blocks_are_not_read():
    assert _scalar("a: >\n  x=1\n  y=2\n", ">") is None
    assert _scalar("a: |2\n    x=1\n", "|") is None


def test_a_serving_properties_block_is_read_and_fixed_in_place():
    text = "models:\n  - name: m\n    serving.properties: |\n      engine=MPI\n      option.rolling_batch=lmi-dist\n"
    eng = Engine([by_code("LMI010")()], {"lmi": VersionPair("lmi", Version("14"), Version("15"), "given")})
    findings, fixed, applied, _ = eng.check_text("bench.yaml", text, "yaml", Applicability.SAFE)
    assert applied == 1 and fixed == text.replace("engine=MPI", "engine=Python")
    assert eng.check_text("bench.yaml", fixed, "yaml", Applicability.SAFE)[2] == 0


def test_a_github_actions_step_script_is_read_with_expressions_opaque():
    text = ("jobs:\n  t:\n    steps:\n      - run: |\n          export VLLM_USE_V1=${{ matrix.v1 }}\n"
            "          vllm serve m --swap-space 8\n")
    findings, fixed, applied, _ = _vllm("VLLM001", "VLLM013").check_text("ci.yml", text, "yaml", Applicability.SAFE)
    codes = sorted(f.code for f in findings)
    assert "VLLM001" in codes and "--swap-space" not in fixed
    # the deletion would touch the opaque `${{ }}` value: reported, not rewritten
    assert "          export VLLM_USE_V1=${{ matrix.v1 }}\n" in fixed
    surfaces.parse_file("ci.yml", fixed, "yaml")


# ---- property: any new text either maps back exactly or is refused -----------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from lmimigrate.surfaces.yaml.scalars import quote  # noqa: E402

_LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x85\u2028\u2029"), max_size=12)


def _host(style: str, old: str) -> str:
    if style == "|":
        return "a:\n  run: |\n" + "".join("    " + line + "\n" for line in old.split("\n")) + "b: 1\n"
    body = quote(old, style) if style in ("'", '"') else old
    return f"a:\n  run: {body}\nb: 1\n"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(['"', "'", "|", None]), st.lists(_LINE, min_size=1, max_size=3), st.lists(_LINE, min_size=1, max_size=3))
def test_encoded_text_reads_back_or_is_refused(style, old_lines, new_lines):
    old = "\n".join(old_lines) if style in ("|", '"') else old_lines[0]
    old = "x " + old.strip() if style in (None, "|") else old
    new = "\n".join(new_lines)
    host = _host(style, old)
    try:
        [root] = compose(host)
    except ParseError:
        return
    node = root.get("a").get("run")
    scalar = decode(host, node, (0, len(host)))
    if scalar is None:
        return
    a, b = scalar.span
    try:
        encoded = scalar.encode(new)
    except ValueError:
        return
    out = host[:a] + encoded + host[b:]
    [again] = compose(out)
    got = again.get("a").get("run").value
    want = new.replace("\r\n", "\n")
    assert (got.rstrip("\n") if style == "|" else got) == (want.rstrip("\n") if style == "|" else want)
    assert out.endswith("\nb: 1\n") and out.startswith("a:\n  run: ")


# ---- property: edits inside embedded scripts and properties blocks -----------------------------------------

import shlex  # noqa: E402

from tests.test_fuzz_surfaces import _edit_case, env_names, lmi_keys, plain_values, vllm_launch  # noqa: E402


@st.composite
def carrier_file(draw):
    kind = draw(st.sampled_from(["sky", "k8s-sh", "bench", "dstack"]))
    if kind == "bench":
        lines = ["models:", "  - name: m", "    serving.properties: |"]
        entries = draw(st.lists(st.tuples(lmi_keys, plain_values), min_size=1, max_size=5))
        lines += [f"      {k}={v}" for k, v in entries]
        return "bench.yaml", "\n".join(lines) + "\n"
    script = [f"export {n}={shlex.quote(v)}" for n, v in draw(st.lists(st.tuples(env_names, plain_values), max_size=3))]
    script.append(" ".join(shlex.quote(w) for w in draw(vllm_launch())))
    if kind == "dstack":  # one double-quoted command per item
        items = [quote(line, '"') for line in script]
        return ".dstack.yml", "type: service\ncommands:\n" + "".join(f"  - {i}\n" for i in items)
    if kind == "sky":
        head, pad = ["resources:", "  accelerators: L4:1", "run: |"], "  "
    else:
        head = ["spec:", "  containers:", "    - name: server", "      image: vllm/vllm-openai:v0.6.3",
                '      command: ["/bin/sh", "-c"]', "      args:", "        - |"]
        pad = "          "
    return "deploy.yaml", "\n".join(head + [pad + line for line in script]) + "\n"


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_one_edit_in_embedded_text_changes_only_its_setting(data):
    name, text = data.draw(carrier_file(), label="file")
    _edit_case(name, text, data)
