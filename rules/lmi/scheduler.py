"""The scheduler rolling-batch backend, removed with lmi-dist in LMI v15 (0.33.0) (reference R5). See lmi_dist.py
for what upstream does on its own."""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule, spelled

from .common import BREAKING, PROPS, ev, lmi_scopes, rolling_batch, set_to
from .lmi_dist import guarded_model

EV_SCHEDULER = ev(
    "djl-serving 0.33.0 (LMI v15)", BREAKING,
    "`option.rolling_batch=scheduler` removed (`RollingBatchEnum` lost `scheduler`; `scheduler_rb_properties.py` "
    "deleted): move to `option.rolling_batch=vllm` or stay on v14",
    "§2 v14→v15; R5",
)


class SchedulerRemoved(Rule):
    code = "LMI015"
    name = "scheduler-rolling-batch-removed"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.ERROR
    fix_applicability = Applicability.UNSAFE
    summary = "`option.rolling_batch=scheduler` was removed in LMI v15 (0.33.0)"
    looks_at = ("lmi:option.rolling_batch",)
    tokens = (b"scheduler", b"SCHEDULER")
    what = "Reports `option.rolling_batch=scheduler` when the target is LMI v15 or later."
    why = (
        "`scheduler` left `RollingBatchEnum` and `scheduler_rb_properties.py` was deleted in 0.33.0: pydantic "
        "rejects the value at load. The breaking-changes page says: move to `option.rolling_batch=vllm`, or stay "
        "on v14. A T5-family model cannot move to vLLM (see LMI009): use HF Accelerate with "
        "`option.rolling_batch=disable` or TensorRT-LLM."
    )
    fix_safety = "Unsafe: vLLM replaces the HF-Accelerate-based scheduler, a different engine. No fix for T5-family models."
    evidence = (EV_SCHEDULER,)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=tiiuae/falcon-40b\noption.rolling_batch=scheduler\noption.max_model_len=2048\n",
            fixed="engine=Python\noption.model_id=tiiuae/falcon-40b\noption.rolling_batch=vllm\noption.max_model_len=2048\n",
            unsafe=True, from_="lmi==v9", to="lmi==v15",
        ),
    )
    valid = (Example("serving.properties", "option.rolling_batch=scheduler\n", from_="lmi==v13", to="lmi==v14"),)

    def check(self, ctx):
        for scope, s in set_to(ctx, "option.rolling_batch", "scheduler"):
            t5 = guarded_model(scope, ctx)
            if t5:
                yield ctx.report(
                    s, f"`{spelled(s)}` was removed in LMI v15 (0.33.0) and `{t5}` (T5 family) cannot move to vLLM; "
                    "use `option.rolling_batch=disable` with `option.entryPoint=djl_python.huggingface`, or TensorRT-LLM",
                )
                continue
            yield ctx.report(
                s, f"`{spelled(s)}` was removed in LMI v15 (0.33.0); use `vllm` (or stay on v14)",
                edits=ctx.edits(s.set_value, "vllm"), fix_message="use `vllm`",
            )


#: `disable_flash_attn` is not among them: `HuggingFaceProperties` (hf_properties.py) still declares it on v15+
#: and the HF Accelerate handler reads it (`not self.hf_configs.disable_flash_attn`, huggingface.py).
SCHEDULER_KEYS = ("decoding_strategy", "max_sparsity", "max_splits", "multi_gpu")


class SchedulerOnlyOption(Rule):
    code = "LMI016"
    name = "scheduler-only-option"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "A scheduler-backend option in a `rolling_batch=scheduler` configuration: nothing reads it from LMI v15"
    looks_at = tuple(f"lmi:option.{k}" for k in SCHEDULER_KEYS)
    tokens = (b"scheduler", b"SCHEDULER")
    what = (
        "With `option.rolling_batch=scheduler`, reports `option.decoding_strategy`, `option.max_sparsity`, "
        "`option.max_splits` and `option.multi_gpu` when the target is LMI v15 or later. `option.disable_flash_attn` "
        "is kept: `HuggingFaceProperties` still reads it from v15 (the HF Accelerate handler)."
    )
    why = (
        "They were fields of `SchedulerRbProperties`, deleted in 0.33.0 with the scheduler backend; vLLM ignores "
        "them (they are not engine arguments). Its fifth field, `disable_flash_attn`, is inherited from "
        "`HuggingFaceProperties`, which v15+ still has."
    )
    fix_safety = "Safe: the deleted keys are read by no handler of the target."
    evidence = (
        EV_SCHEDULER,
        ev("djl-serving 0.32.0 (LMI v14)", PROPS + "scheduler_rb_properties.py",
           "`class SchedulerRbProperties(HuggingFaceProperties)`: `decoding_strategy`, `disable_flash_attn`, "
           "`max_sparsity`, `max_splits`, `multi_gpu`", "§2 v14→v15; R5"),
        ev("djl-serving 0.33.0-dlc, v0.35.0", PROPS + "hf_properties.py",
           "`class HuggingFaceProperties`: `disable_flash_attn: Optional[bool] = True`; huggingface.py: "
           "`and not self.hf_configs.disable_flash_attn:`", "§3.6"),
    )
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=x\noption.rolling_batch=scheduler\noption.max_model_len=2048\n"
            "option.decoding_strategy=contrastive\noption.max_sparsity=0.33\n",
            fixed="engine=Python\noption.model_id=x\noption.rolling_batch=vllm\noption.max_model_len=2048\n",
            unsafe=True, from_="lmi==v9", to="lmi==v15",
        ),
    )
    valid = (Example("serving.properties", "option.rolling_batch=disable\noption.disable_flash_attn=true\n",
                     from_="lmi==v14", to="lmi==v15"),
             Example("serving.properties", "option.rolling_batch=scheduler\noption.disable_flash_attn=true\n",
                     from_="lmi==v14", to="lmi==v15"))

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            if rolling_batch(scope) != "scheduler":
                continue
            for key in SCHEDULER_KEYS:
                for s in scope.all("lmi", "option." + key):
                    yield ctx.report(
                        s, f"`{s.origin.raw_key}` was read only by the scheduler backend, removed in LMI v15 (0.33.0)",
                        edits=ctx.edits(s.delete), fix_message=f"remove `{s.origin.raw_key}`",
                    )
