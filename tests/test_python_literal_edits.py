"""Edits of configuration text held in a Python string literal rewrite only the changed part of the literal:
escapes and line continuations around it stay as written (surfaces/python/strings.py, `Literal.encode`)."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmimigrate.cli import main
from lmimigrate.surfaces.python.strings import read_literal

# The generated literals hold unknown escapes (`\\d`) on purpose; Python warns when it evaluates them.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")

DEDENT = '''from pathlib import Path
from textwrap import dedent

Path("serving.properties").write_text(dedent("""\\
    engine=MPI
    option.rolling_batch=lmi-dist
    option.max_rolling_batch_prefill_tokens=4096
"""))
'''


def _value(source: str) -> str:
    return ast.literal_eval(source[1:] if source.startswith("f") else source)


def _rewrite(source: str, new: str) -> str:
    lit = read_literal(source, (0, len(source)))
    assert lit is not None
    return source[: lit.content[0]] + lit.encode(new) + source[lit.content[1] :]


def test_the_line_continuation_after_dedent_is_kept(tmp_path, capsys):
    path = tmp_path / "deploy.py"
    path.write_text(DEDENT)
    main(["check", "--no-cache", "--from", "lmi==v13", "--to", "lmi==v15", "--fix", "--unsafe-fixes", str(path)])
    capsys.readouterr()
    fixed = path.read_text()
    assert fixed == DEDENT.replace("engine=MPI", "engine=Python").replace("=lmi-dist", "=vllm")
    assert 'dedent("""\\\n' in fixed


def test_an_unknown_escape_is_not_turned_into_another_one():
    source = '"a\\d=1"'  # `\d` is a backslash and a d
    assert _value(source) == "a\\d=1"
    out = _rewrite(source, "a\\n=1")  # the d becomes an n: the backslash must not make a newline
    assert _value(out) == "a\\n=1"


def test_new_quotes_next_to_kept_quotes_do_not_close_a_triple_quoted_literal():
    source = '"""x=""\ny=1"""'
    new = 'x="""\ny=1'
    out = _rewrite(source, new)
    assert _value(out) == new


def test_escapes_outside_the_change_stay_as_written():
    source = '"engine=MPI\\noption.x=\\u00e9\\toption.y=2\\n"'
    out = _rewrite(source, _value(source).replace("MPI", "Python"))
    assert out == source.replace("MPI", "Python")


TEXT = st.text(alphabet=st.sampled_from(list("ab=\n\t'\"\\{}xé\r")), max_size=12)


@st.composite
def literal_and_edit(draw):
    prefix = draw(st.sampled_from(["", "r", "b", "u"]))
    quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
    pieces = draw(st.lists(st.sampled_from(["a", "=", "\\n", "\\t", "\\\\", "\\d", "\\x41", "\\\n", "é", "\\'", '\\"',
                                            "\n", "'", '"', "b"]), max_size=10))
    body = "".join(pieces)
    if "b" in prefix:
        body = body.replace("é", "e")
    if len(quote) == 1:
        body = body.replace("\\\n", "").replace("\n", "")
    source = prefix + quote + body + quote
    try:
        old = ast.literal_eval(source)
    except (SyntaxError, ValueError):
        return None
    if isinstance(old, bytes):
        old = old.decode("latin-1")
    a = draw(st.integers(0, len(old)))
    b = draw(st.integers(a, len(old)))
    new = old[:a] + draw(TEXT) + old[b:]
    if "b" in prefix:
        new = new.encode("ascii", "ignore").decode()
    return source, new


@settings(max_examples=400, deadline=None)
@given(case=literal_and_edit())
def test_a_rewritten_literal_means_the_new_text_and_keeps_its_unchanged_source(case):
    if case is None:
        return
    source, new = case
    lit = read_literal(source, (0, len(source)))
    if lit is None or lit.text != (lambda v: v.decode("latin-1") if isinstance(v, bytes) else v)(ast.literal_eval(source)):
        return
    try:
        out = _rewrite(source, new)
    except ValueError:
        return  # the literal cannot hold it (raw strings): reported without a fix
    value = ast.literal_eval(out)
    assert (value.decode("latin-1") if isinstance(value, bytes) else value) == new
    # The source before the first changed character is kept as written.
    head = 0
    while head < min(len(lit.text), len(new)) and lit.text[head] == new[head]:
        head += 1
    keep = lit.pos[max(0, head - 3)]  # a few characters back: escapes and quotes next to the change may move
    assert out[:keep] == source[:keep]


def test_a_short_octal_escape_before_a_new_digit_is_spelled_again():
    source = '"x=\\1a"'  # \1 then a
    new = "x=\x012"
    out = _rewrite(source, new)
    assert _value(out) == new
