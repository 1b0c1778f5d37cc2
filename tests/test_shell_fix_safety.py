"""Fixes in shell scripts and properties files never break them (issue 15, "Fixes that break files"): each
scenario of the attack audit, reproduced; every fixed shell text passes `bash -n`."""

from __future__ import annotations

import subprocess

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core.engine import Engine
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.registry import by_code
from lmimigrate.core.versions import VersionPair

GAUDI = {"vllm-fork": VersionPair("vllm-fork", Version("1.21.2"), Version("1.22.0"), "given")}


def fix(text, codes, pairs=GAUDI, surface="shell", path="run.sh", level=Applicability.UNSAFE):
    eng = Engine([by_code(c)() for c in codes], pairs)
    findings = eng.check_text(path, text, surface, None)[0]
    _, new, applied, crashed = eng.check_text(path, text, surface, level)
    assert not crashed
    again = eng.check_text(path, new, surface, level)
    assert again[1] == new and again[2] == 0, "a second --fix changed the file"
    return findings, new


def bash_ok(text):
    r = subprocess.run(["bash", "-n"], input=text.encode(), capture_output=True)
    return r.returncode == 0


# ---- deleting the only statement of a block --------------------------------------------------------------

BLOCKS = [
    "if [ -n \"$X\" ]; then\n  export VLLM_GRAPH_PROMPT_RATIO=0.3\nfi\n",
    "if a; then\n  b\nelse\n  export VLLM_GRAPH_PROMPT_RATIO=0.3\nfi\n",
    "for i in 1 2; do\n  VLLM_GRAPH_PROMPT_RATIO=0.3\ndone\n",
    "while false; do export VLLM_GRAPH_PROMPT_RATIO=0.3; done\n",
    "setup() {\n  export VLLM_GRAPH_PROMPT_RATIO=0.3\n}\nsetup\n",
    "{ export VLLM_GRAPH_PROMPT_RATIO=0.3; }\n",
    "if a; then export VLLM_GRAPH_PROMPT_RATIO=0.3; fi\n",
    "( export VLLM_GRAPH_PROMPT_RATIO=0.3 )\n",
]


@pytest.mark.parametrize("text", BLOCKS)
def test_deleting_the_only_statement_of_a_block_keeps_the_script_valid(text):
    assert bash_ok(text)
    findings, new = fix(text, ("HPU003",))
    assert [f.code for f in findings] == ["HPU003"]
    assert bash_ok(new), new
    assert "VLLM_GRAPH_PROMPT_RATIO" not in new or new == text


def test_only_statement_becomes_a_colon():
    _, new = fix(BLOCKS[0], ("HPU003",))
    assert new == "if [ -n \"$X\" ]; then\n  :\nfi\n"


def test_a_block_with_another_statement_loses_the_line():
    text = "if a; then\n  export VLLM_GRAPH_PROMPT_RATIO=0.3\n  echo x\nfi\n"
    _, new = fix(text, ("HPU003",))
    assert new == "if a; then\n  echo x\nfi\n"


# ---- pipelines, background jobs, && / || chains: reported, not deleted -------------------------------

@pytest.mark.parametrize("text", [
    "export VLLM_GRAPH_PROMPT_RATIO=0.3 | cat\n",
    "export VLLM_GRAPH_PROMPT_RATIO=0.3 &\nwait\n",
    "a || export VLLM_GRAPH_PROMPT_RATIO=0.3 || b\n",
    "a && export VLLM_GRAPH_PROMPT_RATIO=0.3\n",
    "echo x | VLLM_GRAPH_PROMPT_RATIO=0.3\n",
])
def test_settings_in_pipelines_and_chains_are_reported_not_deleted(text):
    findings, new = fix(text, ("HPU003",))
    [f] = findings
    assert f.fix is None and new == text


def test_a_leading_assignment_of_an_and_list_is_deleted_with_its_operator():
    # An assignment always succeeds: `A=1 && b` runs b exactly as `b` does.
    _, new = fix("export VLLM_GRAPH_PROMPT_RATIO=0.3 && b\n", ("HPU003",))
    assert new == "b\n"


# ---- inserted exports go after the whole command -------------------------------------------------------

def test_hpu012_insert_goes_after_a_heredoc_body_once():
    text = ("export VLLM_SKIP_WARMUP=true <<EOF\nbody line\nEOF\necho done\n")
    findings, new = fix(text, ("HPU012",), level=Applicability.SAFE)
    assert new == "export VLLM_SKIP_WARMUP=true <<EOF\nbody line\nEOF\nexport VLLM_ENABLE_EXPERIMENTAL_FLAGS=true\necho done\n"
    assert bash_ok(new)


def test_hpu012_insert_goes_after_a_continued_command():
    text = "export VLLM_SKIP_WARMUP=true && \\\n  echo started\necho done\n"
    _, new = fix(text, ("HPU012",), level=Applicability.SAFE)
    assert new == "export VLLM_SKIP_WARMUP=true && \\\n  echo started\nexport VLLM_ENABLE_EXPERIMENTAL_FLAGS=true\necho done\n"
    assert bash_ok(new)


def test_hpu012_insert_never_lands_inside_a_case_branch():
    text = ("case \"$MODE\" in\n  fast)\n    export VLLM_SKIP_WARMUP=true\n    ;;\n  *)\n    echo slow\n    ;;\nesac\n"
            "vllm serve m\n")
    _, new = fix(text, ("HPU012",), level=Applicability.SAFE)
    assert bash_ok(new), new
    assert new.count("VLLM_ENABLE_EXPERIMENTAL_FLAGS") == 1
    assert new.index("VLLM_ENABLE_EXPERIMENTAL_FLAGS") > new.index("esac")


def test_hpu012_insert_after_a_command_with_a_heredoc_fed_by_cat():
    text = "VLLM_SKIP_WARMUP=true\ncat > notes.txt <<'EOF'\nx\nEOF\n"
    _, new = fix(text, ("HPU012",), level=Applicability.SAFE)
    assert new == "VLLM_SKIP_WARMUP=true\nexport VLLM_ENABLE_EXPERIMENTAL_FLAGS=true\ncat > notes.txt <<'EOF'\nx\nEOF\n" or (
        new.count("VLLM_ENABLE_EXPERIMENTAL_FLAGS") == 1 and bash_ok(new))


# ---- flags written with quotes or escapes keep their values -----------------------------------------------

@pytest.mark.parametrize("word, after", [
    ("$'--chat-template-text-format'=openai", "$'--chat-template-content-format'=openai"),
    ("$'--chat-template-text-format' openai", "$'--chat-template-content-format' openai"),
    ("--chat\\-template-text-format=openai", "--chat-template-content-format=openai"),
    ("\"--chat-template-text-format=openai\"", "\"--chat-template-content-format=openai\""),
    ("'--chat-template-text-format'=openai", "'--chat-template-content-format'=openai"),
])
def test_renamed_flag_keeps_its_attached_value(word, after):
    from lmimigrate.core.engine import apply_edits
    from lmimigrate.core.ftypes import Unit
    from lmimigrate.surfaces.shell.launch import vllm_scope
    from lmimigrate.surfaces.shell.lexer import shell_words
    from lmimigrate.surfaces.shell.words import ShellSyntax

    text = f"vllm serve m {word} --port 1\n"
    unit = Unit(text=text, surface="shell")
    scope = vllm_scope(unit, shell_words(text, 0, len(text))[0], ShellSyntax())
    s = scope.settings[0]
    assert s.key == "chat_template_text_format" and s.value == "openai"
    assert text[s.key_span[0] : s.key_span[1]].replace("\\", "") == "--chat-template-text-format"  # never the whole word
    assert text[s.value_span[0] : s.value_span[1]].strip("'\"") == "openai"
    new = apply_edits(text, scope.rename(s, "chat_template_content_format", "vllm"))
    assert new == f"vllm serve m {after} --port 1\n" and bash_ok(new)


def test_non_literal_word_with_an_escaped_flag_is_not_respelled():
    from lmimigrate.core.ftypes import Unit
    from lmimigrate.surfaces.shell.launch import vllm_scope
    from lmimigrate.surfaces.shell.lexer import shell_words
    from lmimigrate.surfaces.shell.words import ShellSyntax

    text = "vllm serve m --chat\\-template-text-format=$FMT\n"
    unit = Unit(text=text, surface="shell")
    scope = vllm_scope(unit, shell_words(text, 0, len(text))[0], ShellSyntax())
    with pytest.raises(ValueError):
        scope.rename(scope.settings[0], "chat_template_content_format", "vllm")


# ---- properties: a continuation backslash on the last line -------------------------------------------------

LMI = {"lmi": VersionPair("lmi", Version("11"), Version("15"), "given")}


@pytest.mark.parametrize("text", [
    "option.rolling_batch=lmi-dist\noption.model_id=s3://bucket/model\\",
    "option.rolling_batch=lmi-dist\r\noption.model_id=m \\",
])
def test_properties_insert_after_a_trailing_backslash_at_eof(text):
    from lmimigrate import surfaces

    findings, new = fix(text, ("LMI001",), pairs=LMI, surface="properties", path="serving.properties")
    assert [f.code for f in findings] == ["LMI001"]
    assert new.count("enable_chunked_prefill") == 1  # inserted once, not glued and re-inserted
    before = {s.key: s.value for s in surfaces.parse_file("serving.properties", text, "properties").units[0].scopes[0].settings}
    after = {s.key: s.value for s in surfaces.parse_file("serving.properties", new, "properties").units[0].scopes[0].settings}
    assert after.pop("option.enable_chunked_prefill") in ("true", "false") and after == before


def _shell_files():
    from pathlib import Path

    from lmimigrate import surfaces

    root = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
    for p in sorted(root.glob("*/after/**/*")):
        if p.is_file() and surfaces.classify_content(str(p), p.read_bytes()[:128]) == "shell":
            yield pytest.param(p, id=str(p.relative_to(root)))


@pytest.mark.parametrize("path", list(_shell_files()))
def test_every_fixed_shell_fixture_passes_bash_n(path):
    assert bash_ok(path.read_text(encoding="utf-8")), path
