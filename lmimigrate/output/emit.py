"""Writing a `check` run's report: which format, which stream, and what `--quiet`, `--silent`,
`--statistics`, `--show-fixes`, `--diff` and `--fix-only` leave out.

Machine formats (json, github, sarif) own standard output: anything else a run prints (the diff, detected
versions, "no files checked") goes to standard error, so the output stays valid for its reader.
"""

from __future__ import annotations

import sys
from collections import Counter

from lmimigrate.output import terminal
from lmimigrate.output.summary import fixes_rows, statistics_json, statistics_rows, summary_line

MACHINE_FORMATS = ("json", "github", "sarif")


def _layout(fmt: str) -> str:
    return "full" if fmt == "text" else fmt


def fixed_by_file(report) -> dict[str, Counter]:
    return {o.path: Counter(o.fixed_codes) for o in report.outcomes if o.fixed_codes}


def write_diffs(report, stream) -> None:
    import difflib

    for o in report.outcomes:
        if o.fixed is None:
            continue
        old = o.original.decode("utf-8", "replace").splitlines(keepends=True)
        new = o.fixed.decode("utf-8", "replace").splitlines(keepends=True)
        for line in difflib.unified_diff(old, new, fromfile=f"a/{o.path}", tofile=f"b/{o.path}"):
            stream.write(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")


def print_detections(report, given: dict, stream) -> None:
    """Where the `--from` versions came from (per directory tree when they differ), and which checks of
    changed defaults were skipped because a version in use is unknown."""
    from lmimigrate.core.versions import display

    groups = report.version_groups or [(report.pairs, report.files_checked)]
    for stack in report.pairs:
        if stack in given:
            continue
        used = []
        for pairs, _ in groups:
            pair = pairs.get(stack)
            if pair is None or pair.from_ is None or not pair.from_source:
                continue
            if pair.from_source.startswith("implied by") and "lmi" in given:
                continue
            where = pair.from_source if pair.from_source.startswith("implied by") else f"detected at {pair.from_source}"
            text = f"{display(stack, pair.from_)} {where}"
            if text not in used:
                used.append(text)
        if used:
            scope = "; per directory tree: " if len(used) > 1 else "; using "
            print(f"lmimigrate: --from {stack} not given{scope}{'; '.join(used)}", file=stream)
    from lmimigrate.core import registry

    # Said for the stacks the repository shows signs of (a finding of theirs, or an anchor, even a refused one):
    # a vLLM-only repository is not told about skipped LMI checks.
    stack_of = {r.code: r.stack for r in registry.index().entries}
    in_play = {stack_of.get(f.code) for f in report.findings} | {d.stack for d in report.detections}
    for stack, codes in report.skipped_checks.items():
        if stack in given or stack not in in_play:
            continue
        print(f"lmimigrate: the {stack} version in use is unknown (not given, not detected): {len(codes)} checks of "
              f"changed defaults skipped ({', '.join(codes)}); give --from {stack}==VERSION to run them", file=stream)


def emit(args, report, *, fix, fail_on: str, given_from: dict, names: dict[str, str], rules,
         stdin: bytes | None = None) -> None:
    """Everything a run prints. `fix`: the fix level in effect (None: report only); `stdin`: the bytes read
    from standard input (`-`), whose fixed text is the output of --fix, as with ruff, for editors and pipes."""
    out = sys.stdout
    if stdin is not None and fix is not None and not args.diff:
        fixed = next((o.fixed for o in report.outcomes if o.fixed is not None), None)
        sys.stdout.flush()
        sys.stdout.buffer.write(stdin if fixed is None else fixed)
        sys.stdout.flush()
        out = sys.stderr  # standard output carries the text; the report goes beside it
    if args.silent:
        return
    fmt = args.output_format
    if not args.quiet:
        for note in report.notes:
            print(f"lmimigrate: note: {note}", file=sys.stderr)
        print_detections(report, given_from, sys.stderr)
    if args.diff:
        write_diffs(report, sys.stderr if fmt in MACHINE_FORMATS else out)
    findings = report.findings
    files = report.files_checked
    if args.fix_only:
        rows = fixes_rows(fixed_by_file(report), names) if args.show_fixes else []
        if not args.quiet:
            rows.append(("summary", [(_fixed_only_line(report.fixed), "bold")]))
        terminal.write(rows, out)
        return
    if fmt in MACHINE_FORMATS and files == 0 and not findings and not args.quiet:
        print("lmimigrate: warning: no files checked: the paths hold no file that lmimigrate reads", file=sys.stderr)
    shown_fix = None if args.diff else fix
    if args.statistics:
        if fmt == "json":
            out.write(statistics_json(findings, names))
            return
        rows = statistics_rows(findings, names)
        if not args.quiet:
            rows += [("blank", [])] if rows else []
            rows.append(("summary", [(summary_line(findings, 0 if args.diff else report.fixed, shown_fix, files, fail_on), "bold")]))
        terminal.write(rows, out)
        return
    if fmt == "json":
        from lmimigrate.output import jsonfmt

        out.write(jsonfmt.render(findings))
    elif fmt == "github":
        from lmimigrate.output import github

        out.write(github.render(findings))
    elif fmt == "sarif":
        from lmimigrate.output import sarif

        out.write(sarif.render(findings, rules))
    else:
        from lmimigrate.output import text

        if args.show_fixes and not args.diff:
            terminal.write(fixes_rows(fixed_by_file(report), names), out)
        text.render(findings, 0 if args.diff else report.fixed, shown_fix, out, layout=_layout(fmt), quiet=args.quiet,
                    names=names, files_checked=files, fail_on=fail_on)


def _fixed_only_line(fixed: int) -> str:
    return f"Fixed {fixed} finding{'s' if fixed != 1 else ''}." if fixed else "No fixes applied."

