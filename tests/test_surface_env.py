import pytest

from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.surfaces import dotenv
from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("env"), ids=lambda p: p.name)
def test_env_case(case):
    run_case(case)


def parse(text):
    unit = Unit(text, "env")
    dotenv.parse(unit)
    return unit


def test_values_and_spans():
    text = "A = 1 # c\nB=x#y\nC=\"a\\nb\"\nexport D=4\n  E='$X'\nF=$X\n"
    unit = parse(text)
    got = [(s.key, s.value, s.literal, text[s.value_span[0] : s.value_span[1]], s.style["export"])
           for s in unit.scopes[0].settings]
    assert got == [("A", "1", True, "1", False), ("B", "x#y", True, "x#y", False), ("C", "a\nb", True, '"a\\nb"', False),
                   ("D", "4", True, "4", True), ("E", "$X", True, "'$X'", False), ("F", None, False, "$X", False)]


@pytest.mark.parametrize("text,offset", [("A=1\nB=\"x\n", 6), ("A='x", 2), ("A=1\nnot a line\n", 4), ("=1", 0)])
def test_parse_errors(text, offset):
    with pytest.raises(ParseError) as e:
        parse(text)
    assert e.value.offset == offset


def test_insert_into_empty_file():
    unit = parse("# nothing yet\n")
    [edit] = unit.scopes[0].insert("env", "A", "1")
    assert (edit.start, edit.content) == (14, "A=1\n")
