"""Rules for the vllm stack."""
