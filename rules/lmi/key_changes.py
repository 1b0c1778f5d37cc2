"""LMI option keys that were removed or renamed: one rule per `KeyChange` row (core/changes.py).

A row's keys are serving.properties names (`option.s3url`); the same rule reads their `OPTION_*` environment
spelling. A rename is fixed where the new key is not already set; a delete removes a key nothing reads.
"""

from __future__ import annotations

from lmimigrate.core.pep440 import Version

from lmimigrate.core.changes import KeyChange, rule_classes
from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule
from lmimigrate.core.versions import display
from lmimigrate.stacks.lmi.env import lmi_key_to_env

from .common import MODEL_INFO, ev, get, lmi_scopes

ROWS = (
    KeyChange(
        "LMI021", "s3url-removed", "§2 v8→v9; R17", ("option.s3url",), "9", "rename", namespace="lmi",
        new_key="option.model_id", severity=Severity.ERROR, sample_from="lmi==v8",
        samples={"properties": "s3://my-bucket/llama-2-13b/"}, context={"properties": "engine=MPI\n"},
        summary="`option.s3url` was removed in LMI v9 (0.27.0); use `option.model_id=s3://...`",
        why="0.26 logged \"s3url is deprecated, use model_id instead\"; 0.27 has no reference to it, so the model "
        "location is lost and LMI finds no model.",
        fix_safety="Safe when `option.model_id` is not also set: `model_id` accepts the same `s3://` URL. Otherwise no "
        "fix.",
        evidence=(ev("djl-serving 0.26.0 (LMI v8)", MODEL_INFO + " (branch 0.26.0-dlc)",
                     "\"s3url is deprecated, use model_id instead\" (no reference in 0.27.0)", "§2 v8→v9; R17"),),
    ),
    KeyChange(
        "LMI022", "paged-attention-removed", "§2 v8→v9; R18", ("option.paged_attention",), "8", "delete",
        namespace="lmi", severity=Severity.WARNING,
        samples={"properties": "true"}, context={"properties": "engine=MPI\noption.rolling_batch=lmi-dist\n"},
        summary="`option.paged_attention` (lmi-dist, 0.24/0.25) is not read from LMI v8 (0.26.0)",
        why="The option existed only in lmi-dist 0.24/0.25 (`lmi_dist_rolling_batch.py`); from 0.26 nothing reads it.",
        fix_safety="Safe: the key is deleted; no release from 0.26 reads it.",
        evidence=(ev("djl-serving 0.26.0 (LMI v8)", "engines/python/setup/djl_python/rolling_batch/lmi_dist_rolling_batch.py",
                     "`paged_attention` read in 0.24.0/0.25.0 only", "§2 v8→v9; R18"),),
    ),
)


class LmiKeyChange(Rule):
    """Base of the rules made from `ROWS` (actions delete and rename). `samples["properties"]` is the key's value in
    the examples, `context["properties"]` the serving.properties lines before it."""

    stack = "lmi"
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        # The key's last part in both cases: `s3url` is in `option.s3url` and `OPTION_S3URL` is in `S3URL`.
        out: list[bytes] = []
        for key in row.keys:
            tail = key.rsplit(".", 1)[-1]
            out += [t.encode() for t in (tail, tail.upper()) if t.encode() not in out]
        return tuple(out)

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        key, where = row.keys[0], _where(row.changed_in)
        value, before = row.samples["properties"], row.context.get("properties", "")
        source = f"{before}{key}={value}\n"
        fixed = f"{before}{row.new_key}={value}\n" if row.action == "rename" else before
        to = f"lmi==v{row.changed_in}"
        return dict(
            what=f"Reports {', '.join(f'`{k}` (`{lmi_key_to_env(k)}`)' for k in row.keys)} when the target is {where} "
            "or later.",
            invalid=(Example("serving.properties", source, fixed=fixed if row.fix else None,
                             unsafe=row.fix is Applicability.UNSAFE, from_=row.sample_from, to=to),),
            valid=(Example("serving.properties", fixed, from_=row.sample_from, to=to),),
        )

    def check(self, ctx):
        row = self.row
        where = _where(row.changed_in)
        for scope in lmi_scopes(ctx):
            for key in row.keys:
                for s in scope.all("lmi", key):
                    if row.action == "rename":
                        taken = get(scope, row.new_key) is not None
                        yield ctx.report(s, f"`{s.origin.raw_key}` was removed in {where}; use `{row.new_key}`",
                                         edits=None if taken else ctx.edits(s.rename, row.new_key),
                                         fix_message=f"rename to `{row.new_key}`")
                    else:
                        yield ctx.report(s, f"`{s.origin.raw_key}` is not read by {where} and later; remove it",
                                         edits=ctx.edits(s.delete), fix_message="remove it")


def _where(release: str) -> str:
    return display("lmi", Version(release))  # "LMI v9 (0.27.0)"


rule_classes(ROWS, LmiKeyChange, globals())
