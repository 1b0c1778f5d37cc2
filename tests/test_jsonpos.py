import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmimigrate.core.ftypes import ParseError
from lmimigrate.surfaces.jsonpos import MAX_DEPTH, parse, parse_prefix, to_python, walk


def test_spans_and_values():
    text = '{"a": [1, -2.5e3, "x\\n"], "b" : {"c": null}, "d": true, "e": false}'
    root = parse(text)
    assert root.kind == "object" and (root.start, root.end) == (0, len(text))
    (ka, va), (kb, vb), (kd, vd), (ke, ve) = root.members
    assert text[ka.start : ka.end] == '"a"' and ka.value == "a"
    assert text[va.start : va.end] == '[1, -2.5e3, "x\\n"]'
    assert [i.value for i in va.items] == [1, -2500.0, "x\n"]
    assert [i.kind for i in va.items] == ["number", "number", "string"]
    assert isinstance(va.items[0].value, int)
    assert text[vb.start : vb.end] == '{"c": null}'
    assert vb.members[0][1].kind == "null"
    assert (vd.kind, vd.value, ve.kind, ve.value) == ("true", True, "false", False)
    assert to_python(root) == json.loads(text)


def test_leading_and_trailing_whitespace_and_start():
    text = 'xx \r\n\t[ ] \n'
    node = parse(text, start=2)
    assert (node.kind, node.start, node.end, node.items) == ("array", 6, 9, [])


def test_parse_prefix_allows_trailing_data():
    node, end = parse_prefix('{"a": 1} trailing')
    assert end == 8 and to_python(node) == {"a": 1}


def test_escapes_and_surrogates():
    node = parse(r'"\u00e9\ud83d\ude00\/\b\f\r\t\"\\ \ud800"')
    assert node.value == "\u00e9\U0001F600/\b\f\r\t\"\\ \ud800"


def test_duplicate_keys_kept_and_last_wins():
    root = parse('{"a": 1, "a": {"b": 2}}')
    assert len(root.members) == 2
    assert root.get("a").kind == "object"
    assert to_python(root) == {"a": {"b": 2}}


def test_huge_integer_is_valid():
    node = parse("1" * 6000)
    assert node.kind == "number"


@pytest.mark.parametrize(
    "text, offset",
    [
        ("", 0),
        ("   ", 3),
        ("{", 1),
        ('{"a" 1}', 5),
        ('{"a": 1,}', 8),
        ("[1, 2,]", 6),
        ("[1 2]", 3),
        ("{'a': 1}", 1),
        ('{"a": 1} x', 9),
        ("// c\n{}", 0),
        ("NaN", 0),
        ("-Infinity", 0),
        ("01", 1),
        ("1.", 1),
        (".5", 0),
        ("+1", 0),
        ('"abc', 0),
        ('"a\tb"', 2),
        ('"\\x"', 1),
        ('"\\u12"', 1),
        ("tru", 0),
        ("\ufeff{}", 0),
        ("[1]\x0b", 3),
        ('{"a": nul}', 6),
    ],
)
def test_errors_have_offsets(text, offset):
    with pytest.raises(ParseError) as e:
        parse(text)
    assert e.value.offset == offset


def test_deep_nesting_is_a_parse_error():
    for opener in "[{":
        text = (opener if opener == "[" else '{"a":') * 5000
        with pytest.raises(ParseError, match="nested too deeply"):
            parse(text)
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    node = parse(ok)
    assert to_python(node) == json.loads(ok)


def test_walk_paths_in_document_order():
    root = parse('{"a": [{"b": 1}], "c": 2}')
    paths = [p for _, p in walk(root)]
    assert paths == [[], ["a"], ["a", 0], ["a", 0, "b"], ["c"]]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values, st.booleans())
def test_round_trips_json_dumps(value, indent):
    text = json.dumps(value, indent=2 if indent else None, ensure_ascii=bool(indent))
    root = parse(text)
    assert to_python(root) == json.loads(text)
    for node, _ in walk(root):
        assert json.loads(text[node.start : node.end]) == to_python(node)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]",:0123456789.eE-+ \n\ttruefalsnul\\x'))
def test_never_raises_anything_but_parse_error(text):
    try:
        got = to_python(parse(text))
    except ParseError as e:
        assert e.offset is not None and 0 <= e.offset <= len(text)
        return
    assert got == json.loads(text)
