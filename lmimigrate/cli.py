"""Command line. Exit codes: 0 no findings left, 1 findings left, 2 usage/configuration/internal error."""

from __future__ import annotations

import argparse
import gc
import sys

from lmimigrate import __version__
from lmimigrate import check_command
from lmimigrate.check_command import EXIT_ERROR, UsageError, cmd_check


COMMANDS = ("check", "rules", "explain", "plan", "hpu-buckets")


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, with the terminal width read without `shutil`: argparse makes a formatter for
    every `add_argument`, and its default one imports `shutil` (and with it bz2, lzma, fnmatch) to ask."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        if width is None:
            from lmimigrate.output.terminal import width as columns

            width = (columns(sys.__stdout__) or 80) - 2  # shutil.get_terminal_size's answer, less 2 as argparse does
        super().__init__(prog, indent_increment, max_help_position, width)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line parser. `only` builds just that subcommand (what `main` does when the command line
    names one): a pre-commit `check` run does not pay for the other commands' arguments."""
    p = argparse.ArgumentParser(
        prog="lmimigrate",
        description="Find and fix what breaks when you upgrade AWS LMI (DJL Serving), vLLM or Intel Gaudi deployments.",
        formatter_class=_HelpFormatter,
    )
    p.add_argument("-V", "--version", action="version", version=f"lmimigrate {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def wanted(name: str) -> bool:
        return only is None or only == name

    if wanted("check"):
        c = sub.add_parser("check", help="check files (and fix them with --fix)", formatter_class=_HelpFormatter)
        check_command.add_arguments(c)
    if wanted("rules"):
        r = sub.add_parser("rules", help="list the rules", formatter_class=_HelpFormatter)
        r.add_argument("--stack", choices=("lmi", "vllm", "vllm-fork", "vllm-gaudi", "tool"))
        r.add_argument("--output-format", choices=("text", "json"), default="text")
    if wanted("explain"):
        e = sub.add_parser("explain", help="explain a rule: what, why, example, fix safety, evidence", formatter_class=_HelpFormatter)
        e.add_argument("code")
    if wanted("plan"):
        pl = sub.add_parser("plan", help="list every change between two versions of a stack", formatter_class=_HelpFormatter)
        pl.add_argument("--from", dest="from_", required=True, metavar="STACK==VERSION")
        pl.add_argument("--to", required=True, metavar="STACK==VERSION")
        pl.add_argument("--output-format", choices=("text", "markdown", "json"), default="text")
    if wanted("hpu-buckets"):
        from lmimigrate.stacks.gaudi import buckets as hpu_buckets

        h = sub.add_parser("hpu-buckets", help="compute Gaudi linear warm-up bucket variables", formatter_class=_HelpFormatter)
        hpu_buckets.add_arguments(h)
    return p


def _command(words: list[str]) -> str | None:
    """The subcommand a command line names, when it names one before any other positional word."""
    for w in words:
        if w == "--":
            return None
        if not w.startswith("-"):
            return w if w in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        if argv is None:
            # The process's own command line (the console script, `python -m lmimigrate`): it exits next, and
            # the interpreter's last pass of the cycle collector over every object the run made cost ~10 ms
            # of a one-file check. Our objects need no such pass (files are closed by `with`, pools and
            # temporary files by their own handlers), so they are moved out of the collector's sight.
            gc.freeze()


def _main(argv: list[str] | None) -> int:
    # A run allocates many long-lived objects (syntax trees, rule tables) and few reference cycles: with the
    # default threshold (700) the cycle collector re-scans them over and over (~10% of a Python file's check).
    gc.set_threshold(100_000, 20, 20)
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(only=_command(words))
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
