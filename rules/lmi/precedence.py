"""Which of two places wins when both set the same LMI setting (reference lmi_ground_truth.md §4.3, §4.4, R21).

Rules see one file at a time, so these rules compare settings within one file: a notebook with a
`%%writefile serving.properties` cell and an env dict in a Python cell, a Dockerfile or compose file with
several env blocks, one env file. A `serving.properties` in one file and env vars in another (the common
layout) are not compared; the precedence is documented here and in each rule:

1. (v17+) `SAGEMAKER_NUM_MODEL_WORKERS`, `SAGEMAKER_STARTUP_TIMEOUT`, `SAGEMAKER_MODEL_SERVER_TIMEOUT_SECONDS`;
2. `serving.properties` (or the `HF_MODEL_ID` synthetic file for model_id / revision / task);
3. `OPTION_*` env vars; 4. TGI-style vars (`MAX_BATCH_SIZE` ...); 5. `TENSOR_PARALLEL_DEGREE` env; 6. defaults.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule

from .common import MODEL_INFO, ev

LIMIT = (
    " Only settings in the same file are compared (e.g. a notebook's `%%writefile serving.properties` cell and its "
    "env dict); a serving.properties and an env file kept apart are not."
)

#: SageMaker compat env (v17+) → the LMI keys it overwrites with `setProperty`.
SAGEMAKER_COMPAT = {
    "SAGEMAKER_NUM_MODEL_WORKERS": ("minWorkers", "maxWorkers"),
    "SAGEMAKER_STARTUP_TIMEOUT": ("option.model_loading_timeout",),
    "SAGEMAKER_MODEL_SERVER_TIMEOUT_SECONDS": ("option.predict_timeout",),
}


def _where(s) -> str:
    unit = s.unit
    line = unit.index.position(s.key_span[0])[0]
    cell = f"code cell {unit.cell}, " if unit.cell is not None else ""
    return f"{cell}line {line}"


class SageMakerCompatOverrides(Rule):
    code = "LMI026"
    name = "sagemaker-env-overrides-properties"
    stack = "lmi"
    changed_in = "17"
    severity = Severity.WARNING
    summary = "From LMI v17 `SAGEMAKER_*` timeout/worker env vars override the same settings in serving.properties"
    looks_at = tuple(f"env:{k}" for k in SAGEMAKER_COMPAT)
    tokens = tuple(k.encode() for k in SAGEMAKER_COMPAT)
    what = (
        "Reports `SAGEMAKER_NUM_MODEL_WORKERS`, `SAGEMAKER_STARTUP_TIMEOUT` or "
        "`SAGEMAKER_MODEL_SERVER_TIMEOUT_SECONDS` when the same file also sets `minWorkers`/`maxWorkers`, "
        "`option.model_loading_timeout` or `option.predict_timeout` (serving.properties text, option maps or "
        "`OPTION_*` env), for targets from LMI v17 (0.35.0)." + LIMIT
    )
    why = (
        "`SageMakerCompatibility` (commit 63554fc1, new in 0.35.0) applies these with `setProperty`, overwriting "
        "the value from serving.properties and `OPTION_*`; before v17 LMI did not read them. A timeout tuned in "
        "serving.properties is silently replaced by the platform variable."
    )
    fix_safety = "No fix: keep one of the two, knowing the env var wins from v17."
    evidence = (ev("djl-serving 0.35.0 (LMI v17)", "wlm/src/main/java/ai/djl/serving/wlm/util/SageMakerCompatibility.java",
                   "commit 63554fc1: `SAGEMAKER_STARTUP_TIMEOUT` → `option.model_loading_timeout` etc. via `setProperty`",
                   "§2 v16→v17 item 6; §4.4 step 3; R21"),)
    invalid = (
        Example("model.env", "HF_MODEL_ID=x\nOPTION_MODEL_LOADING_TIMEOUT=3600\nSAGEMAKER_STARTUP_TIMEOUT=600\n",
                from_="lmi==v16", to="lmi==v17"),
    )
    valid = (Example("model.env", "HF_MODEL_ID=x\nOPTION_MODEL_LOADING_TIMEOUT=3600\nSAGEMAKER_STARTUP_TIMEOUT=600\n",
                     from_="lmi==v15", to="lmi==v16"),)

    def check(self, ctx):
        for name, keys in SAGEMAKER_COMPAT.items():
            for s in ctx.settings("env", name):
                others = [o for k in keys for o in ctx.settings("lmi", k) if o.origin is not s]
                if not others:
                    continue
                o = others[-1]
                yield ctx.report(s, f"`{name}` overrides `{o.origin.raw_key}` ({_where(o)}) from LMI v17 (0.35.0)")


class HfModelIdWins(Rule):
    code = "LMI057"
    name = "option-model-id-shadowed"
    stack = "lmi"
    trigger = "always"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`OPTION_MODEL_ID` is ignored when `HF_MODEL_ID` names a Hub model (its synthetic serving.properties wins)"
    looks_at = ("env:OPTION_MODEL_ID", "env:HF_MODEL_ID")
    tokens = (b"OPTION_MODEL_ID",)
    what = "Reports `OPTION_MODEL_ID` in an env block that also sets `HF_MODEL_ID` to a Hub id (not `s3://`, `djl://` or a path)." + LIMIT
    why = (
        "For a Hub id `ModelStore` writes a synthetic model directory whose serving.properties holds "
        "`option.model_id=<HF_MODEL_ID>`; serving.properties wins over `OPTION_*` env (`putIfAbsent`), so "
        "`OPTION_MODEL_ID` never applies."
    )
    fix_safety = "Safe: the deleted variable is never read in this combination."
    evidence = (ev("djl-serving 0.28.0-master", "serving/src/main/java/ai/djl/serving/util/ModelStore.java",
                   "synthetic `serving.properties` with `option.model_id=<HF_MODEL_ID>`; `OPTION_*` applied with `putIfAbsent`",
                   "§4.3; §4.4"),)
    invalid = (
        Example("model.env", "HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_MODEL_ID=/opt/ml/model\n",
                fixed="HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\n"),
    )
    valid = (Example("model.env", "HF_MODEL_ID=s3://bucket/model/\nOPTION_MODEL_ID=/opt/ml/model\n"),)

    def check(self, ctx):
        for scope in ctx.scopes("env"):
            hf = scope.get("env", "HF_MODEL_ID")
            opt = scope.get("env", "OPTION_MODEL_ID")
            if hf is None or opt is None or not hf.literal:
                continue
            v = (hf.text_value or "").strip()
            if not v or v.startswith(("s3://", "djl://", "/", ".")):
                continue
            yield ctx.report(opt, f"`OPTION_MODEL_ID` is ignored: `HF_MODEL_ID={v}` creates a serving.properties whose "
                             "`option.model_id` wins", edits=ctx.edits(opt.delete), fix_message="remove `OPTION_MODEL_ID`")


class PropertiesWinOverEnv(Rule):
    code = "LMI058"
    name = "properties-win-over-option-env"
    stack = "lmi"
    trigger = "always"
    severity = Severity.INFO
    summary = "A key set both in serving.properties and as an `OPTION_*` env var: serving.properties wins"
    looks_at = ("lmi:option.*", "env:OPTION_*")
    tokens = (b"OPTION_",)
    what = (
        "Reports an `OPTION_*` env var (or `HF_MODEL_ID`-style alias) whose LMI key is also set by a "
        "serving.properties or option-map scope in the same file with a different value." + LIMIT
    )
    why = (
        "`ModelInfo.loadServingProperties` applies `OPTION_*` with `putIfAbsent`: the serving.properties value wins "
        "and the env var is ignored for that model. (From v17 the `SAGEMAKER_*` compat vars win over both, LMI026.)"
    )
    fix_safety = "No fix: keep the setting in one place."
    evidence = (ev("djl-serving 0.26.0-master", MODEL_INFO, "`OPTION_<SUFFIX>` applied with `putIfAbsent` after loading serving.properties",
                   "§4.4 step 2"),)
    invalid = (
        Example("nb.ipynb",
                '{"cells": [{"cell_type": "code", "metadata": {}, "source": ["%%writefile serving.properties\\n", '
                '"engine=Python\\n", "option.rolling_batch=vllm\\n", "option.max_rolling_batch_size=64\\n"], "outputs": [], '
                '"execution_count": null}, {"cell_type": "code", "metadata": {}, "source": ["from sagemaker import Model\\n", '
                '"model = Model(image_uri=\\"x\\", env={\\"OPTION_MAX_ROLLING_BATCH_SIZE\\": \\"128\\"})\\n"], "outputs": [], '
                '"execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'),
    )
    valid = (Example("model.env", "HF_MODEL_ID=x\nOPTION_MAX_ROLLING_BATCH_SIZE=128\n"),)

    def check(self, ctx):
        file_values = {}
        for scope in ctx.scopes("properties", "lmi-map"):
            if scope.facts.get("standalone"):
                continue  # one of several configs in the file (a test harness's dicts): not this model's
            for s in scope.settings:
                if s.ns == "lmi":
                    file_values[s.key] = s
        if not file_values:
            return
        for scope in ctx.scopes("env"):
            for s in scope.settings:
                if s.ns != "lmi" or s.derived_from is None or s.key not in file_values:
                    continue
                p = file_values[s.key]
                if p.literal and s.literal and (p.text_value or "").strip() == (s.text_value or "").strip():
                    continue
                yield ctx.report(s, f"`{s.origin.raw_key}` is ignored for this model: `{p.raw_key}={p.text_value}` in "
                                 f"serving.properties ({_where(p)}) wins over env")
