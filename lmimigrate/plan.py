"""`lmimigrate plan`: every change on the path between two versions, from the rules themselves."""

from __future__ import annotations

import json
import sys

from packaging.version import Version

from lmimigrate.core import registry
from lmimigrate.explain import _fix_word
from lmimigrate.core.versions import VersionError, VersionPair, display, parse_spec
from lmimigrate.stacks.lmi.versions import lmi_bundled_vllm


def changes(stack: str, frm: Version, to: Version) -> list[dict]:
    pairs = {stack: VersionPair(stack, frm, to)}
    if stack == "lmi":
        vf, vt = lmi_bundled_vllm(frm), lmi_bundled_vllm(to)
        if vt is not None:
            pairs["vllm"] = VersionPair("vllm", vf, vt)
    rows = []
    for rule in registry.all_rules():
        pair = pairs.get(rule.stack)
        if pair is None or rule.changed_in is None:
            continue
        changed = Version(rule.changed_in)
        if not (pair.from_ is None or pair.from_ < changed) or changed > pair.to:
            if not (rule.trigger == "target" and pair.to >= changed):
                continue
            if rule.trigger == "target" and pair.from_ is not None and pair.from_ >= changed:
                continue
        rows.append(
            {
                "code": rule.code,
                "stack": rule.stack,
                "release": display(rule.stack, changed),
                "version": str(changed),
                "summary": rule.summary,
                "fix": _fix_word(rule),
                "evidence": [f"{e.release}: {e.file}: {e.quote}" for e in rule.evidence],
                "url": rule.url(),
            }
        )
    rows.sort(key=lambda r: (r["stack"] != stack, Version(r["version"]), r["code"]))
    return rows


def cmd_plan(args) -> int:
    try:
        s1, frm = parse_spec(args.from_)
        s2, to = parse_spec(args.to)
    except VersionError as e:
        print(f"lmimigrate: error: {e}", file=sys.stderr)
        return 2
    if s1 != s2:
        print("lmimigrate: error: --from and --to must name the same stack", file=sys.stderr)
        return 2
    if frm > to:
        print("lmimigrate: error: --from is newer than --to", file=sys.stderr)
        return 2
    rows = changes(s1, frm, to)
    if args.output_format == "json":
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    md = args.output_format == "markdown"
    title = f"Migration plan: {display(s1, frm)} -> {display(s1, to)} ({len(rows)} changes)"
    out = [f"# {title}" if md else title, ""]
    if md:
        out += ["| release | code | change | fix | evidence |", "|---|---|---|---|---|"]
        for r in rows:
            ev = "<br>".join(r["evidence"]).replace("|", "\\|")
            out.append(f"| {r['release']} | [{r['code']}]({r['url']}) | {r['summary']} | {r['fix']} | {ev} |")
    else:
        for r in rows:
            out.append(f"{r['release']:<22} {r['code']:<8} [{r['fix']}] {r['summary']}")
            for e in r["evidence"]:
                out.append(f"{'':<31} evidence: {e}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0
