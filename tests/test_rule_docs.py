"""Every finding links to its rule's page: docs/rules/<CODE>.md exists and matches `explain`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rule_docs_are_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, "run `python scripts/gen_rule_docs.py`:\n" + proc.stdout
