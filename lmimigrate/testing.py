"""Test helpers for rule authors: a rule's own examples are its tests.

    from lmimigrate.testing import check_examples
    from acme_rules.timeouts import OldTimeout

    def test_examples():
        check_examples(OldTimeout)

`check_examples(rule)` writes each example to a temporary directory and runs `lmimigrate check` on it, as a
user would: every `invalid` example must be reported with the rule's code (and, when the example gives
`fixed`, `--fix` must produce exactly that text, a second `--fix` must change nothing, and the result must
still parse); every `valid` example must not be reported. The rule runs with every installed rule beside it
(so a catch-all rule that does not honour `introduces` shows up), and need not be installed itself.
No test framework is needed: a failure raises AssertionError with the details.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from lmimigrate import surfaces
from lmimigrate.core import api, registry
from lmimigrate.core.ftypes import Applicability, Example
from lmimigrate.core.rule import Rule
from lmimigrate.core.versions import NEWEST, parse_spec

__all__ = ["check_examples", "check_invalid", "check_valid", "run_example", "versions_for"]


def versions_for(rule: type[Rule], ex: Example) -> tuple[dict, dict]:
    """The --from/--to of an example: its own, else the rule's release (or the newest) as the target."""
    from lmimigrate.core.pep440 import Version

    frm, to = {}, {}
    if ex.from_:
        s, v = parse_spec(ex.from_)
        frm[s] = v
    if ex.to:
        s, v = parse_spec(ex.to)
        to[s] = v
    elif rule.stack in NEWEST:
        to[rule.stack] = Version(rule.changed_in) if rule.changed_in and rule.trigger != "always" else NEWEST[rule.stack]
    return frm, to


def _rules_with(rule: type[Rule]) -> list[type[Rule]]:
    rules = list(registry.all_rules())
    if rule not in rules:
        rules = [r for r in rules if r.code != rule.code] + [rule]
    return rules


def run_example(rule: type[Rule], ex: Example, tmp: Path, fix: Applicability | None = None):
    """Write the example under `tmp` (once) and check it; returns (path, report)."""
    path = tmp / ex.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(ex.source.encode("utf-8"))
    frm, to = versions_for(rule, ex)
    opts = api.Options(paths=[str(path)], from_=frm, to=to, rules=_rules_with(rule), fix=fix)
    return path, api.run(opts)


def check_invalid(rule: type[Rule], ex: Example, tmp: Path) -> None:
    path, report = run_example(rule, ex, tmp)
    codes = [f.code for f in report.findings]
    assert rule.code in codes, f"{rule.code}: example {ex.filename} not reported; got {codes}"
    assert not report.internal_error, [f.message for f in report.findings if f.code == "LMM009"]
    if ex.fixed is None:
        return
    level = Applicability.UNSAFE if ex.unsafe else Applicability.SAFE
    _, report = run_example(rule, ex, tmp, fix=level)
    got = path.read_text(encoding="utf-8")
    assert got == ex.fixed, f"{rule.code}: fixed output differs\n--- got\n{got}\n--- expected\n{ex.fixed}"
    # Idempotent: a second --fix changes nothing; the result parses.
    _, again = run_example(rule, ex, tmp, fix=level)
    assert path.read_text(encoding="utf-8") == got
    surface = surfaces.classify(os.path.basename(ex.filename))
    if surface:
        surfaces.parse_file(ex.filename, got, surface)
    if not ex.unsafe:
        # A safe fix must not need --unsafe-fixes, and the finding must be gone afterwards.
        assert rule.code not in [f.code for f in again.findings if f.fix and f.fix.applicability is Applicability.SAFE]


def check_valid(rule: type[Rule], ex: Example, tmp: Path) -> None:
    _, report = run_example(rule, ex, tmp)
    got = [f"{f.code} {f.message}" for f in report.findings if f.code == rule.code]
    assert not got, f"{rule.code}: valid example {ex.filename} reported: {got}"


def check_examples(rule: type[Rule]) -> None:
    """Run every example of `rule` (see the module docstring); raises AssertionError on the first failure."""
    assert rule.invalid, f"{rule.code} has no invalid example"
    for kind, check in (("invalid", check_invalid), ("valid", check_valid)):
        for i, ex in enumerate(getattr(rule, kind)):
            with tempfile.TemporaryDirectory(prefix=f"lmimigrate-{rule.code}-{kind}{i}-") as tmp:
                check(rule, ex, Path(tmp))
