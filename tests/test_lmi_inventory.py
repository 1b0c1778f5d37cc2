"""rules/lmi/inventory.py: the LMI option inventory (extracted from djl-serving's properties_manager per branch)."""

from __future__ import annotations

import pytest

from lmimigrate.rules.lmi.inventory import BACKENDS, CLOSED, LMI_OPTIONS, backend_range, known_keys, lmi_option_known, option_range


@pytest.mark.parametrize(
    "key,major,backend,known",
    [
        # seed 001's "LMI Version" column, checked against the branches
        ("option.max_model_len", 9, "lmi-dist", True),
        ("max_model_len", 8, "lmi-dist", False),
        ("enable_chunked_prefill", 10, "lmi-dist", False),
        ("enable_chunked_prefill", 11, "lmi-dist", True),
        ("disable_sliding_window", 12, "lmi-dist", True),
        ("tokenizer_mode", 11, "lmi-dist", False),
        ("speculative_draft_model", 9, "lmi-dist", True),
        # lmi-dist is gone from v15
        ("speculative_draft_model", 15, "lmi-dist", False),
        # common keys on every backend
        ("model_id", 27, "vllm", True),
        ("entryPoint", 12, "lmi-dist", True),
        ("rolling_batch", 20, "trtllm", True),
        ("async_mode", 14, "vllm", False),
        ("async_mode", 15, "vllm", True),
        # vLLM era A, and LMI-only names in era B
        ("limit_mm_per_prompt", 11, "vllm", False),
        ("limit_mm_per_prompt", 12, "vllm", True),
        ("tool_call_parser", 13, "vllm", False),
        ("tool_call_parser", 14, "vllm", True),
        ("use_v2_block_manager", 16, "vllm", False),
        ("lmcache_auto_config", 18, "vllm", False),
        ("lmcache_auto_config", 19, "vllm", True),
        # typos are never known
        ("max_rolling_batch_prefill_tokes", 12, "lmi-dist", False),
        # DeepSpeed keys end with v9
        ("triangular_masking", 9, "deepspeed", True),
        ("triangular_masking", 10, "deepspeed", False),
    ],
)
def test_lmi_option_known(key, major, backend, known):
    assert lmi_option_known(key, major, backend) is known


def test_ranges_are_well_formed():
    for backend, table in LMI_OPTIONS.items():
        assert backend in BACKENDS
        for key, (since, until) in table.items():
            assert not key.startswith("option."), key
            assert 8 <= since <= 27, (backend, key)
            assert until is None or since < until <= 27, (backend, key)


def test_option_range_and_backend_range():
    assert option_range("option.speculative_length", "lmi-dist") == (9, 15)
    assert option_range("model_id", "lmi-dist") == (8, None)  # common
    assert option_range("no_such_key", "vllm") is None
    assert backend_range("scheduler") == (8, 15)
    assert CLOSED["vllm"] == (8, 14)


def test_known_keys_is_sorted_and_versioned():
    keys = known_keys(12, "lmi-dist")
    assert keys == sorted(keys)
    assert "max_rolling_batch_prefill_tokens" in keys and "speculative_telemetry" in keys
    assert "use_passive_workers" in keys and "use_passive_workers" not in known_keys(11, "lmi-dist")
