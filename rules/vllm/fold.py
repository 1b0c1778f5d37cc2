"""Flags folded into one JSON-valued config flag: the old settings are deleted and one new setting is inserted.

D1 speculative flags -> `--speculative-config`, G1 guided-decoding flags -> `--structured-outputs-config`; in
fold_model_logging.py M12 EPLB flags -> `--eplb-config`, M1 `--rope-scaling`/`--rope-theta` -> `--hf-overrides`,
L4 `--log-config-file` -> `--logging-config`.

On a command line the new value is written as JSON (`json.dumps` defaults, then shell-quoted); in a vLLM
`--config` YAML file and in Python it is a mapping. Numbers stay numbers, bare boolean flags become `true`.
"""

from __future__ import annotations

from lmimigrate.core.pep440 import Version

from lmimigrate.core.changes import key_tokens
from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import spelled

from .common import VllmRule

from .common import MODEL, as_bool, as_number, dict_value, ev, flag
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

_NO = object()  # a value the fold cannot carry: report without a fix


def _convert(kind: str, s) -> Any:
    if not s.literal:
        return _NO
    v = s.value
    if kind == "bool":
        b = as_bool(v)
        return _NO if b is None else b
    if v is None:
        return _NO  # a value-taking flag written bare
    if kind == "num":
        n = as_number(v)
        return n if isinstance(n, (int, float)) and not isinstance(n, bool) else _NO
    if kind == "json":
        d, _ = dict_value(s)
        if d is not None:
            return d
        return v if isinstance(v, (dict, list)) else _NO
    return v if not isinstance(v, str) else v.strip()


class FoldRule(VllmRule):
    """Base: `mapping` maps an old key to (key inside the new dict, kind: str/num/bool/json)."""

    stack = "vllm"
    trigger = "crossing"
    severity = Severity.ERROR
    fix_applicability = Applicability.SAFE
    target: str
    mapping: dict[str, tuple[str, str]]
    merge = False  # merge into an existing target dict (the old keys win, as upstream did) or give up
    deprecated_only = False  # the old spelling still works in the newest release: a warning

    def accept(self, sub: str, value: Any) -> bool:
        """Whether a mapped value can be carried over as is."""
        return True

    def rejected(self, new: dict) -> str:
        """Why the target would reject the folded config at start ("" when it accepts it): then no fix."""
        return ""

    def safety(self, ctx) -> tuple[Applicability, str]:
        """The fix's applicability for this run, and a clause saying why it is unsafe when it is."""
        return self.fix_applicability, ""

    def message(self, ctx, olds, gone: bool) -> str:
        names = ", ".join(dict.fromkeys(f"`{s.raw_key}`" for s in olds))
        when = (f"were removed in vllm {self.removed_in or self.changed_in}" if gone
                else f"are deprecated since vllm {self.changed_in}")
        if len(olds) == 1:
            when = when.replace("were", "was").replace("are", "is")
        return f"{names} {when}: use `{spelled(olds[0].scope, self.target)}` with the same values"

    def check(self, ctx):
        order = {k: i for i, k in enumerate(self.mapping)}
        for scope in ctx.scopes():
            olds = [s for s in scope.settings if s.ns == "vllm" and s.derived_from is None and s.key in self.mapping]
            if not olds:
                continue
            gone = not self.deprecated_only and ctx.target_at_least(self.removed_in or self.changed_in)
            new: dict[str, Any] = {}
            ok = True
            for s in sorted(olds, key=lambda s: order[s.key]):
                sub, kind = self.mapping[s.key]
                value = _convert(kind, s)
                if value is _NO or not self.accept(sub, value):
                    ok = False
                    break
                new[sub] = value  # a repeated flag: the last one wins, as with argparse
            edits = None
            reason = self.rejected(new) if ok else ""
            applicability, unsafe = self.safety(ctx)
            if ok and not reason:
                edits = self._edits(ctx, scope, olds, new)
            note = f"; {reason}" if reason else (f"; the fix is unsafe: {unsafe}" if edits and unsafe else "")
            # The finding covers every folded setting, so it is about all of them (and a generic
            # "unknown flag" finding on one of them yields to it).
            yield ctx.report(
                (scope.unit, min(s.span[0] for s in olds), max(s.span[1] for s in olds)),
                self.message(ctx, olds, gone) + note,
                edits=edits,
                applicability=applicability,
                fix_message=f"fold into `{flag(self.target)}`",
                severity=Severity.ERROR if gone else Severity.WARNING,
            )

    def _edits(self, ctx, scope, olds, new):
        existing = scope.get("vllm", self.target)
        edits = []
        for s in olds:
            e = ctx.edits(s.delete)
            if e is None:
                return None
            edits.extend(e)
        if existing is not None:
            if not self.merge:
                return None
            current, kind = dict_value(existing)
            if current is None:
                return None
            merged = {**current, **new}
            import json

            e = ctx.edits(existing.set_value, json.dumps(merged) if kind == "json" else merged)
        else:
            e = ctx.edits(scope.insert, "vllm", self.target, new, after=_anchor(scope, olds))
        if e is None:
            return None
        return scope.merge_deletions(edits + e)


def _anchor(scope, olds):
    """The setting to insert after: the last kept setting before the first old one, else the last kept one."""
    gone = {id(s) for s in olds}
    kept = [s for s in scope.settings if id(s) not in gone and s.derived_from is None]
    if not kept:
        return None
    first = min(s.key_span[0] for s in olds)
    before = [s for s in kept if s.key_span[0] < first]
    return before[-1] if before else kept[-1]


# ---- D1 ------------------------------------------------------------------------------------------------

SPECULATIVE = {
    # D1's order, which is the order the new JSON is written in.
    "speculative_model": ("model", "str"),
    "num_speculative_tokens": ("num_speculative_tokens", "num"),
    "speculative_model_quantization": ("quantization", "str"),
    "speculative_max_model_len": ("max_model_len", "num"),
    "speculative_draft_tensor_parallel_size": ("draft_tensor_parallel_size", "num"),
    "spec_draft_tp": ("draft_tensor_parallel_size", "num"),
    "speculative_disable_mqa_scorer": ("disable_mqa_scorer", "bool"),
    "speculative_disable_by_batch_size": ("disable_by_batch_size", "num"),
    "ngram_prompt_lookup_max": ("prompt_lookup_max", "num"),
    "ngram_prompt_lookup_min": ("prompt_lookup_min", "num"),
    "spec_decoding_acceptance_method": ("acceptance_method", "str"),
    "typical_acceptance_sampler_posterior_threshold": ("posterior_threshold", "num"),
    "typical_acceptance_sampler_posterior_alpha": ("posterior_alpha", "num"),
    "disable_logprobs_during_spec_decoding": ("disable_logprobs", "bool"),
}


class SpeculativeFlagsFolded(FoldRule):
    code = "VLLM060"
    name = "speculative-flags-to-speculative-config"
    changed_in = "0.8.2"
    removed_in = "0.8.3"
    target = "speculative_config"
    mapping = SPECULATIVE
    summary = "The separate speculative-decoding flags were folded into `--speculative-config` (0.8.2) and removed in 0.8.3"
    looks_at = tuple(f"vllm:{k}" for k in SPECULATIVE) + ("vllm:speculative_config",)
    tokens = key_tokens(["speculative", "ngram_prompt_lookup", "spec_decoding", "typical_acceptance",
                         "disable_logprobs_during_spec_decoding", "spec_draft_tp"])
    what = (
        "Reports `--speculative-model`, `--num-speculative-tokens`, `--ngram-prompt-lookup-max/min` and the other "
        "13 speculative-decoding flags of vLLM <= 0.8.2 (command lines, vLLM `--config` files, `LLM(...)` "
        "kwargs), and folds them into one `--speculative-config` JSON."
    )
    why = (
        "0.8.2 introduced `--speculative-config` and warned about the separate flags; 0.8.3 removed all 14 of "
        "them (the server exits with `unrecognized arguments`). vLLM 0.8.2 itself built the config from the "
        "old flags with a fixed key mapping (`speculative_model` -> `model`, `ngram_prompt_lookup_max` -> "
        "`prompt_lookup_max`, `typical_acceptance_sampler_posterior_threshold` -> `posterior_threshold`, ...); "
        "the fix writes exactly that mapping. No `method` key is added: the 0.8.2 mapping adds none, and every "
        "release from 0.8.2 to 0.33.0 infers `method: \"ngram\"` from `model: \"[ngram]\"`."
        " Some of the folded keys were later removed from the speculative config (VLLM061-VLLM064 report them)."
    )
    fix_safety = (
        "Safe: the new JSON holds the same values under the keys vLLM 0.8.2 mapped them to; numbers stay numbers. "
        "No fix when the folded config would lack a model or `num_speculative_tokens` (vLLM <= 0.8.2 ignored such "
        "orphan flags; the target rejects the config at start), when `--speculative-config` is already set (vLLM 0.8.2 then ignored the old flags; decide "
        "yourself) or when a value is not a literal. On a command line the JSON is re-serialized with "
        "`json.dumps` defaults."
    )
    evidence = (
        ev("vllm 0.8.2", "vllm/engine/arg_utils.py",
           "\"Please use '--speculative-config' to set all configurations related to speculative decoding. The "
           "current method of specifying the model through '--speculative-model' … will be deprecated in the next "
           "release.\"; `spec_config_dict = {\"model\": self.speculative_model, …, \"prompt_lookup_max\": "
           "self.ngram_prompt_lookup_max, …}`; all 14 flags absent v0.8.3", "§3.4 D1"),
    )
    invalid = (
        Example(
            "run.sh",
            f"vllm serve {MODEL} \\\n    --speculative-model \"[ngram]\" \\\n    --num-speculative-tokens 5 \\\n"
            "    --ngram-prompt-lookup-max 4 \\\n    --max-model-len 4096\n",
            fixed=f"vllm serve {MODEL} \\\n    --max-model-len 4096 \\\n"
            "    --speculative-config '{\"model\": \"[ngram]\", \"num_speculative_tokens\": 5, \"prompt_lookup_max\": 4}'\n",
            to="vllm==0.8.3",
        ),
        Example(
            "vllm-config.yaml",
            f"model: {MODEL}\nspeculative_model: meta-llama/Llama-3.2-1B\nnum_speculative_tokens: 4\n",
            fixed=f"model: {MODEL}\nspeculative_config: {{\"model\": \"meta-llama/Llama-3.2-1B\", \"num_speculative_tokens\": 4}}\n",
            to="vllm==0.8.3",
        ),
    )
    def rejected(self, new):
        # vLLM 0.8.2 ignored the flags unless `--speculative-model` or `--num-speculative-tokens` was given
        # (`create_speculative_config` returns None); from 0.8.3 a speculative config needs a model or method
        # and `num_speculative_tokens` ("num_speculative_tokens must be provided", vllm/config/speculative.py).
        if "model" not in new and "method" not in new:
            return ("no fix: without `--speculative-model` vLLM <= 0.8.2 ignored these flags, and a "
                    "`--speculative-config` without a model is rejected at start; delete them or add a model")
        if "num_speculative_tokens" not in new:
            return ("no fix: `--speculative-config` needs `num_speculative_tokens` (\"num_speculative_tokens must be "
                    "provided\"); add it")
        return ""

    valid = (
        Example("run.sh", f"vllm serve {MODEL} --speculative-config '{{\"model\": \"[ngram]\", \"num_speculative_tokens\": 5}}'\n",
                to="vllm==0.8.3"),
        Example("run.sh", f"vllm serve {MODEL} --speculative-model \"[ngram]\" --num-speculative-tokens 5\n", to="vllm==0.8.1"),
    )


# ---- G1 ------------------------------------------------------------------------------------------------

GUIDED = {
    "guided_decoding_backend": ("backend", "str"),
    "guided_decoding_disable_fallback": ("disable_fallback", "bool"),
    "guided_decoding_disable_any_whitespace": ("disable_any_whitespace", "bool"),
    "guided_decoding_disable_additional_properties": ("disable_additional_properties", "bool"),
}
BACKENDS = ("auto", "xgrammar", "guidance", "outlines", "lm-format-enforcer")


class GuidedDecodingFlagsFolded(FoldRule):
    code = "VLLM100"
    name = "guided-decoding-flags-to-structured-outputs-config"
    changed_in = "0.11.0"
    removed_in = "0.12.0"
    target = "structured_outputs_config"
    mapping = GUIDED
    summary = "`--guided-decoding-*` flags were replaced by `--structured-outputs-config` (deprecated 0.11.0, removed 0.12.0)"
    looks_at = tuple(f"vllm:{k}" for k in GUIDED)
    tokens = key_tokens(["guided_decoding"])
    what = (
        "Reports `--guided-decoding-backend`, `--guided-decoding-disable-fallback`, "
        "`--guided-decoding-disable-any-whitespace` and `--guided-decoding-disable-additional-properties`, and "
        "folds them into `--structured-outputs-config '{\"backend\": ..., \"disable_fallback\": ...}'`."
    )
    why = (
        "0.11.0 renamed guided decoding to structured outputs: the four flags became the fields `backend`, "
        "`disable_fallback`, `disable_any_whitespace` and `disable_additional_properties` of "
        "`StructuredOutputsConfig`, and 0.12.0 removed the flags. Note that clients sending the old request "
        "fields (`guided_json`, `guided_regex`, ...) are silently served unconstrained output from 0.12.0 "
        "(VLLM101)."
    )
    fix_safety = (
        "Safe from vLLM <= 0.10.x: same values under the new field names. Unsafe from 0.11.0-0.11.2 (and when the "
        "source release is unknown): there `EngineArgs.create_engine_config` copied the flags onto "
        "`guided_decoding_*` attributes that `StructuredOutputsConfig` never reads, a silent no-op, so the new config "
        "changes constrained output. No fix for a backend with options (`xgrammar:...`, a "
        "0.8/0.9 syntax) or a backend name the new config does not accept, nor when "
        "`--structured-outputs-config` is already set."
    )
    evidence = (
        ev("vllm 0.11.0", "vllm/engine/arg_utils.py", "\"[DEPRECATED] {arg} will be removed in v0.12.0.\"; "
           "vllm/config/structured_outputs.py fields `backend, disable_fallback, disable_any_whitespace, "
           "disable_additional_properties, reasoning_parser`; flags absent v0.12.0", "§3.7 G1"),
        ev("vllm 0.11.0", "vllm/engine/arg_utils.py",
           "l.1411: `if self.guided_decoding_backend is not None: so_config.guided_decoding_backend = "
           "self.guided_decoding_backend`; `StructuredOutputsConfig` (vllm/config/structured_outputs.py) declares "
           "`backend: StructuredOutputsBackend = \"auto\"` and no `guided_decoding_backend`, and nothing reads it",
           "§3.7 G1"),
    )
    invalid = (
        Example(
            "run.sh",
            f"vllm serve {MODEL} --guided-decoding-backend xgrammar --max-model-len 4096\n",
            fixed=f"vllm serve {MODEL} --max-model-len 4096 --structured-outputs-config '{{\"backend\": \"xgrammar\"}}'\n",
            from_="vllm==0.10.2", to="vllm==0.12.0",
        ),
        Example(
            "k8s.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vllm\nspec:\n  containers:\n  - name: vllm\n"
            "    image: vllm/vllm-openai:v0.10.2\n    args:\n    - --model\n    - facebook/opt-125m\n"
            "    - --guided-decoding-backend\n    - guidance\n    - --guided-decoding-disable-additional-properties\n",
            to="vllm==0.12.0",
        ),
        Example(
            "vllm-config.yaml",
            f"model: {MODEL}\nguided_decoding_backend: outlines\ndisable_log_stats: true\n",
            fixed=f"model: {MODEL}\nstructured_outputs_config: {{\"backend\": \"outlines\"}}\ndisable_log_stats: true\n",
            unsafe=True, from_="vllm==0.11.0", to="vllm==0.12.0",
        ),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --structured-outputs-config.backend xgrammar\n", to="vllm==0.12.0"),
        Example("run.sh", f"vllm serve {MODEL} --guided-decoding-backend xgrammar\n", to="vllm==0.10.2"),
    )

    def accept(self, sub, value):
        return sub != "backend" or value in BACKENDS

    def safety(self, ctx):
        # 0.11.0-0.11.2 copied the flags onto attributes `StructuredOutputsConfig` never reads: a silent no-op.
        # Folding them turns the backend choice back on, which changes constrained output.
        pair = ctx.pair("vllm")
        frm = pair.from_ if pair is not None else None
        if frm is None:
            return Applicability.UNSAFE, ("the source release is unknown, and in vllm 0.11.0-0.11.2 these flags "
                                          "were silently ignored, so the new config may change constrained output")
        if Version("0.11.0") <= frm < Version("0.12.0"):
            return Applicability.UNSAFE, (f"in vllm {frm} these flags were silently ignored (StructuredOutputsConfig "
                                          "never read them), so the new config changes constrained output")
        return Applicability.SAFE, ""
