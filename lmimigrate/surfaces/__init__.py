"""Which surface reads a file, and the dispatch to it.

A surface module exposes `parse(unit)`, which fills `unit.scopes` (and `unit.python` for Python) or raises
`ParseError`. A surface whose files hold several units (notebooks) exposes `parse_file(path, text)`.
Surface modules are imported lazily, so checking a `.properties` file never imports libcst or ruamel.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import re

from lmimigrate.core.ftypes import Finding, ParsedFile, Unit
from lmimigrate.core.patterns import lazy_pattern

# (glob on the file name, surface). First match wins; names are matched case-sensitively except
# the extension globs, which are lower-cased first.
_NAME_GLOBS: tuple[tuple[str, str | None], ...] = (  # None: a name no surface reads (*.pyi)
    ("*.properties", "properties"),
    # Templates of serving.properties: read as properties, their placeholders opaque.
    ("serving.template", "properties"),
    ("*.properties.j2", "properties"),
    ("*.properties.jinja", "properties"),
    ("*.properties.jinja2", "properties"),
    ("*.properties.tmpl", "properties"),
    ("*.properties.tpl", "properties"),
    ("*.properties.template", "properties"),
    (".env", "env"),
    (".env.*", "env"),
    ("*.env", "env"),
    ("Dockerfile", "dockerfile"),
    ("Dockerfile.*", "dockerfile"),
    ("*.Dockerfile", "dockerfile"),
    ("*.dockerfile", "dockerfile"),
    ("Containerfile", "dockerfile"),
    ("*.sh", "shell"),
    ("*.bash", "shell"),
    ("*.zsh", "shell"),
    (".envrc", "shell"),
    ("*.yaml", "yaml"),
    ("*.yml", "yaml"),
    ("*.json", "json"),
    ("*.py", "python"),
    ("*.pyi", None),
    ("*.ipynb", "notebook"),
    ("*.tf", "terraform"),
)

SURFACE_MODULES = {
    "properties": "lmimigrate.surfaces.properties",
    "env": "lmimigrate.surfaces.dotenv",
    "shell": "lmimigrate.surfaces.shell.script",
    "dockerfile": "lmimigrate.surfaces.dockerfile",
    "yaml": "lmimigrate.surfaces.yaml",
    "json": "lmimigrate.surfaces.jsonfile",
    "python": "lmimigrate.surfaces.python",
    "notebook": "lmimigrate.surfaces.notebook",
    "terraform": "lmimigrate.surfaces.terraform",
}

#: Surfaces whose files may hold text of other surfaces (notebook cells; a properties file in a Python string;
#: a shell script in a YAML block scalar): a file of these is planned with every surface's rules. A surface that
#: starts embedding text (`lmimigrate.surfaces.embed`) must be listed here.
HOSTS = frozenset({"notebook", "yaml", "python", "shell", "dockerfile"})
#: The surfaces a host may hold, where it says: its files are planned with those surfaces' rules, which count
#: only when the file holds one of the host's `EMBED_HINTS` (a host not listed here is planned with every
#: surface's rules and tokens).
HOSTED: dict[str, tuple[str, ...]] = {"python": ("properties", "env", "shell")}
#: Prefilter tokens of which a vLLM server launch holds one: `vllm serve` or `python -m vllm.entrypoints...` (the
#: vLLM stack's SERVER_MODULES and CLI_MODULE; `shell/launch.py` recognises nothing else). `serve\b`: a word
#: edge, see core/prefilter.py.
VLLM_LAUNCH_TOKENS = (b"serve\b", b"entrypoints")
#: Bytes without which a host file embeds no text (what its recogniser looks for first), as clauses
#: (tokens, and-tokens): the file holds one of a clause's tokens and, when it has and-tokens, one of those too.
#: Python (carriers.what_is): properties text has an `option.` or `engine` key, env and shell text an `OPTION_`
#: or `VLLM_` variable, and a launch command `vllm` and one of VLLM_LAUNCH_TOKENS: "vllm" alone is in every module
#: of a vLLM code base.
EMBED_HINTS: dict[str, tuple[tuple[tuple[bytes, ...], tuple[bytes, ...]], ...]] = {
    "python": (((b"option.", b"engine=", b"OPTION_", b"VLLM_"), ()), (VLLM_LAUNCH_TOKENS, (b"vllm",))),
}

#: Comment markers per surface, for suppression comments.
COMMENTS = {
    "properties": ("#", "!"),
    "json": (),
    "notebook": ("#",),
    "terraform": ("#", "//"),
}


#: Files read only to detect the versions in use (never rewritten); globs on the path relative to the tree.
PIN_GLOBS = ("requirements*.txt", "requirements/*.txt", "pyproject.toml", "constraints*.txt", "setup.cfg")

#: A shell script without an extension is recognised by its first line (what `file` and editors do).
_SHELL_SHEBANG = lazy_pattern(rb"#![ \t]*(?:/usr)?(?:/local)?/bin/(?:env[ \t]+(?:-\S+[ \t]+)*)?(?:ba|z|k|da|a)?sh\b")
SNIFF_BYTES = 128


def _plain_tests(globs: tuple[tuple[str, str | None], ...]) -> tuple[tuple[str, str, bool, str | None], ...]:
    """Each name glob as a string test, in order: `classify` runs for every file of a repository, and fnmatch
    over every glob was a third of a warm run. ("suffix", ".py") for `*.py` and `*.properties.j2`,
    ("prefix", "Dockerfile.") for `Dockerfile.*`, ("exact", name); other globs stay fnmatch patterns."""
    out = []
    for glob, surface in globs:
        wild = any(c in glob for c in "*?[")
        if glob.startswith("*") and not any(c in glob[1:] for c in "*?["):
            kind, body = "suffix", glob[1:]
        elif glob.endswith("*") and not any(c in glob[:-1] for c in "*?["):
            kind, body = "prefix", glob[:-1]
        else:
            kind, body = ("glob" if wild else "exact"), glob
        out.append((kind, body, glob.startswith("*."), surface))
    return tuple(out)


_NAME_TESTS = _plain_tests(_NAME_GLOBS)


def classify(path: str) -> str | None:
    """The surface that reads a file, decided by its name (see `classify_content` for extensionless scripts).
    The first matching glob of `_NAME_GLOBS` wins; `*.ext` globs also match the lower-cased name."""
    name = os.path.basename(path)
    lower = name.lower()
    for kind, body, ext, surface in _NAME_TESTS:
        if kind == "suffix":
            hit = name.endswith(body) or (ext and lower.endswith(body))
        elif kind == "exact":
            hit = name == body
        elif kind == "prefix":
            hit = name.startswith(body)
        else:
            hit = fnmatch.fnmatchcase(name, body) or (ext and fnmatch.fnmatchcase(lower, body))
        if hit:
            return surface
    return None


def sniffable(path: str) -> bool:
    """A name that says nothing about its content (no extension, not a dotfile): its first line decides."""
    name = os.path.basename(path)
    return bool(name) and "." not in name and classify(name) is None


def classify_content(path: str, head: bytes) -> str | None:
    """`classify`, and for a sniffable name, "shell" when `head` (the first bytes) is a shell shebang."""
    surface = classify(path)
    if surface is None and sniffable(path) and _SHELL_SHEBANG.match(head):
        return "shell"
    return surface


def is_pin_file(rel: str) -> bool:
    rel = rel.replace(os.sep, "/")
    name = rel.rsplit("/", 1)[-1]
    return any(_star_match(name, p) or _star_match(rel, "*/" + p) or _star_match(rel, p) for p in PIN_GLOBS)


def _star_match(text: str, glob: str) -> bool:
    """`fnmatch.fnmatchcase(text, glob)` for a glob whose only wildcard is `*` (which, as in fnmatch, also
    matches `/`): without compiling a regular expression per glob, which was most of a one-file run's
    version planning."""
    parts = glob.split("*")
    if len(parts) == 1:
        return text == glob
    head, *middle, tail = parts
    if len(text) < len(head) + len(tail) or not text.startswith(head) or not text.endswith(tail):
        return False
    pos, end = len(head), len(text) - len(tail)
    for piece in middle:
        pos = text.find(piece, pos, end)
        if pos < 0:
            return False
        pos += len(piece)
    return True


def _glob_regex(glob: str, fold: bool) -> str:
    out = "".join("[^/]*" if ch == "*" else re.escape(ch) for ch in glob)
    return f"(?i:{out})" if fold else out


def hook_files_regex() -> str:
    """The pre-commit `files` pattern for every name `classify` or `is_pin_file` accepts, plus sniffable names
    (the tool reads those only when they start with a shell shebang, and passes over the rest quietly)."""
    alts = [_glob_regex(g, g.startswith("*.")) for g, surface in _NAME_GLOBS if surface is not None]
    alts += [_glob_regex(g, False) for g in PIN_GLOBS]
    alts.append("[^/.]+")
    return "(^|/)(" + "|".join(alts) + ")$"


def detect_newline(text: str) -> str:
    i = text.find("\n")
    r = text.find("\r")
    if r >= 0 and (i < 0 or r < i):
        return "\r\n" if text.startswith("\r\n", r) else "\r"
    return "\n"


def parse_file(path: str, text: str, surface: str) -> ParsedFile:
    """Parse a decoded file. Raises ParseError."""
    module = importlib.import_module(SURFACE_MODULES[surface])
    if hasattr(module, "parse_file"):
        parsed: ParsedFile = module.parse_file(path, text)
        return parsed
    unit = Unit(
        text=text,
        surface=surface,
        newline=detect_newline(text),
        comment_prefixes=COMMENTS.get(surface, ("#",)),
    )
    module.parse(unit)
    return ParsedFile(path=path, units=[unit])


def file_positions(surface: str, text: str, findings: list[Finding]) -> None:
    """Let the surface place findings in the raw file when its units are not the file's text (a notebook's
    cells): a surface module may define `file_positions(text, findings)`, which sets `Finding.file_position`."""
    module = importlib.import_module(SURFACE_MODULES[surface])
    hook = getattr(module, "file_positions", None)
    if hook is not None:
        hook(text, findings)
