"""Generic "unknown to the target release" rules, driven by the per-release inventory (`lmimigrate.stacks.vllm.inventory`).

They catch what no specific rule names: typos, flags removed without a table row, env vars a release no
longer reads, LMI `option.*` keys the bundled vLLM drops (lmi_option_dropped.py). Removals that a specific rule (rules/vllm/data.py,
codes VLLM001-199) already reports for the same version pair are skipped here, so a setting is reported once.
"""

from __future__ import annotations

import re

from lmimigrate.core.pep440 import Version

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.stacks.vllm.inventory import for_version, last_release_with, suggest
from lmimigrate.core.rule import Rule
from lmimigrate.surfaces import VLLM_LAUNCH_TOKENS

from .common import ev as _ev
from lmimigrate.core.patterns import lazy_pattern

LLM_QUALNAMES = ("vllm.LLM", "vllm.entrypoints.llm.LLM")
ENGINE_ARGS_QUALNAMES = ("vllm.EngineArgs", "vllm.engine.arg_utils.EngineArgs")
ASYNC_ENGINE_ARGS_QUALNAMES = ("vllm.AsyncEngineArgs", "vllm.engine.arg_utils.AsyncEngineArgs")

#: `LLM.__init__` parameters that are not EngineArgs fields, and the first release with them (read from the
#: `LLM.__init__` signature of the release wheels, v0.5.5 ... v0.33.0).
LLM_ONLY_PARAMS = {"chat_template": "0.17.0"}

#: Gaudi variables (HabanaAI/vllm-fork, vllm-hpu-extension, vllm-gaudi) are read by the HPU plugin, not by
#: vllm/envs.py: reference gaudi_bucketing.md §1, §1.5, §2. The HPU rules own them.
GAUDI_ENV_PREFIXES = (
    "VLLM_PROMPT_", "VLLM_DECODE_", "VLLM_EXPONENTIAL_BUCKETING", "VLLM_BUCKETING_", "VLLM_GRAPH_",
    "VLLM_CONTIGUOUS_PA", "VLLM_SKIP_WARMUP", "VLLM_ENABLE_", "VLLM_DELAYED_SAMPLING", "VLLM_FULL_WARMUP",
    "VLLM_GC_THR_", "VLLM_PT_PROFILE", "VLLM_PROFILE_PROMPT", "VLLM_PROFILE_DECODE", "VLLM_MULTIMODAL_BUCKETS",
    "VLLM_DEVELOPER_MODE", "VLLM_DEFRAG", "VLLM_HPU_", "VLLM_USE_HPU_",
)
_GAUDI_WORDS = lazy_pattern(r"habana|gaudi|\bhpu\b|vllm-fork|vllm_gaudi|vllm-gaudi", re.I)


def _gaudi_name(key: str) -> bool:
    """A Gaudi plugin variable: a Gaudi prefix, and never read by any upstream vLLM release (the removed upstream
    `VLLM_ENABLE_MOE_DP_CHUNK` & co. share the `VLLM_ENABLE_` prefix but are vLLM's own)."""
    return key.startswith(GAUDI_ENV_PREFIXES) and last_release_with("env_vars", key) is None


def _gaudi_scope(settings) -> bool:
    """An env block that configures vLLM on Gaudi: it sets a Gaudi-only variable whose prefix is not the generic
    `VLLM_ENABLE_` (which upstream vLLM uses too)."""
    return any(_gaudi_name(s.key) and not s.key.startswith("VLLM_ENABLE_") for s in settings)


def inventory_for(version: Version | None):
    return for_version(version) if version is not None else None


#: (name, candidates) -> closest_name's answer. `check` meets each unknown name again in the copy it checks with
#: the fixes applied (foresight), and configurations repeat names; difflib over ~600 names costs ~10 ms a call.
_CLOSEST: dict[tuple[str, frozenset[str]], str | None] = {}


def closest_name(name: str, candidates) -> str | None:
    pool = frozenset(candidates)
    key = (name, pool)
    if key not in _CLOSEST:
        if len(_CLOSEST) >= 4096:
            _CLOSEST.clear()
        _CLOSEST[key] = suggest(name, sorted(pool))
    return _CLOSEST[key]


def _removed_text(kind: str, name: str, to: Version) -> str:
    last = last_release_with(kind, name)
    if last is None:
        return ""
    if Version(str(last)) < to:
        return f"; last accepted by vllm {last}"
    return ""


def _dash(key: str) -> str:
    return "--" + key.replace("_", "-")


# ---- CLI flags and --config keys ------------------------------------------------------------------------------


class UnknownCliFlag(Rule):
    code = "VLLM300"
    generic = True
    name = "unknown-cli-flag"
    stack = "vllm"
    changed_in = "0.5.5"
    trigger = "target"
    severity = Severity.ERROR
    summary = "A `vllm serve` flag or vLLM `--config` key that the target release does not accept"
    looks_at = ("vllm:*",)
    # A --config YAML file may name no "vllm" and only flag-like keys (most EngineArgs names have an
    # underscore); everywhere else a vLLM launch names vllm. A Python file gives command lines only for
    # `vllm serve` and `python -m vllm.entrypoints...` (lists, and launch text in its strings).
    tokens = {"yaml": (b"vllm", b"--", b"_", b"-"), "python": VLLM_LAUNCH_TOKENS, "*": (b"vllm",)}
    and_tokens = {"python": (b"vllm",)}
    what = (
        "Reports every flag of a vLLM server command line (`vllm serve`, `python -m vllm.entrypoints.openai.api_server`) "
        "and every key of a vLLM `--config` YAML file that the target release's argument parser does not define "
        "(flags are compared in any spelling: `--max-num-seqs`, `--max_num_seqs`, short aliases such as `-tp`; "
        "`--no-X` counts as `--X`; dotted `-cc.key` / `--x-config.key` forms are checked on their base flag). "
        "Suggests the closest accepted flag, and names the last release that had it."
    )
    why = (
        "vLLM's `FlexibleArgumentParser` (an argparse parser) exits at start-up with \"unrecognized arguments\" on any "
        "flag it does not define; `--config` YAML keys become command-line arguments the same way. Flags removed with "
        "a specific rule (VLLM0xx/1xx) are reported by that rule instead, with its fix."
    )
    fix_safety = (
        "No fix: a similar name is only a guess, and a removed flag may need a different setting. The one exception "
        "is an abbreviation on a command line (`--max-num-seq`): argparse expands a unique prefix, so writing the "
        "full flag it expands to in the target is safe (an ambiguous prefix is reported: vLLM exits)."
    )
    evidence = (
        _ev("vllm 0.5.5 ... 0.33.0", "vllm/engine/arg_utils.py; vllm/entrypoints/openai/cli_args.py (and successors)",
            "per-release `add_argument` flags: ../shared/reference/vllm_engine_args.json `cli_flags`", "§1, appendix B"),
        _ev("vllm 0.8.2, 0.10.1, 0.11.0, 0.13.0, 0.14.0, 0.33.0", "vllm/utils.py, vllm/utils/__init__.py, "
            "vllm/utils/argparse_utils.py", "`class FlexibleArgumentParser(ArgumentParser)` never passes `allow_abbrev` "
            "(grep finds no `allow_abbrev` in the wheels), so argparse's default `allow_abbrev=True` applies", "§1"),
    )
    invalid = (
        Example("run.sh", "#!/bin/sh\nvllm serve facebook/opt-125m --max-num-seq 64\n", from_="vllm==0.11.0",
                to="vllm==0.12.0"),
        Example("vllm-config.yaml", "model: facebook/opt-125m\ntensor_parallel_size: 1\nmax_num_seq: 64\n", from_="vllm==0.11.0",
                to="vllm==0.12.0"),
    )
    valid = (
        Example("run.sh", "#!/bin/sh\nvllm serve facebook/opt-125m --max-num-seqs 64 -tp 2 --no-enable-prefix-caching\n",
                from_="vllm==0.11.0", to="vllm==0.12.0"),
        Example("run.sh", "#!/bin/sh\npython train.py --max-num-seq 64\n", from_="vllm==0.11.0", to="vllm==0.12.0"),
    )

    def check(self, ctx):
        pair = ctx.pair()
        inv = inventory_for(pair.to) if pair else None
        if inv is None:
            return
        for scope in ctx.scopes("cli", "vllm-config"):
            for s in scope.settings:
                if s.ns != "vllm" or s.derived_from is not None or ctx.introduced(s):
                    continue
                key = s.key.split(".", 1)[0]
                if key == "O" or key == "compilation_config" and s.raw_key.startswith("-O"):
                    continue  # -O is rewritten by the parser (VLLM0xx rules cover its meaning)
                if scope.kind == "cli":
                    written = s.raw_key.split("=", 1)[0]
                    base = written.split(".", 1)[0]
                    candidates = [base, _dash(key)]
                else:
                    base = _dash(key)
                    candidates = [base]
                if key.startswith("no_"):
                    candidates.append(_dash(key[3:]))
                if any(inv.accepts_flag(c) for c in candidates):
                    continue
                if scope.kind == "cli":
                    found = _abbreviation(ctx, s, base, inv, pair.to)
                    if found is not None:
                        yield found
                        continue
                shown = base if scope.kind == "cli" else s.raw_key
                guess = closest_name(_dash(key), [f for f in inv.cli_flags if f.startswith("--")])
                if scope.kind != "cli" and guess:
                    guess = guess[2:].replace("-", "_")
                msg = f"`{shown}` is not accepted by vllm {pair.to}" + _removed_text("cli_flags", _dash(key), pair.to)
                if guess:
                    msg += f"; did you mean `{guess}`?"
                yield ctx.report(s, msg + " (vLLM exits with \"unrecognized arguments\")")


def _abbreviation(ctx, s, base: str, inv, to):
    """A prefix of a flag, which argparse expands: vLLM's `FlexibleArgumentParser` never sets `allow_abbrev=False`
    (checked in the 0.8.2, 0.10.1, 0.11.0, 0.13.0, 0.14.0 and 0.33.0 wheels), so `--max-num-batched-token` is
    `--max-num-batched-tokens` as long as one flag starts with it. A flag some release had in full (`--device`)
    is a removed flag, not an abbreviation: the other rules report it."""
    flag = "--" + base[2:].replace("_", "-") if base.startswith("--") else None
    if flag is None or last_release_with("cli_flags", flag) is not None:
        return None
    full = sorted(f for f in inv.cli_flags if f.startswith(flag) and f.startswith("--"))
    if not full:
        return None
    if len(full) > 1:
        return ctx.report(s, f"`{base}` abbreviates several flags of vllm {to} ({', '.join(f'`{f}`' for f in full[:4])}): "
                          "vLLM exits with \"ambiguous option\"; spell the flag out")
    return ctx.report(
        s, f"`{base}` is an abbreviation of `{full[0]}`: vllm {to} accepts it (argparse expands unique prefixes), "
        "but a later release adding a flag with the same prefix makes it ambiguous; spell it out",
        edits=ctx.edits(s.rename, full[0][2:].replace("-", "_")), fix_message=f"write `{full[0]}`",
        applicability=Applicability.SAFE, severity=Severity.INFO)


# ---- LLM(...) / EngineArgs(...) keyword arguments ----------------------------------------------------------------


class UnknownEngineKwarg(Rule):
    code = "VLLM301"
    generic = True
    name = "unknown-engine-kwarg"
    stack = "vllm"
    changed_in = "0.5.5"
    trigger = "target"
    severity = Severity.ERROR
    surfaces = ("python", "notebook")
    summary = "An `LLM(...)` / `EngineArgs(...)` keyword argument that the target release does not accept"
    looks_at = ("python:vllm.LLM", "python:vllm.EngineArgs", "python:vllm.AsyncEngineArgs")
    # The calls resolve through imports: `LLM` is written as a name (the `LLM` in "vLLM" does not count), next
    # to `vllm`. A notebook's JSON may glue a name to an escape (`\\nLLM`): there any `LLM` counts.
    tokens = {"python": (b"\bLLM\b", b"EngineArgs"), "*": (b"LLM", b"EngineArgs")}
    and_tokens = (b"vllm",)
    what = (
        "Reports keyword arguments of `vllm.LLM(...)`, `vllm.EngineArgs(...)` and `vllm.AsyncEngineArgs(...)` (resolved "
        "through the file's imports) that are not `EngineArgs` fields of the target release (nor `LLM.__init__` "
        "parameters, for `LLM`), with the closest field name; also the keys of a dict display unpacked into one of "
        "those calls (`DEFAULT_ARGS = {...}` ... `AsyncEngineArgs(**args)`)."
    )
    why = (
        "`EngineArgs` is a dataclass and `LLM(**kwargs)` forwards unknown keywords to it: an unknown name raises "
        "`TypeError: __init__() got an unexpected keyword argument` when the engine is built."
    )
    fix_safety = "No fix: a similar name is only a guess."
    evidence = (
        _ev("vllm 0.5.5 ... 0.33.0", "vllm/engine/arg_utils.py", "annotated fields of `class EngineArgs` per release: "
            "../shared/reference/vllm_engine_args.json `engine_args_fields`", "§1"),
        _ev("vllm 0.17.0", "vllm/entrypoints/llm.py", "`LLM.__init__(..., chat_template=...)` (the only LLM parameter "
            "that is not an EngineArgs field)", "§3.12"),
    )
    invalid = (
        Example("serve.py", "from vllm import LLM, SamplingParams\n\nllm = LLM(model='facebook/opt-125m', "
                "gpu_memory_utilisation=0.8)\n", from_="vllm==0.11.0", to="vllm==0.12.0"),
        Example("engine.py", "from vllm.engine.arg_utils import EngineArgs\n\nargs = EngineArgs(model='m', max_num_seq=8)\n",
                from_="vllm==0.11.0", to="vllm==0.12.0"),
    )
    valid = (
        Example("serve.py", "from vllm import LLM\n\nllm = LLM(model='facebook/opt-125m', gpu_memory_utilization=0.8, "
                "**extra)\n", from_="vllm==0.11.0", to="vllm==0.12.0"),
        Example("serve.py", "from langchain_community.llms import VLLM as LLM\n\nllm = LLM(model='m', vllm_kwargs={})\n",
                from_="vllm==0.11.0", to="vllm==0.12.0"),
        Example("serve.py", "class LLM:\n    def __init__(self, **kw):\n        pass\n\nllm = LLM(temperature=0.1)\n",
                from_="vllm==0.11.0", to="vllm==0.12.0"),
    )

    def check(self, ctx):
        # Imported here: the module's other rules read properties and env files, which never need the
        # Python surface (a `serving.properties` check must not import it).
        from .python_program import program

        pair = ctx.pair()
        inv = inventory_for(pair.to) if pair else None
        prog = program(ctx) if inv is not None else None
        if prog is None:
            return
        fields = set(inv.engine_args_fields)
        extra_async = set(inv.async_engine_args_extra_fields)
        llm_params = set(inv.llm_init_params)
        llm_params |= {p for p, since in LLM_ONLY_PARAMS.items() if pair.to >= Version(since)}
        for unit, call in prog.calls(*LLM_QUALNAMES, *ENGINE_ARGS_QUALNAMES, *ASYNC_ENGINE_ARGS_QUALNAMES):
            q = call.qualname
            accepted = set(fields)
            if q in LLM_QUALNAMES:
                accepted |= llm_params
            if q in ASYNC_ENGINE_ARGS_QUALNAMES:
                accepted |= extra_async
            for kw in call.keywords:
                if kw.name is None or kw.name in accepted or f"vllm:{kw.name}" in ctx.introduced_keys:
                    continue
                guess = closest_name(kw.name, accepted)
                msg = (f"`{kw.name}=` is not an engine argument of vllm {pair.to}"
                       + _removed_text("engine_args_fields", kw.name, pair.to))
                if guess:
                    msg += f"; did you mean `{guess}`?"
                yield ctx.report((unit, kw.name_span[0], kw.value_span[1]), msg + " (TypeError when the engine is built)")
        # Keys of a dict unpacked into one of those calls (`AsyncEngineArgs(**DEFAULT_ARGS)`): the engine raises on
        # them, and serving wrappers that filter unknown keys drop them silently.
        for scope in ctx.scopes("python-dict"):
            q = scope.facts.get("qualname", "")
            accepted = set(fields) | (llm_params if q in LLM_QUALNAMES else set())
            accepted |= extra_async if q in ASYNC_ENGINE_ARGS_QUALNAMES else set()
            for s in scope.settings:
                if s.key in accepted or ctx.introduced(s):
                    continue
                guess = closest_name(s.key, accepted)
                msg = (f"`{s.key!r}` (unpacked into `{q.rsplit('.', 1)[-1]}`) is not an engine argument of vllm {pair.to}"
                       + _removed_text("engine_args_fields", s.key, pair.to))
                if guess:
                    msg += f"; did you mean `{guess}`?"
                yield ctx.report(s, msg + " (TypeError when the engine is built)")


# ---- VLLM_* environment variables ----------------------------------------------------------------------------------


def _vllm_in_use(ctx, scope, known: set[str]) -> bool:
    """Evidently a vLLM deployment: a vLLM command or image in the file, or a known vLLM env var next to it."""
    if any(True for _ in ctx.scopes("cli")):
        return True
    text = "\n".join(u.text for u in ctx.units)
    if "vllm/vllm-openai" in text or "vllm serve" in text or "vllm.entrypoints" in text:
        return True
    return any(
        s.ns == "env" and s.key.startswith("VLLM_") and (s.key in known or last_release_with("env_vars", s.key) is not None)
        for s in scope.settings
    )


class UnknownEnvVar(Rule):
    code = "VLLM302"
    generic = True
    name = "unknown-vllm-env-var"
    stack = "vllm"
    changed_in = "0.5.5"
    trigger = "target"
    severity = Severity.WARNING
    summary = "A `VLLM_*` environment variable that the target release does not read"
    looks_at = ("env:VLLM_*",)
    tokens = (b"VLLM_",)
    what = (
        "Reports `VLLM_*` environment variables (env files, shell exports, Dockerfile `ENV`, Kubernetes/compose env, "
        "JSON env maps) that are not in the target release's `vllm/envs.py`, with the closest known name and the last "
        "release that read it. Only where vLLM is evidently in use (a vLLM command or `vllm/vllm-openai` image in the "
        "same file, or another variable that some vLLM release reads in the same env block), so that other projects' "
        "`VLLM_`-prefixed names stay silent. Intel Gaudi variables (`VLLM_PROMPT_*`, `VLLM_DECODE_*`, "
        "`VLLM_EXPONENTIAL_BUCKETING`, `VLLM_GRAPH_*`, `VLLM_SKIP_WARMUP`, ...) are left to the HPU rules only in a Gaudi "
        "env block (one that sets a Gaudi-only variable) and in files that mention Habana/Gaudi/HPU; a name some "
        "upstream vLLM release read (`VLLM_ENABLE_MOE_DP_CHUNK`) is never exempt."
    )
    why = (
        "vLLM reads only the variables listed in `vllm/envs.py`; any other `VLLM_*` variable is silently ignored up to "
        "0.16.0, and from 0.17.0 logs \"Unknown vLLM environment variable detected\" (a ValueError with "
        "`--fail-on-environ-validation`). A renamed or removed variable therefore stops having an effect without an "
        "error. Note: `VLLM_DISABLE_V1_ENGINE`, `VLLM_USE_LEGACY_SCHEDULER` and `VLLM_DISABLE_COMPILATION` (claimed by "
        "a widely copied write-up) never existed in any release."
    )
    fix_safety = "No fix: which setting replaces a removed variable depends on the variable."
    evidence = (
        _ev("vllm 0.17.0", "vllm/envs.py", "`validate_environ`: \"Unknown vLLM environment variable detected\"", "§3.14 V7"),
        _ev("vllm 0.5.5 ... 0.33.0", "vllm/envs.py", "keys of `environment_variables` per release: "
            "../shared/reference/vllm_engine_args.json `env_vars`", "appendix C"),
    )
    invalid = (
        Example("vllm.env", "VLLM_LOGGING_LEVEL=DEBUG\nVLLM_ATENTION_BACKEND=FLASHINFER\n", from_="vllm==0.11.0",
                to="vllm==0.12.0"),
        Example("k8s.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: llm\nspec:\n  containers:\n"
                "  - name: vllm\n    image: vllm/vllm-openai:v0.12.0\n    env:\n    - name: VLLM_DISABLE_V1_ENGINE\n"
                "      value: \"1\"\n", from_="vllm==0.11.0", to="vllm==0.12.0"),
        Example("vllm.env", "VLLM_LOGGING_LEVEL=DEBUG\nVLLM_ENABLE_MOE_DP_CHUNK=1\n", to="vllm==0.33.0"),
    )
    valid = (
        Example("vllm.env", "VLLM_LOGGING_LEVEL=DEBUG\nVLLM_WORKER_MULTIPROC_METHOD=spawn\n", from_="vllm==0.11.0",
                to="vllm==0.12.0"),
        Example("app.env", "VLLM_PROJECT_TOKEN=abc\nAPP_MODE=prod\n", from_="vllm==0.11.0", to="vllm==0.12.0"),
        Example("gaudi.env", "VLLM_LOGGING_LEVEL=INFO\nVLLM_PROMPT_BS_BUCKET_MAX=8\nVLLM_SKIP_WARMUP=true\n",
                from_="vllm==0.11.0", to="vllm==0.12.0"),
    )

    def check(self, ctx):
        pair = ctx.pair()
        inv = inventory_for(pair.to) if pair else None
        if inv is None:
            return
        known: set[str] | None = None
        for scope in ctx.scopes():
            names = [s for s in scope.settings if s.ns == "env" and s.derived_from is None and s.key.startswith("VLLM_")]
            if not names:
                continue
            if known is None:  # (a case-insensitive search of the whole file: only once there is a name to judge)
                if _GAUDI_WORDS.search("\n".join(u.text for u in ctx.units)):
                    return
                known = set(inv.env_vars)
            if not _vllm_in_use(ctx, scope, known):
                continue
            gaudi = _gaudi_scope(names)
            for s in names:
                if s.key in known or ctx.introduced(s) or (gaudi and _gaudi_name(s.key)):
                    continue
                guess = closest_name(s.key, known)
                msg = f"`{s.key}` is not read by vllm {pair.to}" + _removed_text("env_vars", s.key, pair.to)
                if guess:
                    msg += f"; did you mean `{guess}`?"
                msg += (" (vLLM warns \"Unknown vLLM environment variable detected\")" if pair.to >= Version("0.17.0")
                        else " (vLLM ignores it silently)")
                yield ctx.report(s, msg)
