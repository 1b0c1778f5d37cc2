"""Removed and renamed vLLM flags: one rule per `KeyChange` row of `data.FLAG_ROWS`.

A flag is a `vllm` setting keyed by its EngineArgs name, so each rule covers every surface: `vllm serve`
command lines (shell, Dockerfile, Kubernetes/compose args, notebooks), vLLM `--config` YAML files and
`LLM(...)` / `EngineArgs(...)` keyword arguments.
"""

from __future__ import annotations

from lmimigrate.core.changes import KeyChange, key_tokens, rule_classes
from lmimigrate.core.ftypes import Example, Severity
from lmimigrate.core.rule import spelled

from .common import MODEL, PY_VLLM, VllmRule, flag, settings
from .data import FLAG_ROWS


def _cli_word(row: KeyChange, key: str) -> str:
    sample = row.samples.get("cli")
    return flag(key) + (f" {sample}" if sample is not None else "")


def _examples(row: KeyChange) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    key = row.keys[0]
    old = _cli_word(row, key)
    yaml_value = row.samples.get("yaml")
    cli = f"#!/bin/sh\nvllm serve {MODEL}{row.context.get('cli', '')} {old} --max-model-len 4096\n"
    yml = f"model: {MODEL}\n{row.context.get('yaml', '')}{key}: {yaml_value}\nmax_model_len: 4096\n"
    if row.action == "delete":
        cli_fixed = cli.replace(f" {old}", "")
        yml_fixed = yml.replace(f"{key}: {yaml_value}\n", "")
    elif row.action == "rename":
        cli_fixed = cli.replace(flag(key), flag(row.new_key))
        yml_fixed = yml.replace(f"{key}:", f"{row.new_key}:")
    elif row.action == "switch":
        cli_fixed = cli.replace(old, f"{flag(row.new_key)} {row.new_value}")
        yml_fixed = yml.replace(f"{key}: {yaml_value}", f"{row.new_key}: {row.new_value}")
    else:  # revalue
        cli_fixed = cli.replace(old, f"{flag(key)} {row.new_value}")
        yml_fixed = yml.replace(f"{key}: {yaml_value}", f"{key}: {row.new_value}")
    unsafe = row.fix is not None and row.fix.value == "unsafe"
    has_fix = row.fix is not None
    invalid = (
        Example("run.sh", cli, fixed=cli_fixed if has_fix else None, unsafe=unsafe),
        Example("vllm-config.yaml", yml, fixed=yml_fixed if has_fix else None, unsafe=unsafe),
    )
    before = _before(row.changed_in)
    valid = [
        # Not a vLLM launch: a training script that happens to take a flag of the same name.
        Example("train.sh", f"#!/bin/sh\npython train.py {old}\n"),
    ]
    if before:
        valid.append(Example("run.sh", cli, to=f"vllm=={before}"))
    if row.values:
        valid.append(Example("run.sh", f"vllm serve {MODEL} {flag(key)} {row.new_value}\n"))
    return invalid, tuple(valid)


def _before(version: str) -> str | None:
    """A release before `version` to show the rule stays quiet there (None when none is in range)."""
    from lmimigrate.core.pep440 import Version

    v = Version(version)
    if v <= Version("0.5.5"):
        return None
    major, minor, micro = v.release
    return f"{major}.{minor}.{micro - 1}" if micro else f"{major}.{minor - 1}.0"


class FlagChangeRule(VllmRule):
    """Base of the rules made from `FLAG_ROWS` (actions delete, rename, switch, revalue); `row.requires`: the
    delete fix is offered only where that key is set."""

    stack = "vllm"
    severity = Severity.ERROR
    row: KeyChange

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        invalid, valid = _examples(row)
        return dict(
            what=(
                f"Reports {', '.join(f'`{flag(k)}`' for k in row.keys)} on `vllm serve` command lines, in vLLM "
                "`--config` files and as `LLM(...)`/`EngineArgs(...)` keyword arguments"
                + (f" when set to {', '.join(f'`{v}`' for v in row.values)}" if row.values else "")
                + f", when the upgrade reaches vllm {row.changed_in}."
            ),
            invalid=invalid,
            valid=valid,
            # A key removed later than the row's release (`--enable-prompt-adapter`, 0.10.2) is crossed by
            # sources that already passed the row's release (0.10.0, 0.10.1).
            also_in=tuple(row.key_removed_in.values()),
        )

    and_tokens = PY_VLLM  # `check` reads vLLM settings only

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        return key_tokens(row.keys)

    def check(self, ctx):
        row = self.row
        for key in row.keys:
            key_version = row.key_removed_in.get(key)
            if key_version and not ctx.target_at_least(key_version):
                continue
            for s in settings(ctx, key):
                if row.values:
                    if not s.literal or (s.text_value or "").strip().lower() not in row.values:
                        continue
                yield self._finding(ctx, s, key)

    def _finding(self, ctx, s, key):
        row = self.row
        removed = row.key_removed_in.get(key) or row.removed_in or row.changed_in
        gone = ctx.target_at_least(removed)
        if row.removed_in and not gone:
            status = f"is deprecated since vllm {row.changed_in} and removed in {row.removed_in}"
        elif row.action == "revalue":
            status = f"is not accepted from vllm {removed}"
        else:
            status = f"was removed in vllm {removed}"
        shown = f"`{s.raw_key}`" if row.action != "revalue" else f"`{s.raw_key}` value `{s.text_value}`"
        edits, todo = None, ""
        if row.action == "delete":
            todo = "delete it"
            missing = [k for k in row.requires if s.scope.get("vllm", k) is None]
            if not missing:
                edits = ctx.edits(s.delete)
            else:
                todo = f"delete it and set `{spelled(s.scope, missing[0])}`"
        elif row.action == "rename":
            todo = f"use `{spelled(s.scope, row.new_key)}`"
            if s.scope.get("vllm", row.new_key) is None:
                edits = ctx.edits(s.rename, row.new_key)
        elif row.action == "switch":
            on = s.literal and _truthy(s.value)
            todo = f"use `{spelled(s.scope, row.new_key, row.new_value)}`"
            if s.scope.get("vllm", row.new_key) is None and on is not None:
                if on:
                    edits = _combine(ctx.edits(s.rename, row.new_key), ctx.edits(s.set_value, row.new_value))
                else:
                    todo = "delete it (it is off)"
                    edits = ctx.edits(s.delete)
        else:
            todo = f"use `{row.new_value}`"
            edits = ctx.edits(s.set_value, row.new_value)
        if row.fix is None:
            edits = None
        return ctx.report(
            s,
            f"{shown} {status}: {todo}",
            edits=edits,
            applicability=row.fix,
            fix_message=todo,
            severity=Severity.ERROR if gone else Severity.WARNING,
        )


def _truthy(value) -> bool | None:
    from .common import as_bool

    return as_bool(value)


def _combine(*parts):
    out = []
    for p in parts:
        if p is None:
            return None
        out.extend(p)
    return out


rule_classes(FLAG_ROWS, FlagChangeRule, globals())
