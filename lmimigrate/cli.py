"""Command line. Exit codes: 0 no findings left, 1 findings left, 2 usage/configuration/internal error."""

from __future__ import annotations

import argparse
import os
import sys

from lmimigrate import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


def _codes(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return out


def _specs(values: list[str], what: str) -> dict:
    from lmimigrate.core.versions import VersionError, parse_spec

    out = {}
    for v in values:
        try:
            stack, version = parse_spec(v)
        except VersionError as e:
            raise UsageError(f"{what} {v}: {e}") from None
        if stack in out:
            raise UsageError(f"{what} given twice for {stack}")
        out[stack] = version
    return out


def build_parser(hpu_arguments: bool = True) -> argparse.ArgumentParser:
    """`hpu_arguments=False` leaves out the hpu-buckets options (and the import of that module) when the
    command line does not use them: a pre-commit `check` run starts faster."""
    p = argparse.ArgumentParser(
        prog="lmimigrate",
        description="Find and fix what breaks when you upgrade AWS LMI (DJL Serving), vLLM or Intel Gaudi deployments.",
    )
    p.add_argument("--version", action="version", version=f"lmimigrate {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="check files (and fix them with --fix)")
    c.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    c.add_argument("--from", dest="from_", action="append", default=[], metavar="STACK==VERSION",
                   help="the version you run today, e.g. lmi==0.29.0, vllm==0.6.2 (default: detected)")
    c.add_argument("--to", action="append", default=[], metavar="STACK==VERSION",
                   help="the version you upgrade to (default: the newest the rules know)")
    c.add_argument("--fix", action="store_true", help="apply safe fixes")
    c.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply behaviour-changing fixes")
    c.add_argument("--diff", action="store_true", help="print the diffs --fix would make; write nothing")
    c.add_argument("--output-format", choices=("text", "json", "github", "sarif"), default="text")
    c.add_argument("--select", action="append", metavar="CODE,...", help="only these codes or prefixes")
    c.add_argument("--ignore", action="append", metavar="CODE,...", help="skip these codes or prefixes")
    c.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are left")
    c.add_argument("--config", metavar="FILE", help="a pyproject.toml (or TOML file) with [tool.lmimigrate]")
    c.add_argument("--fix-hard-links", action="store_true",
                   help="fix files that have other hard links by rewriting them in place (not atomic); default: refuse them")
    c.add_argument("--no-cache", action="store_true", help="do not read or write .lmimigrate_cache/")
    c.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    r = sub.add_parser("rules", help="list the rules")
    r.add_argument("--stack", choices=("lmi", "vllm", "vllm-fork", "vllm-gaudi", "tool"))
    r.add_argument("--output-format", choices=("text", "json"), default="text")

    e = sub.add_parser("explain", help="explain a rule: what, why, example, fix safety, evidence")
    e.add_argument("code")

    pl = sub.add_parser("plan", help="list every change between two versions of a stack")
    pl.add_argument("--from", dest="from_", required=True, metavar="STACK==VERSION")
    pl.add_argument("--to", required=True, metavar="STACK==VERSION")
    pl.add_argument("--output-format", choices=("text", "markdown", "json"), default="text")

    h = sub.add_parser("hpu-buckets", help="compute Gaudi linear warm-up bucket variables")
    if hpu_arguments:
        from lmimigrate.stacks.gaudi import buckets as hpu_buckets

        hpu_buckets.add_arguments(h)
    return p


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(hpu_arguments="hpu-buckets" in words or not any(w in words for w in ("check", "rules", "explain", "plan")))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    debug = getattr(args, "debug", False)
    try:
        if args.command == "check":
            from lmimigrate.core import interrupt

            with interrupt.handled():  # SIGTERM/SIGHUP stop a run like Ctrl-C: whole files, no litter
                return cmd_check(args)
        if args.command == "rules":
            from lmimigrate.explain import cmd_rules

            return cmd_rules(args)
        if args.command == "explain":
            from lmimigrate.explain import cmd_explain

            return cmd_explain(args)
        if args.command == "plan":
            from lmimigrate.plan import cmd_plan

            return cmd_plan(args)
        if args.command == "hpu-buckets":
            from lmimigrate.stacks.gaudi import buckets as hpu_buckets

            return hpu_buckets.run(args)
    except UsageError as e:
        print(f"lmimigrate: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as e:  # SIGINT, SIGTERM or SIGHUP (core/interrupt.py): files are whole
        print("lmimigrate: interrupted", file=sys.stderr)
        return getattr(e, "exit_code", 130)
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as e:  # the last line of defence: a message, not a traceback, unless --debug
        if debug:
            import traceback

            traceback.print_exc()
        print(f"lmimigrate: internal error: {type(e).__name__}: {e} (run with --debug for details)", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


def cmd_check(args) -> int:
    from lmimigrate.core import api, config, registry
    from lmimigrate.core.ftypes import Applicability

    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes needs --fix or --diff")
    paths = args.paths or ["."]
    try:
        cfg_path = args.config or config.find_pyproject(paths[0])
        cfg = config.load(cfg_path, explicit=bool(args.config))
    except config.ConfigError as e:
        raise UsageError(str(e)) from None
    from_ = _specs(args.from_ or cfg.from_, "--from")
    to = _specs(args.to or cfg.to, "--to")
    for stack, v in from_.items():
        if stack in to and v > to[stack]:
            raise UsageError(f"--from {stack}=={v} is newer than --to {stack}=={to[stack]}")
    select = _codes(args.select) or cfg.select
    ignore = _codes(args.ignore) or cfg.ignore
    unknown = [c for c in select + ignore if c != "ALL" and not any(r.code.startswith(c) for r in registry.index().entries)]
    if unknown:
        raise UsageError(f"unknown rule code or prefix: {', '.join(unknown)} (see `lmimigrate rules`)")

    fix = None
    if args.fix or args.diff:
        fix = Applicability.UNSAFE if args.unsafe_fixes else Applicability.SAFE
    opts = api.Options(
        paths=paths,
        from_=from_,
        to=to,
        rules=registry.select(select, ignore),
        fix=fix,
        write=not args.diff,
        excludes=tuple(cfg.exclude),
        per_file_ignores=cfg.per_file_ignores,
        max_file_size=cfg.max_file_size,
        debug=args.debug,
        cache=not args.no_cache,
        fix_hard_links=args.fix_hard_links,
        plugin_problems=registry.index().problems,
        config_root=os.path.dirname(os.path.abspath(cfg_path)) if cfg_path else None,
    )
    try:
        report = api.run(opts)
    except api.TargetError as e:
        raise UsageError(str(e)) from None
    for note in report.notes:
        print(f"lmimigrate: note: {note}", file=sys.stderr)
    _print_detections(report, from_)

    if args.diff:
        _print_diffs(report)
    findings = report.findings
    if args.output_format == "text":
        from lmimigrate.output import text

        text.render(findings, 0 if args.diff else report.fixed, fix if not args.diff else None)
    elif args.output_format == "json":
        from lmimigrate.output import jsonfmt

        sys.stdout.write(jsonfmt.render(findings))
    elif args.output_format == "github":
        from lmimigrate.output import github

        sys.stdout.write(github.render(findings))
    else:
        from lmimigrate.output import sarif

        sys.stdout.write(sarif.render(findings, registry.index().entries))
    if report.internal_error:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    would_change = args.diff and any(o.fixed for o in report.outcomes)
    return EXIT_FINDINGS if findings or would_change else EXIT_CLEAN


def _print_detections(report, given: dict) -> None:
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
            print(f"lmimigrate: --from {stack} not given{scope}{'; '.join(used)}", file=sys.stderr)
    from lmimigrate.core import registry

    # Said for the stacks the repository shows signs of (a finding of theirs, or an anchor, even a refused one):
    # a vLLM-only repository is not told about skipped LMI checks.
    stack_of = {r.code: r.stack for r in registry.index().entries}
    in_play = {stack_of.get(f.code) for f in report.findings} | {d.stack for d in report.detections}
    for stack, codes in report.skipped_checks.items():
        if stack in given or stack not in in_play:
            continue
        print(f"lmimigrate: the {stack} version in use is unknown (not given, not detected): {len(codes)} checks of "
              f"changed defaults skipped ({', '.join(codes)}); give --from {stack}==VERSION to run them", file=sys.stderr)


def _print_diffs(report) -> None:
    import difflib

    for o in report.outcomes:
        if o.fixed is None:
            continue
        old = o.original.decode("utf-8", "replace").splitlines(keepends=True)
        new = o.fixed.decode("utf-8", "replace").splitlines(keepends=True)
        for line in difflib.unified_diff(old, new, fromfile=f"a/{o.path}", tofile=f"b/{o.path}"):
            sys.stdout.write(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
