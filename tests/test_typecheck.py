"""`mypy` (strict, configured in pyproject.toml's [tool.mypy]) runs as part of the test command, like ruff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_is_clean():
    res = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert "No module named mypy" not in res.stderr, "mypy is a test dependency: python -m pip install -e '.[test]'"
    assert res.returncode == 0, res.stdout + res.stderr
