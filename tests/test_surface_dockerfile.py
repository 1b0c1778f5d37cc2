import pytest

from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.surfaces import dockerfile
from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("dockerfile"), ids=lambda p: p.name)
def test_dockerfile_case(case):
    run_case(case)


def parse(text):
    unit = Unit(text, "dockerfile")
    dockerfile.parse(unit)
    return unit


def settings(unit):
    return [(sc.kind, s.key, s.value) for sc in unit.scopes for s in sc.settings if s.ns != "lmi"]


def test_legacy_env_value_is_rest_of_line():
    unit = parse('FROM x\nENV A  hello "big world"\nenv b=1\n')
    assert settings(unit) == [("env", "A", "hello big world"), ("env", "b", "1")]
    a = unit.scopes[0].settings[0]
    assert unit.text[a.value_span[0] : a.value_span[1]] == 'hello "big world"'


def test_escape_directive_backquote():
    text = "# escape=`\nFROM x\nENV P=C:\\dir `\n    Q=2\nRUN vllm serve m `\n  --port 1\n"
    unit = parse(text)
    assert settings(unit) == [("env", "P", "C:\\dir"), ("env", "Q", "2"), ("cli", "port", "1")]


def test_heredoc_body_is_not_instructions():
    text = "FROM x\nRUN <<EOF\nENV NOT=1\nvllm serve m\nEOF\nENV A=1\n"
    assert settings(parse(text)) == [("env", "A", "1")]


def test_comment_lines_inside_continuation():
    text = "FROM x\nENV A=1 \\\n# note\n\n    B=2\n"
    assert settings(parse(text)) == [("env", "A", "1"), ("env", "B", "2")]


def test_entrypoint_shell_form_and_run():
    text = "FROM x\nENTRYPOINT exec python3 -m vllm.entrypoints.openai.api_server --port 80\nRUN echo 'unterminated\n"
    unit = parse(text)
    assert settings(unit) == [("cli", "port", "80")]
    assert unit.scopes[1].label == "vllm.entrypoints.openai.api_server (ENTRYPOINT at line 2)"


def test_exec_form_that_is_not_json_is_shell_form():
    unit = parse("FROM x\nCMD [vllm serve m --port 1]\n")
    assert settings(unit) == []
    unit = parse('FROM x\nCMD ["vllm", "serve", "m", "--port", "1"] \n')
    assert settings(unit) == [("cli", "port", "1")]


def test_stage_facts_and_empty_stage_insert():
    from lmimigrate.core.engine import apply_edits

    text = "FROM base:1 AS b\nRUN x\nFROM b\n"
    unit = parse(text)
    assert [(sc.facts["name"], sc.facts["image"]) for sc in unit.scopes] == [("b", "base:1"), ("1", "b")]
    assert apply_edits(text, unit.scopes[1].insert("env", "A", "1")) == text + "ENV A=1\n"


@pytest.mark.parametrize(
    "text,offset",
    [("FROM x\nENV A='x\n", 13), ("FROM x\nENV\n", 7), ("FROM x\nENV A\n", 12), ("FROM x\nENV =1\n", 11),
     ("FROM x\n!!\n", 7)],
)
def test_parse_errors(text, offset):
    with pytest.raises(ParseError) as e:
        parse(text)
    assert e.value.offset == offset
