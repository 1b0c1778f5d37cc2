"""The layout's promises: the core and the surfaces know no stack and no rule pack (stacks register their
knowledge with them), so adding a stack or a surface never means editing the other side."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("lmimigrate.stacks", "lmimigrate.rules")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def _offenders(folder: str, root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / "lmimigrate" / folder).rglob("*.py")):
        for line, name in _imports(path):
            if name.startswith(FORBIDDEN) or name in ("lmimigrate.stacks", "lmimigrate.rules"):
                out.append(f"{path.relative_to(root)}:{line}: {name}")
    return out


def test_core_imports_no_stack_and_no_rule_pack():
    assert _offenders("core") == []


def test_surfaces_import_no_stack_and_no_rule_pack():
    assert _offenders("surfaces") == []


def test_the_check_sees_an_offending_import(tmp_path):
    # The scan itself must be able to fail: a planted import is reported.
    pkg = tmp_path / "lmimigrate" / "core"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text("from lmimigrate.stacks.lmi import versions\nimport lmimigrate.rules.vllm\n")
    assert {o.split(":")[1] for o in _offenders("core", tmp_path)} == {"1", "2"}


#: Rules ask a scope (or the Python module model) for edits and never spell syntax: no rule module may use the
#: text-edit type or import the modules that build edits.
EDIT_TYPE = "TextEdit"
EDIT_BUILDERS = ("lmimigrate.core.scopeops", "lmimigrate.surfaces.python.edits", "lmimigrate.surfaces.python.literals",
                 "lmimigrate.surfaces.shell.words", "lmimigrate.surfaces.text")


def _edit_offenders(root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / "rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Attribute) and node.attr == EDIT_TYPE:
                names = [EDIT_TYPE]
            bad = [n for n in names if n == EDIT_TYPE or n.endswith("." + EDIT_TYPE)
                   or any(n == m or n.startswith(m + ".") for m in EDIT_BUILDERS)]
            if bad:
                out.append(f"{path.relative_to(root)}:{node.lineno}: {bad[0]}")
    return out


def test_rules_build_no_text_edits():
    assert _edit_offenders() == []


def test_the_edit_check_sees_a_planted_import(tmp_path):
    pkg = tmp_path / "rules" / "vllm"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text(
        "from lmimigrate.core.ftypes import Severity, TextEdit\n"
        "from lmimigrate.core.scopeops import merge_deletions\n"
        "import lmimigrate.surfaces.python.edits\n"
        "from lmimigrate.core import ftypes\n"
        "edit = ftypes.TextEdit(0, 1, '')\n"
        "from lmimigrate.core.ftypes import Severity as S\n"
    )
    assert [o.split(":")[1] for o in _edit_offenders(tmp_path)] == ["1", "2", "3", "5"]


def test_applicability_is_ordered_like_ruff():
    from lmimigrate.core.ftypes import Applicability as A

    assert A.SAFE < A.UNSAFE < A.DISPLAY and sorted([A.DISPLAY, A.SAFE, A.UNSAFE]) == [A.SAFE, A.UNSAFE, A.DISPLAY]
    assert A.SAFE.applies_at(A.SAFE) and not A.UNSAFE.applies_at(A.SAFE)
    assert A.UNSAFE.applies_at(A.UNSAFE) and A.SAFE.applies_at(A.UNSAFE)
    assert not A.DISPLAY.applies_at(A.UNSAFE) and not A.DISPLAY.applies_at(A.DISPLAY)
