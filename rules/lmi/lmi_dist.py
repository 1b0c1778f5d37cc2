"""LMI v15 (0.33.0) removed lmi-dist (and the scheduler backend): reference lmi_ground_truth.md §2 "v14 → v15",
§3.3, §5 and rules R3, R4; the T5 guard. Speculative decoding (R10) is in speculative.py, the scheduler backend
(R5) in scheduler.py.

What upstream does on its own: `LmiConfigRecommender.setRollingBatch` rewrites `option.rolling_batch=lmi-dist`
to `vllm` with a warning and sets `option.mpi_mode=false` (v15 to master). `ModelInfo.configPerModelSettings()`
then turns `engine=MPI` back into `option.mpi_mode=true`, so vLLM is started under MPI.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule, spelled

from .family import family
from .common import BREAKING, MODEL_INFO, PROPS, PY_LMI, RECOMMENDER, ev, get, is_neuron, is_trt, lmi_scopes, rolling_batch, set_to, value

EV_BREAKING = ev(
    "djl-serving 0.33.0 (LMI v15)", BREAKING,
    "lmi-dist has been removed; migrate with `engine=Python`, `option.mpi_mode=false`, `option.rolling_batch=vllm`",
    "§2 v14→v15; R3",
)
EV_OVERRIDE = ev(
    "djl-serving 0.33.0 (LMI v15) to master", RECOMMENDER,
    "\"lmi-dist has been removed in DJL Serving 0.33.0 ... Overriding specified rolling batch of lmi-dist to "
    "vllm\"; `lmiProperties.setProperty(\"option.mpi_mode\", \"false\")`",
    "§2 v14→v15; R3",
)
EV_MPI_TRAP = ev(
    "djl-serving 0.33.0 (LMI v15) to master", MODEL_INFO,
    "`configPerModelSettings()` runs the recommender, then: engine is MPI → `option.mpi_mode=true`",
    "§2 v14→v15 trap; §4.4 step 4c; R4",
)
EV_T5 = ev(
    "djl-serving master", "serving/docs/lmi/deployment_guide/backend-selection.md",
    "\"T5 models are only TensorRT-LLM\"; vLLM never supported T5 (vllm-project/vllm#187, #7366)",
    "§5 T5; R3",
)
EV_T5_HF = ev(
    "djl-serving master", "tests/integration/llm/prepare.py",
    "`test_streaming_t5_large` serves T5 with `build_hf_handler_model`: `engine=Python`, "
    "`option.entryPoint=djl_python.huggingface`, `option.rolling_batch=disable`",
    "§5 T5 option (b)",
)
EV_LMIDIST_FIELDS = ev(
    "djl-serving 0.32.0 (LMI v14)", PROPS + "lmi_dist_rb_properties.py",
    "`speculative_draft_model`, `speculative_length`, `draft_model_tp_size`, `record_acceptance_rate`, "
    "`speculative_telemetry`, `use_passive_workers`; `LmiDistLoadFormats` adds `sagemaker_fast_model_loader`",
    "§3.3",
)
T5_OPTIONS = (
    "the TensorRT-LLM container (set `option.batch_scheduler_policy=guaranteed_no_evict`), HF Accelerate without "
    "continuous batching (`engine=Python`, `option.entryPoint=djl_python.huggingface`, "
    "`option.rolling_batch=disable`), or staying on LMI v14 (0.32.0)"
)

#: The backends a vLLM target picks for a scope that does not name TensorRT-LLM, Neuron or HF Accelerate.
VLLM_PATH = (None, "auto", "vllm", "lmi-dist")


def guarded_model(scope, ctx) -> str | None:
    """The model, when it is T5-family (wherever the file names it): never auto-migrated to vLLM."""
    f = family(scope, ctx)
    return f.model if f.kind == "t5" else None


def set_on_vllm_path(ctx, key: str, wanted: str):
    """Each `key=wanted` setting (value lower-cased) in a scope that LMI v15+ starts on vLLM: not TensorRT-LLM or
    Neuron, no T5-family model, a rolling batch in `VLLM_PATH`; with that rolling batch."""
    for scope, s in set_to(ctx, key, wanted):
        if is_trt(scope) or is_neuron(scope) or guarded_model(scope, ctx):
            continue
        rb = rolling_batch(scope)
        if rb in VLLM_PATH:
            yield s, rb


class LmiDistRemoved(Rule):
    code = "LMI008"
    name = "lmi-dist-removed"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "lmi-dist was removed in LMI v15 (0.33.0); `option.rolling_batch=lmi-dist` is rewritten to vLLM at start"
    looks_at = ("lmi:option.rolling_batch",)
    tokens = (b"lmi-dist", b"LMI-DIST", b"lmi_dist")
    what = (
        "Reports `option.rolling_batch=lmi-dist` (serving.properties, `OPTION_ROLLING_BATCH`, option maps) when "
        "the target is LMI v15 or later. T5-family models are never rewritten (see LMI009), nor MLlama on v17+ "
        "(LMI037)."
    )
    why = (
        "lmi-dist left the LMI container in v15. LMI now overrides `lmi-dist` with `vllm` at start (with a "
        "warning) and sets `option.mpi_mode=false`; the documented migration is `engine=Python`, "
        "`option.mpi_mode=false`, `option.rolling_batch=vllm`. Lost on the way: TP>1 with PP>1 plus draft-model "
        "speculative decoding, and multi-node inference. lmi-dist-only keys are handled by LMI012/LMI013, "
        "`engine=MPI` by LMI010 (it re-enables MPI after the override)."
    )
    fix_safety = (
        "Safe when the model is identified (a literal Hugging Face id that is not T5-family, nor MLlama on v17+): "
        "`vllm` is exactly what LMI v15 and later substitute for `lmi-dist` at start (`LmiConfigRecommender`), "
        "so the fix only writes down what runs. Async mode (v17 default) is not chosen: an explicit `vllm` keeps "
        "the synchronous handler, as the override does. Unsafe when the model cannot be identified (a variable, "
        "an S3 or local path, no model in the file, or the file also names a T5-family or MLlama model): the "
        "finding says why. Not offered for T5-family models, which vLLM cannot serve."
    )
    evidence = (EV_BREAKING, EV_OVERRIDE)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=lmi-dist\n"
            "option.max_model_len=8192\n",
            fixed="engine=Python\noption.model_id=meta-llama/Llama-3.1-8B-Instruct\noption.rolling_batch=vllm\n"
            "option.max_model_len=8192\n",
            from_="lmi==v14", to="lmi==v15",
        ),
        Example(
            "model.env",
            "HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_ROLLING_BATCH=lmi-dist\nOPTION_MAX_MODEL_LEN=8192\n",
            fixed="HF_MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\nOPTION_ROLLING_BATCH=vllm\nOPTION_MAX_MODEL_LEN=8192\n",
            from_="lmi==v14", to="lmi==v16",
        ),
        Example(
            "k8s.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: lmi\n    image: 763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128\n"
            "    env:\n    - name: HF_MODEL_ID\n      value: meta-llama/Llama-3.1-8B-Instruct\n"
            "    - name: OPTION_ROLLING_BATCH\n      value: lmi-dist\n    - name: OPTION_MAX_MODEL_LEN\n      value: \"8192\"\n",
            fixed="apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: lmi\n    image: 763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128\n"
            "    env:\n    - name: HF_MODEL_ID\n      value: meta-llama/Llama-3.1-8B-Instruct\n"
            "    - name: OPTION_ROLLING_BATCH\n      value: vllm\n    - name: OPTION_MAX_MODEL_LEN\n      value: \"8192\"\n",
            from_="lmi==v14", to="lmi==v15",
        ),
    )
    valid = (
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=lmi-dist\noption.max_model_len=8192\n",
                from_="lmi==v13", to="lmi==v14"),
        # The T5 guard: reported by LMI009, never rewritten to vLLM.
        Example("serving.properties", "engine=MPI\noption.model_id=google/flan-t5-xxl\noption.rolling_batch=lmi-dist\n",
                from_="lmi==v14", to="lmi==v15"),
    )

    def check(self, ctx):
        for scope, s in set_to(ctx, "option.rolling_batch", "lmi-dist"):
            fam = family(scope, ctx)
            if fam.kind == "t5":
                continue  # LMI009 reports it with the options that work
            if fam.kind == "mllama" and ctx.target_at_least("17"):
                continue  # LMI037: MLlama has no vLLM path on v17+
            unknown = ""
            if fam.kind == "unknown":
                unknown = (f"; the fix is unsafe: {fam.why}, and a T5-family model (MLlama from v17) cannot move to "
                           "vLLM (see LMI009)")
            yield ctx.report(
                s,
                f"`{spelled(s)}`: lmi-dist was removed in LMI v15 (0.33.0); LMI overrides it with `vllm` at start"
                + unknown,
                edits=ctx.edits(s.set_value, "vllm"),
                applicability=Applicability.UNSAFE if unknown else Applicability.SAFE,
                fix_message="use `vllm`, which LMI substitutes anyway",
            )


class T5NoVllm(Rule):
    code = "LMI009"
    name = "t5-not-served-by-vllm"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.ERROR
    summary = "A T5-family model on lmi-dist or the default backend: LMI v15+ routes it to vLLM, which cannot load T5"
    looks_at = ("lmi:option.model_id", "lmi:option.rolling_batch")
    tokens = PY_LMI | {"*": (b"t5", b"T5", b"ul2", b"UL2", b"mt0", b"MT0")}  # (`t5` is a common Python name)
    what = (
        "Reports a T5-family model (`t5-*`, `flan-t5` / `flant5`, `ul2` / `flan-ul2`, `mt5`, `mt0`, `byt5`, "
        "`t5gemma`, `codet5`, matched case-insensitively in `option.model_id` / `HF_MODEL_ID`, S3 and local paths "
        "included, or anywhere in the file when the model id is a variable or constant) whose rolling batch is `lmi-dist`, "
        "`vllm`, `auto` or unset, when the target is LMI v15 or later and the configuration is not for the "
        "TensorRT-LLM container. It is never rewritten to vLLM."
    )
    why = (
        "lmi-dist served vLLM's models plus T5; vLLM never supported T5 (encoder-decoder attention bias; "
        "vllm-project/vllm#187, #7366). From v15 lmi-dist is gone and `lmi-dist`/`auto` route "
        "`T5ForConditionalGeneration` to vLLM, which fails at load. What works: " + T5_OPTIONS + ". Seed guides "
        "that list T5 among lmi-dist's supported models describe v14 and earlier only."
    )
    fix_safety = "No fix: each alternative changes the container, the handler or the performance profile."
    evidence = (EV_T5, EV_T5_HF, EV_BREAKING)
    invalid = (
        Example("serving.properties", "engine=MPI\noption.model_id=google/flan-t5-xxl\noption.rolling_batch=lmi-dist\n",
                from_="lmi==v14", to="lmi==v15"),
        Example("model.env", "HF_MODEL_ID=google/flan-ul2\nOPTION_ROLLING_BATCH=lmi-dist\nTENSOR_PARALLEL_DEGREE=4\n",
                from_="lmi==v10", to="lmi==v17"),
    )
    valid = (
        Example("serving.properties", "engine=Python\noption.model_id=google/flan-t5-xxl\noption.entryPoint=djl_python.huggingface\n"
                "option.rolling_batch=disable\n", from_="lmi==v14", to="lmi==v15"),
        Example("serving.properties", "engine=MPI\noption.model_id=google/flan-t5-xl\noption.rolling_batch=trtllm\n",
                from_="lmi==v14", to="lmi==v15"),
        Example("serving.properties", "engine=MPI\noption.model_id=Salesforce/codegen-t5ish\noption.rolling_batch=lmi-dist\n",
                from_="lmi==v13", to="lmi==v14"),
    )

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            m = guarded_model(scope, ctx)
            if m is None or is_trt(scope) or is_neuron(scope):
                continue
            rb = rolling_batch(scope)
            if rb not in VLLM_PATH:
                continue
            at = get(scope, "option.rolling_batch") or get(scope, "option.model_id") or scope
            yield ctx.report(
                at,
                f"`{m}` is a T5-family model: LMI v15+ has no lmi-dist and vLLM cannot serve T5. Options: "
                + T5_OPTIONS,
            )


class EngineMpi(Rule):
    code = "LMI010"
    name = "engine-mpi-with-vllm"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.ERROR
    fix_applicability = Applicability.SAFE
    summary = "`engine=MPI` re-enables MPI mode after LMI v15 moves lmi-dist to vLLM; use `engine=Python`"
    looks_at = ("lmi:engine",)
    # In Python, LMI settings only come from env dicts: `OPTION_ENGINE`.
    tokens = {"python": (b"OPTION_ENGINE",), "*": (b"MPI", b"mpi")}
    what = (
        "Reports `engine=MPI` (`OPTION_ENGINE=MPI`) in an lmi-dist or vLLM configuration (explicit, `auto` or "
        "unset rolling batch; not TensorRT-LLM, Neuron, or a T5-family model) when the target is LMI v15 or later."
    )
    why = (
        "`ModelInfo.configPerModelSettings()` runs the config recommender (which turns lmi-dist into vLLM and sets "
        "`option.mpi_mode=false`) and then sets `option.mpi_mode=true` whenever `engine=MPI`. vLLM is then started "
        "under MPI, which is expected to fail (inferred from the code, not observed). The documented migration "
        "is `engine=Python`."
    )
    fix_safety = (
        "Safe for an explicit `option.rolling_batch=lmi-dist` or `vllm`: `engine=Python` is the documented v15 "
        "migration and what the override intends (MPI mode off). With `auto` or no rolling batch the fix is "
        "unsafe: the file alone does not show that it is not a TensorRT-LLM deployment, which needs MPI."
    )
    evidence = (EV_MPI_TRAP, EV_BREAKING)
    invalid = (
        Example(
            "serving.properties",
            "engine = MPI\noption.model_id=tiiuae/falcon-40b\noption.rolling_batch=lmi-dist\noption.max_model_len=2048\n",
            fixed="engine = Python\noption.model_id=tiiuae/falcon-40b\noption.rolling_batch=vllm\noption.max_model_len=2048\n",
            from_="lmi==v9", to="lmi==v15",
        ),
        Example(
            "model.env",
            "HF_MODEL_ID=tiiuae/falcon-40b\nOPTION_ENGINE=MPI\nOPTION_MAX_MODEL_LEN=2048\n",
            fixed="HF_MODEL_ID=tiiuae/falcon-40b\nOPTION_ENGINE=Python\nOPTION_MAX_MODEL_LEN=2048\n",
            unsafe=True, from_="lmi==v14", to="lmi==v15",
        ),
    )
    valid = (
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=trtllm\n", from_="lmi==v14", to="lmi==v15"),
        Example("serving.properties", "engine=MPI\noption.model_id=x\noption.rolling_batch=lmi-dist\noption.max_model_len=1\n",
                from_="lmi==v13", to="lmi==v14"),
    )

    def check(self, ctx):
        for s, rb in set_on_vllm_path(ctx, "engine", "mpi"):
            safe = rb in ("lmi-dist", "vllm")
            yield ctx.report(
                s,
                f"`{spelled(s)}`: from LMI v15 this turns MPI mode back on after lmi-dist is replaced by vLLM; "
                "use `engine=Python`",
                edits=ctx.edits(s.set_value, "Python"),
                applicability=Applicability.SAFE if safe else Applicability.UNSAFE,
                fix_message="set `engine=Python`",
            )


class MpiModeTrue(Rule):
    code = "LMI011"
    name = "mpi-mode-with-vllm"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`option.mpi_mode=true` in an lmi-dist configuration: LMI v15+ runs vLLM and sets MPI mode off"
    looks_at = ("lmi:option.mpi_mode",)
    tokens = (b"mpi_mode", b"MPI_MODE")
    what = (
        "Reports `option.mpi_mode=true` (`OPTION_MPI_MODE=true`) with `option.rolling_batch` lmi-dist, vllm, auto "
        "or unset (not TensorRT-LLM, Neuron, or a T5-family model) when the target is LMI v15 or later."
    )
    why = (
        "lmi-dist needed MPI; vLLM does not. For `lmi-dist` LMI v15+ sets `option.mpi_mode=false` itself when it "
        "substitutes vLLM. With `vllm` or the default backend, an explicit `true` starts vLLM under MPI."
    )
    fix_safety = (
        "Safe with `option.rolling_batch=lmi-dist`: LMI sets `false` itself in that case. Unsafe otherwise: it "
        "changes how the workers start."
    )
    evidence = (EV_OVERRIDE, EV_BREAKING)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.mpi_mode=True\noption.model_id=tiiuae/falcon-7b\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n",
            fixed="engine=Python\noption.mpi_mode=false\noption.model_id=tiiuae/falcon-7b\noption.rolling_batch=vllm\noption.max_model_len=4096\n",
            from_="lmi==v12", to="lmi==v15",
        ),
    )
    valid = (
        Example("serving.properties", "engine=MPI\noption.mpi_mode=true\noption.rolling_batch=trtllm\n", from_="lmi==v14", to="lmi==v15"),
    )

    def check(self, ctx):
        for s, rb in set_on_vllm_path(ctx, "option.mpi_mode", "true"):
            yield ctx.report(
                s,
                f"`{spelled(s)}`: vLLM does not run under MPI (lmi-dist was removed in LMI v15); set it to `false`",
                edits=ctx.edits(s.set_value, "false"),
                applicability=Applicability.SAFE if rb == "lmi-dist" else Applicability.UNSAFE,
                fix_message="set `option.mpi_mode=false`",
            )


#: lmi-dist-only keys with no vLLM counterpart (§3.3): after the override they are dropped silently.
LMI_DIST_ONLY = ("record_acceptance_rate", "speculative_telemetry", "use_passive_workers")


class LmiDistOnlyOption(Rule):
    code = "LMI012"
    name = "lmi-dist-only-option"
    stack = "lmi"
    changed_in = "15"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "An lmi-dist-only option has no vLLM counterpart; LMI v15+ drops it silently"
    looks_at = tuple(f"lmi:option.{k}" for k in LMI_DIST_ONLY) + ("lmi:option.load_format",)
    tokens = tuple(t for k in LMI_DIST_ONLY for t in (k.encode(), k.upper().encode())) + (b"sagemaker_fast_model_loader",)
    what = (
        "In an lmi-dist configuration (not a T5-family model), reports `option.record_acceptance_rate`, "
        "`option.speculative_telemetry`, `option.use_passive_workers` and "
        "`option.load_format=sagemaker_fast_model_loader` when the target is LMI v15 or later."
    )
    why = (
        "These fields exist only in `LmiDistRbProperties`. After LMI substitutes vLLM, the first three are neither "
        "LMI vLLM options nor vLLM engine arguments, so the pass-through drops them. `sagemaker_fast_model_loader` "
        "is an lmi-dist load format (0.32.0 only) that vLLM's `--load-format` does not accept."
    )
    fix_safety = (
        "Safe for the three dropped keys: nothing reads them on the target. Unsafe for "
        "`load_format=sagemaker_fast_model_loader`: removing it makes vLLM load with its default format."
    )
    evidence = (EV_LMIDIST_FIELDS, EV_BREAKING)
    invalid = (
        Example(
            "serving.properties",
            "engine=Python\noption.model_id=tiiuae/falcon-7b\noption.rolling_batch=lmi-dist\noption.max_model_len=4096\n"
            "option.record_acceptance_rate=true\n",
            fixed="engine=Python\noption.model_id=tiiuae/falcon-7b\noption.rolling_batch=vllm\noption.max_model_len=4096\n",
            from_="lmi==v14", to="lmi==v15",
        ),
    )
    valid = (
        Example("serving.properties", "option.rolling_batch=lmi-dist\noption.record_acceptance_rate=true\n",
                from_="lmi==v13", to="lmi==v14"),
    )

    def check(self, ctx):
        for scope in lmi_scopes(ctx):
            if rolling_batch(scope) != "lmi-dist" or guarded_model(scope, ctx):
                continue
            for key in LMI_DIST_ONLY:
                for s in scope.all("lmi", "option." + key):
                    yield ctx.report(
                        s, f"`{s.origin.raw_key}` is an lmi-dist-only option; LMI v15+ (vLLM) drops it silently",
                        edits=ctx.edits(s.delete), fix_message=f"remove `{s.origin.raw_key}`",
                    )
            lf = get(scope, "option.load_format")
            if value(lf) == "sagemaker_fast_model_loader":
                yield ctx.report(
                    lf, f"`{spelled(lf)}` is an lmi-dist load format; vLLM (LMI v15+) does not accept it",
                    edits=ctx.edits(lf.delete), applicability=Applicability.UNSAFE,
                    fix_message="remove it (vLLM picks the load format)",
                )
