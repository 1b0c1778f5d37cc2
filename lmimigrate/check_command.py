"""`lmimigrate check`: its options, how they combine with the configuration file (as ruff's do), and the
exit code.

Imported while the command line is parsed, so only the standard library is imported at the top: a
pre-commit run must not pay for rich, libcst or the rules before it knows what to do.
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
TEXT_LAYOUTS = ("full", "concise", "grouped")
FORMATS = ("text", *TEXT_LAYOUTS, "json", "github", "sarif")
MACHINE_FORMATS = ("json", "github", "sarif")
SEVERITIES = ("info", "warning", "error")


class UsageError(Exception):
    pass


def add_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); `-` reads standard input")
    c.add_argument("--from", dest="from_", action="append", default=[], metavar="STACK==VERSION",
                   help="the version you run today, e.g. lmi==0.29.0, vllm==0.6.2 (default: detected)")
    c.add_argument("--to", action="append", default=[], metavar="STACK==VERSION",
                   help="the version you upgrade to (default: the newest the rules know)")
    fixes = c.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes")
    fixes.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply behaviour-changing fixes")
    fixes.add_argument("--fix-only", action="store_true", help="apply fixes and do not report, or fail on, what is left")
    fixes.add_argument("--diff", action="store_true", help="print the diffs --fix would make; write nothing")
    fixes.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when files were fixed, even if nothing is left")
    sel = c.add_argument_group("rule selection (as ruff's: --select replaces the configured list, --extend-* add to it)")
    sel.add_argument("--select", action="append", metavar="CODE,...", help="only these codes or prefixes")
    sel.add_argument("--extend-select", action="append", metavar="CODE,...", help="these codes or prefixes as well")
    sel.add_argument("--ignore", action="append", metavar="CODE,...", help="skip these codes or prefixes")
    sel.add_argument("--extend-ignore", action="append", metavar="CODE,...", help="same as --ignore (for ruff users)")
    files = c.add_argument_group("files")
    files.add_argument("--exclude", action="append", metavar="GLOB,...", help="exclude these paths (replaces the configured list)")
    files.add_argument("--extend-exclude", action="append", metavar="GLOB,...", help="exclude these paths as well")
    files.add_argument("--force-exclude", action="store_true",
                       help="apply the excludes to files named on the command line too (pre-commit passes it)")
    files.add_argument("--stdin-filename", metavar="NAME", help="with `-`: the file name standard input stands for (picks the syntax)")
    files.add_argument("--config", metavar="FILE", help="a pyproject.toml with [tool.lmimigrate], or an lmimigrate.toml")
    files.add_argument("--fix-hard-links", action="store_true",
                       help="fix files that have other hard links by rewriting them in place (not atomic); default: refuse them")
    files.add_argument("--no-cache", action="store_true", help="do not read or write .lmimigrate_cache/")
    out = c.add_argument_group("output")
    out.add_argument("--output-format", choices=FORMATS, default="text",
                     help="text (= full), concise, grouped, json, github, sarif")
    out.add_argument("--statistics", action="store_true", help="count the findings per rule instead of listing them")
    out.add_argument("--show-fixes", action="store_true", help="with --fix, list what was fixed")
    out.add_argument("-q", "--quiet", action="store_true", help="print the findings and nothing else")
    out.add_argument("--silent", action="store_true", help="print nothing; the exit code still tells")
    out.add_argument("--fail-on", choices=SEVERITIES, default=None,
                     help="the lowest severity that fails the run (default: warning; info notes are shown, not failed on)")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are left")
    c.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def codes(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return out


def _globs(values: list[str] | None) -> list[str]:
    return [g.strip() for v in values or [] for g in v.split(",") if g.strip()]


def specs(values: list[str], what: str) -> dict:
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


def rule_selection(args, cfg) -> tuple[list[str], list[str]]:
    """(select, ignore), ruff's way: a command-line --select replaces the configured select *and* ignore;
    --ignore and every --extend-* add to what the configuration says."""
    if args.select:
        select, ignore = codes(args.select), []
    else:
        select, ignore = list(cfg.select), list(cfg.ignore)
    extra = codes(args.extend_select) + list(getattr(cfg, "extend_select", []))
    if extra and select:
        select += extra
    ignore += codes(args.ignore) + codes(args.extend_ignore)
    return select, ignore


def excludes(args, cfg) -> tuple[str, ...]:
    base = _globs(args.exclude) if args.exclude else list(cfg.exclude)
    return tuple(base + list(getattr(cfg, "extend_exclude", [])) + _globs(args.extend_exclude))


def validate(args) -> None:
    if args.unsafe_fixes and not (args.fix or args.diff or args.fix_only):
        raise UsageError("--unsafe-fixes needs --fix, --fix-only or --diff")
    if args.statistics and args.output_format in ("github", "sarif"):
        raise UsageError("--statistics works with the text formats and json, not " + args.output_format)
    paths = args.paths
    if "-" in paths:
        if len(paths) > 1:
            raise UsageError("`-` (standard input) cannot be combined with other paths")
        if not args.stdin_filename:
            raise UsageError("reading standard input (`-`) needs --stdin-filename NAME: the name picks the syntax")
    elif args.stdin_filename:
        raise UsageError("--stdin-filename is only used with `-` (standard input)")
    missing = [p for p in paths if p != "-" and not os.path.exists(p)]
    if missing:
        raise UsageError("; ".join(f"{p}: no such file or directory" for p in missing))


def load_config(args):
    from lmimigrate.core import config

    start = args.paths[0] if args.paths and args.paths[0] != "-" else (args.stdin_filename or ".")
    try:
        return config.load(args.config or config.find(start))
    except config.ConfigError as e:
        raise UsageError(str(e)) from None


def force_excluded(paths: list[str], patterns: tuple[str, ...]) -> list[str]:
    """The named files that --force-exclude drops: those the excludes (and the default ones) match."""
    from lmimigrate.core.discovery import DEFAULT_EXCLUDES, _excluded

    out = []
    for p in paths:
        if p == "-" or os.path.isdir(p):
            continue
        rel = os.path.relpath(p) if os.path.isabs(p) else os.path.normpath(p)
        if _excluded(rel, patterns + DEFAULT_EXCLUDES):
            out.append(p)
    return out


def exit_code(args, report, fail_on: str) -> int:
    from lmimigrate.output.summary import fails

    if report.internal_error:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    changed = any(o.fixed for o in report.outcomes)
    if args.diff:
        return EXIT_FINDINGS if changed or any(fails(f, fail_on) for f in report.findings) else EXIT_CLEAN
    if args.exit_non_zero_on_fix and report.fixed:
        return EXIT_FINDINGS
    if args.fix_only:
        return EXIT_CLEAN
    return EXIT_FINDINGS if any(fails(f, fail_on) for f in report.findings) else EXIT_CLEAN


def cmd_check(args) -> int:
    validate(args)
    cfg = load_config(args)
    from lmimigrate.core import api, registry
    from lmimigrate.core.ftypes import Applicability
    from lmimigrate.output import progress as progress_mod
    from lmimigrate.output.emit import emit

    from_ = specs(args.from_ or cfg.from_, "--from")
    to = specs(args.to or cfg.to, "--to")
    for stack, v in from_.items():
        if stack in to and v > to[stack]:
            raise UsageError(f"--from {stack}=={v} is newer than --to {stack}=={to[stack]}")
    select, ignore = rule_selection(args, cfg)
    entries = registry.index().entries  # what every rule is, without importing the rule packs
    unknown = [c for c in select + ignore if c != "ALL" and not any(r.code.startswith(c) for r in entries)]
    if unknown:
        raise UsageError(f"unknown rule code or prefix: {', '.join(unknown)} (see `lmimigrate rules`)")
    patterns = excludes(args, cfg)
    paths = args.paths or ["."]
    if args.force_exclude or cfg.force_exclude:
        dropped = set(force_excluded(paths, patterns))
        paths = [p for p in paths if p not in dropped]
    stdin = sys.stdin.buffer.read() if paths == ["-"] else None

    fix = None
    if args.fix or args.diff or args.fix_only:
        fix = Applicability.UNSAFE if args.unsafe_fixes else Applicability.SAFE
    bar = progress_mod.ProgressBar() if progress_mod.wanted(args.output_format, args.quiet or args.silent) else None
    opts = api.Options(
        paths=paths,
        from_=from_,
        to=to,
        rules=registry.select(select, ignore),
        fix=fix,
        write=not args.diff and stdin is None,
        excludes=patterns,
        per_file_ignores=cfg.per_file_ignores,
        max_file_size=cfg.max_file_size,
        debug=args.debug,
        cache=not args.no_cache,
        progress=bar,
        fix_hard_links=args.fix_hard_links,
        config_root=os.path.dirname(os.path.abspath(cfg.path)) if cfg.path else None,
        plugin_problems=registry.index().problems,
        stdin=(args.stdin_filename, stdin) if stdin is not None else None,
    )
    try:
        report = api.run(opts)
    except api.TargetError as e:
        raise UsageError(str(e)) from None
    finally:
        if bar is not None:
            bar.close()
    if fix is not None and not args.diff and stdin is None and report.fixed:
        from lmimigrate.core import baseline  # decisions survive the fix: record the release migrated from

        from lmimigrate.core import config

        where = cfg.path or config.find(paths[0], any_pyproject=True)  # a project's pyproject gets the table
        note = baseline.record(report, from_, where, has_from=bool(cfg.from_))
        if note:
            print(f"lmimigrate: note: {note}", file=sys.stderr)
    fail_on = args.fail_on or cfg.fail_on or "warning"
    names = {r.code: r.name for r in entries}
    emit(args, report, fix=fix, fail_on=fail_on, given_from=from_, names=names, rules=entries, stdin=stdin)
    return exit_code(args, report, fail_on)
