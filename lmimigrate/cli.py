"""Command line. Exit codes: 0 no findings left, 1 findings left, 2 usage/configuration/internal error."""

from __future__ import annotations

import argparse
import sys

from lmimigrate import __version__
from lmimigrate import check_command
from lmimigrate.check_command import EXIT_ERROR, UsageError, cmd_check


def build_parser(hpu_arguments: bool = True) -> argparse.ArgumentParser:
    """`hpu_arguments=False` leaves out the hpu-buckets options (and the import of that module) when the
    command line does not use them: a pre-commit `check` run starts faster."""
    p = argparse.ArgumentParser(
        prog="lmimigrate",
        description="Find and fix what breaks when you upgrade AWS LMI (DJL Serving), vLLM or Intel Gaudi deployments.",
    )
    p.add_argument("-V", "--version", action="version", version=f"lmimigrate {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="check files (and fix them with --fix)")
    check_command.add_arguments(c)

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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
