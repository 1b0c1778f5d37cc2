"""vLLM launches in YAML command lines: container `command`/`args` lists (block or flow) and shell scripts held
by a scalar (`sh -c` bodies, compose `command:` strings), read through `vllm_scope`."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from lmimigrate.core.ftypes import ParseError, Scope, TextEdit, Unit
from lmimigrate.surfaces.shell.launch import vllm_args_scope, vllm_scope
from lmimigrate.surfaces.shell.lexer import Word, shell_words
from lmimigrate.surfaces.shell.words import ShellSyntax, WordSyntax, shell_quote
from lmimigrate.surfaces.text import first_on_line, line_start, next_line
from lmimigrate.surfaces.yaml.codec import decode
from lmimigrate.surfaces.yaml.scalars import spell_string
from lmimigrate.surfaces.yaml.tree import YNode, dash_of, emptied_edit, is_scalar, owner_key
from lmimigrate.core.patterns import lazy_pattern

_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh"})
_K8S_VAR = lazy_pattern(r"\$\([A-Za-z_][A-Za-z0-9_]*\)")  # Kubernetes expands $(VAR) in command and args


class YamlSeqSyntax(WordSyntax):
    """Words that are the items of one or two YAML sequences (k8s command + args), block or flow."""

    def __init__(self, text: str, seqs: list[YNode], owner: YNode | None = None):
        self.text = text
        # the keys (`command:`, `args:`) whose values the sequences are: an emptied list is written `[]` there
        self.owners = {id(s): owner_key(owner, s) for s in seqs}
        self.seqs = seqs
        self.where: dict[tuple[int, int], tuple[YNode, int]] = {}
        self.styles: dict[int, str | None] = {}  # id(seq) -> the quoting most of its items use
        for seq in seqs:
            styles = []
            for idx, item in enumerate(seq.children):
                self.where[(item.token, item.end)] = (seq, idx)
                styles.append(item.style if item.style in ("'", '"') else None)
            self.styles[id(seq)] = max(styles, key=styles.count) if styles else None
        self.style = self.styles[id(seqs[-1])]  # values replaced in place: the style of the flags' list
        self.flow = seqs[-1].flow

    def quote(self, value: str) -> str:
        return spell_string(value, self.style, self.flow)

    def complete(self, newline: str, edits: Sequence[TextEdit]) -> list[TextEdit]:
        out: list[TextEdit] = []
        for seq in self.seqs:
            spans = [(dash_of(self.text, i), i.end) for i in seq.children]
            out += emptied_edit(self.text, seq, self.owners[id(seq)], False, spans, edits, newline)
        return out

    def _locate(self, words: list[Word], i: int) -> tuple[YNode, int]:
        loc = self.where.get(words[i].span)
        if loc is None:
            raise ValueError("the word is not an item of a YAML sequence")
        return loc

    def _item_lines(self, seq: YNode, idx: int) -> tuple[int, int, str]:
        """Line start and line end of a block item, and the text before its value (`  - `)."""
        item = seq.children[idx]
        dash = dash_of(self.text, item)
        if dash == item.start or not first_on_line(self.text, dash):
            raise ValueError("sequence item does not start its own line")
        gap = self.text[dash + 1 : item.start]
        gap = gap if gap and not gap.strip(" ") else " "
        start = line_start(self.text, dash)
        return start, next_line(self.text, item.end), " " * (dash - start) + "-" + gap

    def _flow_sep(self, seq: YNode) -> str:
        items = seq.children
        if len(items) > 1:
            between = self.text[items[0].end : items[1].start]
            if "\n" not in between and "\r" not in between and between.strip(" ") == ",":
                return between
        return ", "

    def insert_after(self, unit_text: str, words: list[Word], i: int, new_words: list[str]) -> TextEdit:
        before = i < 0 or words[i].span not in self.where
        if before:  # after an implicit entrypoint word: before the first real item
            k = next((k for k in range(max(i + 1, 0), len(words)) if words[k].span in self.where), None)
            if k is None:
                raise ValueError("no sequence item to insert next to")
            seq, idx = self._locate(words, k)
        else:
            seq, idx = self._locate(words, i)
        item = seq.children[idx]
        quoted = [spell_string(w, self.styles[id(seq)], seq.flow) for w in new_words]
        if seq.flow:
            sep = self._flow_sep(seq)
            if before:
                return TextEdit(item.start, item.start, "".join(q + sep for q in quoted))
            return TextEdit(item.end, item.end, "".join(sep + q for q in quoted))
        start, end, lead = self._item_lines(seq, idx)
        nl = _newline_of(unit_text)
        lines = [lead + q for q in quoted]
        if before:
            return TextEdit(start, start, "".join(line + nl for line in lines))
        if end == len(unit_text) and not unit_text.endswith(("\n", "\r")):
            return TextEdit(end, end, "".join(nl + line for line in lines))
        return TextEdit(end, end, "".join(line + nl for line in lines))

    def delete_words(self, unit_text: str, words: list[Word], i: int, j: int) -> TextEdit:
        seq, a = self._locate(words, i)
        seq2, b = self._locate(words, j - 1)
        if seq2 is not seq:
            raise ValueError("the words span two YAML sequences")
        b += 1
        items = seq.children
        if seq.flow:
            if b < len(items):
                return TextEdit(items[a].start, items[b].start, "")
            if a > 0:
                return TextEdit(items[a - 1].end, items[b - 1].end, "")
            return TextEdit(items[a].start, items[b - 1].end, "")
        return TextEdit(self._item_lines(seq, a)[0], self._item_lines(seq, b - 1)[1], "")


class EmbeddedShellSyntax(ShellSyntax):
    """Shell words inside a YAML scalar: refuse text the scalar's style cannot hold as is."""

    def __init__(self, style: str | None, flow: bool):
        self.style = style
        self.flow = flow

    def _check(self, content: str) -> str:
        bad = {'"': '"\\', "'": "'"}.get(self.style or "", "")
        if self.style is None:
            flow_bad = self.flow and any(c in content for c in ",[]{}")
            if "#" in content or ": " in content or content.endswith(":") or flow_bad:
                raise ValueError("text cannot be written inside a plain YAML scalar")
        if any(c in content for c in bad):
            raise ValueError("text cannot be written inside this quoted YAML scalar")
        return content

    def quote(self, value: str) -> str:
        q = shell_quote(value)
        if self.style == "'" and "'" in q and not re.search(r'[$`"\\!]', value):
            q = '"' + value + '"'
        return self._check(q)

    def insert_after(self, unit_text: str, words: list[Word], i: int, new_words: list[str]) -> TextEdit:
        e = super().insert_after(unit_text, words, i, new_words)
        self._check(e.content)
        return e


def _newline_of(text: str) -> str:
    from lmimigrate.surfaces import detect_newline

    return detect_newline(text)


def _scalar_words(unit: Unit, node: YNode) -> tuple[list[list[Word]], EmbeddedShellSyntax] | None:
    """Shell commands of a script held by a YAML scalar, with spans into the file, when they can be edited."""
    if node.kind != "scalar" or node.tag is not None or node.empty:
        return None
    text = unit.text
    if node.style in ("'", '"'):
        a, b = node.token + 1, node.end - 1
    elif node.style in ("|", ">"):
        a, b = next_line(text, node.token), node.end
    else:
        a, b = node.token, node.end
    try:
        commands = shell_words(text, a, b)
        expected = shell_words(node.value, 0, len(node.value))
    except ParseError:
        return None
    # Indentation, folding and escapes make the source differ from the value; the words must still agree.
    if [[w.value for w in c] for c in commands] != [[w.value for w in c] for c in expected]:
        return None
    return commands, EmbeddedShellSyntax(node.style, _in_flow(node, text))


def _in_flow(node: YNode, text: str) -> bool:
    return node.style is None and text[node.end : node.end + 1] in (",", "]", "}")


def _seq_words(seq: YNode | None) -> list[Word] | None:
    if seq is None:
        return []
    if seq.kind != "seq" or not all(i.kind == "scalar" and i.tag in (None, "!", "!!str") for i in seq.children):
        return None
    return [Word(i.value, (i.token, i.end), not _K8S_VAR.search(i.value)) for i in seq.children]


def _cli_from_words(unit: Unit, words: list[Word], syntax: WordSyntax, label: str, image: str | None = None) -> list[Scope]:
    """The vLLM command line in `words`; with `image` (an args-only list), also a bare argument list that
    `vllm_args_scope` recognises by the image's name or by its vLLM-only flags."""
    try:
        if image is None:
            scope = vllm_scope(unit, words, syntax, label)
        else:
            scope = vllm_args_scope(unit, words, syntax, label, image=image)
    except ValueError:  # e.g. a flag and its value split between `command` and `args`
        return []
    if scope is None:
        return []
    if isinstance(syntax, YamlSeqSyntax):
        scope.complete = functools.partial(syntax.complete, unit.newline)  # type: ignore[method-assign]
    return [scope]


def _script_scopes(unit: Unit, node: YNode, label: str, implicit: bool = False,
                   scripts: list[YNode] | None = None) -> list[Scope]:
    """vLLM launches in a shell script scalar; with `implicit`, a script of bare flags is the image's server.
    A script whose scalar maps back exactly (`codec`) goes to `scripts` instead, for the caller to embed as a
    whole shell script (its exports and nested `sh -c` are read too)."""
    if scripts is not None and not implicit and decode(unit.text, node, (0, len(unit.text))) is not None:
        scripts.append(node)
        return []
    found = _scalar_words(unit, node)
    if found is None:
        return []
    commands, syntax = found
    out: list[Scope] = []
    for words in commands:
        if implicit and len(commands) == 1 and words and words[0].value.startswith("-"):
            out.extend(_implicit_scopes(unit, words, syntax, label))
        elif words:
            out.extend(_cli_from_words(unit, words, syntax, label))
    return out


def _implicit_scopes(unit: Unit, words: list[Word], syntax: WordSyntax, label: str) -> list[Scope]:
    at = words[0].span[0]
    words = [Word("vllm", (at, at)), Word("serve", (at, at))] + words
    scopes = _cli_from_words(unit, words, syntax, label)
    for s in scopes:
        s.facts["implicit_entrypoint"] = True
    return scopes


#: Helm charts pass a server's extra flags under these keys (next to `image`, or inside a `vllmConfig`).
EXTRA_ARGS_KEYS = ("extraArgs", "extraCmdArgs")


def image_name(node: YNode) -> str:
    """The image a mapping names: `image: repo:tag`, Helm's split `image: {repository: ..., tag: ...}`, or the
    `repository:` key of a production-stack model spec."""
    image = node.get("image")
    if image is not None and image.kind == "map":
        image = image.get("repository")
    elif image is None:
        image = node.get("repository")
    return image.value if is_scalar(image) and image.tag is None else ""


def _implicit_vllm(node: YNode, key: str | None = None) -> bool:
    """Args alone are vLLM server flags: the image's entrypoint is the vLLM server (vllm/vllm-openai), a model
    catalog entry says `engine: VLLM` (KubeAI), or the mapping is a chart's `vllmConfig`. Other images named
    `*vllm*` (rocm/vllm, opea/vllm-rocm) and lists dominated by vLLM-only flags go through `vllm_args_scope`,
    which also wants the list to look like arguments (flags first, or a model then flags)."""
    engine = node.get("engine")
    return ("vllm-openai" in image_name(node) or key == "vllmConfig"
            or is_scalar(engine) and engine.value.lower() == "vllm")


def _words_scopes(unit: Unit, node: YNode, first: YNode | None, second: YNode | None, label: str,
                  key: str | None = None, scripts: list[YNode] | None = None) -> list[Scope]:
    """Scopes for an entrypoint-like list (`command`/`entrypoint`) followed by an args-like one."""
    first_words, second_words = _seq_words(first), _seq_words(second)
    if first_words is None or second_words is None:
        return []
    words = first_words + second_words
    if not words:
        return []
    shell = words[0].literal and words[0].value.rsplit("/", 1)[-1] in _SHELLS
    if shell:
        items = [i for seq in (first, second) if seq is not None for i in seq.children]
        for k in (1, 2):
            if k + 1 < len(items) and re.fullmatch(r"-[a-z]*c[a-z]*", items[k].value):
                return _script_scopes(unit, items[k + 1], label, scripts=scripts)
        return []
    seqs = [s for s in (first, second) if s is not None]
    syntax = YamlSeqSyntax(unit.text, seqs, node)
    if first is None and _implicit_vllm(node, key):
        return _implicit_scopes(unit, words, syntax, label)
    engine = node.get("engine")
    if first is None and is_scalar(engine):
        return []  # a catalog entry naming another engine (KubeAI `engine: OLlama`): its args are not vLLM's
    return _cli_from_words(unit, words, syntax, label, image_name(node) if first is None else None)


def container_cli_scopes(unit: Unit, node: YNode, label: str, key: str | None = None,
                         scripts: list[YNode] | None = None) -> list[Scope]:
    """`command` + `args` of a container (or a catalog entry's `args`), else a chart's `extraArgs` list of a
    vLLM server."""
    command, args = node.get("command"), node.get("args")
    if command is None and args is None:
        extra = next((node.get(k) for k in EXTRA_ARGS_KEYS if node.get(k) is not None), None)
        if extra is None or extra.kind != "seq":
            return []
        return _words_scopes(unit, node, None, extra, label + " extra args", key)
    if command is not None and command.kind == "scalar" or args is not None and args.kind == "scalar":
        return []  # not a Kubernetes container (a string here is some other tool's schema)
    return _words_scopes(unit, node, command, args, label + " command", key, scripts)


def compose_cli_scopes(unit: Unit, service: YNode, name: str, scripts: list[YNode] | None = None) -> list[Scope]:
    label = f"service {name} command"
    entrypoint, command = service.get("entrypoint"), service.get("command")
    out: list[Scope] = []
    for node in (entrypoint, command):
        if node is not None and node.kind == "scalar":
            implicit = node is command and entrypoint is None and _implicit_vllm(service)
            out.extend(_script_scopes(unit, node, label, implicit, scripts))
    lists = [n if n is not None and n.kind == "seq" else None for n in (entrypoint, command)]
    if any(lists) and not out and not (scripts and any(n in scripts for n in (entrypoint, command))):
        out.extend(_words_scopes(unit, service, lists[0], lists[1], label, scripts=scripts))
    return out


