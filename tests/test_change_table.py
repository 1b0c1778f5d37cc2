"""core/changes.py: one `KeyChange` row type, one factory and one naming scheme for the table-made rules."""

from __future__ import annotations

import pytest

from lmimigrate.core import registry
from lmimigrate.core.changes import ACTIONS, KeyChange, class_name, key_tokens, make_rule, rule_classes
from lmimigrate.core.ftypes import Applicability, Evidence, Severity
from lmimigrate.core.rule import Rule

EVIDENCE = (Evidence("acme 2.0", "acme/args.py", "`--old-cache` absent", "changelog"),)


def _row(code: str = "ACME001", name: str = "old-cache-removed", action: str = "delete", **kw) -> KeyChange:
    base = dict(namespace="vllm", summary="`--old-cache` was removed", why="It was removed.", evidence=EVIDENCE)
    return KeyChange(code, name, "", ("old_cache",), "2.0", action, **{**base, **kw})


class Base(Rule):
    stack = "vllm"
    severity = Severity.ERROR


def test_a_row_becomes_a_rule_named_by_its_code_with_the_row_metadata():
    cls = make_rule(_row(removed_in="3.0", fix=Applicability.UNSAFE), Base, "acme.rules")
    assert cls.__name__ == cls.__qualname__ == "RuleACME001" == class_name("ACME001")
    assert issubclass(cls, Base) and cls.__module__ == "acme.rules"
    assert (cls.code, cls.name, cls.stack, cls.changed_in, cls.removed_in) == (
        "ACME001", "old-cache-removed", "vllm", "2.0", "3.0")
    assert cls.trigger == "crossing" and cls.severity is Severity.ERROR
    assert cls.fix_applicability is Applicability.UNSAFE
    assert cls.looks_at == ("vllm:old_cache",) and cls.evidence == EVIDENCE


def test_the_prefilter_tokens_come_from_the_keys():
    cls = make_rule(_row(), Base, "acme.rules")
    assert cls.tokens == (b"old_cache", b"old-cache") == key_tokens(["old_cache"])
    assert key_tokens(["a-b", "a_b"]) == (b"a-b", b"a_b")


def test_key_tokens_let_a_mixed_spelling_through_by_its_last_two_words():
    # `--max-seq_len-to-capture` holds neither full spelling of `max_seq_len_to_capture`, only its tail.
    tokens = key_tokens(["max_seq_len_to_capture"])
    assert tokens == (b"max_seq_len_to_capture", b"max-seq-len-to-capture", b"to_capture", b"to-capture")
    assert any(t in b"vllm serve m --max-seq_len-to-capture 8192" for t in tokens)


def test_the_base_class_adds_its_own_attributes_and_the_row_overrides_what_it_words():
    class Worded(Base):
        @classmethod
        def row_attrs(cls, row):
            return {"what": f"Reports {row.keys[0]}.", "severity": Severity.INFO}

        @classmethod
        def tokens_of(cls, row):
            return (b"acme",)

    cls = make_rule(_row(), Worded, "acme.rules")
    assert (cls.what, cls.severity, cls.tokens) == ("Reports old_cache.", Severity.INFO, (b"acme",))
    assert make_rule(_row(what="Reports the old cache flag."), Worded, "m").what == "Reports the old cache flag."


def test_default_changes_trigger_on_a_known_source_and_a_row_may_name_its_trigger():
    assert make_rule(_row(action="default-changed"), Base, "m").trigger == "default"
    assert make_rule(_row(), Base, "m").trigger == "crossing"  # the base class's

    class Targeted(Base):
        trigger = "target"

    assert make_rule(_row(), Targeted, "m").trigger == "target"
    assert make_rule(_row(trigger="target"), Base, "m").trigger == "target"
    assert make_rule(_row(stack="vllm-gaudi", severity=Severity.INFO), Base, "m").stack == "vllm-gaudi"


def test_rows_are_checked_when_they_are_written():
    with pytest.raises(ValueError, match="unknown action"):
        _row(action="drop")
    with pytest.raises(ValueError, match="needs `new_key`"):
        _row(action="rename")
    assert _row(action="rename", new_key="new_cache").new_key == "new_cache"
    assert _row(action="rename", new_value={"old.module": "new.module"}).new_value
    with pytest.raises(ValueError, match="one \\(old, new\\) pair per key"):
        _row(action="default-changed", defaults=(("1", "2"), ("3", "4")))
    assert set(ACTIONS) == {"delete", "rename", "switch", "revalue", "nested-delete", "default-changed"}


def test_rule_classes_defines_one_class_per_row_and_refuses_a_second_definition():
    namespace = {"__name__": "acme.rules"}
    made = rule_classes([_row(), _row(code="ACME002", name="x")], Base, namespace)
    assert [c.__name__ for c in made] == ["RuleACME001", "RuleACME002"]
    assert namespace["RuleACME002"] is made[1]
    with pytest.raises(ValueError, match="already defined"):
        rule_classes([_row()], Base, namespace)


def test_every_table_made_builtin_rule_follows_the_one_naming_scheme():
    made = [r for r in registry.all_rules() if isinstance(getattr(r, "row", None), KeyChange)]
    assert len(made) >= 85
    assert {r.code for r in made} >= {"VLLM010", "VLLM017", "VLLM061", "VLLM200", "LMI021", "HPU002", "HPU007", "HPU020"}
    for r in made:
        assert r.row.code == r.code
        if "row" in vars(r) and r.__name__.startswith("Rule"):
            assert r.__name__ == class_name(r.code)


def test_a_new_vllm_rename_is_one_row(monkeypatch):
    """The newcomer's path (docs/changes.md): one `KeyChange` row gives a rule whose generated examples (a
    command line and a vLLM --config file, fixed and quiet) pass the example harness. The row restates VLLM085,
    which is left out of the run so that one rule reports."""
    from lmimigrate.rules.vllm.common import ev
    from lmimigrate.rules.vllm.flags import FlagChangeRule
    from lmimigrate.testing import check_examples

    row = KeyChange(
        "VLLM999", "chat-template-text-format-renamed", "§3.6 L8", ("chat_template_text_format",), "0.6.5", "rename",
        namespace="vllm", new_key="chat_template_content_format", samples={"cli": "openai", "yaml": "openai"},
        summary="`--chat-template-text-format` was renamed `--chat-template-content-format` in vllm 0.6.5",
        why="0.6.5 replaced the flag.", fix_safety="Safe: same values, same meaning.",
        evidence=(ev("vllm 0.6.5", "vllm/entrypoints/openai/cli_args.py", "flag renamed", "§3.6 L8"),),
    )
    rule = make_rule(row, FlagChangeRule, "tests.test_change_table")
    assert rule.__name__ == "RuleVLLM999" and rule.severity is Severity.ERROR
    assert {b"chat_template_text_format", b"chat-template-text-format"} <= set(rule.tokens_for("shell"))
    # vLLM settings in Python: the key, where the file also says vllm and calls LLM or launches vllm serve
    assert rule.tokens_for("python") == rule.tokens_for("shell")
    assert rule.and_tokens_for("python") == ((b"vllm",), (b"\bLLM\b", b"EngineArgs", b"serve\b", b"entrypoints"))
    assert [ex.filename for ex in rule.invalid] == ["run.sh", "vllm-config.yaml"]
    assert all("--chat-template-content-format openai" in ex.fixed for ex in rule.invalid[:1])
    others = tuple(r for r in registry.all_rules() if r.code != "VLLM085")
    monkeypatch.setattr(registry, "all_rules", lambda: others)
    check_examples(rule)
