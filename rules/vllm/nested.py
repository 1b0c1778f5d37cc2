"""Keys inside dict-valued vLLM settings: speculative_config keys removed by later releases (reference §3.4
D2-D5, one `KeyChange` row each, action "nested-delete"), and the nested tensorizer layout vLLM discards (K1)."""

from __future__ import annotations

import json

from lmimigrate.core.changes import KeyChange, key_tokens, rule_classes
from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import MODEL, VllmRule, dict_value, ev, settings

# ---- D2-D5 ---------------------------------------------------------------------------------------------

NESTED_ROWS = (
    KeyChange(
        "VLLM061", "speculative-v0-keys-removed", "§3.4 D2",
        ("speculative_config.acceptance_method", "speculative_config.disable_mqa_scorer",
         "speculative_config.posterior_threshold", "speculative_config.posterior_alpha"), "0.10.0", "nested-delete",
        namespace="vllm", samples={"json": "typical_acceptance_sampler"}, sample_to="vllm==0.9.2",
        summary="speculative_config `acceptance_method`, `disable_mqa_scorer`, `posterior_threshold`, `posterior_alpha` "
        "were removed in vllm 0.10.0",
        what="Reports these V0 speculative-decoding keys in `--speculative-config` (also after VLLM060 folded the old "
        "flags).",
        why="They configured V0's typical-acceptance sampler and MQA scorer; SpeculativeConfig lost the fields in 0.10.0.",
        fix_safety="Safe: the V1 engine (default from 0.8.0) never read them (no use under vllm/v1 at 0.9.2).",
        evidence=(ev("vllm 0.10.0", "vllm/config.py", "SpeculativeConfig fields absent from v0.10.0 (present v0.9.2)",
                     "§3.4 D2"),),
    ),
    KeyChange(
        "VLLM062", "speculative-disable-logprobs-removed", "§3.4 D3", ("speculative_config.disable_logprobs",), "0.11.1",
        "nested-delete", namespace="vllm", samples={"json": True}, sample_to="vllm==0.11.0",
        summary="speculative_config `disable_logprobs` was removed in vllm 0.11.1",
        why="The field (from `--disable-logprobs-during-spec-decoding`) was removed from SpeculativeConfig in 0.11.1.",
        fix_safety="Safe: no V1 code read it (no use under vllm/v1 at 0.11.0).",
        evidence=(ev("vllm 0.11.1", "vllm/config/speculative.py", "present v0.11.0, absent v0.11.1", "§3.4 D3"),),
    ),
    KeyChange(
        "VLLM063", "speculative-disable-by-batch-size-removed", "§3.4 D4", ("speculative_config.disable_by_batch_size",),
        "0.17.0", "nested-delete", namespace="vllm", samples={"json": 4}, sample_to="vllm==0.16.0",
        summary="speculative_config `disable_by_batch_size` was removed in vllm 0.17.0",
        why="The field was removed from SpeculativeConfig in 0.17.0.",
        fix_safety="Safe: no V1 code read it (no use under vllm/v1 at 0.16.0).",
        evidence=(ev("vllm 0.17.0", "vllm/config/speculative.py", "absent v0.17.0", "§3.4 D4"),),
    ),
    KeyChange(
        "VLLM064", "speculative-token-tree-removed", "§3.4 D5", ("speculative_config.speculative_token_tree",), "0.21.0",
        "nested-delete", namespace="vllm", fix=Applicability.UNSAFE, samples={"json": "[(0,), (0, 0)]"},
        sample_to="vllm==0.20.0",
        summary="speculative_config `speculative_token_tree` was removed in vllm 0.21.0",
        why="Tree-shaped EAGLE drafting (`speculative_token_tree`) was removed from SpeculativeConfig in 0.21.0.",
        fix_safety="Unsafe: the V1 EAGLE proposer read it up to 0.20.0; without it drafting is linear and acceptance "
        "rates change.",
        evidence=(ev("vllm 0.21.0", "vllm/config/speculative.py", "absent v0.21.0", "§3.4 D5"),),
    ),
)


class NestedKeyRemoved(VllmRule):
    """Base of the rules made from `NESTED_ROWS`: keys are `parent.sub` (one parent per row). The sub-keys are
    deleted from the parent's dict (a JSON string stays JSON), or a dotted `--parent.sub` setting is deleted.
    `samples["json"]` is a sub-key's value in the examples; `sample_to` a release where the rule stays quiet (the
examples assume a speculative_config; another parent needs its own example text)."""

    stack = "vllm"
    severity = Severity.ERROR
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        return key_tokens(_subkeys(row))

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        parent, sub = _parent(row), _subkeys(row)
        to, value = f"vllm=={row.changed_in}", row.samples["json"]
        unsafe = row.fix is Applicability.UNSAFE
        flag = "--" + parent.replace("_", "-")
        j = json.dumps({"model": "[ngram]", "num_speculative_tokens": 5, sub[0]: value})
        clean = json.dumps({"model": "[ngram]", "num_speculative_tokens": 5})
        return dict(
            looks_at=(f"vllm:{parent}",),
            what=f"Reports {', '.join(f'`{k}`' for k in sub)} in `{flag}`.",
            invalid=(
                Example("run.sh", f"vllm serve {MODEL} {flag} '{j}'\n", fixed=f"vllm serve {MODEL} {flag} '{clean}'\n",
                        to=to, unsafe=unsafe),
                Example("vllm-config.yaml", f"model: {MODEL}\n{parent}: {j}\nmax_model_len: 4096\n",
                        fixed=f"model: {MODEL}\n{parent}: {clean}\nmax_model_len: 4096\n", to=to, unsafe=unsafe),
            ),
            valid=(Example("run.sh", f"vllm serve {MODEL} {flag} '{json.dumps({sub[0]: value})}'\n", to=row.sample_to),
                   Example("run.sh", f"vllm serve {MODEL} {flag} '{clean}'\n", to=to)),
        )

    def check(self, ctx):
        parent, keys = _parent(self.row), _subkeys(self.row)
        for s in settings(ctx, parent):
            d, kind = dict_value(s)
            if d is None:
                continue
            found = [k for k in d if k in keys]
            if not found:
                continue
            new = {k: v for k, v in d.items() if k not in keys}
            value = json.dumps(new) if kind == "json" else new
            yield ctx.report(s, self._msg(found), edits=ctx.edits(s.set_value, value), fix_message="delete the keys")
        for s in ctx.settings("vllm"):
            if s.derived_from is None and s.key.startswith(parent + ".") and s.key.split(".", 1)[1] in keys:
                yield ctx.report(s, self._msg([s.key.split(".", 1)[1]]), edits=ctx.edits(s.delete), fix_message="delete it")

    def _msg(self, found):
        names = ", ".join(f"`{k}`" for k in found)
        return f"{_parent(self.row)} {names}: removed in vllm {self.changed_in}; delete"


def _parent(row: KeyChange) -> str:
    return row.keys[0].split(".", 1)[0]


def _subkeys(row: KeyChange) -> tuple[str, ...]:
    return tuple(k.split(".", 1)[1] for k in row.keys)


rule_classes(NESTED_ROWS, NestedKeyRemoved, globals())


# ---- K1 ------------------------------------------------------------------------------------------------


class NestedTensorizerConfigIgnored(VllmRule):
    code = "VLLM130"
    name = "nested-tensorizer-config-ignored"
    stack = "vllm"
    changed_in = "0.10.0"
    trigger = "target"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "A nested `\"tensorizer_config\"` inside `--model-loader-extra-config` is discarded; pass flat TensorizerConfig keys"
    looks_at = ("vllm:model_loader_extra_config",)
    tokens = (b"tensorizer_config",)
    what = "Reports `model_loader_extra_config` values holding a `\"tensorizer_config\"` sub-dict and flattens it."
    why = (
        "From 0.10.0 vLLM keeps the tensorizer settings internally under `model_loader_extra_config"
        "[\"tensorizer_config\"]`, but it builds that entry itself: `create_load_config` resets it to `{}` and "
        "copies the top-level keys that are TensorizerConfig fields. A user-written nested dict (the layout some "
        "write-ups recommend) is thrown away, so `tensorizer_uri` etc. are silently not applied. Up to 0.9.2 the "
        "dict itself was passed to `TensorizerConfig(**...)`, where a nested key was an error."
    )
    fix_safety = (
        "Unsafe: flattening makes vLLM apply settings it ignored until now (that is the point, but the model "
        "then loads from the tensorizer URI instead of the default loader path). No fix when a key exists at "
        "both levels."
    )
    evidence = (
        ev("vllm 0.10.0", "vllm/model_executor/model_loader/tensorizer_loader.py",
           "`**load_config.model_loader_extra_config[\"tensorizer_config\"]`", "§3.9 K1"),
        ev("vllm 0.33.0", "vllm/engine/arg_utils.py", "`validate_tensorizer_args`: resets `[\"tensorizer_config\"] = {}` "
           "and copies TensorizerConfig fields from the top level", "§3.9 K1, §4 (f)"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --load-format tensorizer --model-loader-extra-config "
                "'{\"tensorizer_config\": {\"tensorizer_uri\": \"s3://b/model.tensors\"}}'\n",
                fixed=f"vllm serve {MODEL} --load-format tensorizer --model-loader-extra-config "
                "'{\"tensorizer_uri\": \"s3://b/model.tensors\"}'\n", unsafe=True, to="vllm==0.33.0"),
        Example("deploy.py", "from vllm import LLM\n\nllm = LLM(model=\"m\", load_format=\"tensorizer\", "
                "model_loader_extra_config={\"tensorizer_config\": {\"tensorizer_uri\": \"s3://b/m.tensors\"}})\n",
                fixed="from vllm import LLM\n\nllm = LLM(model=\"m\", load_format=\"tensorizer\", "
                "model_loader_extra_config={\"tensorizer_uri\": \"s3://b/m.tensors\"})\n", unsafe=True, to="vllm==0.33.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --load-format tensorizer --model-loader-extra-config "
                "'{\"tensorizer_uri\": \"s3://b/model.tensors\"}'\n", to="vllm==0.33.0"),
        Example("run.sh", f"vllm serve {MODEL} --model-loader-extra-config '{{\"tensorizer_config\": {{}}}}'\n",
                to="vllm==0.9.2"),
    )

    def check(self, ctx):
        for s in settings(ctx, "model_loader_extra_config"):
            d, kind = dict_value(s)
            if d is None or not isinstance(d.get("tensorizer_config"), dict):
                continue
            inner = d["tensorizer_config"]
            edits = None
            if not any(k in d for k in inner):
                new: dict = {}
                for k, v in d.items():
                    if k == "tensorizer_config":
                        new.update(inner)
                    else:
                        new[k] = v
                edits = ctx.edits(s.set_value, json.dumps(new) if kind == "json" else new)
            yield ctx.report(s, "a nested `\"tensorizer_config\"` is discarded by vllm 0.10.0+: put its keys "
                             "(`tensorizer_uri`, ...) at the top level of the extra config", edits=edits,
                             fix_message="flatten the tensorizer keys")
