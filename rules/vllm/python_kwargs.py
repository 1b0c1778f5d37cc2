"""vLLM offline Python API changes: `SamplingParams` / `LLM.generate` keyword arguments (reference
vllm_breaking_changes.md §3.7 G2, §3.12 P1, P2, P4-P6). Only calls that resolve to vLLM through the file's own
imports are looked at (see python_program). Class renames are in python_api.py.
"""

from __future__ import annotations

import ast

from lmimigrate.core.pep440 import Version

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule
from lmimigrate.surfaces.python import Call

from .common import ev
from .python_program import PyProgram, program
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

SAMPLING_PARAMS = ("vllm.SamplingParams", "vllm.sampling_params.SamplingParams")
LLM_CLASS = ("vllm.LLM", "vllm.entrypoints.llm.LLM")


# ---- SamplingParams keyword arguments -----------------------------------------------------------------------


def _keywords(prog: PyProgram, qualnames: tuple[str, ...], names: tuple[str, ...]):
    for unit, call in prog.calls(*qualnames):
        for kw in call.keywords:
            if kw.name in names:
                yield unit, call, kw


class GuidedDecodingKwargRenamed(Rule):
    code = "VLLM221"
    name = "sampling-params-guided-decoding-renamed"
    stack = "vllm"
    changed_in = "0.11.0"
    removed_in = "0.12.0"
    trigger = "target"
    severity = Severity.ERROR
    fix_applicability = Applicability.SAFE
    surfaces = ("python", "notebook")
    summary = "`SamplingParams(guided_decoding=...)` was renamed `structured_outputs=` (deprecated in vllm 0.11.0, removed in 0.12.0)"
    looks_at = ("sampling:guided_decoding", "python:vllm.SamplingParams")
    tokens = (b"guided_decoding",)
    what = "Reports the `guided_decoding=` keyword of `vllm.SamplingParams(...)` when the target is vllm 0.11.0 or newer."
    why = (
        "From 0.11.0 `guided_decoding` is a deprecated alias that is copied into `structured_outputs`; 0.12.0 "
        "removed the field, and `SamplingParams` (a msgspec struct) rejects unknown keyword arguments."
    )
    fix_safety = "Safe: only the keyword is renamed; `structured_outputs` accepts the same params object from 0.11.0."
    evidence = (
        ev("vllm 0.11.0", "vllm/sampling_params.py", "\"guided_decoding is deprecated. This will be removed in "
            "v0.12.0 ... Please use structured_outputs instead.\"", "§3.7 G2"),
        ev("vllm 0.12.0", "vllm/sampling_params.py", "field `guided_decoding` absent", "§3.7 G2"),
    )
    invalid = (
        Example(
            "serve.py",
            "from vllm import SamplingParams\nfrom vllm.sampling_params import StructuredOutputsParams\n\n"
            "sp = SamplingParams(max_tokens=8, guided_decoding=StructuredOutputsParams(json={}))\n",
            fixed="from vllm import SamplingParams\nfrom vllm.sampling_params import StructuredOutputsParams\n\n"
            "sp = SamplingParams(max_tokens=8, structured_outputs=StructuredOutputsParams(json={}))\n",
            from_="vllm==0.10.2", to="vllm==0.12.0",
        ),
    )
    valid = (
        Example("serve.py", "from mylib import SamplingParams\n\nsp = SamplingParams(guided_decoding=None)\n",
                from_="vllm==0.10.2", to="vllm==0.12.0"),
    )

    def check(self, ctx):
        prog = program(ctx)
        if prog is None:
            return
        sev = Severity.ERROR if ctx.pair().to >= Version("0.12.0") else Severity.WARNING
        for unit, call, kw in _keywords(prog, SAMPLING_PARAMS, ("guided_decoding",)):
            dup = call.keyword("structured_outputs") is not None
            edits = None if dup else kw.rename("structured_outputs")
            yield ctx.report((unit, *kw.name_span), self.summary, edits=edits, severity=sev,
                             fix_message="rename to `structured_outputs=`")


class _RemovedKwarg(Rule):
    stack = "vllm"
    trigger = "target"
    severity = Severity.ERROR
    surfaces = ("python", "notebook")
    fix_safety = "No fix: the replacement is a different API; see the message."
    KEYS: tuple[str, ...] = ()
    ADVICE = ""

    def check(self, ctx):
        prog = program(ctx)
        if prog is None:
            return
        for unit, call, kw in _keywords(prog, SAMPLING_PARAMS, self.KEYS):
            yield ctx.report((unit, *kw.name_span),
                             f"`SamplingParams({kw.name}=...)` was removed in vllm {self.changed_in}: {self.ADVICE}")


class BeamSearchSamplingRemoved(_RemovedKwarg):
    code = "VLLM240"
    name = "sampling-params-beam-search-removed"
    changed_in = "0.6.3"
    KEYS = ("use_beam_search", "length_penalty", "early_stopping")
    ADVICE = "use `LLM.beam_search(prompts, BeamSearchParams(beam_width=..., max_tokens=...))`"
    summary = "Beam search is no longer a sampling parameter (vllm 0.6.3): `use_beam_search`, `length_penalty`, `early_stopping` were removed"
    looks_at = ("sampling:use_beam_search", "sampling:length_penalty", "sampling:early_stopping")
    tokens = (b"use_beam_search", b"length_penalty", b"early_stopping")
    what = "Reports `use_beam_search=`, `length_penalty=` and `early_stopping=` in `vllm.SamplingParams(...)` (target vllm 0.6.3 or newer)."
    why = (
        "vllm 0.6.2 deprecated beam search as a sampling parameter (allowed only with "
        "`VLLM_ALLOW_DEPRECATED_BEAM_SEARCH=1`); 0.6.3 removed the fields, so the keywords raise TypeError. Beam "
        "search is `LLM.beam_search(...)` with `BeamSearchParams` (the `params` signature from 0.6.6)."
    )
    evidence = (
        ev("vllm 0.6.2", "vllm/sampling_params.py", "\"Using beam search as a sampling parameter is deprecated ... "
            "set the environment variable `VLLM_ALLOW_DEPRECATED_BEAM_SEARCH=1`\"", "§3.12 P2"),
        ev("vllm 0.6.3", "vllm/sampling_params.py", "fields `use_beam_search`, `length_penalty`, `early_stopping` absent",
            "§3.12 P2"),
    )
    invalid = (
        Example("gen.py", "from vllm import LLM, SamplingParams\n\nsp = SamplingParams(n=4, use_beam_search=True)\n",
                from_="vllm==0.6.2", to="vllm==0.6.3"),
    )
    valid = (
        Example("gen.py", "from transformers import GenerationConfig\n\ng = GenerationConfig(length_penalty=1.0)\n",
                from_="vllm==0.6.2", to="vllm==0.6.3"),
    )


class BestOfRemoved(_RemovedKwarg):
    code = "VLLM241"
    name = "sampling-params-best-of-removed"
    changed_in = "0.12.0"
    KEYS = ("best_of",)
    ADVICE = "V1 never supported it; generate `n` samples and pick the best yourself"
    summary = "`SamplingParams(best_of=...)` was removed in vllm 0.12.0"
    looks_at = ("sampling:best_of",)
    tokens = (b"best_of",)
    what = "Reports `best_of=` in `vllm.SamplingParams(...)` (target vllm 0.12.0 or newer)."
    why = "The V1 engine rejected `best_of` (\"vLLM V1 does not yet support best_of.\"); 0.12.0 removed the field."
    evidence = (
        ev("vllm 0.11.0", "vllm/v1/engine/processor.py", "\"vLLM V1 does not yet support best_of.\"", "§3.12 P4"),
        ev("vllm 0.12.0", "vllm/sampling_params.py", "field `best_of` absent", "§3.12 P4"),
    )
    invalid = (Example("gen.py", "import vllm\n\nsp = vllm.SamplingParams(n=1, best_of=3)\n", from_="vllm==0.11.2",
                       to="vllm==0.12.0"),)


class LogitsProcessorsSamplingRemoved(_RemovedKwarg):
    code = "VLLM242"
    name = "sampling-params-logits-processors-removed"
    changed_in = "0.17.0"
    KEYS = ("logits_processors",)
    ADVICE = "use engine-level logits processors (`LLM(logits_processors=[...])` / `--logits-processors`, V1 classes)"
    summary = "`SamplingParams(logits_processors=...)` was removed in vllm 0.17.0"
    looks_at = ("sampling:logits_processors",)
    tokens = (b"logits_processors",)
    what = "Reports `logits_processors=` in `vllm.SamplingParams(...)` (target vllm 0.17.0 or newer)."
    why = (
        "Per-request logits-processor functions were rejected by the V1 engine from 0.12.0 (\"vLLM V1 does not support "
        "per request user provided logits processors\") and the field was removed in 0.17.0."
    )
    evidence = (
        ev("vllm 0.12.0", "vllm/v1/engine/input_processor.py", "\"vLLM V1 does not support per request user provided "
            "logits processors\"", "§3.12 P5"),
        ev("vllm 0.17.0", "vllm/sampling_params.py", "field `logits_processors` absent", "§3.12 P5"),
    )
    invalid = (Example("gen.py", "from vllm import SamplingParams\n\nsp = SamplingParams(logits_processors=[f])\n",
                       from_="vllm==0.16.0", to="vllm==0.17.0"),)
    valid = (Example("gen.py", "from vllm import LLM\n\nllm = LLM(model='m', logits_processors=[P])\n",
                     from_="vllm==0.16.0", to="vllm==0.17.0"),)


class TruncatePromptTokensRemoved(_RemovedKwarg):
    code = "VLLM243"
    name = "sampling-params-truncate-prompt-tokens-removed"
    changed_in = "0.17.0"
    KEYS = ("truncate_prompt_tokens",)
    ADVICE = "pass `tokenization_kwargs={\"truncation\": True, \"max_length\": k}` to `LLM.generate(...)` instead"
    summary = "`SamplingParams(truncate_prompt_tokens=...)` was removed in vllm 0.17.0"
    looks_at = ("sampling:truncate_prompt_tokens",)
    tokens = (b"truncate_prompt_tokens",)
    what = "Reports `truncate_prompt_tokens=` in `vllm.SamplingParams(...)` (target vllm 0.17.0 or newer)."
    why = (
        "0.17.0 removed the field (and dropped it from `LLM.encode/embed/reward`); prompt truncation is configured "
        "with `tokenization_kwargs` on `LLM.generate/chat/...` (added to `generate` in 0.16.0)."
    )
    evidence = (
        ev("vllm 0.17.0", "vllm/sampling_params.py", "field `truncate_prompt_tokens` absent", "§3.12 P6"),
        ev("vllm 0.16.0", "vllm/entrypoints/llm.py", "`LLM.generate` gains `tokenization_kwargs`", "§3.12 P6"),
    )
    invalid = (Example("gen.py", "from vllm import SamplingParams\n\nsp = SamplingParams(truncate_prompt_tokens=512)\n",
                       from_="vllm==0.16.0", to="vllm==0.17.0"),)


# ---- LLM.generate(prompt_token_ids=...) ---------------------------------------------------------------------


class PromptTokenIdsRemoved(Rule):
    code = "VLLM250"
    name = "llm-generate-prompt-token-ids-removed"
    stack = "vllm"
    changed_in = "0.10.2"
    trigger = "target"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    surfaces = ("python", "notebook")
    summary = "`LLM.generate(prompt_token_ids=...)` (and `LLM.encode`) was removed in vllm 0.10.2; pass token prompts in `prompts`"
    looks_at = ("python:vllm.LLM.generate", "python:vllm.LLM.encode")
    tokens = (b"prompt_token_ids",)
    what = (
        "Reports `prompt_token_ids=` in `.generate(...)` / `.encode(...)` called on a `vllm.LLM` instance (a name "
        "assigned `LLM(...)` in the same function or module, or `LLM(...).generate(...)`), target vllm 0.10.2 or newer."
    )
    why = (
        "Deprecated since 0.6.5 (\"'prompt_token_ids' will become part of 'prompts'\"), the keyword was removed in "
        "0.10.2, whose signature is `generate(self, prompts, sampling_params=None, *, ...)`: token prompts are "
        "`{\"prompt_token_ids\": [...]}` dicts (or `TokensPrompt`) in `prompts`."
    )
    fix_safety = (
        "Unsafe, and only for a literal value with no `prompts` argument: a list of ints becomes one "
        "`{\"prompt_token_ids\": [...]}` prompt, a list of lists one prompt per inner list. The output order and "
        "shape are the same, but review it. Non-literal values are reported without a fix (a list of ints and a list "
        "of lists need different rewrites)."
    )
    evidence = (
        ev("vllm 0.10.1", "vllm/entrypoints/llm.py", "`@deprecated(\"'prompt_token_ids' will become part of 'prompts'\")`",
            "§3.12 P1"),
        ev("vllm 0.10.2", "vllm/entrypoints/llm.py", "signature `generate(self, prompts, sampling_params=None, *, "
            "use_tqdm, lora_request, priority)`", "§3.12 P1"),
    )
    invalid = (
        Example(
            "serve.py",
            "from vllm import LLM, SamplingParams\n\nllm = LLM(model='facebook/opt-125m')\n"
            "out = llm.generate(prompt_token_ids=[[1, 2, 3], [4, 5]], sampling_params=SamplingParams())\n",
            fixed="from vllm import LLM, SamplingParams\n\nllm = LLM(model='facebook/opt-125m')\n"
            "out = llm.generate(prompts=[{\"prompt_token_ids\": [1, 2, 3]}, {\"prompt_token_ids\": [4, 5]}], "
            "sampling_params=SamplingParams())\n",
            unsafe=True, from_="vllm==0.10.1", to="vllm==0.10.2",
        ),
        Example(
            "serve.py",
            "from vllm import LLM\n\ndef run(ids):\n    llm = LLM(model='facebook/opt-125m')\n"
            "    return llm.generate(prompt_token_ids=ids)\n",
            from_="vllm==0.10.1", to="vllm==0.10.2",
        ),
    )
    valid = (
        Example("serve.py", "from langchain.llms import LLM\n\nllm = LLM()\nllm.generate(prompt_token_ids=[1])\n",
                from_="vllm==0.10.1", to="vllm==0.10.2"),
        Example("serve.py", "from vllm import LLM\n\nllm = LLM(model='m')\nllm.generate([{'prompt_token_ids': [1, 2]}])\n",
                from_="vllm==0.10.1", to="vllm==0.10.2"),
    )

    def check(self, ctx):
        prog = program(ctx)
        if prog is None:
            return
        inst: dict[tuple[int, str], bool] | None = None  # name tracking walks every scope: only when needed
        scopes: dict[int, int] = {}
        for unit, mod, node in prog.nodes():
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("generate", "encode")
                    and any(k.arg == "prompt_token_ids" for k in node.keywords)):
                continue
            recv = node.func.value
            if isinstance(recv, ast.Name):
                if inst is None:
                    inst, scopes = prog.instances(LLM_CLASS), prog.function_scopes()
                if not inst.get((scopes.get(id(node), 0), recv.id)):
                    continue
            elif not (isinstance(recv, ast.Call) and prog.resolve(recv.func) in LLM_CLASS):
                continue
            call = Call(mod, node, f"vllm.LLM.{node.func.attr}")
            kw = call.keyword("prompt_token_ids")
            edits = None
            has_prompts = bool(call.args) or call.keyword("prompts") is not None
            new = None if has_prompts else _token_prompts(kw.node.value)
            if new is not None:
                edits = kw.replace("prompts", new)
            yield ctx.report((unit, *kw.name_span),
                             f"`.{node.func.attr}(prompt_token_ids=...)` was removed in vllm 0.10.2: pass "
                             "`prompts=[{\"prompt_token_ids\": [...]}]` (or `TokensPrompt`) instead",
                             edits=edits, applicability=Applicability.UNSAFE,
                             fix_message="move the token ids into `prompts`")


def _token_prompts(value: ast.AST) -> Any:
    """The `prompts` value holding literal token ids: a list of ints is one `{"prompt_token_ids": [...]}`
    prompt, a list of such lists one prompt per list; None for anything else."""
    def ints(n):
        return isinstance(n, ast.List) and all(isinstance(e, ast.Constant) and type(e.value) is int for e in n.elts)

    if ints(value) and value.elts:
        return {"prompt_token_ids": [e.value for e in value.elts]}
    if isinstance(value, ast.List) and value.elts and all(ints(e) for e in value.elts):
        return [{"prompt_token_ids": [x.value for x in e.elts]} for e in value.elts]
    return None
