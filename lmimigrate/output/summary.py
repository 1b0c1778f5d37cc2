"""What a run adds up to: the summary line, the per-rule table (`--statistics`, and the end of long
outputs) and the list of applied fixes (`--show-fixes`)."""

from __future__ import annotations

import json
from collections import Counter

from lmimigrate.core.ftypes import Applicability, Finding, Severity
from lmimigrate.output.terminal import Row

#: Severities from the most to the least serious; `--fail-on X` fails on X and everything before it.
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_PLURAL = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "info notes"}
_SINGULAR = {Severity.ERROR: "an error", Severity.WARNING: "a warning", Severity.INFO: "an info note"}


def fails(f: Finding, fail_on: str) -> bool:
    """Does this finding fail the run at the `--fail-on` threshold?"""
    return SEVERITY_ORDER.index(f.severity) <= SEVERITY_ORDER.index(Severity(fail_on))


def _s(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _below_threshold(findings: list[Finding], fail_on: str) -> str:
    """The sentence saying which findings do not fail the run at this threshold, if any."""
    below = [f for f in findings if not fails(f, fail_on)]
    if not below:
        return ""
    kinds = [s for s in SEVERITY_ORDER if any(f.severity is s for f in below)]
    if len(below) == 1:
        what, verb = _SINGULAR[kinds[0]], "does"
    else:
        what, verb = " or ".join(_PLURAL[s] for s in kinds), "do"
    who = ("It is" if len(below) == 1 else "They are") if len(below) == len(findings) else \
        f"{len(below)} of them {'is' if len(below) == 1 else 'are'}"
    return f" {who} {what}, which {verb} not fail the run (see --fail-on)."


def summary_line(findings: list[Finding], fixed: int, mode_fix: Applicability | None,
                 files_checked: int | None = None, fail_on: str = "warning") -> str:
    n = len(findings)
    if n == 0 and not fixed and files_checked == 0:
        return "No files checked: the paths hold no file that lmimigrate reads."
    safe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
    parts = []
    if fixed:
        parts.append(f"Fixed {_s(fixed, 'finding')}")
    if n == 0:
        parts.append("no findings left" if fixed else "All checks passed!")
    else:
        parts.append(f"{n} remain{'s' if n == 1 else ''}" if fixed else f"Found {_s(n, 'finding')}")
        hints = []
        if safe and mode_fix is None:
            hints.append(f"{safe} fixable with --fix")
        if unsafe and mode_fix is not Applicability.UNSAFE:
            hints.append(f"{unsafe} more with --unsafe-fixes")
        if hints:
            parts[-1] += f" ({', '.join(hints)})"
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + ("." if not text.endswith("!") else "")
    return text + _below_threshold(findings, fail_on)


def statistics(findings: list[Finding], names: dict[str, str]) -> list[dict]:
    """One entry per code, the most frequent first."""
    counts = Counter(f.code for f in findings)
    first = {}
    fixable: Counter = Counter()
    for f in findings:
        first.setdefault(f.code, f)
        if f.fix is not None and f.fix.applicability is Applicability.SAFE:
            fixable[f.code] += 1
    return [
        {"code": code, "name": names.get(code, ""), "severity": first[code].severity.value, "count": count,
         "fixable": fixable[code]}
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def statistics_rows(findings: list[Finding], names: dict[str, str]) -> list[Row]:
    stats = statistics(findings, names)
    if not stats:
        return []
    cw = max(len(str(s["count"])) for s in stats)
    kw = max(len(s["code"]) for s in stats)
    rows: list[Row] = []
    for s in stats:
        marker = "[*]" if s["fixable"] else "   "
        rows.append(("head", [(f"{s['count']:>{cw}}  ", "bold"), (f"{s['code']:<{kw}}  ", ""),
                              (f"{s['severity']:<7}  ", "dim"), (f"{marker} {s['name']}".rstrip(), "")]))
    return rows


def statistics_json(findings: list[Finding], names: dict[str, str]) -> str:
    return json.dumps(statistics(findings, names), indent=2) + "\n"


def per_rule_rows(findings: list[Finding], names: dict[str, str]) -> list[Row]:
    """The table that ends a long output: how many of each code, `[*]` when some have a safe fix."""
    return [("head", [("Findings by rule:", "bold")])] + statistics_rows(findings, names)


def fixes_rows(fixed: dict[str, Counter], names: dict[str, str]) -> list[Row]:
    """`--show-fixes`: per file, how many findings of each code were fixed."""
    total = sum(sum(c.values()) for c in fixed.values())
    if not total:
        return []
    rows: list[Row] = [("head", [(f"Fixed {_s(total, 'finding')}:", "bold")])]
    for path, codes in fixed.items():
        rows.append(("head", [(f"- {path}:", "")]))
        for code, n in sorted(codes.items()):
            name = f" ({names[code]})" if names.get(code) else ""
            rows.append(("head", [(f"    {n} x {code}{name}", "")]))
    rows.append(("blank", []))
    return rows
