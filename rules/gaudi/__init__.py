"""Rules for Intel Gaudi: the HabanaAI vllm-fork (stack `vllm-fork`, Gaudi software releases 1.18.0-1.23.0,
codes HPU001-HPU049) and the vllm-project/vllm-gaudi plugin that replaces it (stack `vllm-gaudi`, HPU050-HPU099),
plus HPU900, the finding of the `lmimigrate hpu-buckets --check` calculator (documentation only).

Ground truth: the reference's gaudi_bucketing.md; see `common.py` for how the two stacks are gated together.
"""
