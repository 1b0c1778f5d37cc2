"""The rule behind the import-path table (python_imports.py): one `KeyChange` row per upstream move becomes one
rule class. A `from OLD import a, b` statement is rewritten (by the Python surface's `rewrite_import`) only when every
imported name has a verified new home in the target release.
"""

from __future__ import annotations

from lmimigrate.core.record import record

from lmimigrate.core.pep440 import Version
from lmimigrate.core.prefilter import dotted

from lmimigrate.core.changes import KeyChange
from lmimigrate.core.ftypes import Applicability, Severity
from lmimigrate.core.rule import Rule

from .python_program import program


@record(frozen=True)
class Move:
    new_module: str
    new_name: str | None = None  # None: same name
    since: str = "0"  # first release where new_module exports the name


# I5's second hop: the 0.29 module itself moved in 0.33.0.
_SECOND_HOP = {"vllm.entrypoints.launchers.cli_args": ("vllm.entrypoints.common.cli_args", "0.33.0")}
_CLI_ARGS_NAMES = ("make_arg_parser", "FrontendArgs", "validate_parsed_serve_args")


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _matches(module: str, patterns: tuple[str, ...]) -> str | None:
    for p in patterns:
        if p.endswith(".*"):
            base = p[:-2]
            if module == base or module.startswith(base + "."):
                return p
        elif module == p:
            return p
    return None


def _bases(row: KeyChange) -> list[str]:
    return [m.rstrip("*").rstrip(".") for m in row.keys]


def _modules(row: KeyChange) -> tuple[bytes, ...]:
    return tuple(sorted({dotted(m) for m in _bases(row)}))


class ImportMoved(Rule):
    """Base of the rules made from python_imports.ROWS: keys are the old modules (a trailing ".*" also matches
    submodules), `new_value` maps (old module, name) to its `Move`, `extra["module_gone"]` is False when only the
    listed names moved, `extra["fix_note"]` completes the fix's description."""

    stack = "vllm"
    trigger = "target"
    severity = Severity.ERROR
    surfaces = ("python", "notebook")
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...] | dict[str, tuple[bytes, ...]]:
        if not row.extra.get("module_gone", True):
            return tuple(sorted({name.encode() for _, name in row.new_value}))
        # A Python file names the old module in full (`import`, `from ... import`); a notebook's JSON may split
        # a statement over escaped lines, so there its last name counts.
        return {"python": _modules(row), "*": tuple(sorted({m.rsplit(".", 1)[-1].encode() for m in _bases(row)}))}

    @classmethod
    def and_tokens_of(cls, row: KeyChange) -> tuple[bytes, ...] | dict[str, tuple[bytes, ...]]:
        if not row.extra.get("module_gone", True):  # a moved name, imported from its old module
            return {"python": _modules(row), "*": (b"vllm",)}
        return (b"vllm",)

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        note = row.extra.get("fix_note", "")
        return dict(
            and_tokens=cls.and_tokens_of(row),
            removed_in=row.removed_in if row.removed_in and row.removed_in != row.changed_in else None,
            looks_at=tuple(f"python:{m.rstrip('.*')}" for m in row.keys),
            what=f"Reports Python imports from {', '.join('`' + m.rstrip('.*') + '`' for m in row.keys)} "
            f"when the target release is vllm {row.changed_in} or newer ({row.source}).",
            fix_safety=(
                "Safe: `from OLD import name` is rewritten to the new module only when every imported name exists "
                "there in the target release (verified in the release sources); `import OLD` statements, star imports "
                "and names without a verified new home are reported without a fix. " + note
                if row.new_value else "No fix: the replacement depends on what the code uses."
            ),
        )

    def _new_home(self, module: str, name: str, to: Version) -> Move | None:
        mv = (self.row.new_value or {}).get((module, name))
        if mv is None or to < Version(mv.since):
            return None
        new_module = mv.new_module
        hop = _SECOND_HOP.get(new_module)
        if hop and to >= Version(hop[1]) and name in _CLI_ARGS_NAMES:
            new_module = hop[0]
        return Move(new_module, mv.new_name, mv.since)

    def check(self, ctx):
        prog = program(ctx)
        if prog is None:
            return
        pair = ctx.pair()
        row = self.row
        moves, module_gone = row.new_value or {}, row.extra.get("module_gone", True)
        removed = Version(row.removed_in or row.changed_in)
        severity = Severity.ERROR if pair.to >= removed else Severity.WARNING
        for unit, mod, imp in prog.imports():
            if not imp.is_from:
                if not module_gone:
                    continue
                for n in imp.names:
                    if any(_matches(m, row.keys) for m in _prefixes(n.name)):
                        yield ctx.report((unit, *n.span), f"`import {n.name}`: {row.summary}; update the module "
                                         "path and its uses by hand", severity=severity)
                continue
            if imp.level or not imp.module or not _matches(imp.module, row.keys):
                continue
            hop = _SECOND_HOP.get(imp.module)
            if hop and pair.to < Version(hop[1]):
                continue
            if module_gone:
                names = list(imp.names)
            else:  # the module stays: only the moved names matter
                names = [n for n in imp.names if (imp.module, n.name) in moves]
                if not names:
                    continue
            homes = [self._new_home(imp.module, n.name, pair.to) for n in names]
            edits = None
            if mod.plain(imp) and names and all(h is not None for h in homes):
                if all(h.new_module == imp.module for h in homes):
                    edits = [e for n, h in zip(names, homes) if h.new_name for e in n.rename(h.new_name, keep_local=True)]
                elif len(names) == len(imp.names):
                    edits = ctx.edits(mod.rewrite_import, imp, [(h.new_module, h.new_name or n.name)
                                                               for n, h in zip(imp.names, homes)], unit.newline or "\n")
            what = ", ".join(f"`{n.name}`" for n in names)
            if not edits:
                missing = [n.name for n, h in zip(names, homes) if h is None]
                hint = f" ({', '.join(missing)}: no verified new home; update by hand)" if missing else ""
                yield ctx.report((unit, *imp.span), f"`from {imp.module} import` {what}: {row.summary}{hint}",
                                 severity=severity)
            else:
                yield ctx.report((unit, *imp.span), f"`from {imp.module} import` {what}: {row.summary}",
                                 edits=edits, applicability=Applicability.SAFE,
                                 fix_message="import from the new location" + (": " + row.extra["fix_note"] if row.extra.get("fix_note") else ""),
                                 severity=severity)
