"""Which surface reads a file, and the dispatch to it.

A surface module exposes `parse(unit)`, which fills `unit.scopes` (and `unit.python` for Python) or raises
`ParseError`. A surface whose files hold several units (notebooks) exposes `parse_file(path, text)`.
Surface modules are imported lazily, so checking a `.properties` file never imports libcst or ruamel.
"""

from __future__ import annotations

import fnmatch
import importlib
import os

from lmimigrate.core.ftypes import ParsedFile, Unit

# (glob on the file name, surface). First match wins; names are matched case-sensitively except
# the extension globs, which are lower-cased first.
_NAME_GLOBS: tuple[tuple[str, str], ...] = (
    ("*.properties", "properties"),
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
    "env": "lmimigrate.surfaces.envfile",
    "shell": "lmimigrate.surfaces.envfile",
    "dockerfile": "lmimigrate.surfaces.envfile",
    "yaml": "lmimigrate.surfaces.yamlfile",
    "json": "lmimigrate.surfaces.jsonfile",
    "python": "lmimigrate.surfaces.python",
    "notebook": "lmimigrate.surfaces.notebook",
    "terraform": "lmimigrate.surfaces.terraform",
}

#: Comment markers per surface, for suppression comments.
COMMENTS = {
    "properties": ("#", "!"),
    "json": (),
    "notebook": ("#",),
    "terraform": ("#", "//"),
}


def classify(path: str) -> str | None:
    name = os.path.basename(path)
    lower = name.lower()
    for glob, surface in _NAME_GLOBS:
        if fnmatch.fnmatchcase(name, glob) or (glob.startswith("*.") and fnmatch.fnmatchcase(lower, glob)):
            return surface
    return None


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
        return module.parse_file(path, text)
    unit = Unit(
        text=text,
        surface=surface,
        newline=detect_newline(text),
        comment_prefixes=COMMENTS.get(surface, ("#",)),
    )
    module.parse(unit)
    return ParsedFile(path=path, units=[unit])
