"""Helpers for the issue-12 (trust) tests: write a small tree, run the CLI on it, read its JSON findings.

They go through `lmimigrate.cli.main` only, so they do not depend on where the engine's modules live."""

from __future__ import annotations

import json
from pathlib import Path

from lmimigrate.cli import main


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def check(capsys, root: Path, *args: str) -> list[dict]:
    """Plain `check` (or with --fix/--diff in args); the JSON findings."""
    main(["check", str(root), *args, "--output-format", "json", "--no-cache"])
    out = capsys.readouterr().out
    return json.loads(out) if out.strip().startswith("[") else []


def fix(capsys, root: Path, *args: str, unsafe: bool = False) -> list[dict]:
    extra = ["--fix"] + (["--unsafe-fixes"] if unsafe else [])
    return check(capsys, root, *args, *extra)


def by_code(findings: list[dict], code: str) -> list[dict]:
    return [f for f in findings if f["code"] == code]


def applicability(finding: dict) -> str | None:
    return finding["fix"]["applicability"] if finding.get("fix") else None
