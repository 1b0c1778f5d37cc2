"""Which model family a scope serves, from every place a model can be written down.

The family decides whether a move to vLLM is possible at all: vLLM never served T5-family models
(lmi_ground_truth.md §5), and vLLM V1 (LMI v17+) dropped MLlama. A rewrite towards vLLM is only safe when
the model is identified and is neither; "identified" means a literal Hugging Face id (`org/name`) that this
file does not contradict. Everything else (a variable, a module constant, an S3 or local path without a
family name in it, no model at all) is *unknown*: the rewrite is then unsafe and the finding says why.

A family name anywhere in the file's text counts, not only in `option.model_id`: the id is often held in a
variable or module constant (`MODEL = "google/flan-t5-xxl"`), in a markdown cell, or in an S3 prefix
(`s3://bucket/flant5-xxl/`).
"""

from __future__ import annotations

from lmimigrate.core.record import record

from lmimigrate.core.ftypes import Scope

from .common import get, mllama_in, t5_in
from lmimigrate.core.patterns import lazy_pattern

#: A Hugging Face hub id: `org/name`, no scheme, no leading `/` or `.`.
_HF_ID = lazy_pattern(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


@record(frozen=True)
class Family:
    kind: str  # "t5", "mllama", "other" (identified, neither), "unknown"
    model: str | None  # the model id or the text that names the family
    why: str = ""  # for "unknown": why the family cannot be told, as a clause for a message

    @property
    def known_safe_for_vllm(self) -> bool:
        return self.kind == "other"


def _file_texts(ctx) -> list[str]:
    texts = [u.text for u in ctx.units]
    source = getattr(ctx.parsed, "source", "")
    if source:
        texts.append(source)  # a notebook's markdown cells and other text no surface reads
    return texts


def _mentioned(ctx, find) -> str | None:
    """Memoized per file (on the rule context): asked for every scope, a search of every unit per scope
    made a notebook of 10k cells quadratic."""
    memo = ctx.__dict__.setdefault("_family_mentions", {})
    if find not in memo:
        memo[find] = next((hit for hit in map(find, _file_texts(ctx)) if hit), None)
    return memo[find]


def family(scope: Scope, ctx) -> Family:
    """The model family this scope serves; see the module docstring."""
    s = get(scope, "option.model_id")
    model = s.text_value.strip() if s is not None and s.literal and s.text_value else None
    if model is None:
        ids = {x.text_value.strip() for x in ctx.settings("lmi", "option.model_id") if x.literal and x.text_value}
        if s is None and len(ids) == 1:
            model = ids.pop()
    if model is not None:
        if t5_in(model):
            return Family("t5", model)
        if mllama_in(model):
            return Family("mllama", model)
    # A family name elsewhere in the file: the model when the scope's own id is not a literal (a variable or
    # constant holding it); a doubt when the scope names another model.
    for kind, find in (("t5", t5_in), ("mllama", mllama_in)):
        hit = _mentioned(ctx, find)
        if hit and model is None:
            return Family(kind, hit)
        if hit:
            return Family("unknown", model, f"this file also names `{hit}`")
    if model is None:
        why = "the model id is not a literal" if s is not None else "the model is not named in this file"
        return Family("unknown", None, why)
    if not _HF_ID.fullmatch(model):
        return Family("unknown", model, f"`{model}` is a path, not a Hugging Face id")
    return Family("other", model)


def family_in_text(ctx) -> Family:
    """The family named anywhere in a file that has no LMI scope of its own (a Dockerfile, a compose file)."""
    for kind, find in (("t5", t5_in), ("mllama", mllama_in)):
        hit = _mentioned(ctx, find)
        if hit:
            return Family(kind, hit)
    return Family("unknown", None, "the model is not named in this file")
