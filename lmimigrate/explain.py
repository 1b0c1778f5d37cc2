"""`lmimigrate explain CODE` and `lmimigrate rules`: rule docs rendered from the rule classes themselves."""

from __future__ import annotations

import json
import sys

from lmimigrate.core import registry
from lmimigrate.core.rule import Rule

FIX_WORDS = {None: "no fix", "safe": "safe fix", "unsafe": "unsafe fix", "display-only": "suggestion only"}


def _fix_word(rule: type[Rule]) -> str:
    return FIX_WORDS[rule.fix_applicability.value if rule.fix_applicability else None]


def _spec_line(ex) -> str:
    parts = []
    if ex.from_:
        parts.append(f"--from {ex.from_}")
    if ex.to:
        parts.append(f"--to {ex.to}")
    return " ".join(parts)


def markdown(rule: type[Rule]) -> str:
    out = [f"# {rule.code} {rule.name}", "", f"{rule.summary}", ""]
    out += [f"- Stack: `{rule.stack}`", f"- Changed in: {rule.version_text()}", f"- Fix: {_fix_word(rule)}"]
    if rule.looks_at:
        out.append("- Looks at: " + ", ".join(f"`{x}`" for x in rule.looks_at))
    out += ["", "## What it does", "", rule.what.strip() or rule.summary, "", "## Why is this bad?", "", rule.why.strip(), ""]
    out += ["## Example", ""]
    for ex in rule.invalid:
        spec = _spec_line(ex)
        out.append(f"`{ex.filename}`" + (f" (checked with `{spec}`)" if spec else "") + ":")
        out += ["", "```", ex.source.rstrip("\n"), "```", ""]
        if ex.fixed is not None:
            out.append("After `lmimigrate check --fix" + (" --unsafe-fixes" if ex.unsafe else "") + "`:")
            out += ["", "```", ex.fixed.rstrip("\n"), "```", ""]
    if rule.valid:
        out += ["Not reported:", ""]
        for ex in rule.valid:
            spec = _spec_line(ex)
            out.append(f"`{ex.filename}`" + (f" (`{spec}`)" if spec else "") + ":")
            out += ["", "```", ex.source.rstrip("\n"), "```", ""]
    out += ["## Fix safety", "", (rule.fix_safety.strip() or f"This rule has {_fix_word(rule)}."), ""]
    out += ["## References", ""]
    # Upstream sources only: the release, the file and what it says (Evidence.reference names lmimigrate's
    # internal notes, which are not shipped, so it is not cited).
    out += [f"- {ev.release}: `{ev.file}`: {ev.quote}" for ev in rule.evidence]
    if not rule.evidence:
        out.append("- lmimigrate's own diagnostic; no upstream change.")
    return "\n".join(out).rstrip() + "\n"


def cmd_explain(args) -> int:
    rule = registry.by_code(args.code)
    if rule is None:
        print(f"lmimigrate: error: unknown rule code {args.code!r} (see `lmimigrate rules`)", file=sys.stderr)
        return 2
    sys.stdout.write(markdown(rule))
    return 0


def cmd_rules(args) -> int:
    rules = [r for r in registry.all_rules() if not args.stack or r.stack == args.stack]
    if args.output_format == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "stack": r.stack,
                "summary": r.summary,
                "changed_in": r.changed_in,
                "removed_in": r.removed_in,
                "trigger": r.trigger,
                "severity": r.severity.value,
                "fix": r.fix_applicability.value if r.fix_applicability else None,
                "url": r.url(),
            }
            for r in rules
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    sys.stdout.write(rules_table(rules, _table_width()))
    return 0


_SHORT_FIX = {None: "-", "safe": "safe", "unsafe": "unsafe", "display-only": "hint"}


def _table_width() -> int:
    from lmimigrate.output.terminal import width

    return min(width(sys.stdout) or 80, 120)


def rules_table(rules, width: int = 80) -> str:
    """A header, then per rule a line with its code, name and fix, and its crossing and summary wrapped
    below, indented: every line fits `width` (the longest rule name is 50 characters)."""
    import textwrap

    code_w = max([len("CODE")] + [len(r.code) for r in rules]) + 2
    name_w = max([len("NAME")] + [len(r.name) for r in rules]) + 2
    lines = [f"{'CODE':<{code_w}}{'NAME':<{name_w}}FIX".rstrip()]
    wrap = textwrap.TextWrapper(width=max(width, code_w + 30), initial_indent=" " * code_w,
                                subsequent_indent=" " * code_w, break_long_words=False, break_on_hyphens=False)
    for r in rules:
        fix = _SHORT_FIX[r.fix_applicability.value if r.fix_applicability else None]
        lines.append(f"{r.code:<{code_w}}{r.name:<{name_w}}{fix}")
        lines.extend(wrap.wrap(f"{r.version_text()}: {r.summary}"))
    return "\n".join(lines) + "\n"
