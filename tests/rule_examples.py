"""Run a rule's own examples: invalid ones must be reported (and fixed as shown), valid ones must not.
The checks themselves ship with lmimigrate (lmimigrate.testing), for plugin authors too."""

from __future__ import annotations

from lmimigrate.core import registry
from lmimigrate.testing import check_invalid, check_valid, run_example, versions_for

__all__ = ["all_examples", "check_invalid", "check_valid", "run_example", "versions_for"]


def all_examples(kind: str):
    for rule in registry.all_rules():
        for i, ex in enumerate(getattr(rule, kind)):
            yield pytest_param(rule, ex, f"{rule.code}-{kind}-{i}-{ex.filename}")


def pytest_param(rule, ex, ident):
    import pytest

    return pytest.param(rule, ex, id=ident)
