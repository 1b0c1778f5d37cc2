"""vLLM server launches in word lists, for every host that writes them (shell scripts, Dockerfiles, YAML,
notebooks).

A host splits its text into `Word`s with exact source spans and picks a `WordSyntax`. `vllm_scope` recognises a
vLLM server launch in a word list and returns a `CliScope` whose settings are the flags (ns "vllm", key = flag
without dashes, `-` -> `_`).

Heuristics, since there is no per-flag type information on a command line:
- a flag takes the next word as its value unless that word starts with `-` (a negative number is a value);
- switches (`command_line_facts().bool_flags()`: options that take no value in some vLLM release, store_true,
  BooleanOptionalAction and its `--no-X`..., read from each release's source into the vLLM inventory) take a
  following word only when it is a boolean literal (`--enable-chunked-prefill False`, valid in vLLM <= 0.7);
- `-O` takes a following word only when it is a number (`-O 3`); `-O3` / `-O=3` are the attached forms;
- `--no-X` (BooleanOptionalAction) keeps the key `no_X`, a bare flag.
"""

from __future__ import annotations

import os
import re

from lmimigrate.core.ftypes import Setting, Unit
from lmimigrate.surfaces.knowledge import command_line_facts, config_flag_names
from lmimigrate.surfaces.shell.cli import CliScope, is_bool_flag
from lmimigrate.surfaces.shell.lexer import ASSIGN_PREFIX, Word, char_spans
from lmimigrate.surfaces.shell.words import ShellSyntax, WordSyntax
from lmimigrate.core.patterns import lazy_pattern


_BOOL_WORDS = frozenset({"true", "false"})
_NUMBER = lazy_pattern(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_PYTHON = lazy_pattern(r"python(?:\d+(?:\.\d+)?)?")
# Wrappers that run the rest of the words as a command, and how many option values each option takes.
_WRAPPER_OPTS_WITH_VALUE = {
    "env": {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"},
    "nohup": set(),
    "exec": {"-a"},
    "time": set(),
    "command": set(),
    "sudo": {"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D"},
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "nice": {"-n", "--adjustment"},
    "stdbuf": {"-i", "-o", "-e"},
    "numactl": set(),
    "taskset": set(),
    "uvx": {"--from", "--with", "-p", "--python"},
}
_RUN_TOOLS = {"uv": {"--with", "--python", "-p", "--project", "--directory", "--env-file", "--extra", "--group",
                     "--index", "--index-url", "--from"},
              "poetry": set(), "pipenv": set(), "pdm": set(), "hatch": set()}
_KEYWORDS = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "{"})


def _base(word: Word) -> str:
    return os.path.basename(word.value) if word.literal else ""


def _skip_wrappers(words: list[Word]) -> int:
    """Index of the first word after leading assignments, keywords and wrapper commands."""
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w.literal and ASSIGN_PREFIX.match(w.value) and not w.value.startswith("-"):
            i += 1
            continue
        name = _base(w)
        if name in _KEYWORDS:
            i += 1
            continue
        if name in _RUN_TOOLS and i + 1 < n and words[i + 1].value == "run":
            opts, i = _RUN_TOOLS[name], i + 2
        elif name in _WRAPPER_OPTS_WITH_VALUE:
            opts, i = _WRAPPER_OPTS_WITH_VALUE[name], i + 1
        else:
            return i
        while i < n and words[i].value.startswith("-") and words[i].value != "-":
            i += 2 if words[i].value in opts else 1
        if name == "timeout" and i < n:
            i += 1  # the duration
        elif name == "taskset" and i < n:
            i += 1  # the CPU mask
    return i


def _launch(words: list[Word], i: int) -> tuple[str, int] | None:
    """(command name, index of the first argument) when words[i:] launch a vLLM server."""
    n = len(words)
    if i >= n:
        return None
    name = _base(words[i])
    if name == "vllm":
        if i + 1 < n and words[i + 1].literal and words[i + 1].value == "serve":
            return "vllm serve", i + 2
        return None
    if not _PYTHON.fullmatch(name):
        return None
    j = i + 1
    while j < n and words[j].literal and words[j].value.startswith("-") and words[j].value != "-m":
        v = words[j].value
        if v in ("-c", "-"):
            return None
        j += 2 if v in ("-X", "-W") else 1
    if j + 1 >= n or words[j].value != "-m":
        # `python -mvllm...` is rare; a script path is not a vLLM server.
        return None
    module = words[j + 1].value
    facts = command_line_facts()
    if module in facts.server_modules:
        return module, j + 2
    if module == facts.cli_module and j + 2 < n and words[j + 2].value == "serve":
        return module + " serve", j + 3
    return None


def _flag_parts(value: str) -> tuple[str, str, str | None, str] | None:
    """(written flag, key, attached value or None, form) for a flag word, or None for a non-flag."""
    if not value.startswith("-") or value in ("-", "--") or _NUMBER.fullmatch(value):
        return None
    if value.startswith("-O") and not value.startswith("-O."):
        rest = value[2:]
        if rest == "":
            return "-O", "O", None, "space"
        if rest.startswith("="):
            return "-O", "O", rest[1:], "equals"
        if rest[0].isdigit():
            return "-O", "O", rest, "attached"
    long = value.startswith("--")
    body = value[2:] if long else value[1:]
    flag_body, eq, attached = body.partition("=")
    if not flag_body or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", flag_body):
        return None
    head, dot, tail = flag_body.partition(".")
    key = head.replace("-", "_")
    if not long:
        key = "compilation_config" if head == "O" else command_line_facts().short_aliases.get(head, key)
    if dot:
        key += "." + tail.replace("-", "_")
    flag = ("--" if long else "-") + flag_body
    return flag, key, (attached if eq else None), ("equals" if eq else "space")


def _key_span(text: str, word: Word, flag: str,
              shell: bool) -> tuple[tuple[int, int], bool, list[tuple[int, int]] | None]:
    """Where the flag's characters are in the source, whether the word is quoted as a whole (edits then
    re-spell the whole word), and (shell words) the source span of each character of the word."""
    start = word.span[0]
    if text.startswith(flag, start):
        return (start, start + len(flag)), False, None
    spans = char_spans(text, word) if shell else None
    if spans is not None and len(spans) >= len(flag):
        # `'--flag'=v`, `$'--flag'=v`, `--fl\ag`: the flag's own characters, never the whole word.
        return (spans[0][0], spans[len(flag) - 1][1]), True, spans
    if text[start : start + 1] in ("'", '"') and text.startswith(flag, start + 1):
        return (start + 1, start + 1 + len(flag)), True, None
    return word.span, True, None


def vllm_scope(unit: Unit, words: list[Word], syntax: WordSyntax, label: str = "") -> CliScope | None:
    """A CliScope when `words` launch a vLLM server (after env assignments and wrappers), else None."""
    found = _launch(words, _skip_wrappers(words))
    if found is None:
        return None
    command, first = found
    scope = CliScope(unit, words, syntax, label=label or command)
    scope.facts.update(command=command, words=words, syntax=syntax, model=None, args_start=first)
    text = unit.text
    k, n = first, len(words)
    only_positional = False
    while k < n:
        w = words[k]
        parts = None if only_positional else _flag_parts(w.value)
        if parts is None:
            if w.literal and w.value == "--" and not only_positional:
                only_positional = True
            elif scope.facts["model"] is None and command.endswith("serve") and w.literal:
                scope.facts["model"] = w
            k += 1
            continue
        flag, key, attached, form = parts
        key_span, whole, spans = _key_span(text, w, flag, isinstance(syntax, ShellSyntax))
        nxt = words[k + 1] if k + 1 < n else None
        value_word: Word | None = None
        if attached is None and nxt is not None:
            nv = nxt.value
            dashy = nxt.literal and nv.startswith("-") and not _NUMBER.fullmatch(nv)
            if key == "O" and flag == "-O":
                takes = nxt.literal and nv.isdigit()
            elif is_bool_flag(key):
                takes = nxt.literal and nv.lower() in _BOOL_WORDS
            else:
                takes = not dashy
            if takes:
                value_word = nxt
        j = k + (2 if value_word is not None else 1)
        style = {"flag": flag, "words": (k, j), "whole_word": whole}
        if attached is not None:
            style["form"] = form
            cut = key_span[1] + (1 if form == "equals" else 0)
            value_span = (cut, w.span[1] - (1 if whole else 0))
            first = len(flag) + (1 if form == "equals" else 0)
            if spans is not None and first < len(spans):
                value_span = (spans[first][0], spans[-1][1])
            value, literal = attached, w.literal
        elif value_word is not None:
            style["form"] = "space"
            value_span, value, literal = value_word.span, value_word.value, value_word.literal
        else:
            style["form"] = "bare"
            value_span, value, literal = None, None, w.literal
        s = Setting(ns="vllm", key=key, value=value if literal else None, raw_key=flag, key_span=key_span,
                    value_span=value_span, delete_span=(0, 0), scope=scope, literal=literal, style=style)
        edit = syntax.delete_words(text, words, k, j)
        s.delete_span = (edit.start, edit.end)
        scope.settings.append(s)
        k = j
    return scope


# ---- argument lists without a launch command --------------------------------------------------------------


def is_vllm_image(image: str) -> bool:
    """An image whose repository name contains `vllm` (vllm/vllm-openai, rocm/vllm, opea/vllm-rocm): its
    entrypoint (or the command its users give it) is the vLLM server. The tag and digest do not count."""
    ref = image.strip().split("@", 1)[0]
    head, _, last = ref.rpartition("/")
    return "vllm" in (head + "/" + last.split(":", 1)[0]).lower()


def _flag_keys(words: list[Word]) -> list[str]:
    """The keys of the flag words of an argument list (`--max-model-len` -> max_model_len)."""
    out = []
    for w in words:
        parts = _flag_parts(w.value) if w.literal else None
        if parts is not None:
            out.append(parts[1])
    return out


def looks_like_vllm_args(words: list[Word]) -> bool:
    """Whether a bare argument list is a vLLM server's, judged by its flags: no flag that marks another server
    (TGI `--model-id`, SGLang `--model-path`/`--tp`, Triton `--model-repository`...), at least one flag that only
    vLLM has, and at least two thirds of the flags known to vLLM (two vLLM-only flags, or all flags known)."""
    facts = command_line_facts()
    keys = [k.split(".", 1)[0] for k in _flag_keys(words)]
    if not keys or not facts.distinctive_flags:
        return False
    if any(k in facts.foreign_keys for k in keys):
        return False
    distinctive = sum(1 for k in keys if k in facts.distinctive_flags)
    if distinctive == 0:  # cheap exit before the inventory is consulted
        return False
    known_names = config_flag_names()
    known = sum(1 for k in keys if k in known_names or (k.startswith("no_") and k[3:] in known_names))
    return 3 * known >= 2 * len(keys) and (distinctive >= 2 or known == len(keys))


def _bare(words: list[Word]) -> bool:
    """An argument list rather than a command: flags first, a model then flags, or a lone `org/model`."""
    if words[0].value.startswith("-") or (len(words) > 1 and words[1].value.startswith("-")):
        return True
    return len(words) == 1 and "/" in words[0].value.strip("/")


def vllm_args_scope(unit: Unit, words: list[Word], syntax: WordSyntax, label: str = "", *, image: str = "",
                    after: Word | None = None) -> CliScope | None:
    """The vLLM server command line in `words` (a command followed by its arguments, either may be absent),
    recognised by what it is:
    - words that launch vLLM (`vllm serve`, `python -m vllm.entrypoints...`, behind wrappers): `vllm_scope`;
    - a bare argument list (flags first, or a model then flags) given to an image named `*vllm*` (`image`), or
      whose flags are dominated by vLLM-only flags (`looks_like_vllm_args`): the server is implicit, written as
      zero-width `vllm serve` words (at `after`'s end when given, such as the image word of `docker run`;
      flags inserted into an empty list go after it) and `facts["implicit_entrypoint"]` is True.
    None for anything else: other servers (TGI, SGLang, Triton) and unrelated CLIs with `--model`/`--task`."""
    if not words:
        return None
    scope = vllm_scope(unit, words, syntax, label)
    if scope is not None or not _bare(words):
        return scope
    if not (is_vllm_image(image) or looks_like_vllm_args(words)):
        return None
    at = after.span[0] if after is not None else words[0].span[0]
    serve = Word("serve", after.span if after is not None else (at, at))
    scope = vllm_scope(unit, [Word("vllm", (at, at)), serve] + words, syntax, label)
    if scope is not None:
        scope.facts["implicit_entrypoint"] = True
    return scope
