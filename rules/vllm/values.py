"""Rules on flag values: `--task` (T1), `--disable-log-requests` (L1-L3), the removed guided-decoding request
fields (G3) and the API-server modules (L10, L11). Quantization methods and load formats (§3.10, K3, K4) are in
quantization.py, nested config keys (D2-D5, K1) in nested.py."""

from __future__ import annotations


from lmimigrate.core.changes import key_tokens
from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import spelled

from .common import VllmRule

from .common import MODEL, PY_VLLM, as_bool, ev, settings
from lmimigrate.core.patterns import lazy_pattern

# ---- T1 ------------------------------------------------------------------------------------------------

# task -> (runner, convert) as vLLM 0.10.1-0.12.0 resolved it (vllm/config/__init__.py at 0.10.2):
# generative tasks always gave runner "generate"; pooling tasks runner "pooling" with convert = the task's
# adapter for a model that is only generative or only pooling, but convert "auto" for a model that is both.
TASK_FIX = {
    "generate": ("generate", None, Applicability.SAFE),
    "transcription": ("generate", None, Applicability.SAFE),
    "embed": ("pooling", "embed", Applicability.UNSAFE),
    "embedding": ("pooling", "embed", Applicability.UNSAFE),
    "classify": ("pooling", "classify", Applicability.UNSAFE),
    "reward": ("pooling", "reward", Applicability.UNSAFE),
}


class TaskToRunnerConvert(VllmRule):
    code = "VLLM070"
    name = "task-to-runner-convert"
    stack = "vllm"
    changed_in = "0.10.1"
    removed_in = "0.13.0"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "`--task` was replaced by `--runner` / `--convert` (deprecated 0.10.1, removed 0.13.0)"
    looks_at = ("vllm:task",)
    tokens = (b"task",)
    and_tokens = PY_VLLM
    what = (
        "Reports `--task` on `vllm serve` command lines, in vLLM `--config` files and as `LLM(task=...)` / "
        "`EngineArgs(task=...)`, and rewrites it with the runner/convert pair vLLM resolved it to."
    )
    why = (
        "0.10.1 split the task into a runner (`generate`, `pooling`, `draft`) and a model conversion (`none`, "
        "`embed`, `classify`, `reward`) and deprecated `--task`; 0.13.0 removed it. vLLM 0.10.1-0.12.0 mapped "
        "`generate`/`transcription` to `--runner generate`; `embed`/`embedding`/`classify`/`reward` to "
        "`--runner pooling` with `--convert <task>` (`embedding` -> `embed`) for models that are only "
        "generative or only pooling, and `--convert auto` for models that are both; `score` to `embed` or "
        "`classify` depending on the model's default pooling task; `auto` to nothing."
    )
    fix_safety = (
        "`auto`: safe delete. `generate` / `transcription`: safe, `--runner generate` is what vLLM resolved in "
        "every case. `embed` / `embedding` / `classify` / `reward`: unsafe, `--runner pooling --convert <task>` "
        "is right for models that are only generative or only pooling; for a model that supports both, vLLM "
        "used `--convert auto` (use `--runner pooling` alone). `score` and `draft`: no fix, the mapping "
        "depends on the model."
    )
    evidence = (
        ev("vllm 0.10.2", "vllm/config/__init__.py", "\"The 'task' option has been deprecated and will be removed in "
           "v0.13.0 or v1.0 … Please replace this option with `--runner pooling`\" / \"`--convert {convert}`\"; "
           "`_task_to_convert`: embedding/embed -> embed, classify, reward; `--task` absent v0.13.0", "§3.5 T1"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --task generate --max-model-len 4096\n",
                fixed=f"vllm serve {MODEL} --runner generate --max-model-len 4096\n", to="vllm==0.13.0"),
        Example("run.sh", "vllm serve intfloat/e5-mistral-7b-instruct --task=embed\n",
                fixed="vllm serve intfloat/e5-mistral-7b-instruct --runner=pooling --convert embed\n",
                unsafe=True, to="vllm==0.13.0"),
        Example("vllm-config.yaml", "model: BAAI/bge-reranker-v2-m3\ntask: score\nmax_model_len: 512\n", to="vllm==0.13.0"),
        Example("vllm-config.yaml", "model: BAAI/bge-base-en-v1.5\ntask: embedding\nmax_model_len: 512\n",
                fixed="model: BAAI/bge-base-en-v1.5\nrunner: pooling\nconvert: embed\nmax_model_len: 512\n",
                unsafe=True, to="vllm==0.13.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --runner pooling --convert embed\n", to="vllm==0.13.0"),
        Example("run.sh", f"vllm serve {MODEL} --task embed\n", to="vllm==0.10.0"),
        Example("run.sh", "#!/bin/sh\n# a task runner, not vLLM\nmake task=embed && ./run --task generate\n", to="vllm==0.13.0"),
        Example("config.yaml", "task: generate\nsteps: 3\nepochs: 10\nmodel: resnet\n", to="vllm==0.13.0"),
    )

    def check(self, ctx):
        gone = ctx.target_at_least(self.removed_in)
        sev = Severity.ERROR if gone else Severity.WARNING
        status = "was removed in vllm 0.13.0" if gone else "is deprecated since vllm 0.10.1"
        for s in settings(ctx, "task"):
            value = (s.text_value or "").strip().lower() if s.literal else None
            edits, app, todo = None, None, "use `--runner` / `--convert`"
            if value == "auto":
                edits, app, todo = ctx.edits(s.delete), Applicability.SAFE, "delete it (`auto` is the default)"
            elif value in TASK_FIX:
                runner, convert, app = TASK_FIX[value]
                todo = f"use `{spelled(s.scope, 'runner', runner)}`" + (f" and `{spelled(s.scope, 'convert', convert)}`" if convert else "")
                if s.scope.get("vllm", "runner") is None and s.scope.get("vllm", "convert") is None:
                    parts = [ctx.edits(s.rename, "runner"), ctx.edits(s.set_value, runner)]
                    if convert:
                        parts.append(ctx.edits(s.scope.insert, "vllm", "convert", convert, after=s))
                    if all(p is not None for p in parts):
                        edits = [e for p in parts for e in p]
            elif value in ("score", "draft"):
                todo = ("use `--runner pooling --convert embed` or `--convert classify`, whichever your model's "
                        "default pooling task is" if value == "score" else "use `--runner draft` if this is a draft model")
            yield ctx.report(s, f"`{s.raw_key}` {status}: {todo}", edits=edits, applicability=app,
                             fix_message=todo, severity=sev)


# ---- L1-L3 ---------------------------------------------------------------------------------------------


class DisableLogRequestsRemoved(VllmRule):
    code = "VLLM080"
    name = "disable-log-requests-removed"
    stack = "vllm"
    changed_in = "0.10.1"
    removed_in = "0.17.0"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`--disable-log-requests` is redundant from vllm 0.10.1 (request logging is off by default) and was removed in 0.17.0"
    looks_at = ("vllm:disable_log_requests",)
    tokens = key_tokens(["disable_log_requests"])
    what = (
        "Reports `--disable-log-requests` (command lines, vLLM `--config` files) and replaces it with the explicit "
        "`--no-enable-log-requests` (`enable_log_requests: false`)."
    )
    why = (
        "0.10.1 turned request logging off by default and added `--enable-log-requests`; `--disable-log-requests` "
        "became a deprecated no-op and 0.17.0 removed it (the server exits with `unrecognized arguments`). "
        "`disable_log_requests: false` (logging on) becomes `--enable-log-requests`."
    )
    fix_safety = (
        "Safe: with the flag set, requests were not logged; `--no-enable-log-requests` (a BooleanOptionalAction "
        "from 0.10.1) says the same, so the explicit choice survives the fix and VLLM081 does not ask for it again. "
        "An explicit `false` is replaced by `--enable-log-requests`, which keeps logging on."
    )
    evidence = (
        ev("vllm 0.10.1", "vllm/engine/arg_utils.py", "`enable_log_requests: bool = False` (0.10.0: "
           "`disable_log_requests: bool = False`)", "§3.6 L1"),
        ev("vllm 0.16.0", "vllm/engine/arg_utils.py", "help \"[DEPRECATED] Disable logging requests.\"; absent v0.17.0",
           "§3.6 L3"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --disable-log-requests --port 8000\n",
                fixed=f"vllm serve {MODEL} --port 8000 --no-enable-log-requests\n", to="vllm==0.17.0"),
        Example("vllm-config.yaml", f"model: {MODEL}\ndisable_log_requests: true\nmax_model_len: 4096\n",
                fixed=f"model: {MODEL}\nmax_model_len: 4096\nenable_log_requests: false\n", to="vllm==0.17.0"),
        Example("vllm-config.yaml", f"model: {MODEL}\ndisable_log_requests: false\nmax_model_len: 4096\n",
                fixed=f"model: {MODEL}\nmax_model_len: 4096\nenable_log_requests: true\n", to="vllm==0.17.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --disable-log-requests\n", to="vllm==0.10.0"),
        Example("run.sh", f"vllm serve {MODEL} --enable-log-requests\n", to="vllm==0.17.0"),
    )

    def check(self, ctx):
        gone = ctx.target_at_least(self.removed_in)
        for s in settings(ctx, "disable_log_requests"):
            on = as_bool(s.value) if s.literal else None
            status = "was removed in vllm 0.17.0" if gone else "is deprecated since vllm 0.10.1"
            if on is False:
                edits = _as_enable_log_requests(ctx, s, True)
                yield ctx.report(s, f"`{s.raw_key}` {status}: request logging is off by default; use "
                                 "`--enable-log-requests` to keep it on", edits=edits,
                                 severity=Severity.ERROR if gone else Severity.WARNING,
                                 fix_message="use `--enable-log-requests`")
            else:
                # The explicit "off" is kept as `--no-enable-log-requests` (a BooleanOptionalAction from 0.10.1):
                # deleting it would lose the user's choice, and VLLM081 would then ask them to decide again.
                edits = _as_enable_log_requests(ctx, s, False) if on else None
                yield ctx.report(s, f"`{s.raw_key}` {status}: request logging is off by default from 0.10.1; "
                                 "say so with `--no-enable-log-requests`", edits=edits,
                                 severity=Severity.ERROR if gone else Severity.WARNING,
                                 fix_message="use `--no-enable-log-requests`")


def _as_enable_log_requests(ctx, s, on: bool):
    """The edits that replace `s` (a `disable_log_requests` setting) with `enable_log_requests=on`; None when the
    scope already sets `enable_log_requests` or cannot write it."""
    if s.scope.get("vllm", "enable_log_requests") is not None:
        return None
    a, b = ctx.edits(s.delete), ctx.edits(s.scope.insert, "vllm", "enable_log_requests", on)
    return a + b if a is not None and b is not None else None


class RequestLoggingDefaultOff(VllmRule):
    code = "VLLM081"
    name = "request-logging-default-off"
    stack = "vllm"
    changed_in = "0.10.1"
    trigger = "default"
    severity = Severity.INFO
    summary = "From vllm 0.10.1 the OpenAI server no longer logs requests unless `--enable-log-requests` is given"
    looks_at = ("vllm:disable_log_requests", "vllm:enable_log_requests")
    tokens = (b"vllm", b"VLLM")
    what = "Reports a `vllm serve` / API-server command line that sets neither logging flag, when the upgrade crosses 0.10.1."
    why = (
        "Up to 0.10.0 every request was logged unless `--disable-log-requests` was given; from 0.10.1 nothing "
        "is logged unless `--enable-log-requests` is given. Log-based dashboards and audits go quiet."
    )
    fix_safety = "No fix: add `--enable-log-requests` if you rely on request logs."
    evidence = DisableLogRequestsRemoved.evidence[:1]
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --port 8000\n", from_="vllm==0.9.2", to="vllm==0.10.1"),
        Example("compose.yaml", "services:\n  vllm:\n    image: vllm/vllm-openai:v0.9.2\n"
                f"    command: --model {MODEL} --port 8000\n", from_="vllm==0.9.2", to="vllm==0.33.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} --enable-log-requests\n", from_="vllm==0.9.2", to="vllm==0.10.1"),
        Example("run.sh", f"vllm serve {MODEL} --disable-log-requests\n", from_="vllm==0.9.2", to="vllm==0.10.1"),
        Example("run.sh", f"vllm serve {MODEL} --no-enable-log-requests\n", from_="vllm==0.9.2", to="vllm==0.10.1"),
        Example("run.sh", f"vllm serve {MODEL}\n", to="vllm==0.10.1"),
    )

    def check(self, ctx):
        for scope in ctx.scopes("cli"):
            if any(scope.get("vllm", k) for k in ("enable_log_requests", "no_enable_log_requests", "disable_log_requests")):
                continue
            yield ctx.report(scope, "request logging is off by default from vllm 0.10.1: add `--enable-log-requests` "
                             "if you rely on request logs")


# ---- G3 ------------------------------------------------------------------------------------------------

_GUIDED_FIELD = lazy_pattern(r"""(["'])(guided_(?:json|regex|choice|grammar|decoding_backend|whitespace_pattern))\1\s*:""")


class GuidedRequestFieldsIgnored(VllmRule):
    code = "VLLM101"
    name = "guided-request-fields-ignored"
    stack = "vllm"
    changed_in = "0.12.0"
    trigger = "crossing"
    severity = Severity.WARNING
    surfaces = ("python", "notebook", "json")
    summary = "OpenAI request fields `guided_json`, `guided_regex`, ... are silently ignored from vllm 0.12.0"
    looks_at = ("python:extra_body", "json:guided_*")
    tokens = (b"guided_",)
    what = (
        "Reports request-body keys `guided_json`, `guided_regex`, `guided_choice`, `guided_grammar`, "
        "`guided_decoding_backend` and `guided_whitespace_pattern` written as dict/JSON keys (e.g. in "
        "`extra_body={...}` of an OpenAI client call, or a saved request body)."
    )
    why = (
        "0.11.0 deprecated the fields in favour of `\"structured_outputs\": {\"json\": ...}` (or `regex` / "
        "`choice` / `grammar`) and OpenAI's `response_format`; 0.12.0 removed them. The request model allows "
        "extra fields, so old requests get HTTP 200 with unconstrained output (0.30.0+ at least logs a warning)."
    )
    fix_safety = "No fix: move the constraint into `\"structured_outputs\": {\"json\": ...}` or `response_format`."
    evidence = (
        ev("vllm 0.11.0", "vllm/entrypoints/openai/protocol.py", "\"`guided_json` is deprecated. This will be removed in "
           "v0.12.0 … Please pass `json` to `structured_outputs` instead.\"", "§3.7 G3"),
        ev("vllm 0.30.0", "vllm/entrypoints/serve/engine/protocol.py", "`_REMOVED_GUIDED_FIELDS`: \"requests still using "
           "them get HTTP 200 with unconstrained output\"", "§3.7 G3"),
    )
    invalid = (
        Example("request.json", "{\"model\": \"m\", \"messages\": [], \"guided_json\": {\"type\": \"object\"}}\n"),
    )
    valid = (
        Example("request.json", "{\"model\": \"m\", \"messages\": [], \"structured_outputs\": {\"json\": {}}}\n"),
        Example("request.json", "{\"model\": \"m\", \"guided_json\": {}}\n", to="vllm==0.11.0"),
    )

    def check(self, ctx):
        for unit in ctx.units:
            if unit.surface not in self.surfaces:
                continue
            for m in _GUIDED_FIELD.finditer(unit.text):
                field = m.group(2)
                yield ctx.report((unit, m.start(), m.end() - 1),
                                 f"request field `{field}` is ignored from vllm 0.12.0 (the request succeeds with "
                                 f"unconstrained output): use `\"structured_outputs\": {{\"{field[7:]}\": ...}}`"
                                 if field not in ("guided_decoding_backend", "guided_whitespace_pattern") else
                                 _backend_message(field))


def _backend_message(field: str) -> str:
    if field == "guided_decoding_backend":
        # Also an engine argument (`AsyncEngineArgs(**{"guided_decoding_backend": ...})`): not only a request field.
        return ("`guided_decoding_backend` is not read from vllm 0.12.0: as an engine argument it is "
                "`structured_outputs_config.backend` (`--structured-outputs-config '{\"backend\": ...}'`, VLLM100); "
                "in a request body, remove it")
    return f"request field `{field}` is ignored from vllm 0.12.0: remove it"


# ---- L10, L11 ------------------------------------------------------------------------------------------


class OpenAIApiServerModuleDeprecated(VllmRule):
    code = "VLLM088"
    name = "openai-api-server-module-deprecated"
    changed_in = "0.29.0"
    trigger = "crossing"
    severity = Severity.WARNING
    summary = "`python -m vllm.entrypoints.openai.api_server` is deprecated from vllm 0.29.0; use `vllm serve`"
    looks_at = ("cli:vllm.entrypoints.openai.api_server",)
    tokens = (b"vllm.entrypoints.openai.api_server",)
    what = "Reports server launches through `python -m vllm.entrypoints.openai.api_server` (scripts, Dockerfiles, Kubernetes commands)."
    why = (
        "0.29.0 moved the server code to `vllm.entrypoints.launchers` and deprecated the old module; the "
        "supported entry point is the `vllm serve` CLI (the module's own message says \"use `vllm server`\", a "
        "typo: the subcommand is `serve`)."
    )
    fix_safety = (
        "No fix: `vllm serve` takes the model as a positional argument, so the command line has to be rewritten "
        "(`python -m vllm.entrypoints.openai.api_server --model M ...` -> `vllm serve M ...`)."
    )
    evidence = (
        ev("vllm 0.29.0", "vllm/entrypoints/openai/api_server.py", "\"`vllm.entrypoints.openai.api_server` is deprecated "
           "… Use the corresponding function from `vllm.entrypoints.launchers` instead.\"", "§3.6 L10"),
    )
    invalid = (
        Example("run.sh", "#!/bin/sh\npython3 -m vllm.entrypoints.openai.api_server --model facebook/opt-125m --port 8000\n",
                to="vllm==0.29.0"),
        Example("Dockerfile", "FROM vllm/vllm-openai:v0.28.0\nENTRYPOINT [\"python3\", \"-m\", \"vllm.entrypoints.openai.api_server\"]\n"
                "CMD [\"--model\", \"facebook/opt-125m\"]\n", to="vllm==0.29.0"),
    )
    valid = (Example("run.sh", "#!/bin/sh\npython3 -m vllm.entrypoints.openai.api_server --model facebook/opt-125m\n",
                     to="vllm==0.28.0"),
             Example("run.sh", f"#!/bin/sh\nvllm serve {MODEL}\n", to="vllm==0.29.0"))

    def check(self, ctx):
        for scope in ctx.scopes("cli"):
            if scope.facts.get("command") == "vllm.entrypoints.openai.api_server":
                yield ctx.report(scope, "`python -m vllm.entrypoints.openai.api_server` is deprecated since vllm 0.29.0: "
                                 "launch the server with `vllm serve <model> ...`")


class DemoApiServerRemoved(VllmRule):
    code = "VLLM089"
    name = "demo-api-server-removed"
    changed_in = "0.25.0"
    trigger = "crossing"
    severity = Severity.ERROR
    summary = "`python -m vllm.entrypoints.api_server` (the demo `/generate` server) was removed in vllm 0.25.0"
    looks_at = ("cli:vllm.entrypoints.api_server",)
    tokens = (b"vllm.entrypoints.api_server",)
    what = "Reports launches of the demo server module `vllm.entrypoints.api_server`."
    why = "The demo server with its `/generate` endpoint is gone in 0.25.0; use the OpenAI-compatible `vllm serve`."
    fix_safety = "No fix: clients of `/generate` must move to `/v1/completions` (different request and response bodies)."
    evidence = (ev("vllm 0.25.0", "vllm/entrypoints/api_server.py", "present v0.24.0, absent v0.25.0", "§3.6 L11"),)
    invalid = (
        Example("run.sh", "#!/bin/sh\npython -m vllm.entrypoints.api_server --model facebook/opt-125m\n", to="vllm==0.25.0"),
        Example("k8s.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\nspec:\n  containers:\n  - name: vllm\n"
                "    image: vllm/vllm-openai:v0.24.0\n    command: [\"python3\", \"-m\", \"vllm.entrypoints.api_server\"]\n"
                "    args: [\"--model\", \"facebook/opt-125m\"]\n", to="vllm==0.25.0"),
    )
    valid = (Example("run.sh", "#!/bin/sh\npython -m vllm.entrypoints.api_server --model facebook/opt-125m\n", to="vllm==0.24.0"),)

    def check(self, ctx):
        for scope in ctx.scopes("cli"):
            if scope.facts.get("command") == "vllm.entrypoints.api_server":
                yield ctx.report(scope, "the demo server `vllm.entrypoints.api_server` was removed in vllm 0.25.0: use "
                                 "`vllm serve` (OpenAI-compatible API; `/generate` clients must move to `/v1/completions`)")
