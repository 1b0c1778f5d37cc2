"""Rules for the vllm stack.

Code ranges (stable; one code = one upstream change, cited from ../shared/reference/vllm_breaking_changes.md):

Configuration surfaces (CLI flags, vLLM `--config` YAML, `LLM(...)`/`EngineArgs(...)` kwargs, env vars):
- VLLM001-009  engine generation, §3.1 (E1 V1 default, E3 `VLLM_USE_V1`)
- VLLM010-029  scheduler / batching, §3.2 (S1-S16)
- VLLM030-059  CUDA graphs / compilation, §3.3 (C1-C14)
- VLLM060-069  speculative decoding, §3.4 (D1-D5)
- VLLM070-079  model runner / task, §3.5 (T1-T3)
- VLLM080-099  logging / OpenAI server, §3.6 (L1-L9)
- VLLM100-109  structured outputs, §3.7 (G1, G3, G6)
- VLLM110-129  model config / HF overrides, §3.8 (M1-M12)
- VLLM130-139  load config / tensorizer, §3.9 (K1-K4)
- VLLM140-149  quantization methods, §3.10
- VLLM150-159  LoRA, §3.11 (R1-R3, R6)
- VLLM160-189  environment variables, §3.14 (V1-V6)
- VLLM190-199  reserved

Python API, import paths and the generic "unknown to the target" rule: VLLM200 and up.
"""
