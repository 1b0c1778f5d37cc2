import json as _json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmimigrate import surfaces
from lmimigrate.core.engine import apply_edits
from lmimigrate.core.ftypes import ParseError
from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("json"), ids=lambda p: p.name)
def test_json_case(case):
    run_case(case)


def _parse(text):
    return surfaces.parse_file("x.json", text, "json")


def _env_scope(parsed):
    return next(s for s in parsed.scopes() if s.kind == "env")


@pytest.mark.parametrize(
    "text, offset",
    [("{\n  \"a\": 1,\n}\n", 12), ("not json", 0), ("{\"Environment\": {\"A\": 'x'}}", 22), ("[" * 5000, 256)],
)
def test_invalid_json_is_a_parse_error_with_offset(text, offset):
    with pytest.raises(ParseError) as e:
        _parse(text)
    assert e.value.offset == offset


def test_unrelated_json_has_no_scopes():
    assert list(_parse('{"name": "x", "env": "prod", "environment": {"nested": {"a": 1}}}').scopes()) == []


def test_labels_and_facts():
    parsed = _parse('{"containerDefinitions": [{"name": "web", "environment": [{"name": "A", "value": "1"}]}],'
                    ' "PrimaryContainer": {"Environment": {"B": "2"}}}')
    scopes = list(parsed.scopes())
    assert [s.label for s in scopes] == ["container web env", "PrimaryContainer.Environment"]
    assert scopes[0].facts["path"] == ["containerDefinitions", 0, "environment"]


def test_value_from_item_is_not_literal_and_cannot_be_set():
    parsed = _parse('{"env": [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}')
    (s,) = _env_scope(parsed).settings
    assert (s.key, s.value, s.literal, s.value_span) == ("TOKEN", None, False, None)
    with pytest.raises(ValueError):
        s.set_value("x")


def test_insert_into_empty_objects():
    for text, want in [('{"env": {}}', '{"env": {"A": "1"}}'), ('{"env": {\n}}', '{"env": {\n  "A": "1"\n}}')]:
        scope = _env_scope(_parse(text))
        assert apply_edits(text, scope.insert("env", "A", 1)) == want


def test_lmi_keys_cannot_go_into_option_map_as_env():
    parsed = _parse('{"option.model_id": "m", "option.rolling_batch": "vllm"}')
    (scope,) = parsed.scopes()
    assert scope.kind == "lmi-map"
    with pytest.raises(ValueError):
        scope.settings[0].rename("VLLM_USE_V1", "env")


# Every single edit on any layout json.dumps can produce must give valid JSON with exactly the intended change.
_env = st.dictionaries(
    st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True), st.text(max_size=5), min_size=1, max_size=5
)
_layout = st.sampled_from([None, 0, 2, "\t"])
_seps = st.sampled_from([(", ", ": "), (",", ":"), (" , ", " : ")])


@settings(max_examples=150, deadline=None)
@given(_env, _layout, _seps, st.booleans())
def test_every_edit_keeps_valid_json(env, indent, seps, as_list):
    doc = {"Environment": env} if not as_list else {"environment": [{"name": k, "value": v} for k, v in env.items()]}
    text = _json.dumps({"x": 1, **doc, "y": [1]}, indent=indent, separators=seps)
    scope = _env_scope(_parse(text))
    env_settings = [s for s in scope.settings if s.derived_from is None]
    assert [s.key for s in env_settings] == list(env)

    def result(edits):
        out = _json.loads(apply_edits(text, edits))
        got = out["Environment"] if not as_list else {i["name"]: i["value"] for i in out["environment"]}
        return got

    for s in env_settings:
        assert result(s.delete()) == {k: v for k, v in env.items() if k != s.key}
        assert result(s.set_value("new")) == {**env, s.key: "new"}
        assert list(result(s.rename("ZNEW", "env"))) == [("ZNEW" if k == s.key else k) for k in env]
        after = result(scope.insert("env", "ZINS", True, after=s))
        keys = list(env)
        assert list(after) == keys[: keys.index(s.key) + 1] + ["ZINS"] + keys[keys.index(s.key) + 1 :]
        assert after["ZINS"] == "true"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]",:0123456789 \n\tEnvironmentvaluename\\'))
def test_surface_never_raises_anything_but_parse_error(text):
    try:
        _parse(text)
    except ParseError:
        pass
