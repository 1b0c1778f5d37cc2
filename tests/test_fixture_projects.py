"""Fixture projects: `fixtures/projects/<name>/` holds

- `before/`: a small repository as a user has it;
- `case.json`: {"args": ["--from", "lmi==v9", "--to", "lmi==v10"], "unsafe": false,
  "findings": [["path", line, "CODE"], ...]}  (the findings a plain `check` reports, in order);
- `after/`: the whole tree expected after `check --fix` (plus `--unsafe-fixes` when "unsafe" is true).

The test copies `before/` to a temporary directory, checks that `check` reports exactly `findings`, runs the fix,
compares every file with `after/` byte for byte (unchanged files must be present in both), and runs `--fix`
once more to show nothing changes the second time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmimigrate.cli import main

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
CASES = sorted(p for p in ROOT.iterdir() if (p / "case.json").exists()) if ROOT.is_dir() else []


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _json_findings(capsys, work: Path, args: list[str]) -> list[list]:
    main(["check", str(work), *args, "--output-format", "json"])
    out = capsys.readouterr().out
    rows = json.loads(out)
    # The cases give a notebook finding's line inside its cell (json's `line` is the .ipynb's own line).
    return [[str(Path(r["path"]).relative_to(work)), r.get("cell_line", r["line"]), r["code"]] for r in rows]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture_project(case, tmp_path, capsys):
    spec = json.loads((case / "case.json").read_text())
    work = tmp_path / "repo"
    shutil.copytree(case / "before", work)
    args = list(spec.get("args", []))
    found = _json_findings(capsys, work, args)
    assert found == spec["findings"], json.dumps(found)

    fix_args = args + ["--fix"] + (["--unsafe-fixes"] if spec.get("unsafe") else [])
    main(["check", str(work), *fix_args, "--output-format", "json"])
    capsys.readouterr()
    got, want = _tree(work), _tree(case / "after")
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], f"{case.name}/{name} differs after --fix"
    main(["check", str(work), *fix_args, "--output-format", "json"])
    capsys.readouterr()
    assert _tree(work) == got, "a second --fix changed files"
