"""Every rule's VALID/INVALID examples are tests (and its docs)."""

import pytest

from lmimigrate.core import registry
from tests.rule_examples import all_examples, check_invalid, check_valid


@pytest.mark.parametrize("rule,ex", list(all_examples("invalid")))
def test_invalid_example(rule, ex, tmp_path):
    check_invalid(rule, ex, tmp_path)


@pytest.mark.parametrize("rule,ex", list(all_examples("valid")))
def test_valid_example(rule, ex, tmp_path):
    check_valid(rule, ex, tmp_path)


NO_EXAMPLE_CODES = {"LMM002", "LMM005", "LMM006", "LMM007", "LMM008", "LMM009", "LMM010"}  # tested in test_adversarial
NO_EXAMPLE_CODES.add("LMM011")  # a file named on the command line: tests/test_false_green.py
NO_EXAMPLE_CODES.add("LMM020")  # needs an installed plugin: tests/test_plugins.py
NO_EXAMPLE_CODES.add("HPU900")  # printed by `lmimigrate hpu-buckets --check`, never by `check`: tests/test_hpu_buckets.py


@pytest.mark.parametrize("rule", registry.all_rules(), ids=lambda r: r.code)
def test_rule_metadata(rule):
    import re

    assert re.fullmatch(r"(LMI|VLLM|HPU|LMM)\d{3}", rule.code), rule.code
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
    assert rule.summary and rule.why, f"{rule.code} lacks docs"
    assert rule.trigger in ("crossing", "target", "default", "always")
    if rule.stack != "tool":
        assert rule.evidence, f"{rule.code}: a rule with no evidence does not ship"
        assert rule.changed_in or rule.trigger == "always"
        assert rule.tokens, f"{rule.code}: declare prefilter tokens"
    if rule.code not in NO_EXAMPLE_CODES:
        assert rule.invalid, f"{rule.code} has no invalid example"
