"""ACME's lmimigrate rules. Codes use ACME's own prefix: LMI, VLLM, HPU and LMM belong to lmimigrate."""

from __future__ import annotations

from collections.abc import Iterator

from lmimigrate.core.ftypes import Applicability, Evidence, Example, Finding, Severity
from lmimigrate.core.rule import Context, Rule


class LegacyCacheOption(Rule):
    code = "ACME001"
    name = "acme-legacy-cache-option"
    stack = "lmi"
    trigger = "always"  # ACME's own convention, not bound to an LMI release
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`option.acme_legacy_cache` was renamed to `option.acme_cache` in ACME's serving handler"
    looks_at = ("lmi:option.acme_legacy_cache",)
    # A file without this byte string is never parsed for this rule.
    tokens = (b"acme_legacy_cache", b"ACME_LEGACY_CACHE")
    # The fix writes this key: lmimigrate's catch-all rules ("not an option of the target") leave it alone.
    introduces = ("lmi:option.acme_cache",)
    docs_url = "https://wiki.example.com/lmimigrate/{code}"
    what = "Reports `option.acme_legacy_cache` in any spelling (serving.properties, `OPTION_ACME_LEGACY_CACHE`)."
    why = "ACME's handler 2.0 reads only `option.acme_cache`; the old key is ignored without a word."
    fix_safety = "Safe: the value is kept, only the key is renamed."
    evidence = (Evidence("acme-handler 2.0", "acme/handler/config.py", "cache = props.get('option.acme_cache')"),)
    invalid = (
        Example("serving.properties", "engine=Python\noption.acme_legacy_cache=true\n",
                fixed="engine=Python\noption.acme_cache=true\n"),
    )
    valid = (Example("serving.properties", "engine=Python\noption.acme_cache=true\n"),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for setting in ctx.settings("lmi", "option.acme_legacy_cache"):
            yield ctx.report(setting, "`option.acme_legacy_cache` was renamed to `option.acme_cache`",
                             edits=ctx.edits(setting.rename, "option.acme_cache"),
                             fix_message="rename to `option.acme_cache`")
