"""vLLM command-line facts the surfaces need to read a launch: short aliases, switches (from the inventory; they
take a value only when it is a boolean literal), the server modules, and the flag names that identify a vLLM
`--config` file. Registered with the surfaces at import."""

from __future__ import annotations

import functools

from lmimigrate.surfaces.knowledge import CommandLineFacts, register_command_line_facts, register_config_flag_names

SHORT_ALIASES = {
    "tp": "tensor_parallel_size", "pp": "pipeline_parallel_size", "dp": "data_parallel_size",
    "q": "quantization", "cc": "compilation_config", "ac": "attention_config", "sc": "speculative_config",
    "dc": "diffusion_config", "ep": "enable_expert_parallel", "n": "nnodes", "r": "node_rank",
    "dcp": "decode_context_parallel_size", "pcp": "prefill_context_parallel_size",
    "dpn": "data_parallel_rank", "dpr": "data_parallel_start_rank", "dpl": "data_parallel_size_local",
    "dpa": "data_parallel_address", "dpp": "data_parallel_rpc_port", "dpb": "data_parallel_backend",
    "dph": "data_parallel_hybrid_lb", "dpe": "data_parallel_external_lb",
    "dpm": "data_parallel_multi_port_external_lb", "asc": "api_server_count",
}



@functools.lru_cache(maxsize=1)
def switch_names() -> frozenset[str]:
    """Underscored names of the options that take no value in some scanned release (`enforce_eager`,
    `no_enforce_eager`; the inventory's `switch_flags`, read from each release's source): a command-line reader
    gives such a flag the next word only when it is a boolean literal. Loaded on the first command line read."""
    from lmimigrate.stacks.vllm.inventory import in_any_release

    return frozenset(f[2:].replace("-", "_") for f in in_any_release("switch_flags") if f.startswith("--"))


SERVER_MODULES = ("vllm.entrypoints.openai.api_server", "vllm.entrypoints.api_server")
CLI_MODULE = "vllm.entrypoints.cli.main"

# Common flags, for a vLLM config file recognised by its keys; the inventory adds every release's flags.
_BUILTIN_VLLM_FLAGS = frozenset(
    """model tokenizer served_model_name host port dtype max_model_len max_num_seqs max_num_batched_tokens
    tensor_parallel_size pipeline_parallel_size data_parallel_size gpu_memory_utilization swap_space
    enforce_eager enable_prefix_caching enable_chunked_prefill quantization kv_cache_dtype block_size seed
    trust_remote_code download_dir load_format revision tokenizer_mode max_logprobs disable_log_stats
    disable_log_requests uvicorn_log_level api_key chat_template enable_lora max_loras max_lora_rank
    speculative_model num_speculative_tokens speculative_config compilation_config distributed_executor_backend
    cpu_offload_gb max_seq_len_to_capture guided_decoding_backend enable_auto_tool_choice tool_call_parser
    limit_mm_per_prompt hf_overrides override_generation_config generation_config task runner
    scheduling_policy preemption_mode num_scheduler_steps use_v2_block_manager max_cpu_loras
    disable_custom_all_reduce enable_expert_parallel reasoning_parser""".split()
)

# Flags only vLLM (and its forks) has: what makes a bare argument list a vLLM server's. Kept clear of the flags
# SGLang, TGI, TensorRT-LLM and LMDeploy share with vLLM (--tensor-parallel-size, --kv-cache-dtype,
# --served-model-name, --tool-call-parser, --load-format, --quantization...).
DISTINCTIVE_FLAGS = frozenset(
    """max_model_len gpu_memory_utilization enforce_eager enable_prefix_caching enable_chunked_prefill max_num_seqs
    max_num_batched_tokens swap_space block_size pipeline_parallel_size distributed_executor_backend
    enable_auto_tool_choice limit_mm_per_prompt compilation_config speculative_config num_speculative_tokens
    speculative_model disable_log_requests enable_log_requests max_seq_len_to_capture guided_decoding_backend
    use_v2_block_manager num_scheduler_steps cpu_offload_gb override_generation_config hf_overrides max_lora_rank
    worker_use_ray disable_custom_all_reduce uvicorn_log_level preemption_mode mm_processor_kwargs max_cpu_loras
    enable_expert_parallel async_scheduling structured_outputs_config kv_transfer_config enable_sleep_mode
    disable_log_stats max_logprobs disable_sliding_window long_prefill_token_threshold max_num_partial_prefills
    scheduler_delay_factor tokenizer_pool_size multi_step_stream_outputs""".split()
)
# Flags of other servers that share vLLM's flag style: a list holding one is not a vLLM server's.
# TGI launcher (--model-id, --num-shard, --max-input-tokens...), SGLang (--model-path, --tp, --tp-size,
# --mem-fraction-static, --context-length), Triton/TorchServe (--model-repository, --model-store), KServe model
# servers (--model_name, --model_id), TensorRT-LLM and LMDeploy (--tp_size, --max_batch_size, --server-port).
FOREIGN_FLAGS = frozenset(
    """model_id num_shard sharded quantize max_input_tokens max_input_length max_total_tokens max_batch_prefill_tokens
    max_batch_total_tokens cuda_memory_fraction max_concurrent_requests hostname speculate model_path tp tp_size
    dp_size mem_fraction_static context_length max_running_requests chunked_prefill_size disable_radix_cache
    model_repository model_store model_control_mode http_port model_name model_dir max_batch_size
    server_port session_len cache_max_entry_count""".split()
)


@functools.lru_cache(maxsize=1)
def config_flag_names() -> frozenset[str]:
    """vLLM flag names (underscored): the newest release in the inventory, plus the builtin common ones."""
    from lmimigrate.core.pep440 import Version

    from lmimigrate.stacks.vllm.inventory import for_version, releases

    newest = max(Version(str(getattr(r, "version", r))) for r in releases())
    flags = getattr(for_version(newest), "cli_flags", None) or ()
    return frozenset(str(f).lstrip("-").replace("-", "_") for f in flags) | _BUILTIN_VLLM_FLAGS


register_command_line_facts(
    CommandLineFacts(SHORT_ALIASES, switch_names, SERVER_MODULES, CLI_MODULE, DISTINCTIVE_FLAGS, FOREIGN_FLAGS)
)
register_config_flag_names(config_flag_names)
