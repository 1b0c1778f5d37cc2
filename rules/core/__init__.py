"""The tool's own diagnostics that are rules (LMM codes)."""
