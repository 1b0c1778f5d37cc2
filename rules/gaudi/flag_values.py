"""Boolean env values the fork read as `== 'true'` up to 1.21.x and as a wide boolean from 1.22.0 (gaudi §1.4, §1.5).

Two rules per flag (one table row each):
- "needs-true" (target 1.21.x or older): `1`, `yes`, `on`... do not turn the flag on; only `true` does;
- "meaning-changed" (crossing 1.22.0 from a known release): the same value silently turns the flag on.
"""

from __future__ import annotations

from lmimigrate.core.record import record

from lmimigrate.core.changes import KeyChange, rule_classes
from lmimigrate.core.ftypes import Applicability, Evidence, Example, Severity

from .common import EXP_FLAG, FORK, SKIP_WARMUP, WIDENED_TRUE, ForkRule, env_scopes, env_tokens, ev, literal_text
from .exponential_default import POST1_HISTORY

EVIDENCE_BOOLEAN_122 = ev(
    "vllm-fork v0.9.0.1+Gaudi-1.22.0 (ext 8211e0b)",
    "vllm_hpu_extension/config.py",
    "`def boolean(x: str): return x.lower() in ['true', 't', '1', 'yes', 'y', 'on']`",
    "§1.4",
)


@record(frozen=True)
class Flag:
    var: str
    since: str  # first fork release whose exact-'true' parsing is confirmed in source
    on: str  # what "true" does
    off: str  # what the default / false does
    evidence: Evidence


FLAGS = (
    Flag(
        EXP_FLAG,
        "1.21.0",
        "exponential bucketing",
        "linear bucketing",
        ev(
            "vllm-fork v0.7.2+Gaudi-1.21.0 .. v0.8.5.post1+Gaudi-1.21.3 (ext 2b4ba56, 29bc7a4)",
            "vllm_hpu_extension/bucketing/common.py (`get_bucketing_context`)",
            "`os.environ.get('VLLM_EXPONENTIAL_BUCKETING', 'false').lower() == 'true'`",
            "§1.4",
        ),
    ),
    Flag(
        SKIP_WARMUP,
        "1.18.0",
        "skipping warm-up",
        "a full warm-up",
        ev(
            "vllm-fork v0.5.3.post1+Gaudi-1.18.0 (branch v1.18.0) l.1505; branches v1.19.0 .. v1.21.3",
            "vllm/worker/habana_model_runner.py (1.18), vllm/worker/hpu_model_runner.py (1.19+) (`warmup_model`)",
            "`if os.environ.get('VLLM_SKIP_WARMUP', 'false').lower() == 'true': logger.info(\"Skipping warmup...\")`",
            "§1.5",
        ),
    ),
)


def _widened(setting) -> str | None:
    value = literal_text(setting)
    if value is None or value.lower() not in WIDENED_TRUE:
        return None
    return value


def _slug(var: str) -> str:
    return var[len("VLLM_"):].lower().replace("_", "-")


def _rows(flag: Flag, needs_true: str, now_true: str) -> tuple[KeyChange, KeyChange]:
    """The two rows of one flag: "needs-true" (a widened true value is not true before 1.22.0; the unsafe fix
    writes `true`) and "value-now-true" (the same value turns the flag on from 1.22.0; no fix). `extra["flag"]`
    holds the flag's facts, which the rules' documentation and messages quote."""
    common = dict(namespace="env", stack=FORK, values=WIDENED_TRUE, evidence=(flag.evidence, EVIDENCE_BOOLEAN_122),
                  extra={"flag": flag}, why="")
    return (
        KeyChange(needs_true, f"{_slug(flag.var)}-needs-true", "§1.4", (flag.var,), flag.since, "revalue",
                  trigger="target", until="1.22.0", fix=Applicability.UNSAFE, new_value="true", **common),
        KeyChange(now_true, f"{_slug(flag.var)}-value-now-true", "§1.4", (flag.var,), "1.22.0", "revalue",
                  trigger="default", fix=None, **common),
    )


ROWS = _rows(FLAGS[0], "HPU007", "HPU009") + _rows(FLAGS[1], "HPU008", "HPU010")


class WidenedTrueRule(ForkRule):
    """Base of both rows of a flag: the rule looks at the flag's variable set to a widened true value."""

    severity = Severity.WARNING
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        return env_tokens(*row.keys)

    def widened_settings(self, ctx):
        """Each setting of the flag's variable whose value is a widened true value, with that value."""
        for scope in env_scopes(ctx):
            s = scope.get("env", self.row.extra["flag"].var)
            value = _widened(s)
            if value is not None:
                yield s, value


class NeedsTrue(WidenedTrueRule):
    """A widened true value (`1`, `yes`, `on`) that means false up to Gaudi 1.21.x (the first row of `_rows`)."""

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        flag = row.extra["flag"]
        return dict(
            summary=f"`{flag.var}` is only true when set to `true` on Gaudi 1.21.x and older; `1`, `yes`, `on` mean false",
            what=(
                f"Reports `{flag.var}` set to `1`, `t`, `y`, `yes` or `on` (any case) when the vllm-fork target is "
                f"older than 1.22.0."
            ),
            why=(
                f"Gaudi {flag.since} to 1.21.x compare the lower-cased value with the string `true` and nothing else, "
                f"so `{flag.var}=1` leaves you with {flag.off}, silently. From 1.22.0 the value goes through a boolean "
                "parser that also accepts 1/t/y/yes/on (see HPU009/HPU010 for what that means when you upgrade)."
                + ("\n\n" + POST1_HISTORY if flag.var == EXP_FLAG else "")
            ),
            fix_safety=(
                f"The fix sets the value to `true`. It is unsafe because it changes what runs: today the process gets "
                f"{flag.off}; after the fix it gets {flag.on}, which is what the value was written to ask for. Review "
                f"it (or set `false` if {flag.off} is what you rely on)."
            ),
            invalid=(
                Example(
                    "gaudi.env",
                    f"{flag.var}=1\nPT_HPU_LAZY_MODE=1\n",
                    fixed=f"{flag.var}=true\nPT_HPU_LAZY_MODE=1\n",
                    unsafe=True,
                    to="vllm-fork==1.21.2",
                ),
                Example(
                    "k8s.yaml",
                    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
                    f"        - name: {flag.var}\n          value: \"yes\"\n",
                    fixed="apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: vllm\n      env:\n"
                    f"        - name: {flag.var}\n          value: \"true\"\n",
                    unsafe=True,
                    to="vllm-fork==v0.8.5.post1+Gaudi-1.21.3",
                ),
            ),
            valid=(
                Example("gaudi.env", f"{flag.var}=TRUE\n", to="vllm-fork==1.21.2"),
                Example("gaudi.env", f"{flag.var}=false\n", to="vllm-fork==1.21.2"),
                Example("gaudi.env", f"{flag.var}=1\n", to="vllm-fork==1.22.0"),
            ),
        )

    def check(self, ctx):
        flag = self.row.extra["flag"]
        for s, value in self.widened_settings(ctx):
            target = ctx.pair(FORK).to
            yield ctx.report(
                s,
                f"`{flag.var}={value}` means false on Gaudi {target} (only `true` counts before 1.22.0): "
                f"you get {flag.off}",
                edits=ctx.edits(s.set_value, "true"),
                fix_message=f"set `{flag.var}=true` ({flag.on}; unsafe: changes what runs)",
            )


class ValueNowTrue(WidenedTrueRule):
    """A widened true value that meant false before Gaudi 1.22.0 and means true from it (the second row of `_rows`)."""

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        flag = row.extra["flag"]
        return dict(
            summary=f"`{flag.var}=1` (or yes/on) meant false up to Gaudi 1.21.x and means true from 1.22.0",
            what=(
                f"Reports `{flag.var}` set to `1`, `t`, `y`, `yes` or `on` when the upgrade crosses Gaudi 1.22.0 from a "
                "known older release."
            ),
            why=(
                f"Before 1.22.0 only the string `true` turned the flag on, so this value gave you {flag.off}. 1.22.0 "
                f"parses it as a boolean (1/t/y/yes/on are true), so the same file now gives {flag.on}."
                + (
                    " Linear bucket variables in the same environment stop applying."
                    if flag.var == EXP_FLAG
                    else " Requests then hit graphs that were never compiled, and compile while serving."
                )
                + ("\n\n" + POST1_HISTORY if flag.var == EXP_FLAG else "")
            ),
            fix_safety=(
                f"No fix: the value asks for {flag.on}, but what ran was {flag.off}. Set `{flag.var}=false` to keep what "
                f"ran, or `true` to keep what was written."
            ),
            invalid=(
                Example("gaudi.env", f"{flag.var}=1\n", from_="vllm-fork==1.21.2", to="vllm-fork==1.22.0"),
                Example(
                    "compose.yaml",
                    f"services:\n  vllm:\n    environment:\n      - {flag.var}=on\n",
                    from_="vllm-fork==1.20.0",
                    to="vllm-fork==1.23.0",
                ),
            ),
            valid=(
                Example("gaudi.env", f"{flag.var}=true\n", from_="vllm-fork==1.21.2", to="vllm-fork==1.22.0"),
                Example("gaudi.env", f"{flag.var}=1\n", from_="vllm-fork==1.22.0", to="vllm-fork==1.23.0"),
                Example("gaudi.env", f"{flag.var}=1\n", to="vllm-fork==1.22.0"),
            ),
        )

    def check(self, ctx):
        flag = self.row.extra["flag"]
        source = ctx.pair(FORK).from_
        for s, value in self.widened_settings(ctx):
            yield ctx.report(
                s,
                f"`{flag.var}={value}` meant false on Gaudi {source} and means true from 1.22.0 ({flag.on}); "
                f"set `false` to keep {flag.off} or `true` to say what you mean",
            )


rule_classes(ROWS[0::2], NeedsTrue, globals())
rule_classes(ROWS[1::2], ValueNowTrue, globals())
