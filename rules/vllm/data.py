"""Tables of vLLM configuration changes: one row = one upstream change = one rule code.

Rows are `core.changes.KeyChange`s (flags.py makes each a rule). Every row cites
../shared/reference/vllm_breaking_changes.md (the `source` field, e.g. "§3.2 S11") and the source text it quotes
there. Keys are EngineArgs field names (a flag without dashes, `-` -> `_`): one key
covers `--swap-space`, `--swap_space`, a vLLM `--config` YAML key and `LLM(swap_space=...)`.
"""

from __future__ import annotations

from lmimigrate.core.changes import KeyChange
from lmimigrate.core.ftypes import Applicability

from .common import ev

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


FLAG_ROWS: tuple[KeyChange, ...] = (
    # ---- §3.2 scheduler -------------------------------------------------------------------------------
    KeyChange(
        "VLLM010", "use-v2-block-manager-removed", "§3.2 S11", ("use_v2_block_manager",), "0.6.4", "delete",
        namespace="vllm", removed_in="0.10.0",
        summary="`--use-v2-block-manager` has been a no-op since vllm 0.6.4 and was removed in 0.10.0",
        why="Block manager v1 was removed in 0.6.4; from then on the flag had no effect, and 0.10.0 removed it, "
        "so an unchanged command line fails with `unrecognized arguments` (and `LLM(use_v2_block_manager=...)` "
        "with a TypeError).",
        fix_safety="Safe: the flag has had no effect since 0.6.4, whatever its value.",
        evidence=(ev("vllm 0.6.4", "vllm/engine/arg_utils.py", "\"[DEPRECATED] block manager v1 has been removed "
                     "… Setting this flag to True or False has no effect\"; flag absent in v0.10.0", "§3.2 S11"),),
        samples={"cli": None, "yaml": "true"},
    ),
    KeyChange(
        "VLLM011", "multi-step-scheduling-removed", "§3.2 S12", ("num_scheduler_steps", "multi_step_stream_outputs"), "0.10.1", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="Multi-step scheduling (`--num-scheduler-steps`, `--multi-step-stream-outputs`) was removed in vllm 0.10.1",
        why="Multi-step scheduling was a V0-engine feature. From 0.8.0 setting it made vLLM fall back to the V0 "
        "engine; 0.10.1 removed both flags, so the command fails with `unrecognized arguments`.",
        fix_safety="Unsafe: deleting the flag means the V1 engine runs instead of the V0 engine the flag "
        "selected; throughput and latency change. Re-tune batching (`--max-num-seqs`, "
        "`--max-num-batched-tokens`) on the new engine.",
        evidence=(ev("vllm 0.10.0", "vllm/engine/arg_utils.py", "`_raise_or_fallback(feature_name=\"--num-scheduler-steps\"`; "
                     "both flags absent in v0.10.1", "§3.2 S12"),),
        samples={"cli": "8", "yaml": "8"},
    ),
    KeyChange(
        "VLLM012", "v0-scheduler-flags-removed", "§3.2 S13", ("preemption_mode", "scheduler_delay_factor", "disable_async_output_proc"), "0.11.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--preemption-mode`, `--scheduler-delay-factor` and `--disable-async-output-proc` were removed in vllm 0.11.0",
        why="These V0-engine options made vLLM fall back to V0 until 0.10.2; the V0 engine was removed in 0.11.0 "
        "together with the flags (SchedulerConfig lost `preemption_mode` and `delay_factor`).",
        fix_safety="Unsafe: the V1 engine always preempts by recomputation and has no delay factor; deleting "
        "the flag lets the server start, but scheduling differs from what the flag asked for.",
        evidence=(ev("vllm 0.10.2", "vllm/engine/arg_utils.py", "`_raise_or_fallback(feature_name=\"--preemption-mode\"` / "
                     "`\"--scheduler-delay-factor\"` / `\"--disable-async-output-proc\"`; absent in v0.11.0", "§3.2 S13"),),
        samples={"cli": "swap", "yaml": "swap"},
    ),
    KeyChange(
        "VLLM013", "swap-space-removed", "§3.2 S14", ("swap_space",), "0.18.0", "delete", namespace="vllm",
        summary="`--swap-space` was removed in vllm 0.18.0",
        why="The V1 engine preempts by recomputation and never swaps KV blocks to CPU memory; `swap_space` was "
        "only used for a CPU-memory sanity check. 0.18.0 removed the flag (`LLM(swap_space=...)` is ignored "
        "with a deprecation warning).",
        fix_safety="Safe: in the V1 engine the value only fed a start-up memory check; no KV cache was swapped.",
        evidence=(ev("vllm 0.18.0", "vllm/entrypoints/llm.py", "\"The 'swap_space' parameter is deprecated and "
                     "ignored.\"; flag absent from v0.18.0 vllm/engine/arg_utils.py", "§3.2 S14"),),
        samples={"cli": "16", "yaml": "16"},
    ),
    KeyChange(
        "VLLM014", "num-lookahead-slots-removed", "§3.2 S15", ("num_lookahead_slots",), "0.12.0", "delete",
        namespace="vllm",
        summary="`--num-lookahead-slots` was removed in vllm 0.12.0",
        why="Lookahead slots served V0 speculative decoding and multi-step scheduling; the V1 engine (the only "
        "engine from 0.11.0) never reads the value, and 0.12.0 removed the flag.",
        fix_safety="Safe: no V1 code path read the value (vllm/v1 at 0.11.2 has no reference to it).",
        evidence=(ev("vllm 0.12.0", "vllm/engine/arg_utils.py", "`--num-lookahead-slots` present v0.11.2, absent v0.12.0",
                     "§3.2 S15"),),
        samples={"cli": "4", "yaml": "4"},
    ),
    KeyChange(
        "VLLM015", "partial-prefills-removed", "§3.2 S16", ("max_num_partial_prefills", "max_long_partial_prefills"), "0.27.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--max-num-partial-prefills` and `--max-long-partial-prefills` were removed in vllm 0.27.0",
        why="Concurrent partial prefills were removed from SchedulerConfig in 0.27.0; the flags now fail with "
        "`unrecognized arguments`.",
        fix_safety="Unsafe: up to 0.26.0 a value above 1 also set `long_prefill_token_threshold` to 4% of "
        "`max_model_len` when it was 0; without the flag that threshold stays 0, which changes how long "
        "prompts are chunked. Set `--long-prefill-token-threshold` yourself if you relied on it.",
        evidence=(ev("vllm 0.27.0", "vllm/config/scheduler.py", "SchedulerConfig fields `max_num_partial_prefills`, "
                     "`max_long_partial_prefills` removed in v0.27.0", "§3.2 S16"),),
        samples={"cli": "2", "yaml": "2"},
    ),
    KeyChange(
        "VLLM016", "prefix-caching-hash-builtin-removed", "§3.2 S7", ("prefix_caching_hash_algo",), "0.10.2", "revalue",
        namespace="vllm", fix=UNSAFE, values=("builtin",), new_value="sha256",
        summary="`--prefix-caching-hash-algo builtin` is no longer accepted from vllm 0.10.2",
        why="0.10.2 narrowed `PrefixCachingHashAlgo` to `sha256` / `sha256_cbor` (later also `xxhash`, "
        "`xxhash_cbor`); `builtin` fails validation at start-up.",
        fix_safety="Unsafe: `sha256` (the default) is slower to compute than Python's builtin hash; outputs do "
        "not change, but prefix-cache lookups cost more. `xxhash` (newer releases) is a faster choice.",
        evidence=(ev("vllm 0.10.2", "vllm/config/cache.py", "`PrefixCachingHashAlgo = Literal[\"sha256\", "
                     "\"sha256_cbor\"]`; 'builtin' last present v0.10.1", "§3.2 S7"),),
        samples={"cli": "builtin", "yaml": "builtin"},
    ),
    # ---- §3.3 compilation ------------------------------------------------------------------------------
    KeyChange(
        "VLLM031", "max-seq-len-to-capture-removed", "§3.3 C1", ("max_seq_len_to_capture",), "0.11.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--max-seq-len-to-capture` was removed in vllm 0.11.0",
        why="The flag (and `LLM(max_seq_len_to_capture=)`) no longer exists; there is no 1:1 replacement. The "
        "closest control is the CUDA-graph capture size: `--max-cudagraph-capture-size` / "
        "`-cc.max_cudagraph_capture_size` (0.11.1+), which bounds batch sizes, not sequence lengths.",
        fix_safety="Unsafe: deleting it lets the server start, but which shapes run under CUDA graphs is now "
        "decided by the capture sizes; check latency and memory.",
        evidence=(ev("vllm 0.10.2", "vllm/config/__init__.py", "\"Maximum sequence len covered by CUDA graphs\"; "
                     "field and flag absent in v0.11.0", "§3.3 C1"),),
        samples={"cli": "8192", "yaml": "8192"},
    ),
    KeyChange(
        "VLLM032", "max-context-len-to-capture-renamed", "§3.3 C2", ("max_context_len_to_capture",), "0.6.4", "rename",
        namespace="vllm", new_key="max_seq_len_to_capture",
        summary="`--max-context-len-to-capture` was removed in vllm 0.6.4; use `--max-seq-len-to-capture`",
        why="The old name was a deprecated alias (0.5.5–0.6.3) and was removed in 0.6.4. Note that "
        "`--max-seq-len-to-capture` itself was removed in 0.11.0 (VLLM031).",
        fix_safety="Safe: the old flag was an alias of the new one.",
        evidence=(ev("vllm 0.6.3", "vllm/engine/arg_utils.py", "\"(DEPRECATED. Use --max-seq-len-to-capture instead\"; "
                     "flag absent in v0.6.4", "§3.3 C2"),),
        samples={"cli": "8192", "yaml": "8192"},
    ),
    # ---- §3.5 runner / task ----------------------------------------------------------------------------
    KeyChange(
        "VLLM071", "override-pooler-config-renamed", "§3.5 T2", ("override_pooler_config",), "0.11.0", "rename",
        namespace="vllm", removed_in="0.12.0", new_key="pooler_config",
        summary="`--override-pooler-config` was renamed `--pooler-config` (deprecated 0.11.0, removed 0.12.0)",
        why="0.11.0 added `--pooler-config` / `LLM(pooler_config=)` and deprecated the old name; 0.12.0 removed it.",
        fix_safety="Safe: same value, same meaning.",
        evidence=(ev("vllm 0.11.0", "vllm/config/model.py", "\"`override_pooler_config` is deprecated and will be "
                     "removed in v0.12.0 … Please use `pooler_config` instead.\"", "§3.5 T2"),),
        samples={"cli": "'{\"pooling_type\": \"MEAN\"}'", "yaml": "{\"pooling_type\": \"MEAN\"}"},
    ),
    KeyChange(
        "VLLM072", "override-neuron-config-removed", "§3.5 T3", ("override_neuron_config",), "0.10.2", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--override-neuron-config` was removed in vllm 0.10.2",
        why="The Neuron-specific override was removed with the in-tree Neuron backend.",
        fix_safety="Unsafe: the overrides are dropped; on AWS Neuron use the Neuron vLLM plugin's own options.",
        evidence=(ev("vllm 0.10.2", "vllm/engine/arg_utils.py", "`--override-neuron-config` present v0.10.1, absent v0.10.2",
                     "§3.5 T3"),),
        samples={"cli": "'{\"enable_bucketing\": true}'", "yaml": "{\"enable_bucketing\": true}"},
    ),
    # ---- §3.6 logging / server -------------------------------------------------------------------------
    KeyChange(
        "VLLM082", "disable-frontend-multiprocessing-removed", "§3.6 L5", ("disable_frontend_multiprocessing",), "0.19.0", "delete",
        namespace="vllm",
        summary="`--disable-frontend-multiprocessing` was removed in vllm 0.19.0",
        why="The API server always runs the engine core in its own process; the FrontendArgs field was removed "
        "in 0.19.0.",
        fix_safety="Safe: only the V0 engine honoured the flag. Under V1 (the default from 0.8.0, the only engine "
        "from 0.11.0) the API server ignored it with a warning (\"V1 is enabled, but got "
        "--disable-frontend-multiprocessing.\"), so deleting it changes nothing a V1 deployment runs; a V0 source "
        "changes process layout by moving to V1 at all (VLLM020/VLLM021), not by this deletion.",
        evidence=(ev("vllm 0.19.0", "vllm/entrypoints/openai/cli_args.py", "FrontendArgs field present v0.18.0; absent v0.19.0",
                     "§3.6 L5"),
                  ev("vllm 0.8.2, 0.11.0, 0.14.0", "vllm/entrypoints/openai/api_server.py",
                     "`if disable_frontend_multiprocessing: logger.warning(\"V1 is enabled, but got "
                     "--disable-frontend-multiprocessing. \"` (0.8.2 adds \"To disable frontend multiprocessing, set "
                     "VLLM_USE_V1=0.\")", "§3.6 L5")),
        samples={"cli": None, "yaml": "true"},
    ),
    KeyChange(
        "VLLM083", "enable-reasoning-removed", "§3.6 L6", ("enable_reasoning",), "0.10.0", "delete", namespace="vllm",
        summary="`--enable-reasoning` was removed in vllm 0.10.0; `--reasoning-parser` alone enables reasoning",
        why="Since 0.9.0 `--reasoning-parser <name>` is enough; 0.10.0 removed `--enable-reasoning`.",
        fix_safety="Safe when `--reasoning-parser` is set (the fix is offered only then): it alone enables "
        "reasoning output.",
        evidence=(ev("vllm 0.9.2", "vllm/engine/arg_utils.py", "\"The `--enable-reasoning` flag is deprecated as of "
                     "v0.9.0. Use `--reasoning-parser` … will be removed in v0.10.0.\"", "§3.6 L6"),),
        requires=("reasoning_parser",), samples={"cli": None, "yaml": "true"},
        context={"cli": " --reasoning-parser deepseek_r1", "yaml": "reasoning_parser: deepseek_r1\n"},
    ),
    KeyChange(
        "VLLM084", "expand-tools-flag-removed", "§3.6 L7", ("expand_tools_even_if_tool_choice_none",), "0.10.0", "delete",
        namespace="vllm",
        summary="`--expand-tools-even-if-tool-choice-none` was removed in vllm 0.10.0: tools are always included",
        why="From 0.10.0 tool definitions are always put in the prompt, which is what this flag asked for; the "
        "opposite is now opt-in with `--exclude-tools-when-tool-choice-none` (0.10.1+).",
        fix_safety="Safe: the removed flag's behaviour is the new default.",
        evidence=(ev("vllm 0.9.2", "vllm/entrypoints/openai/cli_args.py", "\"In v0.10.0, tool definitions will always "
                     "be included regardless of tool_choice setting.\"", "§3.6 L7"),),
        samples={"cli": None, "yaml": "true"},
    ),
    KeyChange(
        "VLLM085", "chat-template-text-format-renamed", "§3.6 L8", ("chat_template_text_format",), "0.6.5", "rename",
        namespace="vllm", new_key="chat_template_content_format",
        summary="`--chat-template-text-format` was renamed `--chat-template-content-format` in vllm 0.6.5",
        why="0.6.5 replaced the flag; `string` and `openai` keep their meaning (the new flag adds `auto`, "
        "its default).",
        fix_safety="Safe: same values, same meaning.",
        evidence=(ev("vllm 0.6.5", "vllm/entrypoints/openai/cli_args.py", "`--chat-template-text-format` in v0.6.4 "
                     "vllm/engine/arg_utils.py, absent in v0.6.5 where `--chat-template-content-format` appears",
                     "§3.6 L8"),),
        samples={"cli": "openai", "yaml": "openai"},
    ),
    KeyChange(
        "VLLM086", "engine-use-ray-removed", "§3.6 L9", ("engine_use_ray",), "0.6.2", "delete", namespace="vllm",
        fix=UNSAFE, summary="`--engine-use-ray` was removed in vllm 0.6.2",
        why="Running the engine in a separate Ray actor was deprecated and then removed in 0.6.2.",
        fix_safety="Unsafe: the engine then runs in the server process; multi-node Ray setups must use "
        "`--distributed-executor-backend ray`.",
        evidence=(ev("vllm 0.6.1", "vllm/engine/arg_utils.py", "\"(DEPRECATED. This argument is deprecated and will "
                     "be removed in a future update.\"; absent in v0.6.2", "§3.6 L9"),),
        samples={"cli": None, "yaml": "true"},
    ),
    # ---- §3.8 model config -----------------------------------------------------------------------------
    KeyChange(
        "VLLM111", "tokenizer-pool-removed", "§3.8 M2", ("tokenizer_pool_size", "tokenizer_pool_type", "tokenizer_pool_extra_config"), "0.10.0", "delete",
        namespace="vllm",
        summary="The tokenizer-pool flags were removed in vllm 0.10.0",
        why="`TokenizerPoolConfig` was deprecated in 0.8.5 and removed with its flags in 0.10.0; the V1 engine "
        "tokenizes in the API-server process.",
        fix_safety="Safe: the V1 engine (the default from 0.8.0; 0.8.2's V1 oracle does not even fall back to V0 "
        "for it) never reads the tokenizer-pool settings. Only a V0 engine (`VLLM_USE_V1=0`, or a V0 fallback) "
        "tokenized in a Ray pool; without it the same tokens are produced in the engine process (throughput, not "
        "output, may differ).",
        evidence=(ev("vllm 0.9.2", "vllm/config.py", "\"TokenizerPoolConfig is deprecated and will be removed in a "
                     "future release.\"; flags absent in v0.10.0", "§3.8 M2"),),
        samples={"cli": "4", "yaml": "4"},
    ),
    KeyChange(
        "VLLM112", "device-flag-removed", "§3.8 M3", ("device",), "0.10.0", "delete", namespace="vllm",
        summary="`--device` was removed in vllm 0.10.0; the platform is detected automatically",
        why="The device is detected from the installed platform; the flag was deprecated in 0.9.x and removed "
        "in 0.10.0.",
        fix_safety="Safe: the detected platform is what the server runs on (install the vLLM build for your "
        "device).",
        evidence=(ev("vllm 0.9.2", "vllm/engine/arg_utils.py", "`add_argument(\"--device\", …, deprecated=True)`; "
                     "vllm/config.py \"This parameter is deprecated and will be removed in a future release.\"",
                     "§3.8 M3"),),
        samples={"cli": "cuda", "yaml": "cuda"},
    ),
    KeyChange(
        "VLLM113", "worker-use-ray-removed", "§3.8 M4", ("worker_use_ray",), "0.7.0", "switch", namespace="vllm",
        new_key="distributed_executor_backend", new_value="ray",
        summary="`--worker-use-ray` was removed in vllm 0.7.0; use `--distributed-executor-backend ray`",
        why="The boolean was replaced by the executor backend choice.",
        fix_safety="Safe: `--worker-use-ray` was documented as `--distributed-executor-backend=ray`.",
        evidence=(ev("vllm 0.6.6", "vllm/engine/arg_utils.py", "\"Deprecated, use --distributed-executor-backend=ray.\"",
                     "§3.8 M4"),),
        samples={"cli": None, "yaml": "true"},
    ),
    KeyChange(
        "VLLM114", "quantization-param-path-removed", "§3.8 M6", ("quantization_param_path",), "0.7.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--quantization-param-path` was removed in vllm 0.7.0; FP8 KV-cache scales come from the checkpoint",
        why="The separate JSON file of KV-cache scaling factors is no longer read; scales are loaded from the "
        "model checkpoint.",
        fix_safety="Unsafe: without the file, a checkpoint lacking KV scales runs with scale 1.0, which can "
        "reduce FP8 KV-cache accuracy. Re-quantize the checkpoint with KV scales.",
        evidence=(ev("vllm 0.7.0", "vllm/engine/arg_utils.py", "`--quantization-param-path` present v0.6.6, absent v0.7.0",
                     "§3.8 M6"),),
        samples={"cli": "/models/kv_scales.json", "yaml": "/models/kv_scales.json"},
    ),
    KeyChange(
        "VLLM115", "calculate-kv-scales-removed", "§3.8 M7", ("calculate_kv_scales",), "0.28.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--calculate-kv-scales` was removed in vllm 0.28.0",
        why="Deprecated from 0.19.0 and removed in 0.28.0; KV-cache scales come from the checkpoint.",
        fix_safety="Unsafe: scales are no longer computed on the fly; an FP8 KV cache without checkpoint scales "
        "uses 1.0.",
        evidence=(ev("vllm 0.19.0", "vllm/config/cache.py", "\"Deprecated: This option is deprecated and will be "
                     "removed in v0.19.\"; absent in v0.28.0", "§3.8 M7"),),
        samples={"cli": None, "yaml": "true"},
    ),
    KeyChange(
        "VLLM116", "override-attention-dtype-removed", "§3.8 M8", ("override_attention_dtype",), "0.28.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--override-attention-dtype` was removed in vllm 0.28.0",
        why="The flag no longer exists in 0.28.0.",
        fix_safety="Unsafe: attention then runs in the model dtype.",
        evidence=(ev("vllm 0.28.0", "vllm/engine/arg_utils.py", "present v0.27.0, absent v0.28.0", "§3.8 M8"),),
        samples={"cli": "float32", "yaml": "float32"},
    ),
    KeyChange(
        "VLLM117", "logits-processor-pattern-removed", "§3.8 M9", ("logits_processor_pattern",), "0.17.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--logits-processor-pattern` was removed in vllm 0.17.0; use engine-level `--logits-processors`",
        why="Per-request logits processors named by a pattern were a V0 feature (V1 raised an error for it); "
        "V1 loads logits-processor classes at start-up with `--logits-processors`.",
        fix_safety="Unsafe: requests naming a logits processor stop being served by it; port the processors "
        "to V1 classes and list them in `--logits-processors`.",
        evidence=(ev("vllm 0.16.0", "vllm/engine/arg_utils.py", "`_raise_unsupported_error(feature_name="
                     "\"--logits-processor-pattern\")`; absent in v0.17.0", "§3.8 M9"),),
        samples={"cli": "'my_pkg\\.processors\\..*'", "yaml": "'my_pkg\\.processors\\..*'"},
    ),
    KeyChange(
        "VLLM118", "disable-mm-preprocessor-cache-renamed", "§3.8 M10", ("disable_mm_preprocessor_cache",), "0.10.1", "switch",
        namespace="vllm", removed_in="0.13.0", new_key="mm_processor_cache_gb", new_value=0,
        summary="`--disable-mm-preprocessor-cache` is replaced by `--mm-processor-cache-gb 0` (deprecated 0.10.1, "
        "removed 0.13.0)",
        why="0.10.1 sized the multimodal processor cache in GiB; a size of 0 disables it.",
        fix_safety="Safe: the deprecation message names `--mm-processor-cache-gb 0` as the replacement.",
        evidence=(ev("vllm 0.11.0", "vllm/engine/arg_utils.py", "\"`--disable-mm-preprocessor-cache` is deprecated and "
                     "will be removed in v0.13. Please use `--mm-processor-cache-gb 0` instead.\"", "§3.8 M10"),),
        samples={"cli": None, "yaml": "true"},
    ),
    KeyChange(
        "VLLM119", "mm-encoder-data-parallel-renamed", "§3.8 M11", ("enable_multimodal_encoder_data_parallel",), "0.10.2", "switch",
        namespace="vllm", removed_in="0.13.0", new_key="mm_encoder_tp_mode", new_value="data",
        summary="`--enable-multimodal-encoder-data-parallel` is replaced by `--mm-encoder-tp-mode data` "
        "(deprecated 0.10.2, removed 0.13.0)",
        why="0.10.2 made the encoder parallelism a mode.",
        fix_safety="Safe: the deprecation message names `--mm-encoder-tp-mode data` as the replacement.",
        evidence=(ev("vllm 0.11.0", "vllm/engine/arg_utils.py", "\"…is deprecated and will be removed in v0.13. Please "
                     "use `--mm-encoder-tp-mode data` instead.\"", "§3.8 M11"),),
        samples={"cli": None, "yaml": "true"},
    ),
    # ---- §3.9 load config ------------------------------------------------------------------------------
    KeyChange(
        "VLLM131", "qlora-adapter-flag-removed", "§3.9 K2", ("qlora_adapter_name_or_path",), "0.10.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--qlora-adapter-name-or-path` was removed in vllm 0.10.0",
        why="Deprecated in 0.9.0 and removed in 0.10.0; serve the adapter with `--enable-lora --lora-modules`.",
        fix_safety="Unsafe: the adapter is no longer applied; add it with `--lora-modules`.",
        evidence=(ev("vllm 0.9.2", "vllm/engine/arg_utils.py", "deprecated-marked v0.9.0–v0.9.2; absent v0.10.0",
                     "§3.9 K2"),),
        samples={"cli": "org/adapter", "yaml": "org/adapter"},
    ),
    # ---- §3.11 LoRA --------------------------------------------------------------------------------------
    KeyChange(
        "VLLM150", "lora-extra-vocab-size-removed", "§3.11 R1", ("lora_extra_vocab_size",), "0.10.2", "delete",
        namespace="vllm", removed_in="0.12.0", fix=UNSAFE,
        summary="`--lora-extra-vocab-size` is deprecated (0.10.2) and removed in vllm 0.12.0",
        why="Additional vocabulary support for LoRA adapters was phased out.",
        fix_safety="Unsafe: adapters that add tokens no longer work; those that do not are unaffected.",
        evidence=(ev("vllm 0.10.2", "vllm/config/lora.py", "\"`lora_extra_vocab_size` is deprecated and will be removed "
                     "in v0.12.0. Additional vocabulary support for LoRA adapters is being phased out.\"",
                     "§3.11 R1"),),
        samples={"cli": "256", "yaml": "256"},
    ),
    KeyChange(
        "VLLM151", "enable-lora-bias-removed", "§3.11 R2", ("enable_lora_bias",), "0.11.1", "delete",
        namespace="vllm", fix=UNSAFE, summary="`--enable-lora-bias` was removed in vllm 0.11.1",
        why="LoRA bias support was deprecated in 0.10.2 and the flag removed in 0.11.1.",
        fix_safety="Unsafe: adapters trained with bias terms load without them; outputs change.",
        evidence=(ev("vllm 0.10.2", "vllm/config/lora.py", "\"[DEPRECATED] Enable bias for LoRA adapters. This option "
                     "will be removed in v0.12.0.\"; flag absent in v0.11.1", "§3.11 R2"),),
        samples={"cli": None, "yaml": "true"},
    ),
    KeyChange(
        "VLLM152", "long-lora-scaling-factors-removed", "§3.11 R3", ("long_lora_scaling_factors",), "0.10.0", "delete",
        namespace="vllm", fix=UNSAFE,
        summary="`--long-lora-scaling-factors` was removed in vllm 0.10.0",
        why="Long-context LoRA support was removed.",
        fix_safety="Unsafe: long-context LoRA adapters no longer get their scaling.",
        evidence=(ev("vllm 0.10.0", "vllm/engine/arg_utils.py", "absent from v0.10.0 (LoRAConfig field gone by v0.10.2)",
                     "§3.11 R3"),),
        samples={"cli": "4.0", "yaml": "[4.0]"},
    ),
    KeyChange(
        "VLLM153", "prompt-adapters-removed", "§3.11 R6",
        ("max_prompt_adapters", "max_prompt_adapter_token", "prompt_adapters", "enable_prompt_adapter"), "0.10.0", "delete",
        namespace="vllm", fix=UNSAFE,
        # `--enable-prompt-adapter` lived until 0.10.1: it is checked against its own removal.
        key_removed_in={"enable_prompt_adapter": "0.10.2"},
        summary="Prompt adapters (`--enable-prompt-adapter`, `--prompt-adapters`, `--max-prompt-adapters`, "
        "`--max-prompt-adapter-token`) were removed in vllm 0.10.0 / 0.10.2",
        why="Prompt-adapter support (`vllm/prompt_adapter`) was removed: the size flags and serve "
        "`--prompt-adapters` in 0.10.0, `--enable-prompt-adapter` in 0.10.2.",
        fix_safety="Unsafe: requests no longer get the prompt adapter applied.",
        evidence=(ev("vllm 0.10.0", "vllm/engine/arg_utils.py", "flag-span scan: `--max-prompt-adapters`, "
                     "`--max-prompt-adapter-token`, `--prompt-adapters` absent v0.10.0; `--enable-prompt-adapter` "
                     "absent v0.10.2", "§3.11 R6"),),
        samples={"cli": "2", "yaml": "2"},
    ),
)
