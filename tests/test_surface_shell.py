import pytest

from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.surfaces.shell import script
from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("shell"), ids=lambda p: p.name)
def test_shell_case(case):
    run_case(case)


def parse(text):
    unit = Unit(text, "shell")
    script.parse(unit)
    return unit


def apply(text, fn):
    from lmimigrate.core.engine import apply_edits

    unit = parse(text)
    return apply_edits(text, fn(unit))


def env(unit, key):
    return next(s for sc in unit.scopes for s in sc.settings if s.ns == "env" and s.key == key)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("foo; export A=1 # c\nbar\n", "foo # c\nbar\n"),
        ("A=1; foo\n", "foo\n"),
        ("A=1 && foo\n", "foo\n"),
        ("  export A=1;\nfoo\n", "foo\n"),
        ("export A=1 \\\n  B=2\n", "export \\\n  B=2\n"),
        ("{ export A=1; foo; }\n", "{ foo; }\n"),
        ("export X=0 A=1 \\\n  B=2\n", "export X=0 \\\n  B=2\n"),
    ],
)
def test_delete_whole_command_or_word(text, expected):
    assert apply(text, lambda u: env(u, "A").delete()) == expected


def test_scopes_and_labels():
    unit = parse("export A=1\nB=2 python serve.py\nvllm serve m --port 1\n")
    assert [(sc.kind, sc.label) for sc in unit.scopes] == [
        ("env", "shell script environment"),
        ("env", "environment of python (line 2)"),
        ("cli", "vllm serve (line 3)"),
    ]


def test_insert_into_empty_env_scope_goes_before_first_command():
    text = "#!/bin/sh\n# comment\n\nvllm serve m\n"
    assert apply(text, lambda u: u.scopes[0].insert("env", "A", "x y")) == \
        "#!/bin/sh\n# comment\n\nexport A='x y'\nvllm serve m\n"
    assert apply("", lambda u: u.scopes[0].insert("env", "A", "1")) == "export A=1\n"
    assert apply("# c", lambda u: u.scopes[0].insert("env", "A", "1")) == "# c\nexport A=1"


def test_insert_after_plain_assignment_keeps_plain_style():
    assert apply("A=1\n", lambda u: u.scopes[0].insert("env", "B", "2")) == "A=1\nB=2\n"


def test_not_parsed_as_settings():
    unit = parse("echo A=1\nlocal_var=$(vllm serve m)\nbash -c 'vllm serve m'\nf() { B=2; }\n")
    assert [(s.key, s.value) for sc in unit.scopes for s in sc.settings] == [("local_var", None), ("B", "2")]
    assert all(sc.kind == "env" for sc in unit.scopes)


@pytest.mark.parametrize("text,offset", [("export A='x\n", 9), ('echo "abc\n', 5), ("x=$(foo\n", 2)])
def test_parse_errors(text, offset):
    with pytest.raises(ParseError) as e:
        parse(text)
    assert e.value.offset == offset
