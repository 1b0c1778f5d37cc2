from __future__ import annotations

from lmimigrate.core.ftypes import Example, Severity
from lmimigrate.core.rule import Rule


class DuplicateKey(Rule):
    code = "LMM003"
    name = "duplicate-key"
    stack = "tool"
    trigger = "always"
    severity = Severity.WARNING
    surfaces = ("properties", "env")
    summary = "A key is set twice in the same file; only the last value is used"
    looks_at = ("lmi:*", "env:*")
    what = "Reports every earlier assignment of a key that is assigned again later in the same properties or env file."
    why = (
        "java.util.Properties (how DJL Serving reads serving.properties) and env files keep the last value. "
        "An earlier duplicate is dead configuration that readers mistake for the real value."
    )
    fix_safety = "No fix: which value you meant is your decision."
    invalid = (
        Example(
            "serving.properties",
            "option.max_rolling_batch_size=64\noption.model_id=x\noption.max_rolling_batch_size=32\n",
        ),
    )
    valid = (Example("serving.properties", "option.max_rolling_batch_size=64\noption.model_id=x\n"),)

    def check(self, ctx):
        for scope in ctx.scopes("properties", "env"):
            last = {}
            for s in scope.settings:
                if s.derived_from is None:
                    last[(s.ns, s.key)] = s
            for s in scope.settings:
                if s.derived_from is None and last[(s.ns, s.key)] is not s:
                    later = last[(s.ns, s.key)]
                    line = later.unit.index.position(later.key_span[0])[0]
                    yield ctx.report(s, f"`{s.raw_key}` is set again on line {line}; this value is ignored")
