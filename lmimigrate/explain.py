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
    for ev in rule.evidence:
        line = f"- {ev.release}: `{ev.file}`: {ev.quote}"
        if ev.reference:
            line += f" (verified in lmimigrate's reference: {ev.reference})"
        out.append(line)
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
    for r in rules:
        ver = f"{r.stack} {r.changed_in}" if r.changed_in else r.stack
        sys.stdout.write(f"{r.code:<8} {r.name:<44} {ver:<18} {_fix_word(r):<15} {r.summary}\n")
    return 0
