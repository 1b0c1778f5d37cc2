"""`lmimigrate plan`: every change on the path between two versions, from the rules themselves."""

from __future__ import annotations

import json
import sys

from lmimigrate.core.pep440 import Version

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
    title = f"Migration plan: {display(s1, frm)} -> {display(s1, to)} ({len(rows)} changes)"
    render = render_markdown if args.output_format == "markdown" else render_text
    sys.stdout.write(render(title, rows))
    return 0


def by_release(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    """The rows under their release, in the order `changes` sorted them (oldest release first)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["release"], []).append(r)
    return list(groups.items())


def md_cell(text: str) -> str:
    """Text safe inside a GitHub-flavoured markdown table cell: a `|` would end the cell, a newline the
    row, and `<` could open an HTML tag that swallows the text."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\r", "").replace("\n", "<br>")


def render_markdown(title: str, rows: list[dict]) -> str:
    out = [f"# {title}"]
    for release, group in by_release(rows):
        out += ["", f"## {md_cell(release)}", "", "| code | change | fix | evidence |", "|---|---|---|---|"]
        for r in group:
            ev = "<br>".join(md_cell(e) for e in r["evidence"])
            out.append(f"| [{r['code']}]({r['url']}) | {md_cell(r['summary'])} | {r['fix']} | {ev} |")
    return "\n".join(out) + "\n"


def render_text(title: str, rows: list[dict]) -> str:
    out = [title]
    for release, group in by_release(rows):
        out += ["", release]
        for r in group:
            out.append(f"  {r['code']:<8} [{r['fix']}] {r['summary']}")
            out += [f"  {'':<8} evidence: {e}" for e in r["evidence"]]
    return "\n".join(out) + "\n"
