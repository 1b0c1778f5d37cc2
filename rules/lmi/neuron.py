"""Transformers-NeuronX (AWS Inferentia/Trainium) changes: its removal in LMI v17, the TGI-style variables its
entrypoint never translated, a misspelled entry point and the legacy partition schema. The fix policy is
keys.py's."""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule, spelled

from .common import ev, get, is_neuron, lmi_scopes, set_to, value


NEURON_ENTRY_POINTS = ("djl_python.transformers_neuronx", "djl_python.stable_diffusion_inf2", "djl_python.transformersneuronx")


class NeuronRemoved(Rule):
    code = "LMI028"
    name = "neuron-support-removed"
    stack = "lmi"
    changed_in = "17"
    severity = Severity.ERROR
    summary = "Transformers-NeuronX support (`rolling_batch=tnx`, the Neuron entry points) was removed in LMI v17 (0.35.0)"
    looks_at = ("lmi:option.entryPoint", "lmi:option.rolling_batch")
    tokens = (b"neuronx", b"tnx", b"TNX", b"inf2")
    what = (
        "Reports `option.rolling_batch=tnx` and `option.entryPoint=djl_python.transformers_neuronx` / "
        "`djl_python.stable_diffusion_inf2` when the target is LMI v17 (0.35.0) or later."
    )
    why = (
        "Commit 1132e3ab removed the Neuron code and tests; `pytorch-inf2.Dockerfile` is gone from 0.35.0 and "
        "`RollingBatchEnum` is `{vllm, auto, disable, trtllm}`. There is no LMI target for these models: move to "
        "AWS's separate Neuron containers, or stay on the last `djl-neuronx` image."
    )
    fix_safety = "No fix: there is no equivalent in the LMI container."
    evidence = (
        ev("djl-serving 0.35.0 (LMI v17)", "engines/python/setup/djl_python/",
           "commit 1132e3ab \"[lmi] Remove code and tests related to deprecated neuron hardware support\"", "§1.2; §2 v16→v17 item 4; R15"),
    )
    invalid = (
        Example("serving.properties", "engine=Python\noption.entryPoint=djl_python.transformers_neuronx\noption.model_id=x\n"
                "option.n_positions=4096\n", from_="lmi==v16", to="lmi==v17"),
    )
    valid = (Example("serving.properties", "option.entryPoint=djl_python.transformers_neuronx\n", from_="lmi==v15", to="lmi==v16"),)

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            ep = get(scope, "option.entryPoint")
            if value(ep) in NEURON_ENTRY_POINTS[:2]:
                yield ctx.report(ep, f"`{spelled(ep)}`: Neuron support was removed in LMI v17 (0.35.0); use AWS's Neuron containers")
                continue
            rb = get(scope, "option.rolling_batch")
            if value(rb) == "tnx":
                yield ctx.report(rb, f"`{spelled(rb)}`: Neuron support was removed in LMI v17 (0.35.0); use AWS's Neuron containers")


#: TGI / SageMaker style variables the GPU entrypoint translates (§4.1), and their LMI destination.
TGI_ENV = {
    "HF_MODEL_QUANTIZE": "OPTION_QUANTIZE",
    "HF_MODEL_TRUST_REMOTE_CODE": "OPTION_TRUST_REMOTE_CODE",
    "SM_NUM_GPUS": "TENSOR_PARALLEL_DEGREE",
    "MAX_CONCURRENT_REQUESTS": "SERVING_JOB_QUEUE_SIZE",
    "MAX_BATCH_PREFILL_TOKENS": "OPTION_MAX_ROLLING_BATCH_PREFILL_TOKENS",
    "MAX_BATCH_SIZE": "OPTION_MAX_ROLLING_BATCH_SIZE",
}


class NeuronTgiEnv(Rule):
    code = "LMI029"
    name = "neuron-image-tgi-env"
    stack = "lmi"
    trigger = "always"
    severity = Severity.WARNING
    fix_applicability = Applicability.UNSAFE
    summary = "The Neuron (`pytorch-inf2`) image does not translate TGI-style env vars such as `MAX_BATCH_SIZE`"
    looks_at = tuple(f"env:{k}" for k in TGI_ENV)
    tokens = tuple(k.encode() for k in TGI_ENV)
    what = (
        "In an env scope of a Neuron deployment (the file names a `neuronx`/`pytorch-inf2` image, or the scope uses "
        "the Transformers-NeuronX entry point or `rolling_batch=tnx`), reports " + ", ".join(f"`{k}`" for k in TGI_ENV) + "."
    )
    why = (
        "The GPU images translate these in `dockerd-entrypoint-with-cuda-compat.sh` (e.g. `MAX_BATCH_SIZE` → "
        "`OPTION_MAX_ROLLING_BATCH_SIZE`); the Neuron image uses the plain `dockerd-entrypoint.sh` without that "
        "translation, so they are ignored there."
    )
    fix_safety = "Unsafe: the renamed variable takes effect for the first time."
    evidence = (
        ev("djl-serving 0.27.0-0.34.0", "serving/docker/pytorch-inf2.Dockerfile",
           "copies the plain `dockerd-entrypoint.sh` (no `translateTGIToLMI`)", "§4.1; R24"),
    )
    invalid = (
        Example("neuron.env", "# image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.28.0-neuronx-sdk2.18.2\n"
                "HF_MODEL_ID=x\nOPTION_ENTRYPOINT=djl_python.transformers_neuronx\nMAX_BATCH_SIZE=8\n",
                fixed="# image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.28.0-neuronx-sdk2.18.2\n"
                "HF_MODEL_ID=x\nOPTION_ENTRYPOINT=djl_python.transformers_neuronx\nOPTION_MAX_ROLLING_BATCH_SIZE=8\n",
                unsafe=True, to="lmi==v10"),
    )
    valid = (Example("gpu.env", "HF_MODEL_ID=x\nOPTION_ROLLING_BATCH=vllm\nMAX_BATCH_SIZE=8\n", to="lmi==v10"),)

    def check(self, ctx):
        for scope in ctx.scopes("env"):
            if not is_neuron(scope):
                continue
            for s in scope.settings:
                if s.ns == "env" and s.key in TGI_ENV:
                    dst = TGI_ENV[s.key]
                    has = scope.get("env", dst) is not None
                    yield ctx.report(s, f"`{s.key}` is not translated in the Neuron image; set `{dst}`",
                                     edits=None if has else ctx.edits(s.rename, dst, "env"), fix_message=f"use `{dst}`")


class NeuronxTypo(Rule):
    code = "LMI030"
    name = "transformersneuronx-typo"
    stack = "lmi"
    trigger = "always"
    severity = Severity.ERROR
    fix_applicability = Applicability.SAFE
    summary = "`djl_python.transformersneuronx` is a documentation typo; the module is `djl_python.transformers_neuronx`"
    looks_at = ("lmi:option.entryPoint",)
    tokens = (b"transformersneuronx",)
    what = "Reports the entry point `djl_python.transformersneuronx` (missing underscore)."
    why = "The 0.27.0 configurations guide spells it without the underscore; no such module exists, so the handler fails to import."
    fix_safety = "Safe: the misspelt module cannot be imported, so no working deployment uses it; the fix names the only module it can mean."
    evidence = (
        ev("djl-serving 0.27.0 (LMI v9)", "serving/docs/lmi/deployment_guide/configurations.md (branch 0.27.0-dlc)",
           "`djl_python.transformersneuronx` (the real module is `djl_python/transformers_neuronx.py`)", "§4.4 doc typo; R25"),
    )
    invalid = (
        Example("serving.properties", "engine=Python\noption.entryPoint=djl_python.transformersneuronx\n",
                fixed="engine=Python\noption.entryPoint=djl_python.transformers_neuronx\n", to="lmi==v9"),
    )
    valid = (Example("serving.properties", "engine=Python\noption.entryPoint=djl_python.transformers_neuronx\n", to="lmi==v9"),)

    def check(self, ctx):
        for _, s in set_to(ctx, "option.entryPoint", "djl_python.transformersneuronx"):
            yield ctx.report(s, "`djl_python.transformersneuronx` does not exist; the module is `djl_python.transformers_neuronx`",
                             edits=ctx.edits(s.set_value, "djl_python.transformers_neuronx"), fix_message="fix the module name")


class PartitionSchemaLegacy(Rule):
    code = "LMI031"
    name = "neuronx-legacy-partition-removed"
    stack = "lmi"
    changed_in = "12"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "`option.partition_schema=legacy` (Transformers-NeuronX) was removed in LMI v12 (0.30.0)"
    looks_at = ("lmi:option.partition_schema",)
    tokens = (b"partition_schema", b"PARTITION_SCHEMA")
    what = "Reports `option.partition_schema=legacy` when the target is LMI v12 or later."
    why = (
        "The v12 breaking-changes page drops the NeuronX legacy partition: rely on auto-detection, `safetensors` "
        "or `optimum` (`TnXModelSchema`)."
    )
    fix_safety = "Unsafe: removing it lets LMI pick the partition format, which re-partitions or recompiles the model."
    evidence = (
        ev("djl-serving 0.30.0 (LMI v12)", "serving/docs/lmi/announcements/breaking_changes.md (branch 0.30.0-dlc)",
           "NeuronX legacy partition removed: drop `option.partition_schema=legacy`", "§2 v11→v12 item 4"),
    )
    invalid = (
        Example("serving.properties", "option.entryPoint=djl_python.transformers_neuronx\noption.partition_schema=legacy\n",
                fixed="option.entryPoint=djl_python.transformers_neuronx\n", unsafe=True, from_="lmi==v11", to="lmi==v12"),
    )
    valid = (Example("serving.properties", "option.partition_schema=safetensors\n", from_="lmi==v11", to="lmi==v12"),)

    def check(self, ctx):
        for _, s in set_to(ctx, "option.partition_schema", "legacy"):
            yield ctx.report(s, f"`{spelled(s)}` was removed in LMI v12 (0.30.0); let LMI detect the format (or use `safetensors`)",
                             edits=ctx.edits(s.delete), fix_message="remove it")
