"""Run a rule's own examples: invalid ones must be reported (and fixed as shown), valid ones must not."""

from __future__ import annotations

import os
from pathlib import Path

from packaging.version import Version

from lmimigrate.core import api, registry
from lmimigrate import surfaces
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.versions import NEWEST, parse_spec


def versions_for(rule, ex) -> tuple[dict, dict]:
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


def run_example(rule, ex, tmp: Path, fix: Applicability | None = None):
    path = tmp / ex.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(ex.source.encode("utf-8"))
    frm, to = versions_for(rule, ex)
    opts = api.Options(paths=[str(path)], from_=frm, to=to, rules=list(registry.all_rules()), fix=fix)
    return path, api.run(opts)


def check_invalid(rule, ex, tmp: Path) -> None:
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


def check_valid(rule, ex, tmp: Path) -> None:
    _, report = run_example(rule, ex, tmp)
    got = [f"{f.code} {f.message}" for f in report.findings if f.code == rule.code]
    assert not got, f"{rule.code}: valid example {ex.filename} reported: {got}"


def all_examples(kind: str):
    for rule in registry.all_rules():
        for i, ex in enumerate(getattr(rule, kind)):
            yield pytest_param(rule, ex, f"{rule.code}-{kind}-{i}-{ex.filename}")


def pytest_param(rule, ex, ident):
    import pytest

    return pytest.param(rule, ex, id=ident)
