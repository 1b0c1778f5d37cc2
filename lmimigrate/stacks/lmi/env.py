"""How LMI turns environment variables into per-model properties (reference lmi_ground_truth.md §4)."""

from __future__ import annotations


from lmimigrate.surfaces.knowledge import EnvView, register_env_view
from lmimigrate.core.patterns import lazy_pattern

_ALL_CAPS = lazy_pattern(r"[A-Z_\d]+")

# §4.1 entrypoint translations and §4.4 documented shortcuts: env name -> the LMI key it ends up setting.
ENV_ALIASES: dict[str, str] = {
    "HF_MODEL_ID": "option.model_id",
    "HF_REVISION": "option.revision",
    "HF_TASK": "option.task",
    "HF_MODEL_TRUST_REMOTE_CODE": "option.trust_remote_code",
    "HF_MODEL_QUANTIZE": "option.quantize",
    "TENSOR_PARALLEL_DEGREE": "option.tensor_parallel_degree",
    "PIPELINE_PARALLEL_DEGREE": "option.pipeline_parallel_degree",
    "SM_NUM_GPUS": "option.tensor_parallel_degree",
    "MAX_BATCH_SIZE": "option.max_rolling_batch_size",
    "MAX_BATCH_PREFILL_TOKENS": "option.max_rolling_batch_prefill_tokens",
    "MAX_CONCURRENT_REQUESTS": "job_queue_size",
    "SERVING_JOB_QUEUE_SIZE": "job_queue_size",
    "SERVING_MIN_WORKERS": "minWorkers",
    "SERVING_MAX_WORKERS": "maxWorkers",
}


def env_to_lmi_key(name: str) -> str | None:
    """The LMI key an env var sets (DJL Serving >= 0.28 casing), or None when LMI does not read it."""
    if name.startswith("OPTION_") and len(name) > 7:
        suffix = name[7:]
        if _ALL_CAPS.fullmatch(suffix):
            suffix = suffix.lower()
        if suffix == "entrypoint":
            return "option.entryPoint"
        if suffix == "engine":
            return "engine"
        return "option." + suffix
    return ENV_ALIASES.get(name)


def lmi_key_to_env(key: str) -> str:
    """The OPTION_* spelling of an LMI key: the inverse LMI applies for all-caps suffixes."""
    if key == "engine":
        return "OPTION_ENGINE"
    if key.startswith("option."):
        return "OPTION_" + key[len("option."):].upper()
    return "SERVING_" + key.upper()


LMI_SCOPE_KINDS = ("properties", "lmi-map")


def is_lmi_scope(scope) -> bool:
    """Does this scope configure an LMI container? serving.properties and option maps always do; an env
    scope does when it sets an OPTION_* variable, or when its file names an LMI / DJL Serving image."""
    if scope.kind in LMI_SCOPE_KINDS:
        return True
    if scope.kind != "env":
        return False
    for s in scope.settings:
        if s.ns == "env" and s.key.startswith("OPTION_"):
            return True
    text = scope.unit.text
    return "djl-inference" in text or "djl-serving" in text or "djl-lmi" in text


register_env_view(EnvView("lmi", env_to_lmi_key, lmi_key_to_env))
