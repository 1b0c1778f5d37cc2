"""LMI `option.*` keys per backend and release, with the release that introduced each and the one that dropped it.

Extracted from the pydantic models in `engines/python/setup/djl_python/properties_manager/*.py` on every
release branch of deepjavalibrary/djl-serving (`0.26.0-dlc` ... `0.35.0-dlc`, `0.36.0-lmi18-dlc` ...
`0.36.0-lmi27-dlc`; annotated class attributes and their pydantic aliases, read with `ast`), cross-checked
with reference lmi_ground_truth.md §3.1-§3.6. Seed 001's "LMI Version" column for lmi-dist agrees with the
branches except where noted in `rules/lmi/options.py`.

Versions are LMI majors (8 = 0.26.0 ... 27). `since` is the first release whose model has the key (8 means
"v8 or older": the scan starts at v8); `until` is the first release without it (None: still there).

Backends: "common" (keys every backend reads: Java `ModelInfo`/`PyModel` keys and the `Properties` base
model), "vllm", "lmi-dist", "hf" (HF Accelerate, `djl_python.huggingface`), "scheduler", "tnx"
(Transformers-NeuronX), "trtllm", "deepspeed".

API for other packs:
- ``LMI_OPTIONS[backend][key] -> (since, until)``
- ``lmi_option_known(key, lmi_major, backend) -> bool``: LMI itself reads `option.<key>` on that backend and
  release (common keys included). For the vLLM backend from v14 the answer covers LMI's own names only; the
  pass-through to the bundled vLLM's EngineArgs is checked by the vLLM pack (VLLM303).
- ``option_range(key, backend) -> (since, until) | None``
- ``backend_range(backend) -> (since, until)``: the releases that ship the backend.
"""

from __future__ import annotations

Range = tuple[int, "int | None"]

#: Releases that ship each backend (reference §1, §2: DeepSpeed removed in v10, scheduler and lmi-dist in
#: v15, Neuron in v17; TensorRT-LLM is a companion image on the same DJL numbering).
BACKENDS: dict[str, Range] = {
    "common": (8, None),
    "vllm": (8, None),
    "lmi-dist": (8, 15),
    "hf": (8, None),
    "scheduler": (8, 15),
    "tnx": (8, 17),
    "trtllm": (8, None),
    "deepspeed": (8, 10),
}

#: Keys read outside the pydantic models: Java `ModelInfo`, `PyModel`, `PyEnv`, `LmiConfigRecommender`
#: (reference §3.1), and the async service (§3.1 last row). Model-server keys have no `option.` prefix.
_JAVA_COMMON: dict[str, Range] = {
    "model_id": (8, None),
    "entryPoint": (8, None),
    "parallel_loading": (8, None),
    "model_loading_timeout": (8, None),
    "predict_timeout": (8, None),
    "pythonExecutable": (8, None),
    "env": (8, None),
    "enable_venv": (8, None),
    "handler": (8, None),
    "task": (8, None),
    "pipeline_parallel_degree": (11, None),
    "async_mode": (15, None),
    "enable_stateful_sessions": (16, None),
    "sessions_path": (16, None),
    "sessions_expiration": (16, None),
    "lmcache_config_file": (17, None),
    "kv_transfer_config": (17, None),
    "s3url": (8, 9),
    "max_num_tokens": (8, None),  # LmiConfigRecommender sets it for trtllm
    "is_peft_model": (12, None),  # set by LmiConfigRecommender for PEFT checkpoints
}

LMI_OPTIONS: dict[str, dict[str, Range]] = {
    "common": {
        "batch_size": (8, None),
        "bedrock_compat": (11, None),
        "cluster_size": (11, None),
        "draft_model_id": (9, None),
        "dtype": (8, None),
        "enable_lora": (13, None),
        "enable_streaming": (8, None),
        "input_formatter": (11, None),
        "is_mpi": (8, 10),
        "lmcache_auto_config": (19, None),
        "max_rolling_batch_size": (8, None),
        "model_dir": (11, None),
        "model_id_or_path": (8, None),
        "mpi_mode": (10, None),
        "output_formatter": (8, None),
        "revision": (8, None),
        "rolling_batch": (8, None),
        "spec_length": (9, None),
        "tensor_parallel_degree": (8, None),
        "tgi_compat": (10, None),
        "trust_remote_code": (8, None),
        "waiting_steps": (8, None),
        **_JAVA_COMMON,
    },
    # Era A (v8-v13) is a closed model; from v14 the EngineArgs pass-through takes every vLLM field, so the
    # era-A keys that are EngineArgs fields stay valid (`until` None) and only LMI's own names are listed new.
    "vllm": {
        "chat_template": (14, None),
        "chat_template_content_format": (14, None),
        "cpu_offload_gb": (14, None),
        "cpu_offload_gb_per_gpu": (11, None),
        "device": (10, None),
        "disable_logprobs_during_spec_decoding": (12, None),
        "disable_sliding_window": (12, None),
        "enable_auto_tool_choice": (14, None),
        "enable_chunked_prefill": (11, None),
        "enable_lora": (9, None),
        "enable_prefix_caching": (11, None),
        "enable_reasoning": (14, None),
        "enforce_eager": (9, None),
        "engine": (8, None),
        "fully_sharded_loras": (13, None),
        "generation_config": (13, None),
        "gpu_memory_utilization": (9, None),
        "limit_mm_per_prompt": (12, None),
        "load_format": (8, None),
        "long_lora_scaling_factors": (13, None),
        "lora_dtype": (13, None),
        "lora_extra_vocab_size": (9, None),
        "max_cpu_loras": (9, None),
        "max_logprobs": (11, None),
        "max_lora_rank": (9, None),
        "max_loras": (9, None),
        "max_model_len": (8, None),
        "max_num_batched_tokens": (14, None),
        "max_rolling_batch_prefill_tokens": (8, None),
        "ngram_prompt_lookup_max": (12, None),
        "ngram_prompt_lookup_min": (12, None),
        "normalize": (25, None),
        "num_speculative_tokens": (12, None),
        "override_neuron_config": (14, 17),
        "preloaded_model": (10, 17),
        "qlora_adapter_name_or_path": (12, None),
        "quantization": (14, None),
        "quantize": (8, None),
        "reasoning_parser": (14, None),
        "spec_decoding_acceptance_method": (12, None),
        "speculative_disable_by_batch_size": (12, None),
        "speculative_draft_tensor_parallel_size": (12, None),
        "speculative_max_model_len": (12, None),
        "speculative_model": (12, None),
        "speculative_model_quantization": (12, None),
        "task": (14, None),
        "tokenizer_mode": (12, None),
        "tool_call_parser": (14, None),
        "typical_acceptance_sampler_posterior_alpha": (12, None),
        "typical_acceptance_sampler_posterior_threshold": (12, None),
        "use_v2_block_manager": (12, 16),
    },
    # lmi-dist left the image in v15 (its pydantic model lingered in the source until v16): until 15.
    "lmi-dist": {
        "cpu_offload_gb_per_gpu": (11, 15),
        "disable_sliding_window": (12, 15),
        "draft_model_tp_size": (9, 15),
        "dtype": (8, 15),
        "enable_chunked_prefill": (11, 15),
        "enable_lora": (9, 15),
        "enable_prefix_caching": (11, 15),
        "enforce_eager": (9, 15),
        "engine": (8, 15),
        "fully_sharded_loras": (13, 15),
        "gpu_memory_utilization": (9, 15),
        "limit_mm_per_prompt": (12, 15),
        "load_format": (9, 15),
        "long_lora_scaling_factors": (13, 15),
        "lora_dtype": (13, 15),
        "lora_extra_vocab_size": (9, 15),
        "max_cpu_loras": (9, 15),
        "max_logprobs": (11, 15),
        "max_lora_rank": (9, 15),
        "max_loras": (9, 15),
        "max_model_len": (9, 15),
        "max_rolling_batch_prefill_tokens": (8, 15),
        "pipeline_parallel_degree": (11, 15),
        "quantize": (8, 15),
        "record_acceptance_rate": (9, 15),
        "speculative_draft_model": (9, 15),
        "speculative_length": (9, 15),
        "speculative_telemetry": (10, 15),
        "tensor_parallel_degree": (8, 15),
        "tokenizer_mode": (12, 15),
        "use_passive_workers": (12, 15),
    },
    "hf": {
        "cluster_size": (11, None),
        "data_type": (10, None),
        "device": (8, None),
        "device_id": (8, None),
        "device_map": (8, None),
        "disable_flash_attn": (8, None),
        "is_peft_model": (12, None),
        "kwargs": (8, None),
        "load_in_4bit": (8, None),
        "load_in_8bit": (8, None),
        "low_cpu_mem_usage": (8, None),
        "pipeline_parallel_degree": (11, None),
        "quantize": (8, None),
        "task": (8, None),
        "tensor_parallel_degree": (8, None),
    },
    "scheduler": {
        "decoding_strategy": (8, 15),
        "disable_flash_attn": (8, 15),
        "max_sparsity": (8, 15),
        "max_splits": (8, 15),
        "multi_gpu": (8, 15),
    },
    "tnx": {
        "all_reduce_dtype": (9, 17), "amp": (8, 17), "attention_layout": (9, 17), "cache_layout": (9, 17),
        "cast_logits_dtype": (9, 17), "collectives_layout": (9, 17), "compilation_worker_count": (13, 17),
        "compiled_graph_path": (8, 17), "context_length_estimate": (8, 17), "draft_model_compiled_path": (10, 17),
        "draft_model_tp_size": (10, 17), "dtype": (8, 17), "enable_mixed_precision_accumulation": (8, 17),
        "enable_saturate_infinity": (9, 17), "fuse_mlp": (12, 17), "fuse_qkv": (9, 17),
        "fused_rmsnorm_qkv": (12, 17), "group_query_attention": (8, 17), "load_in_8bit": (8, 17),
        "load_split_model": (8, 17), "low_cpu_mem_usage": (8, 17), "mlp_out_weight_transpose": (13, 17),
        "model_loader": (9, 17), "multi_node": (13, 17), "n_positions": (8, 17), "neuron_cc_pipeline_factor": (13, 17),
        "neuron_optimize_level": (8, 17), "neuron_quant": (13, 17), "on_device_embedding": (9, 17),
        "on_device_embedding_config": (10, 12), "on_device_generation": (12, 17), "partition_schema": (9, 17),
        "qkv_tiling": (12, 17), "quantize": (8, 17), "rolling_batch_strategy": (9, 17),
        "save_mp_checkpoint_path": (8, 17), "sequence_parallel": (13, 17), "sequence_parallel_norm_threshold": (13, 17),
        "shard_over_sequence": (12, 17), "speculative_draft_model": (10, 17), "speculative_length": (10, 17),
        "task": (8, 17), "unroll": (8, 17), "weight_tiling": (12, 17),
    },
    # TensorRT-LLM: the toolkit era (<= v14) reads options in the separate toolkit wheel (not in this repo),
    # and the LLM-API era (>= v15) accepts extras (`extra='allow'`): no closed list, so no "unknown" check.
    "trtllm": {},
    "deepspeed": {
        "checkpoint": (8, 10), "deepspeed_config_path": (8, 10), "device": (8, 10), "dtype": (8, 10),
        "enable_cuda_graph": (8, 10), "low_cpu_mem_usage": (8, 10), "max_tokens": (8, 10), "quantize": (8, 10),
        "return_tuple": (8, 10), "save_mp_checkpoint_path": (8, 10), "smoothquant_alpha": (8, 10), "task": (8, 10),
        "training_mp_size": (8, 10), "triangular_masking": (8, 10),
    },
}

#: Backends whose options form a closed list: an unknown key is ignored without a word (reference §3.2 era A,
#: §3.3; the lmi-dist model has no `extra='allow'`). vLLM only up to v13.
CLOSED: dict[str, Range] = {"lmi-dist": (8, 15), "vllm": (8, 14)}


def _inside(r: Range, major: int) -> bool:
    since, until = r
    return major >= since and (until is None or major < until)


def option_range(key: str, backend: str) -> Range | None:
    """(since, until) of `option.<key>` on `backend`, the common keys included; None when never known."""
    key = key[len("option."):] if key.startswith("option.") else key
    r = LMI_OPTIONS.get(backend, {}).get(key)
    return r if r is not None else LMI_OPTIONS["common"].get(key)


def backend_range(backend: str) -> Range:
    return BACKENDS[backend]


def lmi_option_known(key: str, lmi_major: int, backend: str) -> bool:
    """Does LMI `lmi_major` read `option.<key>` (or `<key>`) for `backend`? See the module docs."""
    key = key[len("option."):] if key.startswith("option.") else key
    for table in (LMI_OPTIONS.get(backend, {}), LMI_OPTIONS["common"]):
        r = table.get(key)
        if r is not None and _inside(r, int(lmi_major)):
            return True
    return False


def known_keys(lmi_major: int, backend: str) -> list[str]:
    """Every option key known to `backend` on `lmi_major` (for did-you-mean)."""
    out = set()
    for table in (LMI_OPTIONS.get(backend, {}), LMI_OPTIONS["common"]):
        out.update(k for k, r in table.items() if _inside(r, int(lmi_major)))
    return sorted(out)
