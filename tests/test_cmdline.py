"""The shell tokenizer and the vLLM command recognizer of lmimigrate.surfaces.shell."""

import pytest

from lmimigrate.core.engine import apply_edits
from lmimigrate.core.ftypes import ParseError, Unit
from lmimigrate.surfaces.shell.launch import vllm_scope
from lmimigrate.surfaces.shell.lexer import Word, shell_commands, shell_words
from lmimigrate.surfaces.shell.words import JsonArraySyntax, ShellSyntax, shell_quote


def words_of(text):
    return [[(w.value, text[w.span[0] : w.span[1]], w.literal) for w in ws] for ws in shell_words(text, 0, len(text))]


def values(text):
    return [[w.value for w in ws] for ws in shell_words(text, 0, len(text))]


# ---- tokenizer --------------------------------------------------------------------------------------------


def test_quotes_and_escapes_keep_exact_spans():
    text = """a 'b c' "d \\"e\\" $'f\\tg'" h\\ i "j"'k'"""
    assert words_of(text) == [[
        ("a", "a", True),
        ("b c", "'b c'", True),
        ('d "e" $\'f\\tg\'', "\"d \\\"e\\\" $'f\\tg'\"", True),
        ("h i", "h\\ i", True),
        ("jk", "\"j\"'k'", True),
    ]]


def test_ansi_c_quote():
    assert values("x $'a\\tb\\'c'") == [["x", "a\tb'c"]]


def test_operators_split_commands():
    assert values("a 1; b 2 && c || d | e & f\ng (h) {") == [
        ["a", "1"], ["b", "2"], ["c"], ["d"], ["e"], ["f"], ["g"], ["h"], ["{"]]


def test_terminators_recorded():
    cmds = shell_commands("a; b && c\nd", 0, 11)
    assert [c.terminator for c in cmds] == [";", "&&", "\n", ""]


def test_continuations_join_lines_and_words():
    text = "vllm serve m \\\n  --a 1 \\\r\n  --b\\\n2"
    assert values(text) == [["vllm", "serve", "m", "--a", "1", "--b2"]]


def test_comments_skipped_but_hash_inside_word_kept():
    assert values("a b#c # comment 'unterminated\nd") == [["a", "b#c"], ["d"]]


def test_expansions_are_not_literal():
    ws = shell_words('a $X ${Y:-1} "$(cmd "q")" `date` "pre$Z" $ \'$lit\'', 0, 200)[0]
    assert [(w.value, w.literal) for w in ws] == [
        ("a", True), ("$X", False), ("${Y:-1}", False), ('$(cmd "q")', False), ("`date`", False),
        ("pre$Z", False), ("$", True), ("$lit", True)]


def test_nested_command_substitution_with_parens_in_quotes():
    text = 'x=$(echo "(" $(y) \')\') z'
    assert values(text) == [["x=$(echo \"(\" $(y) ')')", "z"]]


def test_redirections_dropped():
    assert values("vllm serve m --port 1 > out.log 2>&1 </dev/null &>x") == [["vllm", "serve", "m", "--port", "1"]]


def test_heredoc_body_skipped():
    text = "cat <<EOF > f\nvllm serve x\nEOF\ncat <<-'END'\n\tvllm serve y\n\tEND\nz"
    assert values(text) == [["cat"], ["cat"], ["z"]]


def test_unterminated_heredoc_runs_to_end():
    assert values("cat <<EOF\nvllm serve x\n") == [["cat"]]


def test_array_assignment_is_one_word():
    ws = shell_words("A=(1 2) b", 0, 9)[0]
    assert [(w.value, w.literal) for w in ws] == [("A=(1 2)", False), ("b", True)]


def test_range_limits_respected():
    text = "xx a b yy"
    assert [w.span for w in shell_words(text, 3, 6)[0]] == [(3, 4), (5, 6)]


def test_no_operator_mode_keeps_shell_metacharacters():
    text = "A=a;b C=x|y D=#z"
    assert [[w.value for w in c.words] for c in shell_commands(text, 0, len(text), operators=False)] == [
        ["A=a;b", "C=x|y", "D=#z"]]


@pytest.mark.parametrize(
    "text,offset",
    [("a 'bc", 2), ('a "b', 2), ("x $(y", 2), ("x ${y", 2), ("x `y", 2), ("a $'b", 2), ('a "$(b"', 6)],
)
def test_unterminated_quotes_raise_with_offset(text, offset):
    with pytest.raises(ParseError) as e:
        shell_words(text, 0, len(text))
    assert e.value.offset == offset


def test_shell_quote():
    assert shell_quote("abc-1.2/x:y=z") == "abc-1.2/x:y=z"
    assert shell_quote("a b") == "'a b'"
    assert shell_quote('{"a": 1}') == "'{\"a\": 1}'"
    assert shell_quote("it's") == "'it'\\''s'"
    assert shell_quote("") == "''"


# ---- recognizer -------------------------------------------------------------------------------------------


def scope_of(text, syntax=None):
    unit = Unit(text, "shell")
    for ws in shell_words(text, 0, len(text)):
        sc = vllm_scope(unit, ws, syntax or ShellSyntax())
        if sc is not None:
            return sc
    return None


def flags(sc):
    return [(s.key, s.value, s.style["form"]) for s in sc.settings]


@pytest.mark.parametrize(
    "text",
    [
        "echo vllm serve m",
        "pip install vllm",
        "vllm bench serve --model m",
        "vllm --version",
        "which vllm",
        "python -c 'import vllm' serve",
        "python train.py -m vllm.entrypoints.openai.api_server",
        "python -m vllm.entrypoints.cli.main bench",
        "python -m pip install vllm",
        "grep 'vllm serve' log",
        "# vllm serve m",
        "$VLLM serve m",
    ],
)
def test_no_false_positives(text):
    assert scope_of(text) is None


@pytest.mark.parametrize(
    "text,command",
    [
        ("vllm serve m", "vllm serve"),
        ("/opt/venv/bin/vllm serve m", "vllm serve"),
        ("exec nohup env -u X A=1 vllm serve m", "vllm serve"),
        ("timeout 60 vllm serve m", "vllm serve"),
        ("uv run --with foo vllm serve m", "vllm serve"),
        ("CUDA_VISIBLE_DEVICES=0,1 python3.11 -u -m vllm.entrypoints.openai.api_server", "vllm.entrypoints.openai.api_server"),
        ("python -m vllm.entrypoints.api_server --model m", "vllm.entrypoints.api_server"),
        ("python -m vllm.entrypoints.cli.main serve m", "vllm.entrypoints.cli.main serve"),
        ("if true; then vllm serve m; fi", "vllm serve"),
    ],
)
def test_launches_recognized(text, command):
    sc = scope_of(text)
    assert sc is not None and sc.facts["command"] == command


def test_flag_forms():
    sc = scope_of("vllm serve org/m --max-num-seqs 8 --max_model_len=4096 --enforce-eager -tp 2 -q=awq "
                  "--trust-remote-code --seed -1 -O3 --compilation-config.mode 3 -cc.level=2 -O.level=1 "
                  "--enable-chunked-prefill False --no-enable-prefix-caching --served-model-name x")
    assert sc.facts["model"].value == "org/m"
    assert flags(sc) == [
        ("max_num_seqs", "8", "space"),
        ("max_model_len", "4096", "equals"),
        ("enforce_eager", None, "bare"),
        ("tensor_parallel_size", "2", "space"),
        ("quantization", "awq", "equals"),
        ("trust_remote_code", None, "bare"),
        ("seed", "-1", "space"),
        ("O", "3", "attached"),
        ("compilation_config.mode", "3", "space"),
        ("compilation_config.level", "2", "equals"),
        ("compilation_config.level", "1", "equals"),
        ("enable_chunked_prefill", "False", "space"),
        ("no_enable_prefix_caching", None, "bare"),
        ("served_model_name", "x", "space"),
    ]
    assert [s.style["flag"] for s in sc.settings][3:5] == ["-tp", "-q"]


def test_bare_o_and_spaced_o():
    assert flags(scope_of("vllm serve m -O 3")) == [("O", "3", "space")]
    assert flags(scope_of("vllm serve m -O --x")) == [("O", None, "bare"), ("x", None, "bare")]
    assert flags(scope_of("vllm serve m -O=2")) == [("O", "2", "equals")]


def test_bool_flag_does_not_eat_model():
    sc = scope_of("vllm serve --enforce-eager org/model --port 8000")
    assert sc.facts["model"].value == "org/model"
    assert flags(sc) == [("enforce_eager", None, "bare"), ("port", "8000", "space")]


def test_non_literal_value():
    sc = scope_of('vllm serve "$MODEL" --port "${PORT}" --tp=$TP')
    assert sc.facts["model"] is None
    assert [(s.key, s.value, s.literal) for s in sc.settings] == [("port", None, False), ("tp", None, False)]


def test_double_dash_ends_flags():
    assert flags(scope_of("vllm serve m -- --x")) == []


def edit(text, fn, syntax=None):
    sc = scope_of(text, syntax)
    return apply_edits(text, fn(sc))


def by(sc, key):
    return next(s for s in sc.settings if s.key == key)


def test_rename_keeps_dash_style_and_form():
    assert edit("vllm serve m --old_x=1 --b 2", lambda sc: by(sc, "old_x").rename("new_x")) == \
        "vllm serve m --new_x=1 --b 2"
    assert edit("vllm serve m -tp 2", lambda sc: by(sc, "tensor_parallel_size").rename("pipeline_parallel_size")) == \
        "vllm serve m --pipeline-parallel-size 2"
    assert edit("vllm serve m -O3", lambda sc: by(sc, "O").rename("optimization_level")) == \
        "vllm serve m --optimization-level=3"


def test_set_value_quotes_and_keeps_style():
    assert edit("vllm serve m --a \"x\"", lambda sc: by(sc, "a").set_value("y z")) == 'vllm serve m --a "y z"'
    assert edit("vllm serve m --a=1", lambda sc: by(sc, "a").set_value({"k": [1]})) == \
        "vllm serve m --a='{\"k\": [1]}'"
    assert edit("vllm serve m --a 1", lambda sc: by(sc, "a").set_value("it's")) == "vllm serve m --a 'it'\\''s'"
    assert edit("vllm serve m --enforce-eager", lambda sc: by(sc, "enforce_eager").set_value(False)) == \
        "vllm serve m --no-enforce-eager"
    assert edit("vllm serve m --enforce-eager", lambda sc: by(sc, "enforce_eager").set_value(True)) == \
        "vllm serve m --enforce-eager"
    assert edit("vllm serve m --no-enforce-eager", lambda sc: by(sc, "no_enforce_eager").set_value("false")) == \
        "vllm serve m --enforce-eager"
    # A bare flag given a value (the caller renamed it to a flag that takes one) gets the value after it.
    assert edit("vllm serve m --worker-use-ray \\\n  --x 1", lambda sc: by(sc, "worker_use_ray").rename("b")
                + by(sc, "worker_use_ray").set_value("ray")) == "vllm serve m --b ray \\\n  --x 1"


def test_delete_in_line_and_on_continuation_lines():
    assert edit("vllm serve m --a 1 --b --c 3", lambda sc: by(sc, "b").delete()) == "vllm serve m --a 1 --c 3"
    assert edit("vllm serve m --a 1 --b", lambda sc: by(sc, "b").delete()) == "vllm serve m --a 1"
    text = "vllm serve m \\\n  --a 1 \\\n  --b 2 \\\n  --c\n"
    assert edit(text, lambda sc: by(sc, "b").delete()) == "vllm serve m \\\n  --a 1 \\\n  --c\n"
    assert edit(text, lambda sc: by(sc, "c").delete()) == "vllm serve m \\\n  --a 1 \\\n  --b 2\n"
    assert edit(text, lambda sc: by(sc, "a").delete()) == "vllm serve m \\\n  --b 2 \\\n  --c\n"
    mixed = "vllm serve m \\\n  --a 1 --b \\\n  --c\n"
    assert edit(mixed, lambda sc: by(sc, "b").delete()) == "vllm serve m \\\n  --a 1 \\\n  --c\n"


def test_insert_inline_and_continuation():
    assert edit("vllm serve m --a 1", lambda sc: sc.insert("vllm", "max_num_seqs", 8)) == \
        "vllm serve m --a 1 --max-num-seqs 8"
    assert edit("vllm serve m", lambda sc: sc.insert("vllm", "enforce_eager", True)) == "vllm serve m --enforce-eager"
    assert edit("vllm serve", lambda sc: sc.insert("vllm", "x", "a b")) == "vllm serve --x 'a b'"
    text = "vllm serve m \\\n    --a 1 \\\n    --b 2\n"
    assert edit(text, lambda sc: sc.insert("vllm", "c", "3")) == "vllm serve m \\\n    --a 1 \\\n    --b 2 \\\n    --c 3\n"
    assert edit(text, lambda sc: sc.insert("vllm", "c", {"x": 1}, after=by(sc, "a"))) == \
        "vllm serve m \\\n    --a 1 \\\n    --c '{\"x\": 1}' \\\n    --b 2\n"


def _json_scope(text):
    # Words of a one-line JSON string array, as the Dockerfile surface builds them.
    import json
    import re

    words = [Word(json.loads(m.group()), m.span()) for m in re.finditer(r'"(?:[^"\\]|\\.)*"', text)]
    return vllm_scope(Unit(text, "dockerfile"), words, JsonArraySyntax())


def test_json_array_syntax():
    text = '["vllm", "serve", "m", "--a", "1", "--max-num-seqs=4", "--enforce-eager"]'
    sc = _json_scope(text)
    assert flags(sc) == [("a", "1", "space"), ("max_num_seqs", "4", "equals"), ("enforce_eager", None, "bare")]
    s = by(sc, "max_num_seqs")
    assert apply_edits(text, s.set_value("a \"b\"")) == text.replace('"--max-num-seqs=4"', '"--max-num-seqs=a \\"b\\""')
    assert apply_edits(text, s.rename("max_num_batched_tokens")) == text.replace("max-num-seqs", "max-num-batched-tokens")
    assert apply_edits(text, by(sc, "a").delete()) == '["vllm", "serve", "m", "--max-num-seqs=4", "--enforce-eager"]'
    assert apply_edits(text, by(sc, "enforce_eager").delete()) == '["vllm", "serve", "m", "--a", "1", "--max-num-seqs=4"]'
    assert apply_edits(text, sc.insert("vllm", "cc", {"k": 1})) == text[:-1] + ', "--cc", "{\\"k\\": 1}"]'
